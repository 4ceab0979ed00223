from __future__ import annotations

from pathlib import Path

import aiosqlite
import pytest

from bot.store import Database, DatabaseTooNewError, MigrationError
from bot.store.migrator import Migration, check_sequence, load_migrations, split_statements

from .helpers import one

CREDIT_TABLES = {"credit_guild", "credit_member", "credit_limit", "credit_hold", "credit_ledger"}


async def _tables(db: Database) -> set[str]:
    rows = await db.fetch_all("SELECT name FROM sqlite_master WHERE type = 'table'")
    return {row["name"] for row in rows}


def test_shipped_migrations_are_numbered_from_one() -> None:
    migrations = load_migrations()
    assert [m.version for m in migrations] == list(range(1, len(migrations) + 1))
    assert migrations[0].label == "0001_credits"
    for migration in migrations:
        assert migration.statements(), migration.label


async def test_fresh_database_gets_every_migration(tmp_path: Path) -> None:
    async with await Database.open(tmp_path / "fresh.sqlite3") as db:
        known = load_migrations()
        assert db.version == known[-1].version
        assert CREDIT_TABLES <= await _tables(db)
        rows = await db.fetch_all("SELECT version, name FROM schema_version ORDER BY version")
        assert [(r["version"], r["name"]) for r in rows] == [(m.version, m.name) for m in known]


async def test_reopen_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "again.sqlite3"
    async with await Database.open(path) as db:
        async with db.transaction() as tx:
            await tx.execute(
                "INSERT INTO credit_guild (guild_id, allowance, cycle_kind, cycle_anchor, cycle_no, "
                "cycle_start, cycle_end, available, held, spent, bonus_pool, created_at, updated_at) "
                "VALUES (1, 10, 'daily', 'a', 1, 'a', 'b', 10, 0, 0, 0, 'a', 'a')"
            )
        first = await db.fetch_all("SELECT version, applied_at FROM schema_version")
    async with await Database.open(path) as db:
        again = await db.fetch_all("SELECT version, applied_at FROM schema_version")
        assert [tuple(r) for r in again] == [tuple(r) for r in first]
        assert (await one(db, "SELECT allowance FROM credit_guild"))["allowance"] == 10


async def test_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite3"
    async with await Database.open(path):
        pass
    known = load_migrations()[-1].version
    async with aiosqlite.connect(path) as conn:
        await conn.execute("INSERT INTO schema_version VALUES (?, 'from_the_future', 'x')", (known + 5,))
        await conn.commit()
    with pytest.raises(DatabaseTooNewError) as caught:
        await Database.open(path)
    err = caught.value
    assert (err.file_version, err.code_version, err.path) == (known + 5, known, path)
    assert f"schema version {known + 5}" in str(err)
    assert f"up to version {known}" in str(err)


async def test_each_migration_is_its_own_transaction(tmp_path: Path) -> None:
    path = tmp_path / "broken.sqlite3"
    good = Migration(1, "good", "CREATE TABLE a (x INTEGER);")
    bad = Migration(2, "bad", "CREATE TABLE b (x INTEGER);\nINSERT INTO nowhere VALUES (1);")
    with pytest.raises(Exception, match="nowhere"):
        await Database.open(path, migrations=[good, bad])
    async with await Database.open(path, migrations=[good]) as db:
        tables = await _tables(db)
        assert "a" in tables and "b" not in tables
        assert db.version == 1
    fixed = Migration(2, "bad", "CREATE TABLE b (x INTEGER);")
    async with await Database.open(path, migrations=[good, fixed]) as db:
        assert db.version == 2
        assert "b" in await _tables(db)


def test_split_statements_handles_triggers_and_comments() -> None:
    script = """
    -- a comment; with a semicolon
    CREATE TABLE t (x TEXT DEFAULT 'a;b');  -- trailing
    CREATE TRIGGER t_guard BEFORE DELETE ON t
    BEGIN
        SELECT RAISE(ABORT, 'no');
    END;
    -- the end
    """
    statements = split_statements(script)
    assert len(statements) == 2
    assert "CREATE TRIGGER" in statements[1] and statements[1].endswith("END;")
    assert "a;b" in statements[0]


def test_split_statements_refuses_an_unterminated_statement() -> None:
    with pytest.raises(MigrationError, match="unterminated"):
        split_statements("CREATE TABLE t (x INTEGER)", "0009_x")


def test_sequence_must_not_repeat_or_skip() -> None:
    with pytest.raises(MigrationError, match="twice"):
        check_sequence([Migration(1, "a", ""), Migration(1, "b", "")])
    with pytest.raises(MigrationError, match="missing"):
        check_sequence([Migration(1, "a", ""), Migration(3, "c", "")])
    ordered = check_sequence([Migration(2, "b", ""), Migration(1, "a", "")])
    assert [m.name for m in ordered] == ["a", "b"]
