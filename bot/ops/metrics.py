"""Prometheus metrics for the operator: what the queue, the API and the credits are doing.

``BotMetrics`` owns its own ``CollectorRegistry`` (never prometheus-client's
global one), so tests and several bots in one process do not collide. The
rest of the bot reports through typed methods (``api_call``,
``credits_held``, ``set_paused``, ...); nothing else needs to know the
metric names.

Job counts live in the database, and prometheus-client collectors are
synchronous, so they are read in two steps: ``refresh()`` (awaited by the
``/metrics`` handler before every scrape) asks an async *queue source* for a
:class:`QueueSnapshot` and caches it; a small collector turns the cached
snapshot into gauges. A caller without an async source can push a snapshot
with ``set_queue_snapshot()`` instead.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder

from bot.clock import Clock, system_clock
from bot.jobs import JobStatus

log = logging.getLogger(__name__)

NAMESPACE = "vivix_bot"

POLL_DELAY_BUCKETS = (0.5, 1.0, 2.0, 3.0, 5.0, 8.0, 13.0, 20.0, 30.0, 60.0, 120.0, 300.0)
"""Seconds. ``completed_at`` comes in whole seconds, so finer buckets would only measure rounding."""

NO_RESPONSE = "none"
"""The ``status`` label of an API call that got no HTTP answer (connection error, timeout)."""


@dataclass(frozen=True, slots=True)
class QueueSnapshot:
    """What the jobs table holds right now, as the metrics report it."""

    jobs_by_status: Mapping[str, int] = field(default_factory=dict)
    """Jobs per status (``JobStatus`` values); a status left out counts as 0."""
    queue_length: int = 0
    """Jobs waiting for a submit slot."""


QueueSource = Callable[[], Awaitable[QueueSnapshot]]


class BotMetrics:
    """Every metric the bot exposes on ``/metrics``, in a registry of its own."""

    def __init__(self, *, clock: Clock = system_clock, namespace: str = NAMESPACE) -> None:
        self.registry = CollectorRegistry()
        self._clock = clock
        self._last_api_success: datetime | None = None
        self._queue_source: QueueSource | None = None
        self._queue_snapshot: QueueSnapshot | None = None
        ns, reg = namespace, self.registry

        self._api_calls = Counter(
            "api_calls", "Vivix API calls by endpoint and HTTP status ('none': no answer).",
            ["endpoint", "status"], namespace=ns, registry=reg,
        )
        self._rate_limited = Counter(
            "api_rate_limited", "Vivix API answers with HTTP 429, by endpoint.",
            ["endpoint"], namespace=ns, registry=reg,
        )
        self._last_success_ts = Gauge(
            "api_last_success_timestamp_seconds", "Unix time of the last Vivix API call answered with 2xx.",
            namespace=ns, registry=reg,
        )
        self._held = Counter("credits_held", "Credits put on hold for queued jobs.", namespace=ns, registry=reg)
        self._settled = Counter(
            "credits_settled", "Credits charged when a job's hold was settled.", namespace=ns, registry=reg,
        )
        self._released = Counter(
            "credits_released", "Credits given back from holds (failed, cancelled or cheaper jobs).",
            namespace=ns, registry=reg,
        )
        self._wallet = Gauge(
            "wallet_balance_credits", "The API wallet balance, as last reported by the API.",
            namespace=ns, registry=reg,
        )
        self._paused = Gauge("queue_paused", "1 while the queue is paused, else 0.", namespace=ns, registry=reg)
        self._poll_delay = Histogram(
            "poll_delay_seconds",
            "Seconds from a generation's end (the API's completed_at) to the poll that saw it ended.",
            namespace=ns, registry=reg, buckets=POLL_DELAY_BUCKETS,
        )
        self._refresh_errors = Counter(
            "queue_snapshot_errors", "Scrapes whose job counts could not be read.", namespace=ns, registry=reg,
        )
        reg.register(_QueueCollector(self, ns))

    # -- the API --------------------------------------------------------------------

    def api_call(self, endpoint: str, status: int | None) -> None:
        """Count one answered (or unanswered: ``status=None``) API request.

        ``endpoint`` must be a route template such as ``"GET /generations/{id}"``, never a
        path with ids in it: each distinct value is a new time series. A 429 is also
        counted in ``api_rate_limited_total``; a 2xx marks the API as last seen working now.
        """
        self._api_calls.labels(endpoint=endpoint, status=NO_RESPONSE if status is None else str(status)).inc()
        if status == 429:
            self._rate_limited.labels(endpoint=endpoint).inc()
        elif status is not None and 200 <= status < 300:
            now = self._clock()
            self._last_api_success = now
            self._last_success_ts.set(now.timestamp())

    def last_api_success(self) -> datetime | None:
        """When an API call last got a 2xx answer, by the metrics' clock; None before the first."""
        return self._last_api_success

    # -- credits ----------------------------------------------------------------------

    def credits_held(self, credits: int) -> None:
        self._held.inc(_credits(credits))

    def credits_settled(self, credits: int) -> None:
        self._settled.inc(_credits(credits))

    def credits_released(self, credits: int) -> None:
        self._released.inc(_credits(credits))

    def set_wallet_balance(self, credits: int) -> None:
        self._wallet.set(credits)

    # -- the queue ----------------------------------------------------------------------

    def set_paused(self, paused: bool) -> None:
        self._paused.set(1 if paused else 0)

    def observe_poll_delay(self, *, completed_at: datetime, seen_at: datetime) -> None:
        """How late polling noticed a generation's end: ``seen_at - completed_at``.

        ``completed_at`` is the API's own timestamp (whole seconds, the API host's
        clock), ``seen_at`` when the poll that saw the terminal status returned. Skew
        between the two clocks can make the difference slightly negative: it counts as 0.
        """
        self._poll_delay.observe(max(0.0, (seen_at - completed_at).total_seconds()))

    def set_queue_source(self, source: QueueSource | None) -> None:
        """An async callable that ``refresh()`` awaits before each scrape to read the job counts."""
        self._queue_source = source

    def set_queue_snapshot(self, snapshot: QueueSnapshot | None) -> None:
        """Push job counts directly (for callers that keep them in memory); None hides them."""
        self._queue_snapshot = snapshot

    @property
    def queue_snapshot(self) -> QueueSnapshot | None:
        """The job counts the next scrape reports; None when unknown."""
        return self._queue_snapshot

    async def refresh(self) -> None:
        """Read the job counts from the queue source, if one is set.

        A failing source is logged and counted, and the job gauges disappear from the
        scrape until it works again: an absent series alerts, a stale number would not.
        """
        source = self._queue_source
        if source is None:
            return
        try:
            snapshot = await source()
        except Exception:
            log.warning("could not read the job counts for /metrics", exc_info=True)
            self._queue_snapshot = None
            self._refresh_errors.inc()
            return
        self._queue_snapshot = snapshot

    # -- exposition ---------------------------------------------------------------------

    async def exposition(self, accept: str = "") -> tuple[bytes, str]:
        """Refresh, then render every metric for a scrape: ``(body, content type)``.

        ``accept`` is the request's Accept header; prometheus-client picks the text or
        the OpenMetrics format from it.
        """
        await self.refresh()
        encoder, content_type = choose_encoder(accept)
        return encoder(self.registry), content_type


class _QueueCollector:
    """Turns the cached :class:`QueueSnapshot` into gauges at scrape time."""

    def __init__(self, metrics: BotMetrics, namespace: str) -> None:
        self._metrics = metrics
        self._jobs = f"{namespace}_jobs"
        self._queue_length = f"{namespace}_queue_length"

    def describe(self) -> list[Metric]:
        # Names for the registry's duplicate check, without reading a snapshot.
        return [
            GaugeMetricFamily(self._jobs, "", labels=["status"]),
            GaugeMetricFamily(self._queue_length, ""),
        ]

    def collect(self) -> Iterator[Metric]:
        snapshot = self._metrics.queue_snapshot
        if snapshot is None:
            return
        jobs = GaugeMetricFamily(self._jobs, "Jobs the bot keeps, by status.", labels=["status"])
        counts = {status.value: 0 for status in JobStatus}
        counts.update(snapshot.jobs_by_status)
        for status, count in counts.items():
            jobs.add_metric([status], count)
        yield jobs
        yield GaugeMetricFamily(self._queue_length, "Jobs waiting for a submit slot.", value=snapshot.queue_length)


def _credits(credits: int) -> int:
    if credits < 0:
        raise ValueError(f"a credit amount is never negative, got {credits}")
    return credits
