"""The PostgreSQL engine itself (``bot.store.postgres``), on a real server: what the SQLite engine's
own tests check of it (test_database.py, test_group_commit.py), where PostgreSQL does it its own way."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from bot.ops.health import database_write_probe
from bot.store import Database
from bot.store.errors import DatabaseTooNewError, NestedTransactionError, TransactionClosedError
from bot.store.pg_sql import to_postgres
from bot.store.postgres import redact
from tests.backends import drop_database, with_database


async def test_a_failed_transaction_leaves_nothing_and_a_good_one_commits(postgres_url: str) -> None:
    async with await Database.open(postgres_url) as db:
        with pytest.raises(RuntimeError):
            async with db.transaction() as tx:
                await tx.execute("INSERT INTO bot_state (key, value_json, updated_at) VALUES (?, ?, ?)",
                                 ("a", "{}", "2026-01-01T00:00:00.000000Z"))
                raise RuntimeError("the caller fails half-way")
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO bot_state (key, value_json, updated_at) VALUES (?, ?, ?)",
                             ("b", "{}", "2026-01-01T00:00:00.000000Z"))
        async with db.read() as conn:
            assert [row[0] for row in await conn.fetch_all("SELECT key FROM bot_state ORDER BY key")] == ["b"]


async def test_reads_cannot_write_and_handles_die_with_their_block(postgres_url: str) -> None:
    async with await Database.open(postgres_url) as db:
        async with db.read() as conn:
            with pytest.raises(asyncpg.ReadOnlySQLTransactionError):
                await conn.fetch_one("INSERT INTO bot_state (key, value_json, updated_at) VALUES ('x', '{}', 'x') "
                                     "RETURNING key")
            kept = conn
        with pytest.raises(TransactionClosedError):
            await kept.fetch_value("SELECT 1")


async def test_a_task_inside_a_transaction_cannot_open_another(postgres_url: str) -> None:
    async with await Database.open(postgres_url) as db:
        async with db.transaction():
            with pytest.raises(NestedTransactionError):
                async with db.transaction():
                    pass
            with pytest.raises(NestedTransactionError):
                await db.run_in_batch(lambda tx: tx.execute("SELECT 1"))


async def test_a_unit_whose_caller_is_cancelled_still_commits_and_reports(postgres_url: str) -> None:
    async with await Database.open(postgres_url) as db:
        started, release = asyncio.Event(), asyncio.Event()
        committed: list[str] = []

        async def unit(tx) -> str:  # type: ignore[no-untyped-def]
            started.set()
            await release.wait()
            await tx.execute("INSERT INTO bot_state (key, value_json, updated_at) VALUES ('u', '{}', 'x')")
            return "u"

        caller = asyncio.create_task(db.run_in_batch(unit, on_commit=committed.append))
        await started.wait()
        caller.cancel()
        release.set()
        with pytest.raises(asyncio.CancelledError):
            await caller
        assert committed == ["u"]
        assert await db.fetch_one("SELECT key FROM bot_state") is not None


async def test_two_processes_opening_an_empty_database_migrate_it_once(postgres_server: str) -> None:
    name = "t_migrate_race"
    admin = await asyncpg.connect(postgres_server)
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await admin.execute(f"CREATE DATABASE {name}")
    finally:
        await admin.close()
    url = with_database(postgres_server, name)
    try:
        first, second = await asyncio.gather(Database.open(url), Database.open(url))
        async with first.read() as conn:
            versions = [row[0] for row in await conn.fetch_all("SELECT version FROM schema_version")]
        assert first.version == second.version == versions[-1] and len(versions) == len(set(versions))
        await first.close()
        await second.close()
    finally:
        await drop_database(postgres_server, url)


async def test_a_database_from_a_newer_bot_is_refused(postgres_url: str) -> None:
    async with await Database.open(postgres_url) as db:
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO schema_version (version, name, applied_at) VALUES (999, 'future', 'x')")
    with pytest.raises(DatabaseTooNewError) as caught:
        await Database.open(postgres_url)
    assert caught.value.file_version == 999


async def test_the_health_probe_commits_a_write(postgres_url: str) -> None:
    async with await Database.open(postgres_url) as db:
        assert await database_write_probe(db) is True


def test_placeholders_are_numbered_outside_quotes_and_comments() -> None:
    sql = "SELECT a FROM jobs INDEXED BY jobs_gallery WHERE x = ? AND y = '?' -- ?\n AND z IN (?, ?)"
    assert to_postgres(sql) == "SELECT a FROM jobs WHERE x = $1 AND y = '?' -- ?\n AND z IN ($2, $3)"


def test_urls_lose_their_password_in_messages() -> None:
    assert redact("postgresql://vivix:s3cret@db:5432/vivix") == "postgresql://vivix:***@db:5432/vivix"
    assert redact("postgresql://vivix@db/vivix") == "postgresql://vivix@db/vivix"
