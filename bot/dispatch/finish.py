"""Ending a job: the outcome and the ledger's settle or release in one transaction, once; cancels."""

from __future__ import annotations

import logging
from typing import Any

from ..jobs import Job, JobOutcome, JobStatus, new_idempotency_key
from ..ops.alerts import Alert, Incident
from ..store.timestamps import to_db_time
from ..vivix.models import Generation
from .context import DispatchContext
from .delivery import Messenger
from .types import Progress

log = logging.getLogger(__name__)

TRANSIENT_FAILURES = frozenset({
    "PROVIDER_ERROR", "PROVIDER_RATE_LIMITED", "PROVIDER_TIMEOUT", "RATE_LIMITED", "NETWORK_ERROR", "TIMEOUT",
    "UPSTREAM_ERROR", "INTERNAL_ERROR",
})
"""Why a generation may fail once and work the next time (the provider's own limits, a network blip):
such a job is submitted once more, automatically, before anything is refunded or reported."""
MAX_RETRIES = 1

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
        elif not await self._retry(job, generation):
            await self.finish(
                job, JobOutcome.FAILED, result=result, error_code=generation.error or "FAILED",
                error_message=generation.message or "The generation failed.",
            )

    async def _retry(self, job: Job, generation: Generation) -> bool:
        """Submit a transiently failed job once more, with the same body and a new Idempotency-Key.
        Its hold stays; only a second failure is refunded and reported. True when requeued."""
        ctx = self.ctx
        if generation.error not in TRANSIENT_FAILURES or job.retries >= MAX_RETRIES or job.cancelled_by is not None:
            return False
        attempt = {"generation_id": job.generation_id, "error_code": generation.error,
                   "error_message": generation.message, "failed_at": to_db_time(ctx.clock())}
        async with ctx.db.transaction() as tx:
            moved = await ctx.jobs.requeue_for_retry(
                tx, job.id, idempotency_key=new_idempotency_key(), attempt=attempt
            )
        if not moved:
            return False
        ctx.back_in_line(job)
        log.warning("Job %s: generation %s failed (%s); submitting it once more",
                    job.short_id, job.generation_id, generation.error)
        retried = await ctx.load(job.id)
        if retried is not None:
            await self.messenger.notify(retried, Progress(retrying=True))
        return True

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
        ctx.metrics.credits_settled(charge)
        ctx.metrics.credits_released(job.held - charge)
        self.messenger.rendering_cancelled(job.id, False)
        if outcome is JobOutcome.COMPLETED and credits_used > job.held:
            await self._overcharged(job, credits_used)
        finished = await ctx.load(job.id)
        assert finished is not None, "a finished job is never deleted"
        await ctx.mark("after_finish", finished)
        # Posting can take a while; the job's slot is free as soon as its outcome is recorded.
        self.messenger.deliver_soon(finished)

    async def _overcharged(self, job: Job, credits_used: int) -> None:
        """The API charged the wallet more than the job held: the server pays the hold, the
        operator's wallet the difference. Once per job (a job finishes once)."""
        log.warning("Job %s cost %d, above its hold of %d; the server was charged the hold",
                    job.short_id, credits_used, job.held)
        await self.ctx.alerts.send(Alert(Incident.OVERCHARGED, "A job cost more than it held", (
            f"Job `{job.id}` ({job.model}) in server `{job.guild_id}` cost {credits_used:,} credits; it held "
            f"{job.held:,}.", f"The server was charged {job.held:,}; the wallet paid {credits_used - job.held:,} more.",
        )))

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
        ctx.queue.discard(job_id)
        finished = await ctx.load(job_id)
        assert finished is not None, "a finished job is never deleted"
        ctx.metrics.credits_released(finished.held)
        await self.messenger.deliver(finished)
        if ctx.audit is not None:
            await ctx.audit.job_cancelled(finished, by)
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
            if ctx.audit is not None:
                await ctx.audit.job_cancelled(job, by, rendering=True)
        return job
