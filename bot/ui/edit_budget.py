"""One budget of status-message edits per second for the whole bot.

Discord allows a bot about 50 requests a second in all; progress edits must never crowd out
what members wait for. Every non-final status edit goes through ``EditBudget``:

- a token bucket refills ``per_second`` tokens a second; each progress edit takes one. The
  worker sleeps ``tick`` seconds when it must wait (not a fraction of a second per edit), so the
  bucket holds ``tick`` seconds' worth and sends what accrued on waking: the same rate, fewer
  wake-ups, and no sub-second timers (SimCord runs those in real time);
- pending edits are coalesced per message: the latest state replaces the one still waiting,
  keeping its turn;
- one message is edited at most once per ``min_gap`` seconds;
- what waits goes out in priority order (``EditPriority``), oldest first within a priority;
- final states (finished, delivered) never wait: they go out at once, drop any pending edit of
  their message, and take a token anyway, so the progress edits after them slow down instead
  of the bot going over its budget. The debt is capped at one bucketful.

``EditQueue`` holds the rules and no time of its own (tests drive it with plain numbers);
``EditBudget`` is its worker: one task owned by the bot's ``TaskSupervisor``, running while
edits wait and started again by the next offer (no task idles forever).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import IntEnum

from ..tasks import TaskSupervisor

log = logging.getLogger(__name__)

Send = Callable[[], Awaitable[None]]
Sleep = Callable[[float], Awaitable[None]]

TICK = 2.0  # seconds the worker sleeps when nothing may go yet


class EditPriority(IntEnum):
    STARTED = 0  # a job just started rendering (or is retried, or cancelled): the member is watching
    NEAR = 1  # an exact place near the front of the line
    BACKGROUND = 2  # progress bars and round-figure places further back


@dataclass(slots=True)
class _Pending:
    priority: EditPriority
    order: int  # when the message first asked for an edit: its turn within a priority
    send: Send


class EditQueue:
    """The rules: bucket, coalescing, per-message gap and priority. Times are seconds on any
    monotonic clock, passed in by the caller."""

    def __init__(self, per_second: float, *, capacity: float = 1.0, min_gap: float = 0.0, now: float = 0.0) -> None:
        if per_second <= 0:
            raise ValueError("per_second must be positive")
        self.per_second = per_second
        self.capacity = max(1.0, capacity)
        self.min_gap = min_gap
        self.tokens = self.capacity
        self._refilled_at = now
        self._pending: dict[str, _Pending] = {}
        self._last_sent: dict[str, float] = {}
        self._orders = 0
        self.sent = 0  # progress edits sent
        self.finals = 0  # final edits counted

    def __len__(self) -> int:
        return len(self._pending)

    def offer(self, key: str, priority: EditPriority, send: Send) -> None:
        """Queue an edit of message ``key``; a pending one is replaced, keeping its turn."""
        pending = self._pending.get(key)
        if pending is None:
            self._orders += 1
            self._pending[key] = _Pending(priority, self._orders, send)
        else:
            pending.priority, pending.send = priority, send

    def final(self, key: str, now: float) -> None:
        """A final state of ``key`` goes out now: forget its pending edit, charge the bucket."""
        self._pending.pop(key, None)
        self._last_sent.pop(key, None)
        self._refill(now)
        self.tokens = max(-self.capacity, self.tokens - 1)
        self.finals += 1

    def take(self, now: float) -> tuple[str, Send] | None:
        """The edit to send now, if a token and a message past its gap allow one."""
        self._refill(now)
        if self.tokens < 1:
            return None
        best: tuple[int, int, str] | None = None
        for key, pending in self._pending.items():
            if self._ready_at(key) <= now and (best is None or (pending.priority, pending.order) < best[:2]):
                best = (pending.priority, pending.order, key)
        if best is None:
            return None
        key = best[2]
        send = self._pending.pop(key).send
        self.tokens -= 1
        self.sent += 1
        self._last_sent[key] = now
        if len(self._last_sent) > 2 * len(self._pending) + 1000:  # forget messages past their gap
            self._last_sent = {k: t for k, t in self._last_sent.items() if t + self.min_gap > now}
        return key, send

    def wait_time(self, now: float) -> float | None:
        """Seconds until ``take`` can return an edit; None when nothing waits."""
        if not self._pending:
            return None
        self._refill(now)
        for_token = max(0.0, (1 - self.tokens) / self.per_second)
        for_message = min(max(0.0, self._ready_at(key) - now) for key in self._pending)
        return max(for_token, for_message)

    def clear(self) -> None:
        self._pending.clear()

    def _ready_at(self, key: str) -> float:
        last = self._last_sent.get(key)
        return float("-inf") if last is None else last + self.min_gap

    def _refill(self, now: float) -> None:
        if now > self._refilled_at:
            self.tokens = min(self.capacity, self.tokens + (now - self._refilled_at) * self.per_second)
            self._refilled_at = now


class EditBudget:
    """Sends queued status edits within the budget, from one task of ``tasks``."""

    def __init__(
        self,
        per_second: float,
        *,
        tasks: TaskSupervisor,
        min_gap: float = 0.0,
        tick: float = TICK,
        clock: Callable[[], float] | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.clock = clock or _monotonic
        self.tick = tick
        self.queue = EditQueue(per_second, capacity=per_second * tick, min_gap=min_gap, now=self.clock())
        self.tasks = tasks
        self.sleep = sleep
        self._worker: asyncio.Task[None] | None = None
        self._wake_at: float | None = None  # while the worker sleeps: when it wakes
        self._sending: tuple[str, asyncio.Future[None]] | None = None  # the edit under way
        self._closed = False

    def offer(self, key: str, priority: EditPriority, send: Send) -> None:
        """Queue a progress edit of message ``key`` (latest state wins)."""
        if self._closed:
            return
        self.queue.offer(key, priority, send)
        if self._worker is not None and not self._worker.done():
            if self._wake_at is None:
                return  # sending now: it looks at the queue again when done
            now = self.clock()
            soon = now + max(self.tick, self.queue.wait_time(now) or 0.0)
            if self._wake_at <= soon:
                return
            self._worker.cancel()  # asleep past when this edit could go: start over
        self._worker = self.tasks.spawn(self._run(), "status edits")

    async def final(self, key: str, send: Send) -> None:
        """Send a final state now, outside the queue, counted against the budget; after a
        progress edit of the same message already under way, so the final one lands last."""
        self.queue.final(key, self.clock())
        if self._sending is not None and self._sending[0] == key:
            await asyncio.shield(self._sending[1])
        await send()

    async def close(self) -> None:
        """Drop pending progress edits and stop the worker."""
        self._closed = True
        self.queue.clear()
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.cancel()
            await asyncio.gather(worker, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            now = self.clock()
            taken = self.queue.take(now)
            if taken is not None:
                done = asyncio.get_running_loop().create_future()
                self._sending = (taken[0], done)
                try:
                    await taken[1]()
                except Exception:
                    log.exception("A status edit failed")
                finally:
                    self._sending = None
                    done.set_result(None)
                continue
            wait = self.queue.wait_time(now)
            if wait is None:
                return  # nothing waits: the next offer starts the worker again
            # At least a tick; an offer that could go sooner than this wake-up restarts the worker.
            wait = max(wait, self.tick)
            self._wake_at = now + wait
            try:
                await self.sleep(wait)
            finally:
                if self._worker is asyncio.current_task():  # not when replaced by a newer worker
                    self._wake_at = None


def _monotonic() -> float:
    # Looked up at each call, not bound once: a simulated Discord (SimCord) replaces
    # time.monotonic with its own clock while it runs.
    return time.monotonic()
