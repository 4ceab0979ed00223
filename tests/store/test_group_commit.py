"""Group commit (``Database.run_in_batch``) against a real SQLite file.

To put several units in one batch, a test holds the writer in an ordinary
transaction while the callers queue their units, then lets it go: the batch
runner takes everything queued once the writer is free.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.store import (
    Database,
    DatabaseClosedError,
    NestedTransactionError,
    Transaction,
    TransactionClosedError,
)
from bot.store.group_commit import MAX_BATCH, BatchRolledBackError
from bot.store.migrator import Migration

SCHEMA = (
    Migration(
        1,
        "scratch",
        """
        CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
        CREATE TABLE parent (id INTEGER PRIMARY KEY);
        CREATE TABLE child (
            id INTEGER PRIMARY KEY,
            parent_id INTEGER NOT NULL REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED
        );
        CREATE TRIGGER item_doom BEFORE INSERT ON item WHEN NEW.name = 'doom'
        BEGIN
            SELECT RAISE(ROLLBACK, 'doomed');
        END;
        """,
    ),
)

UnitFn = Callable[[Transaction], Awaitable[Any]]


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "batch.sqlite3", migrations=SCHEMA)
    yield database
    await database.close()


@asynccontextmanager
async def writer_held(db: Database) -> AsyncIterator[None]:
    """The writer is busy (an open transaction) until the block ends."""
    inside, release = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        async with db.transaction():
            inside.set()
            await release.wait()

    holder = asyncio.create_task(hold())
    await inside.wait()
    try:
        yield
    finally:
        release.set()
        await holder


async def queue_units(db: Database, units: Sequence[UnitFn], on_commit: Callable[[Any], None] | None = None
                      ) -> list[asyncio.Task[Any]]:
    """One caller task per unit; returns once every unit is queued.

    ``run_in_batch`` queues its unit before its first await, so the last caller has
    queued its unit by the time the event it sets wakes this coroutine.
    """
    started = 0
    all_queued = asyncio.Event()

    async def call(unit: UnitFn) -> Any:
        nonlocal started
        started += 1
        if started == len(units):
            all_queued.set()
        return await db.run_in_batch(unit, on_commit=on_commit)

    tasks = [asyncio.create_task(call(unit)) for unit in units]
    await all_queued.wait()
    return tasks


def insert(name: str) -> UnitFn:
    """A unit: insert ``name``; returns how many items it saw before its own."""

    async def unit(tx: Transaction) -> int:
        before = int(await tx.fetch_value("SELECT COUNT(*) FROM item"))
        await tx.insert("INSERT INTO item (name) VALUES (?)", (name,))
        return before

    return unit


async def names(db: Database) -> list[str]:
    return [row["name"] for row in await db.fetch_all("SELECT name FROM item ORDER BY id")]


async def test_a_lone_unit_commits_and_returns_its_result(db: Database) -> None:
    seen: list[int] = []
    assert await db.run_in_batch(insert("solo"), on_commit=seen.append) == 0
    assert seen == [0]
    assert await names(db) == ["solo"]


async def test_units_of_a_batch_see_the_writes_before_them_and_commit_together(db: Database) -> None:
    before = db.batch_stats
    committed: list[int] = []
    async with writer_held(db):
        tasks = await queue_units(db, [insert(f"n{i}") for i in range(20)], on_commit=committed.append)
        async with db.read() as reader:  # nothing is written while the writer is busy
            assert await reader.fetch_value("SELECT COUNT(*) FROM item") == 0
    results = await asyncio.gather(*tasks)
    assert results == list(range(20))  # each unit counted the ones before it: running totals
    assert committed == list(range(20))  # on_commit in batch order
    assert await names(db) == [f"n{i}" for i in range(20)]
    after = db.batch_stats
    assert (after.batches - before.batches, after.units - before.units) == (1, 20)


async def test_a_failing_unit_is_undone_alone_and_gets_its_error(db: Database) -> None:
    async def fails(tx: Transaction) -> int:
        await tx.insert("INSERT INTO item (name) VALUES ('half')")
        await tx.insert("INSERT INTO item (name) VALUES ('done')")
        raise ValueError("refused after writing")

    before = db.batch_stats
    async with writer_held(db):
        tasks = await queue_units(db, [insert("a"), fails, insert("c")])
    first, failed, last = await asyncio.gather(*tasks, return_exceptions=True)
    assert first == 0
    assert isinstance(failed, ValueError) and str(failed) == "refused after writing"
    assert last == 1  # 'c' saw 'a' but neither of the failed unit's rows
    assert await names(db) == ["a", "c"]
    assert db.batch_stats.batches - before.batches == 1


async def test_a_failed_commit_fails_every_unit_and_writes_nothing(db: Database) -> None:
    async def orphan(tx: Transaction) -> None:  # the deferred foreign key fails only at COMMIT
        await tx.insert("INSERT INTO child (id, parent_id) VALUES (1, 404)")

    async with writer_held(db):
        tasks = await queue_units(db, [insert("a"), orphan, insert("b")])
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert all(isinstance(r, sqlite3.IntegrityError) and "FOREIGN KEY" in str(r) for r in results), results
    assert await names(db) == []
    assert await db.fetch_all("SELECT * FROM child") == []
    assert await db.run_in_batch(insert("after")) == 0  # the writer is usable again
    assert await names(db) == ["after"]


async def test_a_unit_that_makes_sqlite_roll_back_everything_loses_the_batch_not_the_queue(db: Database) -> None:
    async with writer_held(db):
        tasks = await queue_units(db, [insert("a"), insert("doom"), insert("c"), insert("d")])
    first, doomed, third, fourth = await asyncio.gather(*tasks, return_exceptions=True)
    assert isinstance(first, BatchRolledBackError)  # it ran, but SQLite rolled its writes back
    assert isinstance(doomed, sqlite3.IntegrityError) and "doomed" in str(doomed)
    assert (third, fourth) == (0, 1)  # never started in the lost batch: run in the next one
    assert await names(db) == ["c", "d"]


async def test_caps_the_batch_size(db: Database) -> None:
    count = MAX_BATCH * 2 + 10
    before = db.batch_stats
    async with writer_held(db):
        tasks = await queue_units(db, [insert(f"n{i}") for i in range(count)])
    assert await asyncio.gather(*tasks) == list(range(count))
    after = db.batch_stats
    assert (after.batches - before.batches, after.units - before.units) == (3, count)


async def test_a_caller_cancelled_before_its_unit_starts_writes_nothing(db: Database) -> None:
    ran: list[str] = []

    async def never(tx: Transaction) -> None:
        ran.append("never")
        await tx.insert("INSERT INTO item (name) VALUES ('never')")

    async with writer_held(db):
        cancelled, kept = await queue_units(db, [never, insert("kept")])
        cancelled.cancel()
        with pytest.raises(asyncio.CancelledError):
            await cancelled
    assert await kept == 0
    assert ran == []
    assert await names(db) == ["kept"]


async def test_a_caller_cancelled_while_its_unit_runs_waits_for_the_commit(db: Database) -> None:
    """Its unit goes on and commits; on_commit runs; only then does the caller see the cancel."""
    order: list[str] = []
    entered, go = asyncio.Event(), asyncio.Event()

    async def slow(tx: Transaction) -> str:
        await tx.insert("INSERT INTO item (name) VALUES ('slow')")
        entered.set()
        await go.wait()
        return "slow"

    async def caller() -> None:
        try:
            await db.run_in_batch(slow, on_commit=lambda result: order.append(f"committed {result}"))
        except asyncio.CancelledError:
            order.append("caller cancelled")
            raise

    task = asyncio.create_task(caller())
    await entered.wait()
    task.cancel()
    go.set()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert order == ["committed slow", "caller cancelled"]
    assert await names(db) == ["slow"]


async def test_callers_cancelled_at_any_point_are_never_lost_track_of(db: Database) -> None:
    """A unit's writes are committed exactly when its on_commit ran, wherever the cancel lands."""
    committed: list[str] = []
    returned: list[str] = []

    async def call(name: str) -> None:
        await db.run_in_batch(insert(name), on_commit=lambda _: committed.append(name))
        returned.append(name)

    # A sweep, not synchronisation: cancel after 0, 1, 2, ... event-loop turns.
    for spins in range(48):
        tasks = [asyncio.ensure_future(call(f"s{spins}-{i}")) for i in range(4)]
        for _ in range(spins % 12):
            await asyncio.sleep(0)
        for task in tasks[::2]:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    stored = await names(db)
    assert sorted(stored) == sorted(committed)
    assert set(returned) <= set(committed)
    assert len(returned) >= 2 * 48  # the callers not cancelled all got through
    assert await db.run_in_batch(insert("after")) == len(stored)


