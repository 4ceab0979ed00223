"""``AuditLog``: every job start, refusal by policy, cancel, delete, admin change and report of a
server, kept as an ``audit_event`` row and, when the server has a log channel, handed to a sink
that posts it there (the Discord side: ``bot/ui/audit_log.py``).

Recording is never in a member's way: the row is written in a transaction of its own (or the
caller's, with ``record_in``), and the post runs as a background task after it, so a slow or
failing Discord costs the caller nothing. A failure of either is logged, never raised.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from ..clock import Clock
from ..errors import clip
from ..jobs import Job
from ..store.audit import AuditEvent, AuditRepository
from ..store.connections import Transaction
from ..store.database import Database
from ..store.jobs import JobRepository
from ..tasks import TaskSupervisor
from .settings import LogChannels

if TYPE_CHECKING:
    from ..policy.service import Refusal

log = logging.getLogger(__name__)

PROMPT_LIMIT = 300  # characters of a prompt kept with an event (the job keeps all of it)
BOT = 0  # the actor of what the bot did by itself


class AuditKind(StrEnum):
    JOB_STARTED = "job_started"
    REFUSED = "refused"
    CANCELLED = "cancelled"
    DELETED = "deleted"
    ADMIN = "admin"
    REPORTED = "reported"
    BLOCKED = "blocked"


class AuditSink(Protocol):
    """Posts a stored event in a server's log channel; may raise (the AuditLog logs it)."""

    async def post(self, channel_id: int, event: AuditEvent) -> None: ...


def job_details(job: Job, status: str, *, message_id: int | None = None) -> dict[str, Any]:
    """What an event about a job shows: prompt, model, cost, status and where it was posted."""
    details: dict[str, Any] = {
        "prompt": clip(job.prompt, PROMPT_LIMIT), "model": job.model, "command": job.command, "status": status,
        "cost": job.credits_used if job.credits_used is not None else job.held, "channel_id": job.channel_id,
    }
    if message_id is not None:
        details["message_id"] = message_id
    if job.action is not None:
        details["action"] = job.action
    return details


