"""A clock that moves only when told: for tests and simulations driving the sandbox."""

from __future__ import annotations

import threading


class SandboxClock:
    """Callable like ``time.monotonic``; ``advance()`` moves it forward. Thread-safe."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError("a clock cannot go back")
        with self._lock:
            self._now += seconds
            return self._now
