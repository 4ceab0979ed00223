"""One bot process in a cluster: campaigns for leadership, listens, and starts leading when elected."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from ..catalog import Catalog
from ..dispatch.dispatcher import Dispatcher
from ..store.notify import CATALOG, CONTROL, QUEUE
from ..tasks import TaskSupervisor
from .leader import LeaderElection, exit_at_once
from .listener import Listener

log = logging.getLogger(__name__)

QUEUE_POLL_SECONDS = 30.0  # the fallback: the leader reads the queue this often even if no NOTIFY came


class Cluster:
    def __init__(
        self,
        url: str,
        *,
        tasks: TaskSupervisor,
        dispatcher: Dispatcher,
        catalog: Catalog,
        lead: Callable[[], Awaitable[None]],
        elect: bool = True,
        on_lost: Callable[[], None] = exit_at_once,
        retry: float = 1.0,
        poll_seconds: float = QUEUE_POLL_SECONDS,
    ) -> None:
        """``lead`` starts what only the leader runs; ``elect=False`` makes a process that never leads."""
        self._tasks = tasks
        self._dispatcher = dispatcher
        self._catalog = catalog
        self._lead = lead
        self.poll_seconds = poll_seconds
        self.election = (
            LeaderElection(url, self._become_leader, retry=retry, check=retry, on_lost=on_lost) if elect else None
        )
        self.listener = Listener(
            url, {QUEUE: self._job_queued, CONTROL: self._control, CATALOG: self._catalog_changed},
            on_connect=self._catch_up, retry=retry,
        )

    @property
    def is_leader(self) -> bool:
        return self.election is not None and self.election.is_leader

    @property
    def elected(self) -> asyncio.Event:
        return self.election.elected if self.election is not None else asyncio.Event()

    async def start(self) -> None:
        self._tasks.spawn(self.listener.run(), "cluster listener")
        if self.election is not None:
            self._tasks.spawn(self.election.run(), "leader election")

    async def _become_leader(self) -> None:
        await self._lead()
        self._tasks.spawn(self._poll_queue_forever(), "queue poll fallback")

    async def _poll_queue_forever(self) -> None:
        while True:
            await asyncio.sleep(self.poll_seconds)
            await self._catch_up()

    async def _catch_up(self) -> None:
        if self.is_leader and self._dispatcher.active:
            await self._dispatcher.catch_up()

    def _job_queued(self, job_id: str) -> None:
        if self.is_leader and self._dispatcher.active:
            self._tasks.spawn(self._dispatcher.job_arrived(job_id), "job arrived")

    def _control(self, _payload: str) -> None:
        self._tasks.spawn(self._dispatcher.pause_control.sync(), "pause state changed")

    def _catalog_changed(self, _payload: str) -> None:
        if not self.is_leader:
            self._tasks.spawn(self._catalog.refresh(), "catalog from the leader")
