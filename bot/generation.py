"""Turning a member's request into a held, stored, queued job; nothing spent on bad input."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from .catalog import (
    Catalog,
    CatalogUnavailableError,
    ParamValidationError,
    estimate_hold,
    parse_options,
    validate_request,
)
from .clock import Clock
from .dispatch import Progress
from .dispatch.dispatcher import Dispatcher
from .dispatch.errors import QueuePausedError
from .errors import QueueError, clip
from .headroom import Headroom, headroom_after
from .jobs import Job, JobStatus, new_idempotency_key
from .ledger import CreditLedger
from .policy import PolicyService, Verdict
from .store.connections import Reader, Transaction
from .store.database import Database
from .store.jobs import JobRepository
from .vivix.models import ModelInfo

if TYPE_CHECKING:
    from .confirmations import AwaitingConfirmation, Confirmations
    from .moderation.audit import AuditLog
    from .workspace.preferences import Preferences

DOUBLE_CLICK_WINDOW = timedelta(seconds=10)

JobHold = Callable[[Transaction, Job], Awaitable[None]]
"""Holds a new job's credits inside its transaction, in place of the member's own hold."""


@dataclass(frozen=True, slots=True)
class Reference:
    """An image a member attached, by its uploaded URL."""

    option: str  # the command option it came in, for messages
    url: str
    filename: str
    content_type: str | None


@dataclass(frozen=True, slots=True)
class GenerationRequest:
    guild_id: int
    channel_id: int
    member_id: int
    command: str
    prompt: str
    category: str | None = None  # None: any model (/generate)
    model: str | None = None
    params: Mapping[str, object] = field(default_factory=dict)
    options_text: str | None = None
    references: Sequence[Reference] = ()
    role_ids: Sequence[int] = ()
    source_job_id: str | None = None  # a result action: the job whose result this starts from
    action: str | None = None  # ... and which action (reroll, vary, remix, upscale, animate, retry)
    reference_source: str | None = None  # "<channel>:<message>:<n>": where the reference image was posted
    confirmed: bool = False  # the member confirmed its exact hold (above the server's threshold)
    parent_channel_id: int | None = None  # in a thread: its channel (the policy's channel rules follow it)
    age_restricted: bool = False  # an age-restricted channel: the policy's sensitive mode does not apply


class GenerationService:
    def __init__(self, *, db: Database, jobs: JobRepository, ledger: CreditLedger, catalog: Catalog,
                 dispatcher: Dispatcher, clock: Clock, preferences: Preferences | None = None,
                 confirmations: Confirmations | None = None, policy: PolicyService | None = None,
                 audit: AuditLog | None = None) -> None:
        self.db = db
        self.jobs = jobs
        self.ledger = ledger
        self.catalog = catalog
        self.dispatcher = dispatcher
        self.clock = clock
        self.preferences = preferences
        self.confirmations = confirmations
        self.policy = policy
        self.audit = audit

    def resolve_model(self, slug: str | None, category: str | None) -> ModelInfo:
        """The model to use, or a ParamValidationError naming the problem."""
        if self.catalog.snapshot is None:
            raise CatalogUnavailableError()
        if not slug:
            model = self.catalog.default_model(category) if category else None
            if model is None:
                what = f"{category} models" if category else "a model"
                raise ParamValidationError("model", f"Choose a model: no default is available for {what}.")
            return model
        model = self.catalog.require(slug.strip())
        if category and model.category != category:
            raise ParamValidationError(
                "model", f"`{model.slug}` is a {model.category} model; this command makes {category}.",
            )
        return model

    def prepare(self, request: GenerationRequest) -> tuple[ModelInfo, dict[str, object], int]:
        """Validate against the model's schema: the model, the API body params and the hold."""
        model = self.resolve_model(request.model, request.category)
        params: dict[str, object] = {k: v for k, v in request.params.items() if v is not None}
        if request.options_text:
            for name, value in parse_options(request.options_text).items():
                if name in params:
                    raise ParamValidationError(
                        "options", f"`{name}` is given both as an option and in `options`; keep one."
                    )
                params[name] = value
        references = [_reference_url(reference) for reference in request.references]
        if references:
            given = params.get("reference_images") or []
            params["reference_images"] = [*(given if isinstance(given, list) else [given]), *references]
        body = validate_request(model, request.prompt, params)
        return model, body, estimate_hold(model, body)

    async def create(
        self, request: GenerationRequest, *, hold_in: JobHold | None = None
    ) -> Queued | AwaitingConfirmation:
        """Validate, then hold credits and store the job in one transaction (shared with other
        holds: group commit); the job takes its place in line, and what its first message should
        show comes back with it. Above the server's threshold, an unconfirmed request is stored
        for its member to confirm instead, and nothing is held (bot/confirmations.py).

        Raises ParamValidationError / CatalogUnavailableError before anything is
        held, a PolicyError when the server's policy refuses (nothing held either), and the
        ledger's quota error when the hold is refused.

        ``hold_in(tx, job)`` replaces the member's own hold: it must hold ``job.held`` under
        ``job.id`` (a contest entry drawing on the contest's budget), may write rows of its own in
        the same transaction, and refuses by raising (its writes and the job's are undone).
        """
        notes: tuple[str, ...] = ()
        if self.preferences is not None:  # the member's, then the server's, fill what was left empty
            request, notes = await self.preferences.fill(request)
        model, body, amount = self.prepare(request)
        verdict = await self.policy.check(request, model.slug, model.category) if self.policy else Verdict()
        paused = self.dispatcher.paused
        if paused is not None:
            raise QueuePausedError(paused.code)
        headroom: Headroom | None = None
        if hold_in is None:  # a contest budget's hold spends none of the member's credits: nothing to show or confirm
            standing = await self.ledger.member_status(request.guild_id, request.member_id, request.role_ids)
            headroom = headroom_after(standing, amount)
            if not request.confirmed and headroom.fits and self.confirmations is not None:
                pending = await self.confirmations.ask(request, model.slug, amount, headroom)
                if pending is not None:
                    return pending
        job = Job(
            id=uuid.uuid4().hex,
            guild_id=request.guild_id,
            channel_id=request.channel_id,
            member_id=request.member_id,
            command=request.command,
            model=model.slug,
            category=model.category,
            request={"model": model.slug, **body},
            idempotency_key=new_idempotency_key(),
            held=amount,
            status=JobStatus.QUEUED,
            created_at=self.clock(),
            source_job_id=request.source_job_id,
            action=request.action,
            reference_source=request.reference_source,
            spoiler=verdict.spoiler,
        )

        async def hold_and_store(tx: Transaction) -> None:
            if hold_in is not None:
                await hold_in(tx, job)
            else:
                await self.ledger.hold_in(
                    tx, request.guild_id, request.member_id, amount, job.id,
                    role_ids=tuple(request.role_ids), model=model.slug,
                )
            if request.source_job_id is not None and request.action is not None:
                # After the hold, which locks the server's credits (PostgreSQL), so a second click
                # waits for the first's commit and sees its job; SQLite's batch sees earlier units.
                await self._refuse_a_double_click(tx, job)
            await self.jobs.insert(tx, job)

        placed: list[Progress] = []

        def in_line(_: None) -> None:  # right after the commit, even if this caller is cancelled by then
            self.dispatcher.ctx.metrics.credits_held(amount)
            placed.append(self.dispatcher.enqueued(job, headroom if headroom is not None and headroom.near else None))

        # Group commit: concurrent holds share one transaction, each checked against the running totals.
        await self.db.run_in_batch(hold_and_store, on_commit=in_line)
        return Queued(job, placed[0], notes)

    async def _refuse_a_double_click(self, tx: Reader, job: Job) -> None:
        """Two clicks of one button by one member a moment apart make one job, not two (checked in
        the write transaction that would hold, so two clicks cannot both pass)."""
        assert job.source_job_id is not None and job.action is not None
        earlier = await self.jobs.recent_action(
            tx, source_job_id=job.source_job_id, member_id=job.member_id, action=job.action,
            since=job.created_at - DOUBLE_CLICK_WINDOW,
        )
        if earlier is not None:
            raise DoubleClickError()

    async def start(self, job_id: str, status_message_id: int | None) -> None:
        """Remember the public status message, then let the dispatcher run the job."""
        if status_message_id is not None:
            async with self.db.transaction() as tx:
                await self.jobs.set_status_message(tx, job_id, status_message_id)
        self.dispatcher.kick()
        if self.audit is not None:
            await self.audit.job_started(job_id, status_message_id)

    def position_of(self, job_id: str) -> int | None:
        """The job's place in line (1 = next), or None once it is submitted."""
        return self.dispatcher.position_of(job_id)

    async def active(self, guild_id: int, *, page: int = 0, per_page: int = 15) -> ActiveJobs:
        """One page of the server's waiting jobs with their place in line, and its rendering jobs."""
        places, total = await self.dispatcher.waiting_of(guild_id, offset=page * per_page, limit=per_page)
        async with self.db.read() as conn:
            loaded = [(place, await self.jobs.get(conn, job_id)) for place, job_id in places]
            running = await self.jobs.list_by_status(conn, JobStatus.RUNNING, guild_id=guild_id)
        waiting = [(place, job) for place, job in loaded if job is not None and job.status is JobStatus.QUEUED]
        return ActiveJobs(waiting, total, running, page, max(1, -(-total // per_page)))

    async def cancel(self, guild_id: int, job_ref: str, requester_id: int, *, is_admin: bool) -> Job:
        """Cancel a job with a full refund: a member their own waiting one, an admin any job.

        A rendering job (admins only) cannot be stopped at the service: it runs out, is not
        posted, and its hold is released when it ends.
        """
        ref = job_ref.strip().lower().removeprefix("job ").strip()
        async with self.db.read() as conn:
            matches = await self.jobs.find_by_prefix(conn, guild_id, ref) if len(ref) >= 4 else []
        if len(matches) != 1:
            raise CancelRefusedError(f"No job `{clip(job_ref, 40)}` in this server. Pick one from the list.")
        job = matches[0]
        if job.member_id != requester_id and not is_admin:
            raise CancelRefusedError(
                "That is someone else's job; only its owner or a server admin may cancel it."
            )
        if job.status is JobStatus.SUBMITTING:
            raise CancelRefusedError("That job is being sent to the service right now; it can no longer be cancelled.")
        if job.status is JobStatus.RUNNING:
            if not is_admin:
                raise CancelRefusedError("That job is already rendering; only a server admin can cancel it now.")
            if job.cancelled_by is not None:
                raise CancelRefusedError("That job is already cancelled; it ends when the service finishes it.")
            rendering = await self.dispatcher.cancel_rendering(job.id, requester_id)
            if rendering is None:
                raise CancelRefusedError("That job has just finished.")
            return rendering
        if job.status is not JobStatus.QUEUED:
            raise CancelRefusedError("That job has already finished.")
        cancelled = await self.dispatcher.cancel(job.id, requester_id)
        if cancelled is None:
            raise CancelRefusedError("That job was just submitted, so it can no longer be cancelled.")
        return cancelled

    async def get(self, job_id: str) -> Job | None:
        async with self.db.read() as conn:
            return await self.jobs.get(conn, job_id)


@dataclass(frozen=True, slots=True)
class Queued:
    """A job just held, stored and put in line: what its first public message shows, and notes
    for the member (an option that was left out, say)."""

    job: Job
    shown: Progress
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ActiveJobs:
    waiting: list[tuple[int, Job]]  # this page: (place in line, job)
    waiting_total: int  # the server's waiting jobs, all pages
    running: list[Job]
    page: int  # 0-based
    pages: int


class DoubleClickError(QueueError):
    def __init__(self) -> None:
        super().__init__("⏳ You just started that; it is on its way. Nothing more was charged.")


class CancelRefusedError(QueueError):
    """A cancel that cannot be done; ``message`` says why, for the member."""

    def __init__(self, message: str) -> None:
        super().__init__(f"❌ {message}")


def _reference_url(reference: Reference) -> str:
    if not (reference.content_type or "").startswith("image/"):
        raise ParamValidationError(
            reference.option, f"`{reference.option}` must be an image (got `{clip(reference.filename, 60)}`)."
        )
    return reference.url
