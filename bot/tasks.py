"""One owner for every background task: named, crash-logged, cancelled together on close."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


class TaskSupervisor:
    """Starts background tasks and keeps a reference to each until it ends.

    A task that raises is logged with its name (asyncio would otherwise report it
    only when garbage-collected, if ever). ``close()`` cancels whatever still runs and
    waits for it; a task spawned after that is cancelled at once.
    """

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    def spawn(self, coro: Coroutine[Any, Any, T], name: str) -> asyncio.Task[T]:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        if self._closed:
            task.cancel()
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(_log_crash)
        return task

    def running(self, prefix: str = "") -> list[str]:
        """Names of the tasks still running, optionally only those starting with ``prefix``."""
        return sorted(t.get_name() for t in self._tasks if not t.done() and t.get_name().startswith(prefix))

    async def close(self) -> None:
        self._closed = True
        while self._tasks:
            tasks = list(self._tasks)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self._tasks.difference_update(tasks)


def _log_crash(task: asyncio.Task[Any]) -> None:
    if task.cancelled():
        return
    error = task.exception()
    if error is not None:
        log.error("Background task %s crashed", task.get_name(), exc_info=error)
