"""Submitting one claimed job to the API, and what each answer means for the job and the queue."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta

from ..jobs import Job, JobOutcome
from ..vivix.errors import (
    BadResponseError,
    ConcurrencyLimitError,
    ModelNotAllowedError,
    RateLimitError,
    ServerError,
    VivixAPIError,
    VivixTransportError,
    api_error_detail,
)
from .context import DispatchContext
from .delivery import Messenger
from .finish import Finisher
from .follow import Follower
from .pause import PAUSING_ERRORS, PauseControl

log = logging.getLogger(__name__)

REFERENCE_FRESH_FOR = timedelta(hours=12)  # Discord's signed file links last about a day


class Submitter:
    def __init__(
        self, ctx: DispatchContext, finisher: Finisher, follower: Follower, messenger: Messenger,
        pause: PauseControl,
        kick: Callable[[], None],
    ) -> None:
        self.ctx = ctx
        self.finisher = finisher
        self.follower = follower
        self.messenger = messenger
        self.pause = pause
        self.kick = kick

    async def submit(self, job: Job) -> float | None:
        """Submit one job the caller has already counted against the call budget.

        Returns None when the queue may go on with the next job, or the seconds the whole
        queue should wait (a limit was hit, or the service is failing).
        """
        ctx = self.ctx
        async with ctx.db.transaction() as tx:
            claimed = await ctx.jobs.claim_for_submit(tx, job.id)
        ctx.queue.discard(job.id)
        if not claimed:
            return None  # cancelled since it was read: on to the next
        await ctx.mark("before_submit", job)
        job = await self._refresh_reference(job)
        try:
            created = await ctx.api.generate(
                job.model, job.prompt, idempotency_key=job.idempotency_key, retries=0, **job.params
            )
        except (ConcurrencyLimitError, RateLimitError) as err:
            pause = err.retry_after if err.retry_after is not None else ctx.pauses.unnamed_backoff
            if isinstance(err, RateLimitError):
                ctx.budget.block_for(pause)
            log.info("Submit of job %s deferred %.1fs: %s", job.short_id, pause, err.code)
            async with ctx.db.transaction() as tx:
                await ctx.jobs.requeue(tx, job.id, err.code)
            ctx.back_in_line(job)
            return pause
        except (VivixTransportError, ServerError, BadResponseError) as err:
            # The service may or may not have made the job: only a resubmit with the same key can tell.
            return await self._failed_transiently(job, err)
        except PAUSING_ERRORS as err:
            # The account cannot take any job: this one goes back in line with its hold, none fails.
            log.warning("Submit of job %s refused: %s (HTTP %s, request %s); pausing the queue",
                        job.short_id, err.code, err.status, err.request_id)
            async with ctx.db.transaction() as tx:
                await ctx.jobs.requeue(tx, job.id, err.code)
            ctx.back_in_line(job)
            await self.pause.pause_for(err)
            return None
        except VivixAPIError as err:
            log.warning("Submit of job %s refused: %s (HTTP %s, request %s)",
                        job.short_id, err.code, err.status, err.request_id)
            if isinstance(err, ModelNotAllowedError) or err.field == "model":
                ctx.tasks.spawn(ctx.catalog.refresh_if_older_than(30), "catalog refresh")
            await self.finisher.finish(job, JobOutcome.FAILED, error_code=err.code, error_message=api_error_detail(err))
            return None
        except Exception as err:
            log.exception("Submit of job %s failed unexpectedly", job.short_id)
            return await self._failed_transiently(job, err)
        finally:
            ctx.budget.observe_remaining(ctx.api.rate_limit_remaining)
        await ctx.observe_wallet()
        await ctx.mark("submit_accepted", job)
        try:
            async with ctx.db.transaction() as tx:
                moved = await ctx.jobs.mark_submitted(
                    tx, job.id, created.generation_id, created.credits_estimate, ctx.clock()
                )
        except Exception:
            # The service has the job but the database did not take it: stuck 'submitting', held,
            # until someone puts it back in line. Resubmitting with its stored key finds the same
            # generation, so recover as soon as the database answers again; no restart needed.
            log.exception("Job %s was accepted as generation %s but could not be recorded",
                          job.short_id, created.generation_id)
            ctx.tasks.spawn(self._recover_unrecorded(job), f"recover {job.short_id}")
            return ctx.pauses.submit_retry
        current = await ctx.load(job.id)
        if not moved or current is None:
            log.error("Job %s left 'submitting' while its submit was under way", job.short_id)
            return None
        self.follower.follow(current)
        await self.messenger.notify(current, self.follower.rendering(current, 0.0))
        return None

    async def _refresh_reference(self, job: Job) -> Job:
        """Discord's file links expire; a job that waited long enough reads a fresh one from the
        message its reference image was posted in, before its first submit."""
        ctx = self.ctx
        if job.reference_source is None or job.attempts or ctx.clock() - job.created_at < REFERENCE_FRESH_FOR:
            return job
        try:
            url = await ctx.notifier.current_image(job.reference_source)
        except Exception:
            log.exception("Could not refresh the reference image of job %s", job.short_id)
            return job
        if url is None:
            return job  # the message is gone: the old link may still work; the API says if not
        async with ctx.db.transaction() as tx:
            await ctx.jobs.replace_references(tx, job.id, [url])
        return await ctx.load(job.id) or job

    async def _recover_unrecorded(self, job: Job) -> None:
        delay = self.ctx.pauses.submit_retry
        while True:
            await asyncio.sleep(delay)
            try:
                async with self.ctx.db.transaction() as tx:
                    await self.ctx.jobs.requeue(tx, job.id, "UNRECORDED")
                self.ctx.back_in_line(job)
                break
            except Exception as err:
                delay = min(self.ctx.pauses.max_queue_pause, delay * 2)
                log.warning("Job %s still cannot be put back in line (%s); again in %.0fs",
                            job.short_id, type(err).__name__, delay)
        log.info("Job %s is back in line; its stored key finds the same generation", job.short_id)
        self.kick()

    async def _failed_transiently(self, job: Job, err: BaseException) -> float:
        """Back in line with the same Idempotency-Key; the queue pauses, growing to 5 minutes.

        Never given up on: the first attempt may have reached the service, and only a
        resubmit with the same key finds that generation instead of paying for another.
        """
        ctx = self.ctx
        code = getattr(err, "code", None) or type(err).__name__
        async with ctx.db.transaction() as tx:
            await ctx.jobs.requeue(tx, job.id, code)
        ctx.back_in_line(job)
        pause = min(ctx.pauses.max_queue_pause, ctx.pauses.submit_retry * 2.0 ** min(job.attempts, 10))
        log.warning("Submit of job %s failed (%s); queue paused %.0fs", job.short_id, code, pause)
        return pause
