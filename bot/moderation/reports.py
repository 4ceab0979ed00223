"""Members' reports of results: one per member per result, each kept with the audit event that
posts it in the server's log channel (with the moderators' Delete and Block author buttons)."""

from __future__ import annotations

from dataclasses import dataclass

from ..clock import Clock
from ..jobs import Job, JobOutcome
from ..store.audit import AuditEvent
from ..store.database import Database
from ..store.jobs import JobRepository
from ..store.reports import ReportRepository
from .audit import AuditKind, AuditLog, job_details
from .errors import AlreadyReportedError, NoLogChannelError, ReportedResultGoneError


@dataclass(frozen=True, slots=True)
class Report:
    job: Job
    reporter_id: int
    reports: int  # members who reported this result so far, this one included
    event: AuditEvent


class Reports:
    def __init__(self, db: Database, clock: Clock, audit: AuditLog) -> None:
        self.db = db
        self.clock = clock
        self.audit = audit
        self._reports = ReportRepository()
        self._jobs = JobRepository()

    async def report(self, guild_id: int, job_id: str, reporter_id: int) -> Report:
        """Flag a posted result to the server's moderators. Refused when the server has no log
        channel (nothing is kept then), when the result is gone, and a second time per member."""
        if await self.audit.channels.get(guild_id) is None:
            raise NoLogChannelError()
        async with self.db.transaction() as tx:
            job = await self._jobs.get(tx, job_id)
            if job is None or job.guild_id != guild_id or job.deleted_by is not None \
                    or job.outcome is not JobOutcome.COMPLETED:
                raise ReportedResultGoneError()
            if not await self._reports.add(tx, guild_id=guild_id, job_id=job_id, reporter_id=reporter_id,
                                           author_id=job.member_id, at=self.clock()):
                raise AlreadyReportedError()
            count = await self._reports.count_for(tx, job_id)
            details = {**job_details(job, f"reported ({count} so far)", message_id=job.result_message_id),
                       "reports": count}
            event = await self.audit.record_in(tx, self.audit.event(
                AuditKind.REPORTED, guild_id, reporter_id, member_id=job.member_id, job_id=job_id, details=details,
            ))
        await self.audit.publish(event)
        return Report(job, reporter_id, count, event)
