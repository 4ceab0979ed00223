"""Runs queued jobs through the API under the key's limits, exactly once.

Event-driven: ``kick()`` pumps the queue (round-robin across servers, first
come first served within one) while slots and rate budget allow; each
submitted job gets a follow task that polls it to a terminal status; the
finish (job row + ledger settle/release) is one transaction; delivery is
recorded before and after the post so a restart never posts twice.

Crash points (``checkpoint`` names), each resumed by ``start()``:
  before_submit    after the hold: QUEUED       -> submitted with its stored Idempotency-Key
  submit_accepted  the API took it, not stored  -> the same key returns the same generation
  terminal_seen    the API says done, not stored -> polled again, then finished
  after_finish     settled, not posted          -> delivered
  after_post       posted, not recorded         -> the posted message is found, not sent again
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from .catalog import Catalog
from .clock import Clock
from .jobs import Job, JobOutcome, JobStatus
from .ledger import CreditLedger
from .polling import PollPlan
from .ratelimit import RateBudget
from .store.database import Database
from .store.jobs import JobRepository
from .vivix.client import VivixClient
from .vivix.errors import (
    BadResponseError,
    ConcurrencyLimitError,
    ModelNotAllowedError,
    NotFoundError,
    NotYoursError,
    RateLimitError,
    ServerError,
    VivixAPIError,
    VivixError,
    VivixTransportError,
)
from .vivix.models import Generation

log = logging.getLogger(__name__)

Checkpoint = Callable[[str, Job], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Pauses:
    """The dispatcher's own waits, in seconds. ``scaled`` is for simulations that run the API
    faster than life (the bench), so error paths keep their proportions there."""

    unnamed_backoff: float = 5.0  # after a 429 or a failed call that names no Retry-After
    submit_retry: float = 5.0  # the first pause after a failed submit; doubles per attempt
    max_queue_pause: float = 300.0  # the longest the queue waits after failures before trying again
    poll_after_crash: float = 30.0  # before polling a job again after an unexpected error
    pump_retry: float = 10.0  # after the queue pump itself failed
    deliver_retry: float = 10.0  # the first pause after a failed post; doubles per attempt
    announce_gap: float = 2.0  # between two passes telling waiting members their place in line
    progress_every: float = 10.0  # between progress-bar refreshes while waiting for a poll

    def scaled(self, factor: float) -> Pauses:
        return Pauses(*(getattr(self, name) * factor for name in self.__slots__))


@dataclass(frozen=True, slots=True)
class Delivery:
    via: str  # channel | dm | none
    message_id: int | None = None


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a job stands, for the member: its place in line, or how far it has rendered."""

    position: int | None = None  # 1 = next to be submitted
    elapsed: float | None = None  # seconds since submit
    expected: float | None = None  # seconds the whole render is expected to take


class Notifier(Protocol):
    """The Discord side: tells members what happened to their jobs."""

    async def job_updated(self, job: Job, progress: Progress | None = None) -> None: ...

    async def deliver(self, job: Job) -> Delivery: ...

    async def find_delivery(self, job: Job) -> Delivery | None: ...


