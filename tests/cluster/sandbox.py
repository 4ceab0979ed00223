"""The sandbox, keeping the extra records a cluster run is judged by.

``ClusterSandbox`` is the real ``SandboxState`` (served by the real ``SandboxServer``); it only
writes down, as the API sees them: the generations made under each Idempotency-Key, the most
generations of one key in flight at once (read right after each accepted submit, in the same
handler call, so no other request falls in between), and the moment of every status poll
(``GET /generations/{id}``, ``time.monotonic`` of this process). Nothing it answers changes.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from bot.sandbox import SandboxState
from bot.sandbox.accounts import Account

API_KEY = "vvx_cluster"
CALLS_PER_MINUTE = 240
CONCURRENT_JOBS = 5


class ClusterSandbox(SandboxState):
    def __init__(self, *, time_scale: float, seed: int) -> None:
        super().__init__(clock=time.monotonic, time_scale=time_scale, seed=seed, rate_window=60.0 * time_scale)
        self.add_key(API_KEY, tier="pro", calls_per_minute=CALLS_PER_MINUTE, concurrent_jobs=CONCURRENT_JOBS,
                     credits=1_000_000_000)
        self._records = threading.Lock()
        self.generations_by_key: dict[str, set[str]] = {}
        self.max_in_flight = 0
        self.polls: list[float] = []

    def submit(self, account: Account, body: Any, idempotency_key: str | None = None) -> dict[str, Any]:
        created = super().submit(account, body, idempotency_key)
        in_flight = self.in_flight(account.key)
        with self._records:
            self.generations_by_key.setdefault(idempotency_key or "", set()).add(str(created["generation_id"]))
            self.max_in_flight = max(self.max_in_flight, in_flight)
        return created

    def generation_body(self, account: Account, generation_id: str, files_url: str) -> dict[str, Any]:
        with self._records:
            self.polls.append(time.monotonic())
        return super().generation_body(account, generation_id, files_url)

    def first_poll_after(self, moment: float) -> float | None:
        with self._records:
            return next((at for at in self.polls if at > moment), None)
