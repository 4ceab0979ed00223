"""When to poll a running job: just after its earliest likely end, then at the documented interval.

Expectations start from the documented typical times and learn per model from
the ``duration_ms`` of finished jobs. Jobs far past their expectation are
polled less often; a job is never given up on time alone.

Every duration in or out is in clock seconds. ``time_scale`` is for
simulations that run the API faster than life (the sandbox's own
``time_scale``): it multiplies the documented times and intervals, and
durations observed at that speed are learned as ``duration / time_scale``.
"""

from __future__ import annotations

import random

TYPICAL_SECONDS = {"image": 12.0, "video": 90.0, "audio": 30.0, "utility": 8.0, "text": 8.0}
INTERVAL_SECONDS = {"image": 2.0, "video": 4.0, "audio": 3.0}
DEFAULT_TYPICAL = 20.0
DEFAULT_INTERVAL = 3.0
MAX_INTERVAL = 30.0
EARLIEST_END = 0.8
"""Jobs seldom end before this fraction of their expected time (the sandbox draws 0.8-1.25x)."""
FIRST_POLL_AFTER = 0.75
"""The first poll comes this many intervals after the earliest likely end."""


class PollPlan:
    def __init__(
        self, *, rng: random.Random | None = None, learn_rate: float = 0.3, time_scale: float = 1.0
    ) -> None:
        if time_scale <= 0:
            raise ValueError("time_scale must be above 0")
        self._rng = rng or random.Random()
        self._learned: dict[str, float] = {}  # in API seconds (time_scale 1)
        self.learn_rate = learn_rate
        self.time_scale = time_scale

    def expected(self, model: str, category: str) -> float:
        """Seconds a job of this model is expected to take, submit to completion."""
        return self._learned.get(model, TYPICAL_SECONDS.get(category, DEFAULT_TYPICAL)) * self.time_scale

    def interval(self, category: str) -> float:
        return INTERVAL_SECONDS.get(category, DEFAULT_INTERVAL) * self.time_scale

    def observe(self, model: str, duration_seconds: float) -> None:
        """Learn from a finished job's ``duration_ms`` (in seconds)."""
        if duration_seconds <= 0:
            return
        duration = duration_seconds / self.time_scale
        old = self._learned.get(model)
        self._learned[model] = duration if old is None else old + self.learn_rate * (duration - old)

    def first_delay(self, model: str, category: str) -> float:
        """Wait before the first poll: most of an interval past the earliest likely end.

        Later than that wastes fewer polls but delays the fastest jobs; earlier polls
        a job that cannot be done yet (bench/scheduler.py measures the trade-off).
        """
        expected = self.expected(model, category)
        interval = self.interval(category)
        return max(interval, expected * EARLIEST_END + interval * FIRST_POLL_AFTER)

    def next_delay(self, model: str, category: str, elapsed: float) -> float:
        """Wait before the next poll of a job that has been running ``elapsed`` seconds."""
        base = self.interval(category)
        expected = self.expected(model, category)
        if elapsed > 2 * expected:
            # Far past expectation: back off gradually, never beyond MAX_INTERVAL.
            base = min(MAX_INTERVAL * self.time_scale, base * (elapsed / (2 * expected)))
        delay = base * (0.85 + 0.3 * self._rng.random())
        # The expectation may have grown since this job's first poll (another job of the
        # model took longer): skip ahead to the first poll as it would be planned now.
        return max(delay, self.first_delay(model, category) - elapsed)
