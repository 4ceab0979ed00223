"""Workspace tests run on the real parts: the sandbox's model list over loopback, a SQLite file."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.catalog import Catalog
from bot.sandbox import SandboxServer
from bot.store import Database
from bot.vivix.client import VivixClient

T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
async def catalog(server: SandboxServer) -> AsyncIterator[Catalog]:
    """The sandbox's seven models as a Pro key sees them, loaded through the real API client."""
    client = VivixClient(server.base_url, "vvx_sandbox_pro")
    catalog = Catalog(client, clock=lambda: T0)
    assert await catalog.refresh()
    yield catalog
    await catalog.aclose()
    await client.aclose()


@pytest.fixture
async def db(db_target: str | Path) -> AsyncIterator[Database]:
    async with await Database.open(db_target) as opened:
        yield opened
