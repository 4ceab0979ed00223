"""Telling waiting members their place in line, at a cost that does not grow with the queue.

The first ``EXACT_PLACES`` places are shown exactly; further back a round figure ("about 50
ahead") that changes only when the job crosses into another band. A pass walks at most
``ANNOUNCE_DEPTH`` places from the front, so a queue of 50,000 costs what one of 1,000 does;
a job further back keeps the band it was shown when it was queued until it comes within reach.
When the queue pauses or resumes, one pass walks the whole line, since every waiting message
must say so. Each message also shows when its job will likely start and finish (``eta``,
rounded so it moves rarely) and, when its member was near a cap, what they had left after it.
A message is edited only when what it shows changes.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable

from ..headroom import Headroom
from ..jobs import JobStatus
from .context import DispatchContext
from .delivery import Messenger
from .eta import QueueEta
from .types import Progress

EXACT_PLACES = 10
ANNOUNCE_DEPTH = 1000
BANDS = ((50, 10), (200, 50), (1000, 100), (5000, 500))  # up to N ahead: rounded up to a multiple of step
TOP_STEP = 5000

Shown = tuple[int, bool, str | None, tuple[int, int] | None]  # (place, approximate, pause code, eta shown)


def shown_place(position: int) -> tuple[int, bool]:
    """(what to show, whether it is a round figure) for a place in line."""
    if position <= EXACT_PLACES:
        return position, False
    for limit, step in BANDS:
        if position <= limit:
            return math.ceil(position / step) * step, True
    return math.ceil(position / TOP_STEP) * TOP_STEP, True


class PositionAnnouncer:
    def __init__(self, ctx: DispatchContext, messenger: Messenger, paused: Callable[[], str | None],
                 eta: QueueEta) -> None:
        self.ctx = ctx
        self.messenger = messenger
        self.paused = paused
        self.eta = eta
        self._headroom: dict[str, Headroom] = {}  # job id -> what its member had left, when near a cap
        self._task: asyncio.Task[None] | None = None
        self._again = False
        self._shown: dict[str, Shown] = {}  # job id -> what its message shows now
        self._paused_shown: str | None = None

    def first_shown(self, job_id: str, headroom: Headroom | None = None) -> Progress:
        """What a just-queued job's first message shows; remembered so no pass edits it again.
        ``headroom`` (its member near a cap) is shown on every edit while it waits."""
        paused = self.paused()
        if headroom is not None:
            self._headroom[job_id] = headroom
        position = self.ctx.queue.position(job_id)
        if position is None:
            return Progress(paused=paused, headroom=headroom)
        place, approximate = shown_place(position)
        eta = None if paused else self.eta.of(job_id)
        self._shown[job_id] = (place, approximate, paused, eta.shown() if eta else None)
        return Progress(position=place, approximate=approximate, paused=paused, eta=eta, headroom=headroom)

    def soon(self) -> None:
        if self._task is not None and not self._task.done():
            self._again = True
            return
        self._task = self.ctx.tasks.spawn(self._run(), "announce positions")

    async def _run(self) -> None:
        while True:
            self._again = False
            await self._pass()
            if not self._again:
                return
            await asyncio.sleep(self.ctx.pauses.announce_gap)

    async def _pass(self) -> None:
        ctx = self.ctx
        paused = self.paused()
        depth = None if paused != self._paused_shown else ANNOUNCE_DEPTH
        self._paused_shown = paused
        line = ctx.queue.in_order(limit=depth)
        estimates = ((p, j, None) for p, j, _ in line) if paused else self.eta.along(line)
        for position, job_id, eta in list(estimates):
            place, approximate = shown_place(position)
            shown = (place, approximate, paused, eta.shown() if eta else None)
            if self._shown.get(job_id) == shown:
                continue
            job = await ctx.load(job_id)
            if job is None or job.status is not JobStatus.QUEUED:
                continue
            self.eta.register(job)  # known from its enqueue, unless the bot restarted since
            self._shown[job_id] = shown
            await self.messenger.notify(job, Progress(position=place, approximate=approximate, paused=paused,
                                                      eta=eta, headroom=self._headroom.get(job_id)))
        if len(self._shown) > 2 * len(ctx.queue) + 100:  # forget jobs that left the line, now and then
            self._shown = {job_id: shown for job_id, shown in self._shown.items() if job_id in ctx.queue}
            self._headroom = {job_id: left for job_id, left in self._headroom.items() if job_id in ctx.queue}
        self.eta.forget_gone()
