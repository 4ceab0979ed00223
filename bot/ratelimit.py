"""One call budget for the API key: submits and polls draw from the same window.

The service counts every request in a rolling minute. ``RateBudget`` keeps the
times of our own calls in that window, stays a margin under the limit, and
trusts ``X-RateLimit-Remaining`` when it says fewer calls are left (the key
may be used elsewhere). Submits may use the whole budget; polls leave a
reserve for them, so a crowd of running jobs never starves the queue.
``time_scale`` shrinks the minute for simulations that run the API faster
than life (a sandbox whose ``rate_window`` is ``60 * time_scale``).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable

log = logging.getLogger(__name__)

WINDOW = 60.0


class RateBudget:
    def __init__(
        self,
        calls_per_minute: int,
        *,
        safety: float = 0.9,
        submit_reserve: float = 0.2,
        now: Callable[[], float] | None = None,
        time_scale: float = 1.0,
    ) -> None:
        if time_scale <= 0:
            raise ValueError("time_scale must be above 0")
        self.window = WINDOW * time_scale
        """Seconds of the rolling window: a minute, times ``time_scale``."""
        self._now = now or (lambda: asyncio.get_running_loop().time())
        self._calls: deque[float] = deque()
        self._blocked_until = 0.0
        self.safety = safety
        self.submit_reserve = submit_reserve
        self.resize(calls_per_minute)

    def resize(self, calls_per_minute: int) -> None:
        """Size the window from /models ``rate_limit.calls_per_minute``."""
        self.calls_per_minute = max(1, calls_per_minute)
        self.capacity = max(1, int(self.calls_per_minute * self.safety))
        self.poll_capacity = max(1, int(self.capacity * (1 - self.submit_reserve)))

    def _prune(self, now: float) -> None:
        while self._calls and self._calls[0] <= now - self.window:
            self._calls.popleft()

    def _limit(self, kind: str) -> int:
        return self.capacity if kind == "submit" else self.poll_capacity

    def wait_time(self, kind: str = "poll") -> float:
        """Seconds until a call of this kind may go out (0 = now)."""
        now = self._now()
        self._prune(now)
        if now < self._blocked_until:
            return self._blocked_until - now
        limit = self._limit(kind)
        if len(self._calls) < limit:
            return 0.0
        # The call that must leave the window for one more of ours to fit.
        index = len(self._calls) - limit
        return max(0.0, self._calls[index] + self.window - now)

    def try_acquire(self, kind: str = "poll") -> bool:
        if self.wait_time(kind) > 0:
            return False
        self._calls.append(self._now())
        return True

    async def acquire(self, kind: str = "poll") -> None:
        """Wait until a call of this kind fits in the window, then count it."""
        # Sleeps exactly until the window has room; not a busy poll.
        while not self.try_acquire(kind):  # noqa: ASYNC110
            await asyncio.sleep(max(self.wait_time(kind), 0.05))

    def observe_remaining(self, remaining: int | None) -> None:
        """Believe the service when it says fewer calls are left than we think."""
        if remaining is None:
            return
        now = self._now()
        self._prune(now)
        ours_left = self.calls_per_minute - len(self._calls)
        missing = ours_left - remaining
        if missing > 0:
            # Someone else spent them: count them as calls made just now.
            self._calls.extend([now] * min(missing, self.calls_per_minute))
            while len(self._calls) > self.calls_per_minute:
                self._calls.popleft()

    def block_for(self, seconds: float) -> None:
        """After a 429 RATE_LIMIT: no calls at all for ``seconds``."""
        self._blocked_until = max(self._blocked_until, self._now() + max(0.0, seconds))

    @property
    def used(self) -> int:
        self._prune(self._now())
        return len(self._calls)