class Dispatcher:
    def __init__(
        self,
        *,
        db: Database,
        ledger: CreditLedger,
        api: VivixClient,
        catalog: Catalog,
        clock: Clock,
        jobs: JobRepository | None = None,
        poll_plan: PollPlan | None = None,
        budget: RateBudget | None = None,
        checkpoint: Checkpoint | None = None,
        pauses: Pauses | None = None,
    ) -> None:
        self.db = db
        self.ledger = ledger
        self.api = api
        self.catalog = catalog
        self.clock = clock
        self.jobs = jobs or JobRepository()
        self.plan = poll_plan or PollPlan()
        self.budget = budget or RateBudget(self._limits()[0])
        self.checkpoint = checkpoint
        self.pauses = pauses or Pauses()
        self.notifier: Notifier | None = None
        self._running: dict[str, asyncio.Task[None]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._pump_task: asyncio.Task[None] | None = None
        self._pump_again = False
        self._wake_at: float | None = None
        self._hold_off_until = 0.0
        self._last_guild: int | None = None
        self._announce_task: asyncio.Task[Any] | None = None
        self._announce_again = False
        self._announced: dict[str, int] = {}  # job id -> the place in line last shown
        self._cancelled_rendering: set[str] = set()  # their messages say so: no more progress edits
        self._closed = False
        self.stats = {"submitted": 0, "polls": 0, "rate_limited": 0, "concurrency_limited": 0}

    # -- lifetime ----------------------------------------------------------

    async def start(self) -> None:
        """Resume every unfinished job left by a previous run."""
        async with self.db.transaction() as tx:
            await self.jobs.requeue_all_submitting(tx)  # resubmitted with their stored keys
        async with self.db.read() as conn:
            running = await self.jobs.list_by_status(conn, JobStatus.RUNNING)
            finished = await self.jobs.list_by_status(conn, JobStatus.FINISHED)
            learned = await self.jobs.recent_durations(conn)
        for model, seconds in learned:  # what past jobs taught the poll plan survives restarts
            self.plan.observe(model, seconds)
        for job in running:
            self._follow(job, resumed=True)
        for job in finished:
            self._spawn(self._deliver(job), f"deliver {job.short_id}")
        if running or finished:
            log.info("Resumed %d running and %d undelivered jobs", len(running), len(finished))
        self.kick()

    async def close(self) -> None:
        self._closed = True
        tasks = [*self._tasks, *self._running.values()]
        if self._pump_task is not None:
            tasks.append(self._pump_task)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    @property
    def in_flight(self) -> int:
        return len(self._running)

    def _limits(self) -> tuple[int, int]:
        rate = self.catalog.rate_limit
        if rate is None:
            return 240, 5
        return rate.calls_per_minute, rate.concurrent_jobs

    def _now(self) -> float:
        return asyncio.get_running_loop().time()

    def _spawn(self, coro: Awaitable[Any], name: str) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        task.set_name(name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(_log_crash)
        return task

    async def _mark(self, point: str, job: Job) -> None:
        if self.checkpoint is not None:
            await self.checkpoint(point, job)

    # -- the queue ---------------------------------------------------------

    def kick(self) -> None:
        """Submit whatever the limits allow now; safe to call any time."""
        if self._closed:
            return
        if self._pump_task is not None and not self._pump_task.done():
            self._pump_again = True
            return
        self._pump_task = asyncio.ensure_future(self._pump())
        self._pump_task.add_done_callback(_log_crash)

    def _kick_later(self, delay: float) -> None:
        wake_at = self._now() + delay
        if self._wake_at is not None and self._wake_at <= wake_at:
            return
        self._wake_at = wake_at

        async def later() -> None:
            await asyncio.sleep(delay)
            if self._wake_at == wake_at:
                self._wake_at = None
            self.kick()

        self._spawn(later(), "kick later")

    async def _pump(self) -> None:
        while True:
            self._pump_again = False
            try:
                await self._pump_once()
            except Exception:  # never leave the queue without a pump
                log.exception("The queue pump failed; trying again in %.0fs", self.pauses.pump_retry)
                self._kick_later(self.pauses.pump_retry)
                return
            if not self._pump_again:
                return

    async def _pump_once(self) -> None:
        calls_per_minute, concurrent = self._limits()
        self.budget.resize(calls_per_minute)
        while not self._closed and len(self._running) < concurrent:
            if self._now() < self._hold_off_until:
                self._kick_later(self._hold_off_until - self._now())
                return
            job = await self._next_queued()
            if job is None:
                return
            wait = self.budget.wait_time("submit")
            if wait > 0:
                self._kick_later(wait)
                return
            if not await self._submit(job):
                return

    async def _queued_in_order(self) -> list[tuple[str, int]]:
        """(id, guild_id) of every waiting job in the order the queue will submit them: round-robin
        across servers (starting after the server served last), oldest first within a server."""
        async with self.db.read() as conn:
            queued = await self.jobs.queue_order(conn)
        per_guild: dict[int, list[str]] = {}
        for job_id, guild_id in queued:
            if job_id not in self._running:
                per_guild.setdefault(guild_id, []).append(job_id)
        guilds = sorted(per_guild)
        if self._last_guild is not None:
            later = [g for g in guilds if g > self._last_guild]
            guilds = later + [g for g in guilds if g <= self._last_guild]
        order: list[tuple[str, int]] = []
        for turn in range(max((len(ids) for ids in per_guild.values()), default=0)):
            order.extend((per_guild[g][turn], g) for g in guilds if turn < len(per_guild[g]))
        return order

    async def queue_positions(self, guild_id: int | None = None) -> dict[str, int]:
        """Job id -> place in line (1 = next), across all servers; only ``guild_id``'s jobs when given."""
        order = await self._queued_in_order()
        return {job_id: n for n, (job_id, guild) in enumerate(order, 1) if guild_id in (None, guild)}

    async def _next_queued(self) -> Job | None:
        order = await self._queued_in_order()
        if not order:
            return None
        async with self.db.read() as conn:
            job = await self.jobs.get(conn, order[0][0])
        if job is None:
            return None
        self._last_guild = job.guild_id
        return job

    def _announce_positions_soon(self) -> None:
        """Tell waiting members their new place in line: one pass at a time, at most every few seconds."""
        if self._announce_task is not None and not self._announce_task.done():
            self._announce_again = True
            return
        self._announce_task = self._spawn(self._announce_positions(), "announce positions")

    async def _announce_positions(self) -> None:
        while True:
            self._announce_again = False
            if self.notifier is not None:
                order = await self._queued_in_order()
                current = {job_id: n for n, (job_id, _) in enumerate(order, 1)}
                async with self.db.read() as conn:
                    waiting = await self.jobs.list_by_status(conn, JobStatus.QUEUED)
                for job in sorted(waiting, key=lambda j: current.get(j.id, 0)):
                    n = current.get(job.id)
                    if n is not None and self._announced.get(job.id) != n:
                        await self._notify(job, Progress(position=n))
                self._announced = current
            if not self._announce_again:
                return
            await asyncio.sleep(self.pauses.announce_gap)

    async def _submit(self, job: Job) -> bool:
        """Submit one job. False when the queue should pause (limits, outage)."""
        async with self.db.transaction() as tx:
            if not await self.jobs.claim_for_submit(tx, job.id):
                return True  # cancelled since it was read: on to the next
        self.budget.try_acquire("submit")
        await self._mark("before_submit", job)
        try:
            created = await self.api.generate(
                job.model, job.prompt, idempotency_key=job.idempotency_key, retries=0, **job.params
            )
        except (ConcurrencyLimitError, RateLimitError) as err:
            kind = "concurrency_limited" if isinstance(err, ConcurrencyLimitError) else "rate_limited"
            self.stats[kind] += 1
            pause = err.retry_after if err.retry_after is not None else self.pauses.unnamed_backoff
            if isinstance(err, RateLimitError):
                self.budget.block_for(pause)
            log.info("Submit of job %s deferred %.1fs: %s", job.short_id, pause, err.code)
            async with self.db.transaction() as tx:
                await self.jobs.requeue(tx, job.id, err.code)
            self._hold_off_until = self._now() + pause
            self._kick_later(pause)
            return False
        except (VivixTransportError, ServerError, BadResponseError) as err:
            # The service may or may not have made the job: only a resubmit with the same key can tell.
            return await self._submit_failed_transiently(job, err)
        except VivixAPIError as err:
            if isinstance(err, ModelNotAllowedError) or err.field == "model":
                self._spawn(self._refresh_catalog(), "catalog refresh")
            await self._finish(job, JobOutcome.FAILED, error_code=err.code, error_message=_say(err))
            return True
        except Exception as err:
            log.exception("Submit of job %s failed unexpectedly", job.short_id)
            return await self._submit_failed_transiently(job, err)
        finally:
            self.budget.observe_remaining(self.api.rate_limit_remaining)
        await self._mark("submit_accepted", job)
        async with self.db.transaction() as tx:
            moved = await self.jobs.mark_submitted(
                tx, job.id, created.generation_id, created.credits_estimate, self.clock()
            )
        async with self.db.read() as conn:
            current = await self.jobs.get(conn, job.id)
        if not moved or current is None:
            log.error("Job %s left 'submitting' while its submit was under way", job.short_id)
            return True
        self.stats["submitted"] += 1
        self._follow(current)
        await self._notify(current, self._rendering(current, 0.0))
        self._announce_positions_soon()
        return True

    async def _submit_failed_transiently(self, job: Job, err: BaseException) -> bool:
        """Back in line with the same Idempotency-Key; the queue pauses, growing to 5 minutes.

        Never given up on: the first attempt may have reached the service, and only a
        resubmit with the same key finds that generation instead of paying for another.
        """
        code = getattr(err, "code", None) or type(err).__name__
        async with self.db.transaction() as tx:
            await self.jobs.requeue(tx, job.id, code)
        pause = min(self.pauses.max_queue_pause, self.pauses.submit_retry * 2 ** min(job.attempts, 10))
        log.warning("Submit of job %s failed (%s); queue paused %.0fs", job.short_id, code, pause)
        self._hold_off_until = self._now() + pause
        self._kick_later(pause)
        return False

    async def _refresh_catalog(self) -> None:
        """The API says a model is unknown or not allowed: refresh now (the catalog never hammers)."""
        await self.catalog.refresh_if_older_than(30)

    # -- running jobs ------------------------------------------------------

    def _follow(self, job: Job, *, resumed: bool = False) -> None:
        if job.id in self._running:
            return
        task = asyncio.ensure_future(self._poll_until_done(job, resumed=resumed))
        task.set_name(f"follow {job.short_id}")
        task.add_done_callback(_log_crash)
        self._running[job.id] = task

    async def _poll_until_done(self, job: Job, *, resumed: bool) -> None:
        try:
            started = self._now()
            already = 0.0
            if resumed and job.submitted_at is not None:
                already = max(0.0, (self.clock() - job.submitted_at).total_seconds())
            delay = max(0.0, self.plan.first_delay(job.model, job.category) - already)
            if resumed:
                delay = min(delay, self.plan.interval(job.category))
            while True:
                await self._wait_showing_progress(job, delay, lambda: already + self._now() - started)
                await self.budget.acquire("poll")
                self.stats["polls"] += 1
                try:
                    next_delay = await self._poll_once(job, already + self._now() - started)
                except Exception:  # a bug or a database hiccup must not strand the job
                    next_delay = self.pauses.poll_after_crash
                    log.exception("Following job %s failed; polling again in %.0fs", job.short_id, next_delay)
                if next_delay is None:
                    return
                delay = next_delay
        finally:
            self._running.pop(job.id, None)
            if not self._closed and not _being_cancelled():
                self.kick()

    async def _poll_once(self, job: Job, elapsed: float) -> float | None:
        """Poll once: None when the job is over, else the seconds until the next poll."""
        assert job.generation_id is not None
        next_delay = self.plan.next_delay(job.model, job.category, elapsed)
        try:
            generation = await self.api.get_generation(job.generation_id, retries=0)
        except (NotFoundError, NotYoursError) as err:
            await self._finish(job, JobOutcome.FAILED, error_code=err.code, error_message=_say(err))
            return None
        except RateLimitError as err:
            pause = err.retry_after if err.retry_after is not None else self.pauses.unnamed_backoff
            self.budget.block_for(pause)
            return max(next_delay, pause)
        except VivixError as err:
            delay = max(next_delay, self.pauses.unnamed_backoff)
            log.warning("Poll of job %s failed (%s); next in %.0fs", job.short_id, err, delay)
            return delay
        finally:
            self.budget.observe_remaining(self.api.rate_limit_remaining)
        if generation.is_terminal:
            await self._mark("terminal_seen", job)
            await self._complete(job, generation)
            return None
        async with self.db.transaction() as tx:
            await self.jobs.note_poll(tx, job.id, generation.model_dump(mode="json"))
        await self._notify(job, self._rendering(job, elapsed))
        return next_delay

    async def _wait_showing_progress(self, job: Job, delay: float, elapsed: Callable[[], float]) -> None:
        """Sleep until the next poll, refreshing the member's progress bar meanwhile (no API call)."""
        while delay > 0:
            step = min(delay, self.pauses.progress_every)
            await asyncio.sleep(step)
            delay -= step
            if delay > 0:
                await self._notify(job, self._rendering(job, elapsed()))

    async def _complete(self, job: Job, generation: Generation) -> None:
        result = generation.model_dump(mode="json", exclude_none=True)
        if generation.status == "completed":
            if generation.duration_ms:
                self.plan.observe(job.model, generation.duration_ms / 1000)
            used = generation.credits_used if generation.credits_used is not None else job.held
            await self._finish(job, JobOutcome.COMPLETED, credits_used=used, result=result)
        else:
            await self._finish(
                job, JobOutcome.FAILED, result=result, error_code=generation.error or "FAILED",
                error_message=generation.message or "The generation failed.",
            )

    async def _finish(
        self,
        job: Job,
        outcome: JobOutcome,
        *,
        credits_used: int = 0,
        result: dict[str, Any] | None = None,
        error_code: str | None = None,
        error_message: str | None = None,
    ) -> None:
        """Record the end and settle or release the hold, in one transaction, once.

        A job an admin cancelled while it rendered ends here as cancelled: released, not posted.
        """
        async with self.db.transaction() as tx:
            if await self.jobs.cancelled_by(tx, job.id) is not None:
                outcome, error_code = JobOutcome.CANCELLED, "CANCELLED"
                error_message = "Cancelled by a server admin while it rendered; the result was not posted."
            charge = min(max(credits_used, 0), job.held) if outcome is JobOutcome.COMPLETED else 0
            if outcome is JobOutcome.COMPLETED and credits_used > job.held:
                log.warning("Job %s cost %d, above its hold of %d; charging the hold",
                            job.short_id, credits_used, job.held)
            moved = await self.jobs.mark_finished(
                tx, job.id, outcome=outcome, credits_used=charge, at=self.clock(), result=result,
                error_code=error_code, error_message=error_message,
            )
            if not moved:
                return
            self._cancelled_rendering.discard(job.id)
            if outcome is JobOutcome.COMPLETED:
                await self.ledger.settle_in(tx, job.id, charge)
            else:
                await self.ledger.release_in(tx, job.id)
        async with self.db.read() as conn:
            finished = await self.jobs.get(conn, job.id)
        assert finished is not None
        await self._mark("after_finish", finished)
        # Posting can take a while; the job's slot is free as soon as its outcome is recorded.
        self._spawn(self._deliver(finished), f"deliver {job.short_id}")

    async def cancel(self, job_id: str, by: int) -> Job | None:
        """Cancel a queued job: full refund. Returns the job, or None when it was not queued."""
        async with self.db.read() as conn:
            job = await self.jobs.get(conn, job_id)
        if job is None or job.status is not JobStatus.QUEUED or job.id in self._running:
            return None
        async with self.db.transaction() as tx:
            if not await self.jobs.note_cancelled_by(tx, job.id, by, statuses=(JobStatus.QUEUED,)):
                return None
            moved = await self.jobs.mark_finished(
                tx, job.id, outcome=JobOutcome.CANCELLED, credits_used=0, at=self.clock(),
                from_statuses=(JobStatus.QUEUED,),
            )
            if not moved:
                return None
            await self.ledger.release_in(tx, job.id)
        async with self.db.read() as conn:
            finished = await self.jobs.get(conn, job.id)
        assert finished is not None
        await self._deliver(finished)
        self._announce_positions_soon()
        return finished

    async def cancel_rendering(self, job_id: str, by: int) -> Job | None:
        """Cancel a job the API is rendering. The API cannot stop it, so the job keeps its slot
        and is polled to the end as usual; it then ends as cancelled (``_finish``). Returns the
        job, or None when it was not rendering any more."""
        async with self.db.transaction() as tx:
            if not await self.jobs.note_cancelled_by(tx, job_id, by, statuses=(JobStatus.RUNNING,)):
                return None
        async with self.db.read() as conn:
            job = await self.jobs.get(conn, job_id)
        if job is not None:
            self._cancelled_rendering.add(job.id)
            await self._notify(job, cancelling=True)
        return job

    # -- telling the member --------------------------------------------------

    def _rendering(self, job: Job, elapsed: float) -> Progress:
        return Progress(elapsed=elapsed, expected=self.plan.expected(job.model, job.category))

    async def _notify(self, job: Job, progress: Progress | None = None, *, cancelling: bool = False) -> None:
        if self.notifier is None:
            return
        if not cancelling and job.status is JobStatus.RUNNING and (
            job.cancelled_by is not None or job.id in self._cancelled_rendering
        ):
            return  # the message says it is cancelled; the render's progress no longer matters
        try:
            await self.notifier.job_updated(job, progress)
        except Exception:
            log.exception("Could not show the progress of job %s", job.short_id)

    async def _deliver(self, job: Job, attempt: int = 0) -> None:
        """Post the outcome once; a transient failure is retried, never recorded as delivered."""
        notifier = self.notifier
        if notifier is None:
            return
        try:
            if job.post_started_at is not None:
                found = await notifier.find_delivery(job)
                if found is not None:
                    await self._record_delivery(job, found)
                    return
            async with self.db.transaction() as tx:
                await self.jobs.mark_post_started(tx, job.id, self.clock())
            delivery = await notifier.deliver(job)
            await self._mark("after_post", job)
            await self._record_delivery(job, delivery)
        except Exception:
            delay = min(self.pauses.max_queue_pause, self.pauses.deliver_retry * 2**attempt)
            log.exception("Could not deliver job %s; trying again in %.0fs", job.short_id, delay)
            self._spawn(self._deliver_later(job.id, delay, attempt + 1), f"deliver {job.short_id} later")

    async def _deliver_later(self, job_id: str, delay: float, attempt: int) -> None:
        await asyncio.sleep(delay)
        async with self.db.read() as conn:
            job = await self.jobs.get(conn, job_id)
        if job is not None and job.status is JobStatus.FINISHED:
            await self._deliver(job, attempt)

    async def _record_delivery(self, job: Job, delivery: Delivery) -> None:
        async with self.db.transaction() as tx:
            await self.jobs.mark_delivered(
                tx, job.id, via=delivery.via, message_id=delivery.message_id, at=self.clock()
            )
        async with self.db.read() as conn:
            delivered = await self.jobs.get(conn, job.id)
        if delivered is not None:
            await self._notify(delivered)


def _say(err: VivixAPIError) -> str:
    messages = {
        "INSUFFICIENT_CREDITS": "The bot's API wallet is empty; the operator has been told. "
        "Your credits were returned.",
        "MODEL_NOT_ALLOWED": "This model is not available to the bot's API key.",
        "KEY_INVALID": "The bot's API key was refused; the operator must fix it.",
        "TIER_LOCKED": "The bot's API plan does not include API access.",
        "NOT_FOUND": "The generation service lost track of this job.",
        "NOT_YOURS": "The generation belongs to another account.",
    }
    if err.code == "INVALID_PARAMS":
        what = f"`{err.field}`: {err.reason or err.message}" if err.field else (err.message or "")
        return f"The service refused the request ({what})."
    return messages.get(err.code, err.message or err.code)


def _being_cancelled() -> bool:
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


def _log_crash(task: asyncio.Task[Any]) -> None:
    if task.cancelled():
        return
    error = task.exception()
    if error is not None:
        log.error("Background task %s crashed", task.get_name(), exc_info=error)
