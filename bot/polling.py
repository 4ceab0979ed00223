"""When to poll a running job: near its expected end, then at the documented interval.

Expectations start from the documented typical times and learn per model from
the ``duration_ms`` of finished jobs. Jobs far past their expectation are
polled less often; a job is never given up on time alone.
"""

from __future__ import annotations

import random

TYPICAL_SECONDS = {"image": 12.0, "video": 90.0, "audio": 30.0, "utility": 8.0, "text": 8.0}
INTERVAL_SECONDS = {"image": 2.0, "video": 4.0, "audio": 3.0}
DEFAULT_TYPICAL = 20.0
DEFAULT_INTERVAL = 3.0
MAX_INTERVAL = 30.0


class PollPlan:
    def __init__(self, *, rng: random.Random | None = None, learn_rate: float = 0.3) -> None:
        self._rng = rng or random.Random()
        self._learned: dict[str, float] = {}
        self.learn_rate = learn_rate

    def expected(self, model: str, category: str) -> float:
        """Seconds a job of this model is expected to take, submit to completion."""
        return self._learned.get(model, TYPICAL_SECONDS.get(category, DEFAULT_TYPICAL))

    def interval(self, category: str) -> float:
        return INTERVAL_SECONDS.get(category, DEFAULT_INTERVAL)

    def observe(self, model: str, duration_seconds: float) -> None:
        """Learn from a finished job's ``duration_ms``."""
        if duration_seconds <= 0:
            return
        old = self._learned.get(model)
        self._learned[model] = (
            duration_seconds if old is None else old + self.learn_rate * (duration_seconds - old)
        )

    def first_delay(self, model: str, category: str) -> float:
        """Wait before the first poll: a little before the expected end."""
        expected = self.expected(model, category)
        return max(self.interval(category), expected * 0.9 - self.interval(category) / 2)

    def next_delay(self, model: str, category: str, elapsed: float) -> float:
        """Wait before the next poll of a job that has been running ``elapsed`` seconds."""
        base = self.interval(category)
        expected = self.expected(model, category)
        if elapsed > 2 * expected:
            # Far past expectation: back off gradually, never beyond MAX_INTERVAL.
            base = min(MAX_INTERVAL, base * (elapsed / (2 * expected)))
        return base * (0.85 + 0.3 * self._rng.random())
