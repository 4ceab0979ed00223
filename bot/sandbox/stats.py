"""Counters the sandbox keeps for tests and benchmarks."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class SandboxStats:
    """A snapshot (or, inside the state, the live tally) of what the sandbox has seen."""

    requests_by_route: Counter[str] = field(default_factory=Counter)
    """Every request by route name: models, generate, generation, files, admin, other."""
    responses_by_status: Counter[int] = field(default_factory=Counter)
    throttled_by_code: Counter[str] = field(default_factory=Counter)
    """429 answers by code: RATE_LIMIT, CONCURRENCY_LIMIT (injected faults included)."""
    generations_created: int = 0
    idempotent_replays: int = 0
    faults_served: int = 0
    generation_failures_served: int = 0
    """Generations made to fail by ``fail_next_generations``."""

    @property
    def status_polls(self) -> int:
        return self.requests_by_route["generation"]

    @property
    def responses_429(self) -> int:
        return self.responses_by_status[429]

    def copy(self) -> SandboxStats:
        return SandboxStats(
            requests_by_route=Counter(self.requests_by_route),
            responses_by_status=Counter(self.responses_by_status),
            throttled_by_code=Counter(self.throttled_by_code),
            generations_created=self.generations_created,
            idempotent_replays=self.idempotent_replays,
            faults_served=self.faults_served,
            generation_failures_served=self.generation_failures_served,
        )

    def to_json(self) -> dict[str, object]:
        return {
            "requests_by_route": dict(self.requests_by_route),
            "responses_by_status": {str(k): v for k, v in self.responses_by_status.items()},
            "throttled_by_code": dict(self.throttled_by_code),
            "status_polls": self.status_polls,
            "responses_429": self.responses_429,
            "generations_created": self.generations_created,
            "idempotent_replays": self.idempotent_replays,
            "faults_served": self.faults_served,
            "generation_failures_served": self.generation_failures_served,
        }
