"""When a waiting job will likely start and finish, for its "Queued" message.

A forecast of the key's slots (``rate_limit.concurrent_jobs``): each running job holds its slot
for the rest of its expected render time, each waiting job ahead takes the next slot to free
up, in line order, for its model's expected time (``PollPlan.expected``, learned from finished
jobs) plus half a poll interval (a finished job is seen about that late, on average). The first
``EXACT_WALK`` places are forecast job by job; further back, the jobs between are taken to last
as long as the mean of those first ones, so an estimate costs the same whatever the queue's
length.

An ``Eta`` keeps the raw seconds (the scheduler bench measures them) and shows absolute times
rounded up to a step that grows with the distance (a minute within 15 minutes, five within two
hours, then a quarter of an hour): a message shows Discord's live "in 3 minutes" for them, and
is edited only when a rounded time moves.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from ..jobs import Job
from ..polling import PollPlan
from .queue_index import QueueIndex

EXACT_WALK = 50
DETECTION_SHARE = 0.5  # of a poll interval: how late a finished job is seen, on average
STEPS = ((15 * 60, 60), (2 * 3600, 300))  # up to N seconds away: round up to a multiple of step
TOP_STEP = 900

Running = Callable[[], Iterable[tuple[Job, float]]]
"""The jobs rendering now, each with the loop time its render began."""


def step_for(seconds: float) -> int:
    for limit, step in STEPS:
        if seconds < limit:
            return step
    return TOP_STEP


@dataclass(frozen=True, slots=True)
class Eta:
    made_at: datetime  # when the estimate was made
    starts_in: float  # seconds after ``made_at``
    ends_in: float

    def shown(self) -> tuple[int, int]:
        """(start, end) as Unix seconds, each rounded up to its step: what a message shows."""
        return _rounded(self.made_at, self.starts_in), _rounded(self.made_at, self.ends_in)


def _rounded(made_at: datetime, seconds: float) -> int:
    step = step_for(seconds)
    return math.ceil((made_at.timestamp() + max(0.0, seconds)) / step) * step


class SlotForecast:
    """The key's slots in the future: when each frees up, as waiting jobs take them in turn."""

    def __init__(self, busy_for: Iterable[float], concurrency: int) -> None:
        self.capacity = max(1, concurrency)
        self.heap = sorted(busy_for)  # seconds from now until each running job frees its slot
        self.now = 0.0

    def take(self, occupancy: float) -> float:
        """The next job in line starts when a slot frees up (returned) and holds it ``occupancy`` s."""
        while len(self.heap) >= self.capacity:
            self.now = max(self.now, heapq.heappop(self.heap))
        heapq.heappush(self.heap, self.now + occupancy)
        return self.now

    def free_times(self) -> list[float]:
        """When each slot next frees up, soonest first (a free slot: now)."""
        taken = sorted(max(self.now, t) for t in self.heap)[-self.capacity:]
        return [self.now] * (self.capacity - len(taken)) + taken


class QueueEta:
    def __init__(self, queue: QueueIndex, plan: PollPlan, *, running: Running,
                 concurrency: Callable[[], int], loop_now: Callable[[], float],
                 clock: Callable[[], datetime]) -> None:
        self.queue = queue
        self.plan = plan
        self.running = running
        self.concurrency = concurrency
        self.loop_now = loop_now
        self.clock = clock
        self._kinds: dict[str, tuple[str, str]] = {}  # waiting job id -> (model, category)

    def register(self, job: Job) -> None:
        """Remember a waiting job's model, so jobs behind it are forecast with its render time."""
        self._kinds[job.id] = (job.model, job.category)

    def forget_gone(self) -> None:
        """Drop jobs no longer waiting (now and then: cheap enough at any queue length)."""
        if len(self._kinds) > 2 * len(self.queue) + 100:
            self._kinds = {job_id: kind for job_id, kind in self._kinds.items() if job_id in self.queue}

    def occupancy(self, model: str, category: str) -> float:
        return self.plan.expected(model, category) + self.plan.interval(category) * DETECTION_SHARE

    def _occupancy_of(self, job_id: str, fallback: float) -> float:
        kind = self._kinds.get(job_id)
        return fallback if kind is None else self.occupancy(*kind)

    def _forecast(self) -> SlotForecast:
        now = self.loop_now()
        busy = []
        for job, since in self.running():
            left = self.occupancy(job.model, job.category) - (now - since)
            busy.append(max(left, self.plan.interval(job.category) * DETECTION_SHARE))
        return SlotForecast(busy, self.concurrency())

    def along(self, line: Iterable[tuple[int, str, int]]) -> Iterator[tuple[int, str, Eta]]:
        """(place, job id, estimate) for each entry of ``line`` (``QueueIndex.in_order``, from the front)."""
        made_at = self.clock()
        slots = self._forecast()
        known: list[float] = []
        beyond: list[float] | None = None
        mean = 0.0
        for place, job_id, _guild in line:
            own = self._occupancy_of(job_id, sum(known) / len(known) if known else self.plan.expected("", ""))
            if place <= EXACT_WALK:
                start = slots.take(own)
                known.append(own)
            else:
                if beyond is None:
                    beyond, mean = slots.free_times(), (sum(known) / len(known) if known else own)
                ahead = place - EXACT_WALK - 1  # jobs between the forecast ones and this one
                start = beyond[ahead % slots.capacity] + (ahead // slots.capacity) * mean
            yield place, job_id, Eta(made_at, start, start + own)

    def of(self, job_id: str) -> Eta | None:
        """The estimate for one waiting job; None when it is not in line."""
        position = self.queue.position(job_id)
        if position is None:
            return None
        line = list(self.queue.in_order(limit=min(position, EXACT_WALK)))
        if position > EXACT_WALK:
            line.append((position, job_id, 0))
        for place, found, eta in self.along(line):
            if found == job_id and place == position:
                return eta
        return None
