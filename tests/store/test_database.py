from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from bot.store import (
    Database,
    DatabaseClosedError,
    NestedTransactionError,
    TransactionClosedError,
)
from bot.store.migrator import Migration

from .helpers import one

SCRATCH = (Migration(1, "scratch", "CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT NOT NULL);"),)


@pytest.fixture
async def db(tmp_path: Path):
    database = await Database.open(tmp_path / "nested" / "dir" / "t.sqlite3", migrations=SCRATCH)
    yield database
    await database.close()


async def test_open_creates_parent_and_sets_pragmas(db: Database, tmp_path: Path) -> None:
    assert db.path.exists()
    assert db.path.parent == tmp_path / "nested" / "dir"
    async with db.transaction() as tx:
        assert (await tx.fetch_value("PRAGMA journal_mode")).lower() == "wal"
        assert await tx.fetch_value("PRAGMA foreign_keys") == 1
        assert await tx.fetch_value("PRAGMA busy_timeout") == 5000


async def test_transaction_commits(db: Database) -> None:
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO item (name) VALUES ('a')")
        rowid = await tx.insert("INSERT INTO item (name) VALUES ('b')")
    assert rowid == 2
    rows = await db.fetch_all("SELECT name FROM item ORDER BY id")
    assert [r["name"] for r in rows] == ["a", "b"]


async def test_transaction_rolls_back_on_error(db: Database) -> None:
    with pytest.raises(ZeroDivisionError):
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO item (name) VALUES ('a')")
            _ = 1 / 0
    assert await db.fetch_one("SELECT * FROM item") is None
    async with db.transaction() as tx:  # the writer is usable again
        await tx.execute("INSERT INTO item (name) VALUES ('c')")
    assert (await one(db, "SELECT name FROM item"))["name"] == "c"


async def test_transaction_rolls_back_on_cancel(db: Database) -> None:
    entered = asyncio.Event()

    async def writer() -> None:
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO item (name) VALUES ('x')")
            entered.set()
            await asyncio.Event().wait()  # stays inside the transaction until cancelled

    task = asyncio.create_task(writer())
    await entered.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await db.fetch_one("SELECT * FROM item") is None


async def test_reader_cannot_write(db: Database) -> None:
    async with db.read() as reader:
        with pytest.raises(sqlite3.OperationalError, match=r"readonly"):
            await reader.fetch_all("INSERT INTO item (name) VALUES ('nope')")
        assert not hasattr(reader, "execute")
    assert await db.fetch_one("SELECT * FROM item") is None


async def test_reader_sees_one_snapshot(db: Database) -> None:
    async with db.read() as reader:
        assert await reader.fetch_value("SELECT COUNT(*) FROM item") == 0
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO item (name) VALUES ('late')")
        assert await reader.fetch_value("SELECT COUNT(*) FROM item") == 0
    assert (await one(db, "SELECT COUNT(*) AS n FROM item"))["n"] == 1


async def test_nested_transaction_is_refused_not_deadlocked(db: Database) -> None:
    async with db.transaction():
        with pytest.raises(NestedTransactionError):
            async with db.transaction():
                pass


async def test_handles_expire_after_their_block(db: Database) -> None:
    async with db.transaction() as tx:
        pass
    with pytest.raises(TransactionClosedError):
        await tx.execute("INSERT INTO item (name) VALUES ('late')")
    async with db.read() as reader:
        pass
    with pytest.raises(TransactionClosedError):
        await reader.fetch_all("SELECT 1")


async def test_writers_are_serialised(db: Database) -> None:
    """The first writer holds its transaction between read and write until every other writer
    is waiting to begin one: none of them may get in between."""
    writers = 50
    trying = 0
    all_trying = asyncio.Event()
    steps: list[tuple[str, int]] = []

    async def bump(i: int) -> None:
        nonlocal trying
        trying += 1
        if trying == writers:
            all_trying.set()
        async with db.transaction() as tx:  # the others queue here, behind the write lock
            steps.append(("read", i))
            count = await tx.fetch_value("SELECT COUNT(*) FROM item")
            await all_trying.wait()
            await tx.execute("INSERT INTO item (id, name) VALUES (?, ?)", (count + 1, f"n{i}"))
            steps.append(("write", i))

    await asyncio.gather(*(bump(i) for i in range(writers)))
    assert (await one(db, "SELECT COUNT(*) AS n FROM item"))["n"] == writers
    assert [kind for kind, _ in steps] == ["read", "write"] * writers
    assert [i for kind, i in steps if kind == "read"] == [i for kind, i in steps if kind == "write"]


async def test_closed_database_refuses_work(tmp_path: Path) -> None:
    database = await Database.open(tmp_path / "c.sqlite3", migrations=SCRATCH)
    await database.close()
    await database.close()  # twice is fine
    with pytest.raises(DatabaseClosedError):
        async with database.transaction():
            pass
    with pytest.raises(DatabaseClosedError):
        await database.fetch_all("SELECT 1")


async def test_async_with_closes(tmp_path: Path) -> None:
    async with await Database.open(tmp_path / "w.sqlite3", migrations=SCRATCH) as database:
        async with database.transaction() as tx:
            await tx.execute("INSERT INTO item (name) VALUES ('kept')")
    async with await Database.open(tmp_path / "w.sqlite3", migrations=SCRATCH) as database:
        assert (await one(database, "SELECT name FROM item"))["name"] == "kept"


async def test_cancelled_waiters_leave_the_writer_usable(db: Database) -> None:
    inside, release = asyncio.Event(), asyncio.Event()
    waiting = 0
    all_waiting = asyncio.Event()

    async def first() -> None:
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO item (name) VALUES ('first')")
            inside.set()
            await release.wait()

    async def waiter() -> None:
        nonlocal waiting
        waiting += 1
        if waiting == 5:
            all_waiting.set()
        # No await before the write lock: this task is queued on it before the test runs again.
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO item (name) VALUES ('never')")

    holder = asyncio.create_task(first())
    await inside.wait()
    waiters = [asyncio.create_task(waiter()) for _ in range(5)]
    await all_waiting.wait()
    for task in waiters:
        task.cancel()
    release.set()
    await holder
    await asyncio.gather(*waiters, return_exceptions=True)
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO item (name) VALUES ('after')")
    rows = await db.fetch_all("SELECT name FROM item ORDER BY id")
    assert [r["name"] for r in rows] == ["first", "after"]


async def test_readers_and_writers_cancelled_at_any_point_leave_the_database_usable(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "cancel.sqlite3")
    try:
        async def read_once() -> None:
            async with db.read() as reader:
                await reader.fetch_one("SELECT 1")

        async def write_once() -> None:
            async with db.transaction() as tx:
                await tx.execute("CREATE TABLE IF NOT EXISTS t (x INTEGER)")
                await tx.execute("INSERT INTO t VALUES (1)")

        # A sweep, not synchronisation: cancel after 0, 1, 2, ... event-loop turns, so the cancel
        # lands at BEGIN, in the body or at ROLLBACK; the assertions below hold wherever it lands.
        for spins in range(60):
            tasks = [asyncio.ensure_future(read_once()), asyncio.ensure_future(write_once())]
            for _ in range(spins % 12):
                await asyncio.sleep(0)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        for _ in range(4):  # every pooled reader and the writer still work
            await read_once()
        await write_once()
    finally:
        await db.close()
