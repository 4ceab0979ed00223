"""Telling waiting members their new place in line: one pass at a time, at most every few seconds."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from ..jobs import JobStatus
from .context import DispatchContext
from .delivery import Messenger
from .types import Progress

QueueOrder = Callable[[], Awaitable[list[tuple[str, int]]]]


class PositionAnnouncer:
    def __init__(
        self, ctx: DispatchContext, messenger: Messenger, order: QueueOrder, paused: Callable[[], str | None]
    ) -> None:
        self.ctx = ctx
        self.messenger = messenger
        self.order = order
        self.paused = paused
        self._task: asyncio.Task[None] | None = None
        self._again = False
        self._announced: dict[str, tuple[int, str | None]] = {}  # job id -> the place and pause last shown

    def soon(self) -> None:
        if self._task is not None and not self._task.done():
            self._again = True
            return
        self._task = self.ctx.tasks.spawn(self._run(), "announce positions")

    async def _run(self) -> None:
        ctx = self.ctx
        while True:
            self._again = False
            paused = self.paused()
            current = {job_id: (n, paused) for n, (job_id, _) in enumerate(await self.order(), 1)}
            async with ctx.db.read() as conn:
                waiting = await ctx.jobs.list_by_status(conn, JobStatus.QUEUED)
            for job in sorted(waiting, key=lambda j: current.get(j.id, (0, None))[0]):
                shown = current.get(job.id)
                if shown is not None and self._announced.get(job.id) != shown:
                    await self.messenger.notify(job, Progress(position=shown[0], paused=shown[1]))
            self._announced = current
            if not self._again:
                return
            await asyncio.sleep(ctx.pauses.announce_gap)
