"""The queue pump: submits whatever the key's limits allow, and the dispatcher's public face."""

from __future__ import annotations

import asyncio
import logging

from ..catalog import Catalog
from ..clock import Clock
from ..headroom import Headroom
from ..jobs import Job, JobStatus
from ..ledger import CreditLedger
from ..ops.alerts import Alerts
from ..ops.metrics import BotMetrics
from ..ops.wallet import WalletWatch
from ..polling import PollPlan
from ..ratelimit import RateBudget
from ..store.database import Database
from ..store.jobs import JobRepository
from ..tasks import TaskSupervisor
from ..vivix.client import VivixClient
from .announce import PositionAnnouncer
from .context import DispatchContext
from .delivery import Messenger
from .errors import MANUAL, AlreadyPausedError, NotPausedError
from .eta import QueueEta
from .finish import Finisher
from .follow import Follower
from .pause import PauseControl, QueuePause
from .queue_index import QueueIndex
from .submit import Submitter
from .types import Checkpoint, Notifier, Pauses, Progress

log = logging.getLogger(__name__)

INDEX_RECHECK_SECONDS = 600.0
DEFAULT_LIMITS = (240, 5)  # calls per minute, jobs at once: the Pro tier, until /models says otherwise


class Dispatcher:
    def __init__(
        self,
        *,
        db: Database,
        jobs: JobRepository,
        ledger: CreditLedger,
        api: VivixClient,
        catalog: Catalog,
        clock: Clock,
        notifier: Notifier,
        tasks: TaskSupervisor,
        alerts: Alerts,
        wallet: WalletWatch,
        metrics: BotMetrics,
        poll_plan: PollPlan | None = None,
        budget: RateBudget | None = None,
        checkpoint: Checkpoint | None = None,
        pauses: Pauses | None = None,
    ) -> None:
        self.ctx = DispatchContext(
            db=db, jobs=jobs, ledger=ledger, api=api, catalog=catalog, clock=clock, notifier=notifier,
            tasks=tasks, plan=poll_plan or PollPlan(), budget=budget or RateBudget(_limits(catalog)[0]),
            alerts=alerts, wallet=wallet, metrics=metrics, pauses=pauses or Pauses(), checkpoint=checkpoint,
        )
        self.messenger = Messenger(self.ctx)
        self.finisher = Finisher(self.ctx, self.messenger)
        self.follower = Follower(self.ctx, self.finisher, self.messenger, on_slot_free=self.kick)
        self.eta = QueueEta(
            self.ctx.queue, self.ctx.plan, running=lambda: self.follower.started.values(),
            concurrency=lambda: _limits(self.ctx.catalog)[1], loop_now=self.ctx.now, clock=self.ctx.clock,
        )
        self.announcer = PositionAnnouncer(self.ctx, self.messenger, self._paused_code, self.eta)
        self.pause_control = PauseControl(
            self.ctx, alerts, on_resume=self.kick, on_change=self.announcer.soon, next_hold=self._next_hold,
        )
        self.submitter = Submitter(
            self.ctx, self.finisher, self.follower, self.messenger, self.pause_control, kick=self.kick
        )
        self._pump_task: asyncio.Task[None] | None = None
        self._pump_again = False
        self._wake_at: float | None = None
        self._hold_off_until = 0.0
        self._index_checked_at = 0.0
        self._resume_first: list[str] = []
        self.active = False
        """True once ``start`` ran: this process runs the queue (on PostgreSQL, only the leader does)."""

    @property
    def checkpoint(self) -> Checkpoint | None:
        return self.ctx.checkpoint

    @checkpoint.setter
    def checkpoint(self, hook: Checkpoint | None) -> None:
        self.ctx.checkpoint = hook

    @property
    def plan(self) -> PollPlan:
        return self.ctx.plan

    @property
    def in_flight(self) -> int:
        return len(self.follower.running)

    @property
    def paused(self) -> QueuePause | None:
        """Why the queue is paused, or None while it runs."""
        return self.pause_control.state

    def _paused_code(self) -> str | None:
        return self.pause_control.state.code if self.pause_control.state else None

    async def pause(self, reason: str, *, by: int) -> QueuePause:
        """The operator pauses the queue (running jobs go on); AlreadyPausedError when it was."""
        pause = QueuePause(code=MANUAL, detail=reason, since=self.ctx.clock(), by=by)
        if not await self.pause_control.pause(pause):
            current = self.pause_control.state
            raise AlreadyPausedError(current.code if current else MANUAL, current.detail if current else reason)
        return pause

    async def resume(self, *, by: int) -> None:
        """The operator resumes the queue; NotPausedError when it was not paused."""
        if not await self.pause_control.resume(by=by, why="resumed by hand"):
            raise NotPausedError()

    # -- lifetime ----------------------------------------------------------

    async def start(self) -> None:
        """Resume every unfinished job left by a previous run."""
        ctx = self.ctx
        async with ctx.db.transaction() as tx:
            # Resubmitted with their stored keys, before anything else: the API may already be
            # rendering them (the submit went out, its answer was lost with the process), so a
            # slot of the key's concurrency may be theirs; another job first could meet a 429.
            self._resume_first = await ctx.jobs.requeue_all_submitting(tx)
        await self._rebuild_queue_index()
        async with ctx.db.read() as conn:
            running = await ctx.jobs.list_by_status(conn, JobStatus.RUNNING)
            finished = await ctx.jobs.list_by_status(conn, JobStatus.FINISHED)
            learned = await ctx.jobs.recent_durations(conn)
        for model, seconds in learned:  # what past jobs taught the poll plan survives restarts
            ctx.plan.observe(model, seconds)
        for job in running:
            self.follower.follow(job, resumed=True)
        for job in finished:
            self.messenger.deliver_soon(job)
        if running or finished:
            log.info("Resumed %d running and %d undelivered jobs", len(running), len(finished))
        await self.pause_control.load()
        self.active = True
        self.kick()

    async def close(self) -> None:
        """Stop starting work; the task supervisor cancels what runs (a running job resumes at start)."""
        self.ctx.closed = True
        tasks = [*self.follower.running.values()]
        if self._pump_task is not None:
            tasks.append(self._pump_task)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # -- the queue ---------------------------------------------------------

    def kick(self) -> None:
        """Submit whatever the limits allow now; safe to call any time (does nothing before ``start``,
        and so in a process that is not the leader: the leader hears of new jobs by NOTIFY)."""
        if self.ctx.closed or not self.active:
            return
        if self._pump_task is not None and not self._pump_task.done():
            self._pump_again = True
            return
        self._pump_task = self.ctx.tasks.spawn(self._pump(), "queue pump")

    def _kick_later(self, delay: float) -> None:
        wake_at = self.ctx.now() + delay
        if self._wake_at is not None and self._wake_at <= wake_at:
            return
        self._wake_at = wake_at

        async def later() -> None:
            await asyncio.sleep(delay)
            if self._wake_at == wake_at:
                self._wake_at = None
            self.kick()

        self.ctx.tasks.spawn(later(), "kick later")

    async def _pump(self) -> None:
        while True:
            self._pump_again = False
            try:
                await self._pump_once()
            except Exception:  # never leave the queue without a pump
                log.exception("The queue pump failed; trying again in %.0fs", self.ctx.pauses.pump_retry)
                self._kick_later(self.ctx.pauses.pump_retry)
                return
            if not self._pump_again:
                return

    async def _pump_once(self) -> None:
        ctx = self.ctx
        calls_per_minute, concurrent = _limits(ctx.catalog)
        ctx.budget.resize(calls_per_minute)
        while not ctx.closed and len(self.follower.running) < concurrent:
            if self.pause_control.state is not None:
                return  # resumed by the probe or the operator, which kicks the queue again
            if ctx.now() < self._hold_off_until:
                self._kick_later(self._hold_off_until - ctx.now())
                return
            job = await self._next_queued()
            if job is None:
                return
            # Counted before the claim, so no submit goes out uncounted; a job cancelled in
            # between leaves one unused call in the window, which errs on the safe side.
            if not ctx.budget.try_acquire("submit"):
                self._kick_later(ctx.budget.wait_time("submit"))
                return
            pause = await self.submitter.submit(job)
            if pause is not None:
                self._hold_off_until = ctx.now() + pause
                self._kick_later(pause)
                return
            self.announcer.soon()

    async def _rebuild_queue_index(self) -> None:
        """The in-memory line, from the database: at start, and whenever the two could differ."""
        async with self.ctx.db.read() as conn:
            waiting = await self.ctx.jobs.waiting(conn)
        self.ctx.queue.replace_all(waiting)
        self._index_checked_at = self.ctx.now()

    def enqueued(self, job: Job, headroom: Headroom | None = None) -> Progress:
        """A new job is stored as QUEUED: it takes its place in line (call right after create).
        Returns what its first message should show: its place (or a round figure further back),
        when it will likely start, and ``headroom`` (its member near a cap) while it waits.
        In a process that does not run the queue the job's place is unknown here: the leader
        reads it from the database and edits the message with its place."""
        if self.active:
            self._put_in_line(job)
        return self.announcer.first_shown(job.id, headroom)

    def _put_in_line(self, job: Job) -> None:
        self.ctx.back_in_line(job)
        self.eta.register(job)

    async def job_arrived(self, job_id: str) -> None:
        """Another process queued ``job_id`` (a NOTIFY): put it in line and wake the pump."""
        if job_id in self.ctx.queue:
            return
        job = await self.ctx.load(job_id)
        if job is None or job.status is not JobStatus.QUEUED:
            return
        self._put_in_line(job)
        self.kick()
        self.announcer.soon()

    async def catch_up(self) -> None:
        """Put in line every waiting job the index lacks (notifications can be lost while the
        listening connection is down): the slow poll behind LISTEN/NOTIFY."""
        async with self.ctx.db.read() as conn:
            waiting = await self.ctx.jobs.waiting(conn)
        missing = [(job_id, guild_id, created) for job_id, guild_id, created in waiting if job_id not in self.ctx.queue]
        for job_id, guild_id, created in missing:
            self.ctx.queue.add(job_id, guild_id, created)
        if missing:
            log.info("Put %d waiting jobs in line that no notification announced", len(missing))
            self.kick()
            self.announcer.soon()

    def position_of(self, job_id: str) -> int | None:
        """The job's place in line (1 = next), or None when it is not waiting. O(servers waiting)."""
        return self.ctx.queue.position(job_id)

    async def waiting_of(
        self, guild_id: int, *, offset: int = 0, limit: int = 15
    ) -> tuple[list[tuple[int, str]], int]:
        """(place, job id) of one page of a server's waiting jobs in line order, and how many it has.
        A process that does not run the queue (not the leader) builds the line from the database."""
        queue = self.ctx.queue
        if not self.active:
            async with self.ctx.db.read() as conn:
                waiting = await self.ctx.jobs.waiting(conn)
            queue = QueueIndex()
            queue.replace_all(waiting)
        page = [(place, job_id) for place, job_id, _ in queue.in_order(limit=offset + limit, guild_id=guild_id)]
        return page[offset:], queue.count(guild_id)

    async def _next_hold(self) -> int | None:
        """What the next job to submit holds: the most the wallet must cover to take it."""
        picked = self.ctx.queue.next()
        job = await self.ctx.load(picked[0]) if picked else None
        return job.held if job is not None else None

    async def _next_queued(self) -> Job | None:
        """The next job in line, read from the database; a stale entry in the index is dropped.
        When the index is empty, or every few minutes, it is checked against the database, so a
        job queued by a path that forgot the index waits at most that long."""
        queue = self.ctx.queue
        if self.ctx.now() - self._index_checked_at > INDEX_RECHECK_SECONDS:
            await self._rebuild_queue_index()
        while self._resume_first:
            job = await self.ctx.load(self._resume_first.pop(0))
            if job is not None and job.status is JobStatus.QUEUED:
                return job
        while True:
            picked = queue.next()
            if picked is None:
                async with self.ctx.db.read() as conn:
                    missing = await self.ctx.jobs.any_waiting(conn)
                if not missing:
                    return None
                log.warning("The queue index missed waiting jobs; rebuilding it from the database")
                await self._rebuild_queue_index()
                continue
            job = await self.ctx.load(picked[0])
            if job is None or job.status is not JobStatus.QUEUED:
                queue.discard(picked[0])
                continue
            queue.after_guild = job.guild_id
            return job

    # -- cancelling ----------------------------------------------------------

    async def cancel(self, job_id: str, by: int) -> Job | None:
        """Cancel a waiting job: full refund. Returns the job, or None when it was not waiting."""
        cancelled = await self.finisher.cancel_queued(job_id, by)
        if cancelled is not None:
            self.announcer.soon()
        return cancelled

    async def cancel_rendering(self, job_id: str, by: int) -> Job | None:
        """Cancel a job the API is rendering; it ends as cancelled when the API says it is over."""
        return await self.finisher.cancel_rendering(job_id, by)


def _limits(catalog: Catalog) -> tuple[int, int]:
    rate = catalog.rate_limit
    if rate is None:
        return DEFAULT_LIMITS
    return rate.calls_per_minute, rate.concurrent_jobs
