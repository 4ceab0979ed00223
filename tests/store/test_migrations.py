from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import aiosqlite
import pytest

from bot.store import Database, DatabaseTooNewError, MigrationError
from bot.store.jobs import JobRepository
from bot.store.migrator import Migration, check_sequence, load_migrations, split_statements
from bot.store.timestamps import to_db_time

from .helpers import one

_TIME_COLUMNS = ("created_at", "submitted_at", "finished_at", "post_started_at", "delivered_at")
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


# -- 0005: jobs keep times like the ledger, and the table checks its own values --------------------

_OLD_JOB_SQL = (
    "INSERT INTO jobs (id, guild_id, channel_id, member_id, command, model, category, request_json, "
    "idempotency_key, held, status, outcome, credits_used, delivered_via, created_at, submitted_at, "
    "finished_at, post_started_at, delivered_at, cancelled_by) "
    "VALUES (?, 1, 2, 3, 'imagine', 'm', 'image', '{}', ?, 10, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


_TIMES_REWRITTEN = 5  # the migration that rewrites job times


async def _before_rewrite(path: Path, version: int) -> Database:
    database = await Database.open(path, migrations=load_migrations()[:version])
    assert database.version == version < _TIMES_REWRITTEN
    return database


@pytest.mark.parametrize("version", [3, 4])
async def test_job_times_are_rewritten_to_the_same_instants(tmp_path: Path, version: int) -> None:
    path = tmp_path / "old.sqlite3"
    # As versions 2 to 4 wrote them: isoformat() of the clock's aware UTC datetimes, with
    # microseconds and (when they were zero) without; one row also with a non-UTC offset.
    delivered = {
        "created_at": datetime(2026, 5, 1, 12, 0, 0, 123456, tzinfo=UTC),
        "submitted_at": datetime(2026, 5, 1, 12, 0, 1, tzinfo=UTC),
        "finished_at": datetime(2026, 5, 1, 12, 0, 59, 999999, tzinfo=UTC),
        "post_started_at": datetime(2026, 5, 1, 23, 59, 59, 1, tzinfo=UTC),
        "delivered_at": datetime(2026, 5, 2, 0, 0, 0, tzinfo=UTC),
    }
    queued = {"created_at": datetime(2026, 5, 1, 12, 0, 0, tzinfo=UTC)}
    elsewhere = {"created_at": datetime(2026, 5, 1, 14, 30, 0, 500, tzinfo=timezone(timedelta(hours=2)))}
    async with await _before_rewrite(path, version) as db:
        async with db.transaction() as tx:
            for job_id, times, status, outcome, used, via, by in (
                ("delivered", delivered, "delivered", "completed", 7, "dm", None),
                ("queued", queued, "queued", None, None, None, None),
                ("elsewhere", elsewhere, "finished", "cancelled", 0, None, 3),
            ):
                stored = [times[c].isoformat() if c in times else None for c in _TIME_COLUMNS]
                await tx.execute(_OLD_JOB_SQL, (job_id, job_id, status, outcome, used, via, *stored, by))
            if version >= 4:  # 0004's retry columns come across too
                await tx.execute(
                    "UPDATE jobs SET retries = 1, earlier_attempts_json = ? WHERE id = 'delivered'",
                    ('[{"generation_id": "g0", "error_code": "E"}]',),
                )
        assert (await one(db, "SELECT created_at FROM jobs WHERE id = 'queued'"))[0] == "2026-05-01T12:00:00+00:00"

    async with await Database.open(path) as db:
        assert db.version == load_migrations()[-1].version >= _TIMES_REWRITTEN
        repo = JobRepository()
        async with db.read() as conn:
            for job_id, times in (("delivered", delivered), ("queued", queued), ("elsewhere", elsewhere)):
                job = await repo.get(conn, job_id)
                assert job is not None
                for column in _TIME_COLUMNS:
                    assert getattr(job, column) == times.get(column), (job_id, column)
                if job_id == "delivered" and version >= 4:
                    assert (job.retries, job.generation_ids) == (1, ["g0"])
                raw = await conn.fetch_one(f"SELECT {', '.join(_TIME_COLUMNS)} FROM jobs WHERE id = ?", (job_id,))
                assert raw is not None
                assert list(raw) == [to_db_time(times[c]) if c in times else None for c in _TIME_COLUMNS]
            # every other column came across, and the queue's tie-break (rowid) kept its order
            rows = await conn.fetch_all(
                "SELECT id, status, outcome, credits_used, delivered_via, cancelled_by FROM jobs ORDER BY rowid"
            )
            assert [tuple(r) for r in rows] == [
                ("delivered", "delivered", "completed", 7, "dm", None),
                ("queued", "queued", None, None, None, None),
                ("elsewhere", "finished", "cancelled", 0, None, 3),
            ]
        indexes = await db.fetch_all("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'jobs'")
        assert {"jobs_by_status", "jobs_by_guild", "jobs_by_member", "jobs_by_generation"} <= {
            r["name"] for r in indexes
        }


async def test_a_job_time_it_cannot_read_stops_the_migration(tmp_path: Path) -> None:
    path = tmp_path / "odd.sqlite3"
    async with await _before_rewrite(path, _TIMES_REWRITTEN - 1) as db, db.transaction() as tx:
        await tx.execute(
            _OLD_JOB_SQL, ("odd", "odd", "queued", None, None, None, "yesterday", None, None, None, None, None)
        )
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        opened = await Database.open(path)
        await opened.close()  # only reached when the migration wrongly succeeds
    async with await _before_rewrite(path, _TIMES_REWRITTEN - 1) as db:  # still there, untouched
        assert (await one(db, "SELECT created_at FROM jobs"))[0] == "yesterday"


_GOOD_JOB = {
    "id": "j1", "guild_id": 1, "channel_id": 2, "member_id": 3, "command": "imagine", "model": "m",
    "category": "image", "request_json": "{}", "idempotency_key": "k1", "held": 10, "status": "queued",
    "outcome": None, "credits_used": None, "delivered_via": None, "attempts": 0, "polls": 0,
    "created_at": "2026-05-01T12:00:00.000000Z", "finished_at": None, "retries": 0,
    "earlier_attempts_json": None,
}


@pytest.mark.parametrize(
    "change",
    [
        {"status": "done"},
        {"status": "finished", "outcome": "won"},
        {"status": "finished", "outcome": None},
        {"status": "running", "outcome": "failed"},
        {"status": "delivered", "outcome": "completed", "delivered_via": "carrier pigeon"},
        {"held": -1},
        {"attempts": -1},
        {"retries": -1},
        {"earlier_attempts_json": "[{"},
        {"status": "finished", "outcome": "completed", "credits_used": 11},
        {"created_at": "2026-05-01T12:00:00+00:00"},
        {"created_at": "2026-05-01T12:00:00.000Z"},
        {"finished_at": "2026-05-01 12:00:00"},
    ],
    ids=repr,
)
async def test_jobs_table_refuses_values_outside_its_checks(tmp_path: Path, change: dict[str, object]) -> None:
    async with await Database.open(tmp_path / "checks.sqlite3") as db:
        row = {**_GOOD_JOB, **change}
        sql = f"INSERT INTO jobs ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})"
        with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
            async with db.transaction() as tx:
                await tx.execute(sql, tuple(row.values()))
        async with db.transaction() as tx:  # the same row within the checks goes in
            await tx.execute(sql, tuple(_GOOD_JOB.values()))
        assert (await one(db, "SELECT COUNT(*) FROM jobs"))[0] == 1
