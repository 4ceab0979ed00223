"""HTTP-level faults queued by tests: canned error answers and delays for matching requests."""

from __future__ import annotations

from dataclasses import dataclass

ROUTES = ("models", "generate", "generation", "files", "*")
"""Route names a fault can target; ``*`` matches every request but the admin ones."""


@dataclass(frozen=True)
class Fault:
    """What to do to one request instead of (or before) answering it normally.

    ``delay`` seconds of real time pass first (to provoke client timeouts). Then,
    when ``status`` is set, that answer is sent instead of the normal one: a JSON
    ``{"error": code, "message": ...}`` body when ``code`` is set, else a plain-text
    body. When ``status`` is ``None`` the request is then handled normally.
    """

    status: int | None = None
    code: str | None = None
    message: str = "Injected fault."
    retry_after: float | None = None
    delay: float = 0.0

    @classmethod
    def unavailable(cls) -> Fault:
        """503 with a plain-text (non-JSON) body, as a load balancer sends it."""
        return cls(status=503, message="503 Service Temporarily Unavailable")

    @classmethod
    def server_error(cls) -> Fault:
        return cls(status=500, code="INTERNAL_ERROR", message="Something went wrong on our side.")

    @classmethod
    def rate_limited(cls, retry_after: float | None = 1.0) -> Fault:
        """429 RATE_LIMIT, with ``Retry-After`` unless ``retry_after`` is ``None``."""
        return cls(status=429, code="RATE_LIMIT", message="Too many requests.", retry_after=retry_after)

    @classmethod
    def slow(cls, seconds: float) -> Fault:
        """Answer normally, but only after ``seconds`` of real time."""
        return cls(delay=seconds)


@dataclass
class QueuedFault:
    route: str
    fault: Fault
    remaining: int
