"""Telling the member: progress edits, and posting each outcome exactly once."""

from __future__ import annotations

import asyncio
import logging

from ..jobs import Job, JobStatus
from .context import DispatchContext
from .types import Delivery, Progress

log = logging.getLogger(__name__)


class Messenger:
    """Progress goes to the notifier best-effort; a delivery is recorded before and after the
    post, so a restart finds an interrupted post instead of posting again."""

    def __init__(self, ctx: DispatchContext) -> None:
        self.ctx = ctx
        self._cancelled_rendering: set[str] = set()  # their messages say so: no more progress edits

    def rendering_cancelled(self, job_id: str, cancelled: bool = True) -> None:
        if cancelled:
            self._cancelled_rendering.add(job_id)
        else:
            self._cancelled_rendering.discard(job_id)

    async def notify(self, job: Job, progress: Progress | None = None, *, cancelling: bool = False) -> None:
        if not cancelling and job.status is JobStatus.RUNNING and (
            job.cancelled_by is not None or job.id in self._cancelled_rendering
        ):
            return  # the message says it is cancelled; the render's progress no longer matters
        try:
            await self.ctx.notifier.job_updated(job, progress)
        except Exception:
            log.exception("Could not show the progress of job %s", job.short_id)

    def deliver_soon(self, job: Job) -> None:
        self.ctx.tasks.spawn(self.deliver(job), f"deliver {job.short_id}")

    async def deliver(self, job: Job, attempt: int = 0) -> None:
        """Post the outcome once; a transient failure is retried, never recorded as delivered."""
        ctx = self.ctx
        try:
            if job.post_started_at is not None:
                found = await ctx.notifier.find_delivery(job)
                if found is not None:
                    await self._record(job, found)
                    return
            async with ctx.db.transaction() as tx:
                await ctx.jobs.mark_post_started(tx, job.id, ctx.clock())
            delivery = await ctx.notifier.deliver(job)
            await ctx.mark("after_post", job)
            await self._record(job, delivery)
        except Exception:
            delay = min(ctx.pauses.max_queue_pause, ctx.pauses.deliver_retry * 2**attempt)
            log.exception("Could not deliver job %s; trying again in %.0fs", job.short_id, delay)
            ctx.tasks.spawn(self._deliver_later(job.id, delay, attempt + 1), f"deliver {job.short_id} later")

    async def _deliver_later(self, job_id: str, delay: float, attempt: int) -> None:
        await asyncio.sleep(delay)
        job = await self.ctx.load(job_id)
        if job is not None and job.status is JobStatus.FINISHED:
            await self.deliver(job, attempt)

    async def _record(self, job: Job, delivery: Delivery) -> None:
        ctx = self.ctx
        async with ctx.db.transaction() as tx:
            await ctx.jobs.mark_delivered(tx, job.id, via=delivery.via, message_id=delivery.message_id, at=ctx.clock())
        delivered = await ctx.load(job.id)
        if delivered is not None:
            await self.notify(delivered)
