"""Following a submitted job: poll it to a terminal status, showing progress meanwhile."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from ..jobs import Job, JobOutcome
from ..vivix.errors import NotFoundError, NotYoursError, RateLimitError, VivixError
from .context import DispatchContext
from .delivery import Messenger
from .finish import Finisher
from .types import Progress

log = logging.getLogger(__name__)


class Follower:
    """One task per running job; ``on_slot_free`` is called when a job stops occupying a slot."""

    def __init__(
        self, ctx: DispatchContext, finisher: Finisher, messenger: Messenger, on_slot_free: Callable[[], None]
    ) -> None:
        self.ctx = ctx
        self.finisher = finisher
        self.messenger = messenger
        self.on_slot_free = on_slot_free
        self.running: dict[str, asyncio.Task[None]] = {}
        self.started: dict[str, tuple[Job, float]] = {}  # running job id -> (job, loop time its render began)

    def follow(self, job: Job, *, resumed: bool = False) -> None:
        if job.id not in self.running:
            already = 0.0
            if resumed and job.submitted_at is not None:
                already = max(0.0, (self.ctx.clock() - job.submitted_at).total_seconds())
            self.started[job.id] = (job, self.ctx.now() - already)  # for the queue's estimates (eta.py)
            self.running[job.id] = self.ctx.tasks.spawn(
                self._poll_until_done(job, resumed=resumed), f"follow {job.short_id}"
            )

    def rendering(self, job: Job, elapsed: float) -> Progress:
        return Progress(elapsed=elapsed, expected=self.ctx.plan.expected(job.model, job.category))

    async def _poll_until_done(self, job: Job, *, resumed: bool) -> None:
        ctx = self.ctx
        try:
            started = ctx.now()
            already = 0.0
            if resumed and job.submitted_at is not None:
                already = max(0.0, (ctx.clock() - job.submitted_at).total_seconds())
            delay = max(0.0, ctx.plan.first_delay(job.model, job.category) - already)
            if resumed:
                delay = min(delay, ctx.plan.interval(job.category))
            while True:
                await self._wait_showing_progress(job, delay, lambda: already + ctx.now() - started)
                await ctx.budget.acquire("poll")
                try:
                    next_delay = await self._poll_once(job, already + ctx.now() - started)
                except Exception:  # a bug or a database hiccup must not strand the job
                    next_delay = ctx.pauses.poll_after_crash
                    log.exception("Following job %s failed; polling again in %.0fs", job.short_id, next_delay)
                if next_delay is None:
                    return
                delay = next_delay
        finally:
            self.running.pop(job.id, None)
            self.started.pop(job.id, None)
            if not ctx.closed and not _being_cancelled():
                self.on_slot_free()

    async def _poll_once(self, job: Job, elapsed: float) -> float | None:
        """Poll once: None when the job is over, else the seconds until the next poll."""
        ctx = self.ctx
        assert job.generation_id is not None, "only submitted jobs are followed"
        next_delay = ctx.plan.next_delay(job.model, job.category, elapsed)
        try:
            generation = await ctx.api.get_generation(job.generation_id, retries=0)
        except (NotFoundError, NotYoursError) as err:
            await self.finisher.finish(job, JobOutcome.FAILED, error_code=err.code, error_message=err.message)
            return None
        except RateLimitError as err:
            pause = err.retry_after if err.retry_after is not None else ctx.pauses.unnamed_backoff
            ctx.budget.block_for(pause)
            return max(next_delay, pause)
        except VivixError as err:
            delay = max(next_delay, ctx.pauses.unnamed_backoff)
            log.warning("Poll of job %s failed (%s); next in %.0fs", job.short_id, err, delay)
            return delay
        finally:
            ctx.budget.observe_remaining(ctx.api.rate_limit_remaining)
        if generation.is_terminal:
            if generation.completed_at is not None:
                ctx.metrics.observe_poll_delay(completed_at=generation.completed_at, seen_at=ctx.clock())
            await ctx.mark("terminal_seen", job)
            await self.finisher.complete(job, generation)
            return None
        async with ctx.db.transaction() as tx:
            await ctx.jobs.note_poll(tx, job.id, generation.model_dump(mode="json"))
        await self.messenger.notify(job, self.rendering(job, elapsed))
        return next_delay

    async def _wait_showing_progress(self, job: Job, delay: float, elapsed: Callable[[], float]) -> None:
        """Sleep until the next poll, refreshing the member's progress bar meanwhile (no API call)."""
        while delay > 0:
            step = min(delay, self.ctx.pauses.progress_every)
            await asyncio.sleep(step)
            delay -= step
            if delay > 0:
                await self.messenger.notify(job, self.rendering(job, elapsed()))


def _being_cancelled() -> bool:
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0
