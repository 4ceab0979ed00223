"""``ContestScheduler``: runs contests' phase changes when their database timers fall due, and
announces what each change made (the voting board, the results).

Timers live in ``contest_timers``, so they survive a restart; after downtime every overdue
change runs at once, in due order (a contest whose entries and voting both ended while the bot
was down opens and closes its voting in one go). A change is marked done in its own
transaction, so running one twice is a no-op; an announcement is marked once it was made, so a
crash before posting means it is made again after the restart (at least once: the announcer
should recognise its own post if it must be exactly once).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Protocol

from bot.clock import Clock
from bot.contests.models import ChangeDone, ContestResults, PhaseChange, Timer, VotingBoard
from bot.contests.phases import PhaseRunner
from bot.store.contests import ContestRepository
from bot.store.database import Database
from bot.tasks import TaskSupervisor

if TYPE_CHECKING:
    from bot.contests.reading import ContestReads

log = logging.getLogger(__name__)

MAX_SLEEP = 600.0  # look again at least this often (clock jumps, timers written by another process)
RETRY_SLEEP = 60.0  # after a failed change or announcement
TASK_NAME = "contest scheduler"

Sleep = Callable[[float], Awaitable[None]]


class ContestAnnouncer(Protocol):
    """The Discord side: posts the board when voting opens and the results at the end."""

    async def voting_opened(self, board: VotingBoard) -> None: ...

    async def results(self, results: ContestResults) -> None: ...


class ContestScheduler:
    def __init__(self, db: Database, runner: PhaseRunner, reads: ContestReads, clock: Clock,
                 tasks: TaskSupervisor, *, announcer: ContestAnnouncer | None = None) -> None:
        self._db = db
        self._runner = runner
        self._reads = reads
        self._clock = clock
        self._tasks = tasks
        self.announcer = announcer
        self._contests = ContestRepository()
        self._kicked = False
        self._sleeper: asyncio.Task[None] | None = None
        self._failing = False

    # -- one pass ------------------------------------------------------------------------------

    async def run_due(self) -> list[ChangeDone]:
        """Run every change due now, in due order (including those that fall due as others run),
        then make the announcements still owed. A change that raises is logged and left due."""
        done: list[ChangeDone] = []
        failed: set[tuple[int, PhaseChange]] = set()
        self._failing = False
        while True:
            timer = await self._next_due(failed)
            if timer is None:
                break
            try:
                done.append(await self._runner.run(timer.contest_id, timer.change))
            except Exception:
                log.exception("contest %d: %s failed; trying again later", timer.contest_id, timer.change.value)
                failed.add((timer.contest_id, timer.change))
                self._failing = True
        await self.announce_owed()
        return done

    async def _next_due(self, skip: set[tuple[int, PhaseChange]]) -> Timer | None:
        now = self._clock()
        async with self._db.read() as conn:
            for timer in await self._contests.due_timers(conn, now, limit=len(skip) + 1):
                if (timer.contest_id, timer.change) not in skip:
                    return timer
        return None

    async def announce_owed(self) -> int:
        """Post what changes made and nobody has seen yet; returns how many were posted."""
        if self.announcer is None:
            return 0
        async with self._db.read() as conn:
            owed = await self._contests.unannounced(conn)
        posted = 0
        for timer in owed:
            try:
                if timer.change is PhaseChange.OPEN_VOTING:
                    await self.announcer.voting_opened(await self._reads.board(timer.contest_id))
                elif timer.change is PhaseChange.PAY_PRIZES:
                    results = await self._reads.results(timer.contest_id)
                    if results is not None:
                        await self.announcer.results(results)
            except Exception:
                log.exception("contest %d: announcing %s failed; trying again later",
                              timer.contest_id, timer.change.value)
                self._failing = True
                continue
            async with self._db.transaction() as tx:
                await self._contests.mark_announced(tx, timer.contest_id, timer.change, self._clock())
            posted += 1
        return posted

    # -- the background task -----------------------------------------------------------------------

    def start(self, sleep: Sleep | None = None) -> asyncio.Task[None]:
        """Run due changes now and whenever the next one falls due, until the tasks close."""
        return self._tasks.spawn(self._forever(sleep or self._sleep), TASK_NAME)

    def kick(self) -> None:
        """Look at the timers again now (a contest was created or a phase ended early)."""
        self._kicked = True
        if self._sleeper is not None:
            self._sleeper.cancel()

    async def seconds_to_next(self) -> float | None:
        async with self._db.read() as conn:
            timer = await self._contests.next_timer(conn)
        if timer is None:
            return None
        return max(0.0, (timer.due_at - self._clock()).total_seconds())

    async def _forever(self, sleep: Sleep) -> None:
        while True:
            self._kicked = False
            try:
                await self.run_due()
                delay = await self.seconds_to_next()
            except Exception:  # the database was unavailable, say: keep the loop alive
                log.exception("contest scheduler pass failed")
                delay = RETRY_SLEEP
            wait = MAX_SLEEP if delay is None else min(delay, MAX_SLEEP)
            if self._failing:  # a failed change stays due: not again at once, but soon
                wait = RETRY_SLEEP
            await sleep(wait)

    async def _sleep(self, seconds: float) -> None:
        """Until ``seconds`` pass or ``kick()`` is called: a plain ``asyncio.sleep`` in a task that
        ``kick()`` cancels (a simulated clock, as SimCord's, can see through it; an Event it cannot)."""
        if self._kicked:
            return
        self._sleeper = asyncio.ensure_future(asyncio.sleep(seconds))
        try:
            await asyncio.wait({self._sleeper})
        finally:
            self._sleeper.cancel()
            self._sleeper = None
