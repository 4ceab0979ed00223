"""Ending a job: the outcome and the ledger's settle or release in one transaction, once; cancels."""

from __future__ import annotations

import logging
from typing import Any

from ..jobs import Job, JobOutcome, JobStatus
from ..vivix.models import Generation
from .context import DispatchContext
from .delivery import Messenger

log = logging.getLogger(__name__)

CANCELLED_WHILE_RENDERING = "Cancelled by a server admin while it rendered; the result was not posted."


class Finisher:
    def __init__(self, ctx: DispatchContext, messenger: Messenger) -> None:
        self.ctx = ctx
        self.messenger = messenger

    async def complete(self, job: Job, generation: Generation) -> None:
        """The API says the generation is over: record how it ended."""
        result = generation.model_dump(mode="json", exclude_none=True)
        if generation.status == "completed":
            if generation.duration_ms:
                self.ctx.plan.observe(job.model, generation.duration_ms / 1000)
            used = generation.credits_used if generation.credits_used is not None else job.held
            await self.finish(job, JobOutcome.COMPLETED, credits_used=used, result=result)
        else:
            await self.finish(
                job, JobOutcome.FAILED, result=result, error_code=generation.error or "FAILED",
                error_message=generation.message or "The generation failed.",
            )

    async def finish(
        self,
        job: Job,
        outcome: JobOutcome,
        *,
        credits_used: int = 0,
        result: dict[str, Any] | None = None,
        error_code: str | None = None,
        error_message: str | None = None,
    ) -> None:
        """Record the end and settle or release the hold, in one transaction, once; then post it.

        A job an admin cancelled while it rendered ends here as cancelled: released, not posted.
        """
        ctx = self.ctx
        async with ctx.db.transaction() as tx:
            if await ctx.jobs.cancelled_by(tx, job.id) is not None:
                outcome, error_code, error_message = JobOutcome.CANCELLED, "CANCELLED", CANCELLED_WHILE_RENDERING
            charge = min(max(credits_used, 0), job.held) if outcome is JobOutcome.COMPLETED else 0
            if outcome is JobOutcome.COMPLETED and credits_used > job.held:
                log.warning("Job %s cost %d, above its hold of %d; charging the hold",
                            job.short_id, credits_used, job.held)
            moved = await ctx.jobs.mark_finished(
                tx, job.id, outcome=outcome, credits_used=charge, at=ctx.clock(), result=result,
                error_code=error_code, error_message=error_message,
            )
            if not moved:
                return
            if outcome is JobOutcome.COMPLETED:
                await ctx.ledger.settle_in(tx, job.id, charge)
            else:
                await ctx.ledger.release_in(tx, job.id)
        self.messenger.rendering_cancelled(job.id, False)
        finished = await ctx.load(job.id)
        assert finished is not None, "a finished job is never deleted"
        await ctx.mark("after_finish", finished)
        # Posting can take a while; the job's slot is free as soon as its outcome is recorded.
        self.messenger.deliver_soon(finished)

    async def cancel_queued(self, job_id: str, by: int) -> Job | None:
        """Cancel a waiting job: full refund. Returns the job, or None when it was not waiting."""
        ctx = self.ctx
        async with ctx.db.transaction() as tx:
            if not await ctx.jobs.note_cancelled_by(tx, job_id, by, statuses=(JobStatus.QUEUED,)):
                return None
            moved = await ctx.jobs.mark_finished(
                tx, job_id, outcome=JobOutcome.CANCELLED, credits_used=0, at=ctx.clock(),
                from_statuses=(JobStatus.QUEUED,),
            )
            if not moved:
                return None
            await ctx.ledger.release_in(tx, job_id)
        finished = await ctx.load(job_id)
        assert finished is not None, "a finished job is never deleted"
        await self.messenger.deliver(finished)
        return finished

    async def cancel_rendering(self, job_id: str, by: int) -> Job | None:
        """Cancel a job the API is rendering. The API cannot stop it, so the job keeps its slot
        and is polled to the end as usual; it then ends as cancelled (``finish``). Returns the
        job, or None when it was not rendering any more."""
        ctx = self.ctx
        async with ctx.db.transaction() as tx:
            if not await ctx.jobs.note_cancelled_by(tx, job_id, by, statuses=(JobStatus.RUNNING,)):
                return None
        job = await ctx.load(job_id)
        if job is not None:
            self.messenger.rendering_cancelled(job.id)
            await self.messenger.notify(job, cancelling=True)
        return job
