"""A health server on 127.0.0.1 (free port) with a real SQLite database and a clock the test moves."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from bot.ops.health import HealthChecks, database_write_probe
from bot.ops.metrics import BotMetrics
from bot.ops.server import HealthServer
from bot.store import Database

Serve = Callable[[HealthChecks, BotMetrics | None], Awaitable[httpx.AsyncClient]]


@dataclass
class FakeNow:
    """A clock the test advances by hand."""

    now: datetime = field(default_factory=lambda: datetime(2026, 5, 10, 12, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class Gateway:
    connected: bool = True

    def __call__(self) -> bool:
        return self.connected


@pytest.fixture
def now() -> FakeNow:
    return FakeNow()


@pytest.fixture
def gateway() -> Gateway:
    return Gateway()


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "data" / "bot.sqlite3")
    yield database
    await database.close()


@pytest.fixture
def metrics(now: FakeNow) -> BotMetrics:
    return BotMetrics(clock=now)


@pytest.fixture
def make_checks(
    db: Database, metrics: BotMetrics, now: FakeNow, gateway: Gateway
) -> Callable[..., HealthChecks]:
    def make(**overrides: object) -> HealthChecks:
        probes: dict[str, object] = {
            "gateway_connected": gateway,
            "database_writable": lambda: database_write_probe(db),
            "last_api_success": metrics.last_api_success,
            "clock": now,
        }
        probes.update(overrides)
        return HealthChecks(**probes)  # type: ignore[arg-type]  # a test overrides any probe by name

    return make


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    """``client = await serve(checks, metrics)``: a started server and an httpx client on it."""
    servers: list[HealthServer] = []
    clients: list[httpx.AsyncClient] = []

    async def start(checks: HealthChecks, metrics: BotMetrics | None) -> httpx.AsyncClient:
        server = await HealthServer(checks, metrics, port=0).start()
        servers.append(server)
        client = httpx.AsyncClient(base_url=server.origin)
        clients.append(client)
        return client

    yield start
    for client in clients:
        await client.aclose()
    for server in servers:
        await server.close()
