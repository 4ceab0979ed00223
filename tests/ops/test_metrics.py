"""/metrics as Prometheus scrapes it: parsed with prometheus-client's own parser."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.ops.health import HealthChecks
from bot.ops.metrics import BotMetrics, QueueSnapshot

from .conftest import FakeNow, Serve

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(client: httpx.AsyncClient) -> Samples:
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples: Samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


@pytest.fixture
async def client(
    serve: Serve, make_checks: Callable[..., HealthChecks], metrics: BotMetrics
) -> httpx.AsyncClient:
    return await serve(make_checks(), metrics)


async def test_api_calls_are_counted_by_endpoint_and_status(client: httpx.AsyncClient, metrics: BotMetrics) -> None:
    metrics.api_call("POST /generate", 201)
    metrics.api_call("POST /generate", 201)
    metrics.api_call("GET /generations/{id}", 200)
    metrics.api_call("GET /generations/{id}", 429)
    metrics.api_call("POST /generate", None)

    samples = await scrape(client)

    assert value(samples, "vivix_bot_api_calls_total", endpoint="POST /generate", status="201") == 2
    assert value(samples, "vivix_bot_api_calls_total", endpoint="GET /generations/{id}", status="200") == 1
    assert value(samples, "vivix_bot_api_calls_total", endpoint="GET /generations/{id}", status="429") == 1
    assert value(samples, "vivix_bot_api_calls_total", endpoint="POST /generate", status="none") == 1
    assert value(samples, "vivix_bot_api_rate_limited_total", endpoint="GET /generations/{id}") == 1
    assert value(samples, "vivix_bot_api_rate_limited_total", endpoint="POST /generate") is None


async def test_credits_wallet_and_pause(client: httpx.AsyncClient, metrics: BotMetrics) -> None:
    metrics.credits_held(300)
    metrics.credits_held(120)
    metrics.credits_settled(211)
    metrics.credits_released(89)
    metrics.set_wallet_balance(49_711)
    metrics.set_paused(True)

    samples = await scrape(client)
    assert value(samples, "vivix_bot_credits_held_total") == 420
    assert value(samples, "vivix_bot_credits_settled_total") == 211
    assert value(samples, "vivix_bot_credits_released_total") == 89
    assert value(samples, "vivix_bot_wallet_balance_credits") == 49_711
    assert value(samples, "vivix_bot_queue_paused") == 1

    metrics.set_paused(False)
    metrics.set_wallet_balance(49_500)
    samples = await scrape(client)
    assert value(samples, "vivix_bot_queue_paused") == 0
    assert value(samples, "vivix_bot_wallet_balance_credits") == 49_500


async def test_a_negative_credit_amount_is_refused(metrics: BotMetrics) -> None:
    with pytest.raises(ValueError, match="never negative"):
        metrics.credits_released(-5)


async def test_poll_delay_is_completed_at_to_seen_at(
    client: httpx.AsyncClient, metrics: BotMetrics, now: FakeNow
) -> None:
    completed = now()
    metrics.observe_poll_delay(completed_at=completed, seen_at=completed + timedelta(seconds=1.5))
    metrics.observe_poll_delay(completed_at=completed, seen_at=completed + timedelta(seconds=40))
    # The API's clock a little ahead of ours: counts as no delay, not as a negative one.
    metrics.observe_poll_delay(completed_at=completed, seen_at=completed - timedelta(seconds=0.3))

    samples = await scrape(client)
    assert value(samples, "vivix_bot_poll_delay_seconds_count") == 3
    assert value(samples, "vivix_bot_poll_delay_seconds_sum") == pytest.approx(41.5)
    assert value(samples, "vivix_bot_poll_delay_seconds_bucket", le="0.5") == 1
    assert value(samples, "vivix_bot_poll_delay_seconds_bucket", le="2.0") == 2
    assert value(samples, "vivix_bot_poll_delay_seconds_bucket", le="30.0") == 2
    assert value(samples, "vivix_bot_poll_delay_seconds_bucket", le="60.0") == 3


async def test_job_counts_are_read_from_the_source_at_each_scrape(
    client: httpx.AsyncClient, metrics: BotMetrics
) -> None:
    current = QueueSnapshot({"queued": 3, "running": 2}, queue_length=3)

    async def source() -> QueueSnapshot:
        return current

    metrics.set_queue_source(source)
    samples = await scrape(client)
    assert value(samples, "vivix_bot_jobs", status="queued") == 3
    assert value(samples, "vivix_bot_jobs", status="running") == 2
    # Statuses the source left out are reported as 0, so their series never vanish.
    for status in ("submitting", "finished", "delivered"):
        assert value(samples, "vivix_bot_jobs", status=status) == 0
    assert value(samples, "vivix_bot_queue_length") == 3

    current = QueueSnapshot({"queued": 0, "running": 1, "delivered": 7}, queue_length=0)
    samples = await scrape(client)
    assert value(samples, "vivix_bot_jobs", status="running") == 1
    assert value(samples, "vivix_bot_jobs", status="delivered") == 7
    assert value(samples, "vivix_bot_queue_length") == 0


async def test_a_pushed_snapshot_is_reported(client: httpx.AsyncClient, metrics: BotMetrics) -> None:
    samples = await scrape(client)
    assert value(samples, "vivix_bot_queue_length") is None  # nothing known yet: no made-up zero

    metrics.set_queue_snapshot(QueueSnapshot({"queued": 4}, queue_length=4))
    samples = await scrape(client)
    assert value(samples, "vivix_bot_jobs", status="queued") == 4
    assert value(samples, "vivix_bot_queue_length") == 4


async def test_a_failing_source_hides_the_job_gauges_until_it_works_again(
    client: httpx.AsyncClient, metrics: BotMetrics, caplog: pytest.LogCaptureFixture
) -> None:
    broken = True

    async def source() -> QueueSnapshot:
        if broken:
            raise RuntimeError("database is locked")
        return QueueSnapshot({"queued": 1}, queue_length=1)

    metrics.set_queue_snapshot(QueueSnapshot({"queued": 9}, queue_length=9))  # stale: must not be shown
    metrics.set_queue_source(source)
    with caplog.at_level(logging.WARNING, logger="bot.ops.metrics"):
        samples = await scrape(client)
    assert value(samples, "vivix_bot_queue_length") is None
    assert value(samples, "vivix_bot_jobs", status="queued") is None
    assert value(samples, "vivix_bot_queue_snapshot_errors_total") == 1
    assert "could not read the job counts" in caplog.text

    broken = False
    samples = await scrape(client)
    assert value(samples, "vivix_bot_queue_length") == 1
    assert value(samples, "vivix_bot_queue_snapshot_errors_total") == 1


async def test_openmetrics_is_served_when_asked_for(client: httpx.AsyncClient, metrics: BotMetrics) -> None:
    metrics.api_call("POST /generate", 201)
    response = await client.get("/metrics", headers={"Accept": "application/openmetrics-text; version=1.0.0"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/openmetrics-text")
    assert response.text.rstrip().endswith("# EOF")
    assert 'vivix_bot_api_calls_total{endpoint="POST /generate",status="201"} 1.0' in response.text


async def test_a_2xx_answer_marks_the_api_as_working(metrics: BotMetrics, now: FakeNow) -> None:
    assert metrics.last_api_success() is None
    metrics.api_call("GET /models", 200)
    seen = now()
    now.advance(30)
    metrics.api_call("GET /generations/{id}", 429)
    metrics.api_call("POST /generate", 503)
    metrics.api_call("POST /generate", None)
    assert metrics.last_api_success() == seen
    assert metrics.registry.get_sample_value("vivix_bot_api_last_success_timestamp_seconds") == seen.timestamp()


async def test_two_instances_keep_separate_counts() -> None:
    first, second = BotMetrics(), BotMetrics()
    first.credits_held(10)
    assert first.registry.get_sample_value("vivix_bot_credits_held_total") == 10
    assert second.registry.get_sample_value("vivix_bot_credits_held_total") == 0


async def test_without_metrics_the_route_is_not_found(
    serve: Serve, make_checks: Callable[..., HealthChecks]
) -> None:
    client = await serve(make_checks(), None)
    response = await client.get("/metrics")
    assert response.status_code == 404
