"""Both database engines for the suites that must hold on each: SQLite files and a real PostgreSQL.

PostgreSQL comes from ``TEST_POSTGRES_URL`` (a server URL whose user may create databases; CI
starts a throwaway cluster and sets it), else from a throwaway cluster this session starts itself
when the server binaries are installed (``tests.pg_server``), else those tests are skipped, unless
``REQUIRE_POSTGRES=1`` (set by ``.ci/run``), where a missing server is an error.

Each test gets a database of its own, copied from a template migrated once per session
(``CREATE DATABASE … TEMPLATE``), so a test costs a copy, not a migration.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import sqlite3
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from bot.store import Database
from tests import pg_server

TEMPLATE = "vivix_template"
BACKENDS = ("sqlite", "postgresql")


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


async def _make_template(server: str) -> None:
    admin = await asyncpg.connect(server)
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)")
        await admin.execute(f"CREATE DATABASE {TEMPLATE}")
    finally:
        await admin.close()
    db = await Database.open(with_database(server, TEMPLATE))
    await db.close()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A PostgreSQL server URL with a migrated template database on it."""
    url = os.environ.get("TEST_POSTGRES_URL")
    folder: Path | None = None
    if not url:
        if pg_server.binaries() is None:
            if os.environ.get("REQUIRE_POSTGRES") == "1":
                pytest.fail("REQUIRE_POSTGRES=1 but PostgreSQL is not installed and TEST_POSTGRES_URL is unset")
            pytest.skip("PostgreSQL is not installed (apt-get install postgresql) and TEST_POSTGRES_URL is unset")
        folder = Path(tempfile.mkdtemp(prefix="vivix-pg-"))
        url = pg_server.start(folder)
    asyncio.run(_make_template(url))
    try:
        yield url
    finally:
        if folder is not None:
            pg_server.stop(folder)


async def fresh_database(server: str) -> str:
    """A new empty, migrated database on ``server``; returns its URL."""
    name = f"t_{secrets.token_hex(6)}"
    admin = await asyncpg.connect(server)
    try:
        await admin.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
    finally:
        await admin.close()
    return with_database(server, name)


async def drop_database(server: str, url: str) -> None:
    admin = await asyncpg.connect(server)
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {urlsplit(url).path.lstrip('/')} WITH (FORCE)")
    finally:
        await admin.close()


@pytest.fixture
async def postgres_url(postgres_server: str) -> AsyncIterator[str]:
    """A database of this test's own on the PostgreSQL server, dropped afterwards."""
    url = await fresh_database(postgres_server)
    try:
        yield url
    finally:
        await drop_database(postgres_server, url)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_target(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str | Path:
    """What ``Database.open`` takes for this test's backend: a fresh SQLite file or PostgreSQL database."""
    if backend == "postgresql":
        return str(request.getfixturevalue("postgres_url"))
    return tmp_path / "data" / "bot.sqlite3"


# What each engine raises when a constraint (CHECK, UNIQUE, FOREIGN KEY, a guarding trigger) refuses a write.
INTEGRITY_ERRORS: tuple[type[Exception], ...] = (sqlite3.IntegrityError, asyncpg.IntegrityConstraintViolationError)
