"""`python -m bot.migrate_db` run as the operator runs it, from a SQLite file with rows in every
table into a fresh PostgreSQL database per test (the suite's server: TEST_POSTGRES_URL, or a
throwaway cluster, see tests/backends.py; skipped when neither is there): everything copied
value by value, ledger balances equal, sequences past the copied ids; a non-empty target, a missing
source, a target lacking a column, and a copy that does not verify all leave the target as it was."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from bot.migrate_db import masked
from bot.store import Database
from tests.store.every_table import BIG_GUILD, fill_every_table

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "pw-never-printed"


def test_a_password_is_masked_in_the_user_part_and_the_query() -> None:
    assert masked("postgresql://bot:hunter2@db:5432/bot") == "postgresql://bot:***@db:5432/bot"
    assert masked("postgresql://bot@db/bot?password=hunter2&sslmode=require") == (
        "postgresql://bot@db/bot?password=***&sslmode=require"
    )
    assert masked("postgresql://db/bot") == "postgresql://db/bot"


@dataclass
class Run:
    code: int
    out: str
    err: str


def migrate_db(*args: str) -> Run:
    done = subprocess.run(
        [sys.executable, "-m", "bot.migrate_db", *args], cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    return Run(done.returncode, done.stdout, done.stderr)


async def run_tool(*args: str) -> Run:
    run = await asyncio.to_thread(migrate_db, *args)
    assert PASSWORD not in run.out + run.err
    return run


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("filled") / "bot.sqlite3"
    asyncio.run(fill_every_table(path))
    return path


@pytest.fixture
def source(filled: Path, tmp_path: Path) -> Path:
    """A copy of the filled database (the tool opens it through Database, which may write)."""
    copy = tmp_path / "bot.sqlite3"
    shutil.copyfile(filled, copy)
    return copy


@pytest.fixture
async def target(postgres_server: str) -> AsyncIterator[str]:
    """A new database on the test server, not migrated; its URL carries a password (ignored under trust)."""
    name = f"migrate_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(postgres_server)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        parts = urlsplit(postgres_server)
        netloc = parts.netloc
        if parts.password is None and parts.username:
            netloc = netloc.replace(f"{parts.username}@", f"{parts.username}:{PASSWORD}@", 1)
        yield urlunsplit((parts.scheme, netloc, f"/{name}", parts.query, ""))
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.fixture
async def pg(target: str) -> AsyncIterator[Any]:
    conn = await asyncpg.connect(target)
    try:
        yield conn
    finally:
        await conn.close()


def sqlite_tables(path: Path) -> dict[str, list[str]]:
    with sqlite3.connect(path) as conn:
        names = [n for (n,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND name != 'schema_version' ORDER BY name")]
        return {n: [str(c[1]) for c in conn.execute(f'PRAGMA table_info("{n}")')] for n in names}


def sqlite_rows(path: Path, table: str, columns: list[str]) -> list[tuple[Any, ...]]:
    with sqlite3.connect(path) as conn:
        return [tuple(r) for r in conn.execute(f'SELECT {", ".join(columns)} FROM "{table}"')]


async def pg_rows(pg: Any, table: str, columns: list[str]) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in await pg.fetch(f'SELECT {", ".join(columns)} FROM "{table}"')]


async def pg_counts(pg: Any) -> dict[str, int]:
    names = await pg.fetch(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
        "AND table_type = 'BASE TABLE' AND table_name != 'schema_version'"
    )
    return {r[0]: await pg.fetchval(f'SELECT COUNT(*) FROM "{r[0]}"') for r in names}


def balances_sqlite(path: Path) -> dict[int, tuple[int, ...]]:
    with sqlite3.connect(path) as conn:
        return _balances(conn.execute(_BALANCES).fetchall())


async def balances_pg(pg: Any) -> dict[int, tuple[int, ...]]:
    return _balances(await pg.fetch(_BALANCES))


_BALANCES = (
    "SELECT g.guild_id, g.available, g.held, g.spent, g.bonus_pool, "
    "(SELECT COALESCE(SUM(amount), 0) FROM credit_ledger l WHERE l.guild_id = g.guild_id), "
    "(SELECT COALESCE(SUM(amount), 0) FROM credit_hold h WHERE h.guild_id = g.guild_id AND status = 'held') "
    "FROM credit_guild g"
)


def _balances(rows: Any) -> dict[int, tuple[int, ...]]:
    return {int(r[0]): tuple(int(v) for v in r[1:]) for r in rows}


def ordered(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return sorted(rows, key=repr)


async def empty_target_at_head(target: str, tmp_path: Path) -> None:
    """Migrate the target by copying an empty SQLite database into it (accepted: no rows)."""
    empty = tmp_path / "empty" / "bot.sqlite3"
    await (await Database.open(empty)).close()
    run = await run_tool(f"sqlite://{empty}", target)
    assert run.code == 0, run.err
    assert f"verified: {len(sqlite_tables(empty))} tables, 0 rows, ledger balances equal" in run.out


# -- the copy ------------------------------------------------------------------------------------


async def test_every_table_is_copied_value_by_value_and_verified(source: Path, target: str, pg: Any) -> None:
    tables = sqlite_tables(source)
    with sqlite3.connect(source) as conn:
        empty = [n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                 if n != "schema_version" and conn.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0] == 0]
    assert empty == [], f"every table needs a row in tests/store/every_table.py; empty: {empty}"
    total = sum(len(sqlite_rows(source, t, cols)) for t, cols in tables.items())

    run = await run_tool(f"sqlite://{source}", target, "--chunk-rows", "4")  # several COPYs per table

    assert run.code == 0, run.err
    assert f"verified: {len(tables)} tables, {total} rows, ledger balances equal" in run.out
    assert ":***@" in run.out
    counts = await pg_counts(pg)
    for table, columns in tables.items():
        expected = sqlite_rows(source, table, columns)
        assert counts[table] == len(expected), table
        assert ordered(await pg_rows(pg, table, columns)) == ordered(expected), table
    for table in ("jobs", "policy_term"):  # SQLite's rowid kept, so "ORDER BY created_at, rowid" still holds
        assert ordered(await pg_rows(pg, table, ["id" if table == "jobs" else "term", "rowid"])) == ordered(
            sqlite_rows(source, table, ["id" if table == "jobs" else "term", "rowid"]))
    assert await pg.fetchval("SELECT guild_id FROM credit_guild WHERE guild_id = $1", BIG_GUILD) == BIG_GUILD

    before, after = balances_sqlite(source), await balances_pg(pg)
    assert after == before
    assert sorted(before) == [1001, BIG_GUILD] and all(b[1] > 0 for b in before.values())  # holds still open

    generated = await pg.fetch(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND is_identity = 'YES'"
    )
    assert {(r[0], r[1]) for r in generated} >= {("credit_ledger", "id"), ("jobs", "rowid"), ("contest_votes", "seq")}
    for table, column in generated:
        top = await pg.fetchval(f'SELECT MAX("{column}") FROM "{table}"')
        if top is None:
            continue
        following = await pg.fetchval(f"SELECT nextval(pg_get_serial_sequence('{table}', '{column}'))")
        assert following == top + 1, f"{table}.{column}"


async def test_a_second_run_into_the_same_database_is_refused_and_changes_nothing(
    source: Path, target: str, pg: Any
) -> None:
    assert (await run_tool(f"sqlite://{source}", target)).code == 0
    before = await pg_counts(pg)

    run = await run_tool(f"sqlite://{source}", target)

    assert run.code == 2
    assert run.err.startswith("refused: the target database is not empty (rows in ")
    assert len(run.err.strip().splitlines()) == 1
    assert await pg_counts(pg) == before


async def test_one_row_anywhere_makes_the_target_non_empty(source: Path, target: str, pg: Any,
                                                           tmp_path: Path) -> None:
    await empty_target_at_head(target, tmp_path)
    await pg.execute("INSERT INTO bot_state (key, value_json, updated_at) VALUES ('x', '{}', 'now')")

    run = await run_tool(f"sqlite://{source}", target)

    assert run.code == 2
    assert "refused: the target database is not empty (rows in bot_state)" in run.err
    assert sum((await pg_counts(pg)).values()) == 1


# -- refusals and failures -------------------------------------------------------------------------


async def test_a_missing_source_is_refused_and_not_created(tmp_path: Path, target: str, pg: Any) -> None:
    missing = tmp_path / "nowhere" / "bot.sqlite3"

    run = await run_tool(f"sqlite://{missing}", target)

    assert run.code == 2
    assert run.err.strip() == f"refused: the source database {missing} does not exist (it is never created)"
    assert not missing.parent.exists()
    assert await pg_counts(pg) == {}  # the target was not even migrated


def test_a_target_that_is_not_postgresql_is_refused(source: Path) -> None:
    run = migrate_db(str(source), "mysql://bot:hunter2@db/bot")
    assert run.code == 2
    assert run.err.strip() == "refused: the target must be a postgresql:// URL, not mysql://bot:***@db/bot"


async def test_a_target_lacking_a_column_fails_before_writing(source: Path, target: str, pg: Any,
                                                             tmp_path: Path) -> None:
    await empty_target_at_head(target, tmp_path)
    await pg.execute("ALTER TABLE jobs DROP COLUMN spoiler")

    run = await run_tool(f"sqlite://{source}", target)

    assert run.code == 1
    assert run.err.strip() == "failed, nothing committed: the target schema lacks column jobs.spoiler"
    assert set((await pg_counts(pg)).values()) == {0}


async def test_a_copy_whose_ledger_differs_is_rolled_back(source: Path, target: str, pg: Any, tmp_path: Path) -> None:
    await empty_target_at_head(target, tmp_path)
    await pg.execute(  # the target books one more credit as spent than the source did
        "CREATE FUNCTION skew() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN NEW.spent := NEW.spent + 1; RETURN NEW; END $$; "
        "CREATE TRIGGER skew BEFORE INSERT ON credit_guild FOR EACH ROW EXECUTE FUNCTION skew()"
    )

    run = await run_tool(f"sqlite://{source}", target)

    assert run.code == 1
    assert run.err.startswith("not verified, rolled back: guild 1001: balances available=")
    assert "the ledger audit differs" in run.err
    assert set((await pg_counts(pg)).values()) == {0}


async def test_a_copy_that_loses_a_row_is_rolled_back(source: Path, target: str, pg: Any, tmp_path: Path) -> None:
    await empty_target_at_head(target, tmp_path)
    await pg.execute(
        "CREATE FUNCTION lose() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN IF NEW.seq = 3 THEN RETURN NULL; END IF; RETURN NEW; END $$; "
        "CREATE TRIGGER lose BEFORE INSERT ON contest_votes FOR EACH ROW EXECUTE FUNCTION lose()"
    )

    run = await run_tool(f"sqlite://{source}", target)

    assert run.code == 1
    assert run.err.strip() == "not verified, rolled back: contest_votes: 6 rows in the source, 5 in the target"
    assert set((await pg_counts(pg)).values()) == {0}