class AuditLog:
    def __init__(self, db: Database, clock: Clock, channels: LogChannels, *, tasks: TaskSupervisor | None = None,
                 sink: AuditSink | None = None) -> None:
        self.db = db
        self.clock = clock
        self.channels = channels
        self.tasks = tasks or TaskSupervisor()
        self.sink = sink  # None: kept in the database only (set by the moderation cog while it is loaded)
        self._repo = AuditRepository()
        self._jobs = JobRepository()
        self._posting: set[asyncio.Task[None]] = set()

    # -- the core: keep, then post --------------------------------------------------

    async def record_in(self, tx: Transaction, event: AuditEvent) -> AuditEvent:
        """Write the event in the caller's transaction; ``publish`` it after the commit."""
        return replace(event, id=await self._repo.insert(tx, event))

    async def record(self, event: AuditEvent) -> AuditEvent | None:
        """Keep the event and post it in the server's log channel, if any. Never raises: an event
        that cannot be kept or posted is logged (the caller's own change has happened)."""
        try:
            async with self.db.transaction() as tx:
                stored = await self.record_in(tx, event)
        except Exception:
            log.exception("Could not keep the %s event of server %s", event.kind, event.guild_id)
            return None
        await self.publish(stored)
        return stored

    async def publish(self, event: AuditEvent) -> None:
        """Post a stored event in the log channel, in the background."""
        if self.sink is None:
            return
        try:
            channel_id = await self.channels.get(event.guild_id)
        except Exception:
            log.exception("Could not read the log channel of server %s", event.guild_id)
            return
        if channel_id is None:
            return
        task = self.tasks.spawn(self._post(self.sink, channel_id, event), f"audit post {event.kind} {event.id}")
        self._posting.add(task)
        task.add_done_callback(self._posting.discard)

    async def _post(self, sink: AuditSink, channel_id: int, event: AuditEvent) -> None:
        try:
            await sink.post(channel_id, event)
        except Exception:
            log.exception("Could not post the %s event %s in log channel %s", event.kind, event.id, channel_id)

    async def drain(self) -> None:
        """Wait for the posts under way (tests; a clean shutdown)."""
        while self._posting:
            await asyncio.gather(*self._posting, return_exceptions=True)

    def event(self, kind: AuditKind, guild_id: int, actor_id: int, *, member_id: int | None = None,
              job_id: str | None = None, details: Mapping[str, Any] | None = None) -> AuditEvent:
        return AuditEvent(kind=kind.value, guild_id=guild_id, actor_id=actor_id, at=self.clock(),
                          member_id=member_id, job_id=job_id, details=dict(details or {}))

    # -- what the hooks call --------------------------------------------------------

    async def job_started(self, job_id: str, status_message_id: int | None) -> None:
        """A job was held and queued, and its public status shown (GenerationService.start)."""
        try:
            async with self.db.read() as conn:
                job = await self._jobs.get(conn, job_id)
        except Exception:
            log.exception("Could not read job %s for the audit log", job_id)
            return
        if job is not None:
            await self.record(self.event(AuditKind.JOB_STARTED, job.guild_id, job.member_id, member_id=job.member_id,
                                         job_id=job.id, details=job_details(job, "queued",
                                                                            message_id=status_message_id)))

    async def job_cancelled(self, job: Job, by: int, *, rendering: bool = False) -> None:
        """A waiting job was cancelled (refunded), or a rendering one will end as cancelled."""
        status = "cancelled while rendering: not posted, refunded" if rendering else "cancelled: refunded"
        await self.record(self.event(AuditKind.CANCELLED, job.guild_id, by, member_id=job.member_id, job_id=job.id,
                                     details=job_details(job, status, message_id=job.status_message_id)))

    async def result_deleted(self, job: Job, by: int) -> None:
        """A posted result was deleted by its author or a moderator (what it cost stays spent)."""
        await self.record(self.event(AuditKind.DELETED, job.guild_id, by, member_id=job.member_id, job_id=job.id,
                                     details=job_details(job, "deleted")))

    async def record_refusal(
        self, guild_id: int, member_id: int, reason: str, *, rule: str | None = None, prompt: str | None = None,
        model: str | None = None, channel_id: int | None = None, command: str | None = None,
    ) -> None:
        """The server's policy refused a request before anything was held (the policy service calls
        this). ``reason`` is what the member was told; ``rule`` names the rule that refused it."""
        details: dict[str, Any] = {"status": f"refused: {clip(reason, PROMPT_LIMIT)}"}
        for name, value in (("rule", rule), ("model", model), ("channel_id", channel_id), ("command", command)):
            if value is not None:
                details[name] = value
        if prompt is not None:
            details["prompt"] = clip(prompt, PROMPT_LIMIT)
        await self.record(self.event(AuditKind.REFUSED, guild_id, member_id, member_id=member_id, details=details))

    async def admin_change(self, guild_id: int, actor_id: int, command: str, options: Mapping[str, str]) -> None:
        """An admin changed a setting (a /quota or /policy command that succeeded)."""
        await self.record(self.event(AuditKind.ADMIN, guild_id, actor_id, details={
            "command": command, "options": dict(options), "status": "changed",
        }))

    async def member_blocked(self, guild_id: int, member_id: int, by: int, *, job_id: str | None = None) -> None:
        await self.record(self.event(AuditKind.BLOCKED, guild_id, by, member_id=member_id, job_id=job_id,
                                     details={"status": "blocked from generating"}))


class RefusalsToAudit:
    """Subscribes to the policy service: each refusal becomes an audit event (and a log-channel post)."""

    def __init__(self, audit: AuditLog) -> None:
        self.audit = audit

    async def on_refusal(self, refusal: Refusal) -> None:
        where = refusal.where
        await self.audit.record_refusal(
            where.guild_id, where.member_id, refusal.error.message, rule=refusal.rule, model=refusal.model,
            channel_id=where.channel_id, command=refusal.command,
        )
