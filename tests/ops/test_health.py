"""/healthz as Docker and an operator see it: 200 when every probe passes, else 503 and why."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from bot.ops.health import HealthChecks, database_write_probe
from bot.ops.metrics import BotMetrics
from bot.ops.server import HealthServer
from bot.store import Database

from .conftest import FakeNow, Gateway, Serve


async def healthz(client: httpx.AsyncClient) -> tuple[int, dict[str, object]]:
    response = await client.get("/healthz")
    assert response.headers["content-type"].startswith("application/json")
    return response.status_code, response.json()


@pytest.fixture
async def client(
    serve: Serve, make_checks: Callable[..., HealthChecks], metrics: BotMetrics
) -> httpx.AsyncClient:
    return await serve(make_checks(), metrics)


async def test_healthy_when_every_probe_passes(client: httpx.AsyncClient, metrics: BotMetrics) -> None:
    metrics.api_call("GET /models", 200)
    assert await healthz(client) == (200, {"status": "healthy", "reasons": []})


async def test_gateway_down(client: httpx.AsyncClient, metrics: BotMetrics, gateway: Gateway) -> None:
    metrics.api_call("GET /models", 200)
    gateway.connected = False
    assert await healthz(client) == (503, {"status": "unhealthy", "reasons": ["discord gateway not connected"]})

    gateway.connected = True
    assert (await healthz(client))[0] == 200


async def test_closed_database(client: httpx.AsyncClient, metrics: BotMetrics, db: Database) -> None:
    metrics.api_call("GET /models", 200)
    await db.close()
    assert await healthz(client) == (
        503, {"status": "unhealthy", "reasons": ["database did not accept a write (DatabaseClosedError)"]},
    )


async def test_no_api_success_yet(client: httpx.AsyncClient, metrics: BotMetrics) -> None:
    metrics.api_call("GET /models", 401)
    assert await healthz(client) == (503, {"status": "unhealthy", "reasons": ["no successful API call yet"]})


async def test_api_success_goes_stale_after_five_minutes(
    client: httpx.AsyncClient, metrics: BotMetrics, now: FakeNow
) -> None:
    metrics.api_call("GET /generations/{id}", 200)
    now.advance(299)
    assert (await healthz(client))[0] == 200

    now.advance(2)
    metrics.api_call("GET /generations/{id}", 503)  # failures do not count as signs of life
    assert await healthz(client) == (
        503,
        {"status": "unhealthy", "reasons": ["no successful API call in the last 300s (last one 301s ago)"]},
    )

    metrics.api_call("GET /generations/{id}", 200)
    assert (await healthz(client))[0] == 200


async def test_the_api_age_limit_is_configurable(
    serve: Serve, make_checks: Callable[..., HealthChecks], metrics: BotMetrics, now: FakeNow
) -> None:
    client = await serve(make_checks(api_max_age=timedelta(seconds=60)), metrics)
    metrics.api_call("GET /models", 200)
    now.advance(61)
    assert (await healthz(client))[1]["reasons"] == ["no successful API call in the last 60s (last one 61s ago)"]


async def test_every_failing_probe_is_named(
    client: httpx.AsyncClient, gateway: Gateway, db: Database
) -> None:
    gateway.connected = False
    await db.close()
    assert await healthz(client) == (
        503,
        {
            "status": "unhealthy",
            "reasons": [
                "discord gateway not connected",
                "database did not accept a write (DatabaseClosedError)",
                "no successful API call yet",
            ],
        },
    )


async def test_a_probe_that_raises_is_named_without_its_message(
    serve: Serve, make_checks: Callable[..., HealthChecks], metrics: BotMetrics
) -> None:
    def broken_gateway() -> bool:
        raise RuntimeError("token vvx_live_SECRET rejected")

    client = await serve(make_checks(gateway_connected=broken_gateway), metrics)
    metrics.api_call("GET /models", 200)
    response = await client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["reasons"] == ["discord gateway check failed (RuntimeError)"]
    assert "SECRET" not in response.text


async def test_a_database_stuck_behind_a_writer_times_out(
    serve: Serve, make_checks: Callable[..., HealthChecks], metrics: BotMetrics, db: Database
) -> None:
    client = await serve(make_checks(database_timeout=0.2), metrics)
    metrics.api_call("GET /models", 200)
    holding, release = asyncio.Event(), asyncio.Event()

    async def long_write() -> None:
        async with db.transaction():
            holding.set()
            await release.wait()

    writer = asyncio.create_task(long_write())
    await holding.wait()
    try:
        assert await healthz(client) == (
            503, {"status": "unhealthy", "reasons": ["database did not answer a write within 0.2s"]},
        )
    finally:
        release.set()
        await writer
    assert (await healthz(client))[0] == 200  # the timed-out probe left the writer usable


async def test_the_probe_needs_sqlites_write_lock(tmp_path: Path) -> None:
    """Another process holding the write lock fails the probe, where a read would pass."""
    path = tmp_path / "locked.sqlite3"
    async with await Database.open(path, busy_timeout=0.1) as db:
        other = sqlite3.connect(path, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            assert (await db.fetch_one("SELECT 1")) is not None
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                await database_write_probe(db)
            other.execute("ROLLBACK")
        finally:
            other.close()
        assert await database_write_probe(db) is True


async def test_the_probe_commits_a_page_and_changes_nothing(db: Database) -> None:
    wal = db.path.with_name(db.path.name + "-wal")
    version_before = await db.fetch_one("PRAGMA user_version")
    size_before = wal.stat().st_size

    assert await database_write_probe(db) is True

    assert wal.stat().st_size > size_before  # a frame reached the log: a real write, not just a lock
    version_after = await db.fetch_one("PRAGMA user_version")
    assert version_before is not None and version_after is not None
    assert version_after[0] == version_before[0]


async def test_state_changes_are_logged_once(
    make_checks: Callable[..., HealthChecks], gateway: Gateway, metrics: BotMetrics,
    caplog: pytest.LogCaptureFixture,
) -> None:
    checks = make_checks()
    metrics.api_call("GET /models", 200)
    gateway.connected = False
    with caplog.at_level(logging.INFO, logger="bot.ops.health"):
        await checks.run()
        await checks.run()
        gateway.connected = True
        await checks.run()
    messages = [record.getMessage() for record in caplog.records]
    assert messages == ["health: unhealthy: discord gateway not connected", "health: healthy"]


async def test_the_server_binds_loopback_by_default(
    make_checks: Callable[..., HealthChecks], metrics: BotMetrics
) -> None:
    async with HealthServer(make_checks(), metrics, port=0) as server:
        assert server.host == "127.0.0.1"
        async with httpx.AsyncClient() as plain:
            response = await plain.get(f"http://127.0.0.1:{server.port}/healthz")
        assert response.status_code == 503
        assert response.json()["reasons"] == ["no successful API call yet"]
    with pytest.raises(RuntimeError, match="not started"):
        _ = server.port
