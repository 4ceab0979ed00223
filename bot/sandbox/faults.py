"""Faults queued by tests.

HTTP-level faults replace (or delay) whole responses of matching requests;
generation failures let the submit succeed and make the generation itself end
``failed`` with a chosen error code.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.sandbox.catalog import MODELS_BY_SLUG
from bot.sandbox.generations import FAILURE_MESSAGE

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


@dataclass
class GenerationFailure:
    """The next ``remaining`` generations created (of ``model``, or of any model when
    ``None``) end ``failed`` with ``code`` and ``message``; their hold is refunded."""

    code: str
    message: str
    model: str | None
    remaining: int

    def matches(self, slug: str) -> bool:
        return self.model is None or self.model == slug


class FaultQueue:
    """Queued HTTP faults and generation failures, first queued first served.

    Not locked itself: ``SandboxState`` holds its lock around every call.
    """

    def __init__(self) -> None:
        self._http: list[QueuedFault] = []
        self._generations: list[GenerationFailure] = []

    def add_http(self, route: str, fault: Fault, times: int) -> None:
        if route not in ROUTES:
            raise ValueError(f"unknown route {route!r}; expected one of {ROUTES}")
        self._http.append(QueuedFault(route, fault, times))

    def take_http(self, route: str) -> Fault | None:
        for queued in self._http:
            if queued.route in (route, "*"):
                queued.remaining -= 1
                if queued.remaining <= 0:
                    self._http.remove(queued)
                return queued.fault
        return None

    def clear_http(self) -> None:
        self._http.clear()

    def add_generation_failure(self, times: int, code: str, message: str | None, model: str | None) -> None:
        if times < 1:
            raise ValueError("times must be at least 1")
        if not code:
            raise ValueError("code must not be empty")
        if model is not None and model not in MODELS_BY_SLUG:
            raise ValueError(f"unknown model {model!r}")
        text = message or (FAILURE_MESSAGE if code == "PROVIDER_ERROR" else f"Generation failed: {code}.")
        self._generations.append(GenerationFailure(code, text, model, times))

    def take_generation_failure(self, slug: str) -> GenerationFailure | None:
        for queued in self._generations:
            if queued.matches(slug):
                queued.remaining -= 1
                if queued.remaining <= 0:
                    self._generations.remove(queued)
                return queued
        return None

    def clear_generation_failures(self) -> None:
        self._generations.clear()