async def test_on_commit_errors_reach_the_caller_after_the_commit(db: Database) -> None:
    def broken(_: int) -> None:
        raise RuntimeError("on_commit broke")

    with pytest.raises(RuntimeError, match="on_commit broke"):
        await db.run_in_batch(insert("kept"), on_commit=broken)
    assert await names(db) == ["kept"]


async def test_nesting_is_refused_not_deadlocked(db: Database) -> None:
    async with db.transaction():
        with pytest.raises(NestedTransactionError):
            await db.run_in_batch(insert("inside a transaction"))

    async def opens_a_transaction(tx: Transaction) -> None:
        async with db.transaction():
            pass

    async def batches_again(tx: Transaction) -> None:
        await db.run_in_batch(insert("inside a unit"))

    async with writer_held(db):
        tasks = await queue_units(db, [opens_a_transaction, insert("fine"), batches_again])
    first, fine, third = await asyncio.gather(*tasks, return_exceptions=True)
    assert isinstance(first, NestedTransactionError) and isinstance(third, NestedTransactionError)
    assert fine == 0
    assert await names(db) == ["fine"]


async def test_a_units_handle_expires_when_it_returns(db: Database) -> None:
    async def leak(tx: Transaction) -> Transaction:
        return tx

    leaked = await db.run_in_batch(leak)
    with pytest.raises(TransactionClosedError):
        await leaked.execute("INSERT INTO item (name) VALUES ('late')")
    assert await names(db) == []


async def test_close_refuses_units_still_queued_and_waits_for_the_runner(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "closing.sqlite3", migrations=SCHEMA)
    async with writer_held(db):
        tasks = await queue_units(db, [insert("a"), insert("b")])
        closing = asyncio.create_task(db.close())
    await closing
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert all(isinstance(r, DatabaseClosedError) for r in results), results
    with pytest.raises(DatabaseClosedError):
        await db.run_in_batch(insert("late"))


async def test_a_unit_that_swallows_the_lost_transaction_cannot_write_outside_it(db: Database) -> None:
    async def stubborn(tx: Transaction) -> None:
        try:
            await tx.insert("INSERT INTO item (name) VALUES ('doom')")
        except sqlite3.IntegrityError:
            pass  # SQLite has rolled the whole transaction back by now
        await tx.insert("INSERT INTO item (name) VALUES ('autocommitted?')")

    async with writer_held(db):
        tasks = await queue_units(db, [insert("a"), stubborn, insert("c")])
    first, refused, last = await asyncio.gather(*tasks, return_exceptions=True)
    assert isinstance(first, BatchRolledBackError)
    assert isinstance(refused, sqlite3.OperationalError)
    assert last == 0
    assert await names(db) == ["c"]
