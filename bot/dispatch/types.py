"""The small types the dispatcher shares with the Discord side and the bench."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Protocol

from ..jobs import Job

if TYPE_CHECKING:
    from ..headroom import Headroom
    from .eta import Eta

Checkpoint = Callable[[str, Job], Awaitable[None]]
"""Called at each named crash point (see ``bot.dispatch``); tests freeze a job there."""


@dataclass(frozen=True, slots=True)
class Pauses:
    """The dispatcher's own waits, in seconds. ``scaled`` is for simulations that run the API
    faster than life (the bench), so error paths keep their proportions there."""

    unnamed_backoff: float = 5.0  # after a 429 or a failed call that names no Retry-After
    submit_retry: float = 5.0  # the first pause after a failed submit; doubles per attempt
    max_queue_pause: float = 300.0  # the longest the queue waits after failures before trying again
    poll_after_crash: float = 30.0  # before polling a job again after an unexpected error
    pump_retry: float = 10.0  # after the queue pump itself failed
    deliver_retry: float = 10.0  # the first pause after a failed post; doubles per attempt
    announce_gap: float = 2.0  # between two passes telling waiting members their place in line
    progress_every: float = 10.0  # between progress-bar refreshes while waiting for a poll
    probe_first: float = 60.0  # while the account cannot take jobs: the first wait before asking again
    probe_max: float = 900.0  # ... doubling up to this

    def scaled(self, factor: float) -> Pauses:
        return Pauses(*(getattr(self, f.name) * factor for f in fields(self)))


@dataclass(frozen=True, slots=True)
class Delivery:
    via: str  # channel | dm | none
    message_id: int | None = None


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a job stands, for the member: its place in line, or how far it has rendered."""

    position: int | None = None  # 1 = next to be submitted; a round figure when ``approximate``
    approximate: bool = False  # ``position`` is a band ("about 50 ahead"), not the exact place
    elapsed: float | None = None  # seconds since submit
    expected: float | None = None  # seconds the whole render is expected to take
    paused: str | None = None  # why the whole queue is paused (an API code, or MANUAL)
    retrying: bool = False  # the first attempt failed for a passing cause; submitted again
    eta: Eta | None = None  # while waiting: when it will likely start and finish
    headroom: Headroom | None = None  # while waiting: what its member has left, when near a cap


class Notifier(Protocol):
    """The Discord side: tells members what happened to their jobs."""

    async def job_updated(self, job: Job, progress: Progress | None = None) -> None: ...

    async def deliver(self, job: Job) -> Delivery: ...

    async def find_delivery(self, job: Job) -> Delivery | None: ...

    async def current_image(self, source: str) -> str | None:
        """A fresh link to the image at ``source`` ("<channel>:<message>:<n>"), or None when it is gone."""
        ...

    async def close(self) -> None: ...
