"""Group commit: concurrent write units share one ``BEGIN IMMEDIATE`` transaction, one savepoint each.

``Database.run_in_batch(unit)`` queues ``unit`` (an ``async`` function of a
:class:`~bot.store.connections.Transaction`). One runner task takes the writer
as soon as it is free, begins a transaction and runs every queued unit (at
most ``max_batch``) one after the other, each behind its own ``SAVEPOINT``,
then commits once. A unit reads what the units before it wrote, so checks made
inside a unit (a credit hold against the allowance left) see the running totals
and two units can never both take the last credit.

- A unit that raises is rolled back to its savepoint: only its own writes go,
  the batch goes on, and its caller gets the exception.
- When the ``COMMIT`` fails, nothing of the batch was written and every caller
  of the batch gets that error.
- When a unit's error makes SQLite roll back the whole transaction (a trigger's
  ``RAISE(ROLLBACK)``, a full disk), the units already run are lost with it:
  their callers get :class:`BatchRolledBackError`; the units not yet run go to
  the next batch.

Why not one ``transaction()`` per unit: the cost of a write through aiosqlite is
the round trip to its connection thread (about 0.1 ms each on a small machine),
and a credit hold is a dozen statements. Inside a batch the writer's connection
thread is idle (the runner holds the write lock), so a unit's statements run
directly on the event-loop thread through :class:`BatchTransaction`; only
``BEGIN`` and ``COMMIT`` (which may wait for a lock or the disk) go to the
thread. Units should therefore be a few indexed statements: they briefly hold
the event loop, which is handed back between units.

Cancelling a caller whose unit has not started takes the unit out of the queue;
nothing is written. Once the unit has started it runs and commits regardless;
the caller waits until its fate is settled, then raises ``CancelledError``. What
must follow a commit even then (putting a new job in line) goes in ``on_commit``,
which the runner calls right after the ``COMMIT``, in batch order.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections import deque
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import aiosqlite

from bot.store.connections import Params, Row, SqliteTransaction, Transaction
from bot.store.errors import StoreError

log = logging.getLogger(__name__)

T = TypeVar("T")
Unit = Callable[[Transaction], Awaitable[T]]
OnCommit = Callable[[T], None]
Begin = Callable[[], AbstractAsyncContextManager[aiosqlite.Connection]]

MAX_BATCH = 256
_SAVEPOINT = "unit"


class BatchRolledBackError(StoreError):
    """SQLite rolled back a whole batch because of another unit's error: nothing of this unit was kept."""

    def __init__(self, cause: BaseException) -> None:
        self.cause = cause
        super().__init__(f"the shared write transaction was rolled back by another unit's error: {cause}")


@dataclass(frozen=True, slots=True)
class BatchStats:
    batches: int  # transactions committed or attempted
    units: int  # units run in them

    @property
    def mean_batch(self) -> float:
        return self.units / self.batches if self.batches else 0.0


class BatchTransaction(SqliteTransaction):
    """A unit's handle: the statements run synchronously on the raw writer connection.

    Only valid while the batch runner holds the write lock (nothing else uses the
    connection then), and only until the unit returns.
    """

    __slots__ = ("_raw",)

    def __init__(self, conn: aiosqlite.Connection, raw: sqlite3.Connection) -> None:
        super().__init__(conn)
        self._raw = raw

    def _cursor(self, sql: str, params: Params) -> sqlite3.Cursor:
        self._checked()
        if not self._raw.in_transaction:  # SQLite ended the batch: a statement now would autocommit
            raise sqlite3.OperationalError("the batch's transaction was rolled back; not running outside it")
        return self._raw.execute(sql, params)

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        cursor = self._cursor(sql, params)
        try:
            row: sqlite3.Row | None = cursor.fetchone()
            return row
        finally:
            cursor.close()

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        cursor = self._cursor(sql, params)
        try:
            return list(cursor.fetchall())
        finally:
            cursor.close()

    async def execute(self, sql: str, params: Params = ()) -> int:
        cursor = self._cursor(sql, params)
        try:
            return cursor.rowcount
        finally:
            cursor.close()

    async def insert(self, sql: str, params: Params = (), *, key: str = "id") -> int:
        cursor = self._cursor(sql, params)
        try:
            rowid = cursor.lastrowid
        finally:
            cursor.close()
        if rowid is None:
            raise sqlite3.ProgrammingError(f"statement inserted no row: {sql}")
        return rowid


@dataclass(eq=False, slots=True)
class _Queued(Generic[T]):
    unit: Unit[T]
    on_commit: OnCommit[T] | None
    future: asyncio.Future[T]
    started: bool = False
    abandoned: bool = False  # the caller was cancelled before the unit started


class _BatchLost(Exception):
    """SQLite ended the batch's transaction itself while undoing one unit."""

    def __init__(self, cause: Exception) -> None:
        self.cause = cause


class GroupCommit:
    """The queue of units and the one task that runs them in batches (see the module doc)."""

    def __init__(self, begin: Begin, raw: sqlite3.Connection, *, max_batch: int = MAX_BATCH) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self._begin = begin  # the write lock, BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error)
        self._raw = raw  # the writer's sqlite3 connection, used only while begin() is held
        self.max_batch = max_batch
        self._queue: deque[_Queued[Any]] = deque()
        self._runner: asyncio.Task[None] | None = None
        self._batches = 0
        self._units = 0

    @property
    def stats(self) -> BatchStats:
        return BatchStats(self._batches, self._units)

    async def run(self, unit: Unit[T], on_commit: OnCommit[T] | None = None) -> T:
        """Queue ``unit`` and wait for its batch: its result once committed, or its error."""
        item: _Queued[T] = _Queued(unit, on_commit, asyncio.get_running_loop().create_future())
        self._queue.append(item)
        if self._runner is None:
            self._runner = asyncio.create_task(self._run_batches(), name="group commit")
        try:
            return await asyncio.shield(item.future)
        except asyncio.CancelledError:
            if not item.started:
                item.abandoned = True
                raise
            while not item.future.done():  # started: it commits or fails regardless; wait for which
                try:
                    await asyncio.shield(item.future)
                except asyncio.CancelledError:
                    continue
                except Exception:  # the unit's own error; the caller asked to be cancelled
                    break
            raise

    async def idle(self) -> None:
        """Wait until the queue is empty and the runner has stopped."""
        while self._runner is not None:
            await asyncio.wait([self._runner])

    # -- the runner -------------------------------------------------------------------------

    async def _run_batches(self) -> None:
        try:
            while self._queue:
                await self._run_batch()
        except BaseException as err:
            while self._queue:  # the runner itself is cancelled (shutdown): nothing more will run
                _fail(self._queue.popleft(), err)
            raise
        finally:
            self._runner = None

    def _take(self) -> list[_Queued[Any]]:
        batch: list[_Queued[Any]] = []
        while self._queue and len(batch) < self.max_batch:
            item = self._queue.popleft()
            if not item.abandoned:
                batch.append(item)
        return batch

    async def _run_batch(self) -> None:
        batch: list[_Queued[Any]] | None = None
        done: list[tuple[_Queued[Any], Any]] = []
        try:
            async with self._begin() as conn:
                batch = self._take()  # taken once the writer is ours, so late arrivals join in
                self._batches += 1
                raw = self._raw
                for index, item in enumerate(batch):
                    if index:
                        await asyncio.sleep(0)  # hand the event loop back between units
                    if item.abandoned:  # its caller was cancelled while earlier units ran
                        continue
                    try:
                        result = await self._run_unit(item, conn, raw)
                    except _BatchLost as lost:
                        _fail(item, lost.cause)
                        self._queue.extendleft(reversed(batch[index + 1:]))  # never started: next batch
                        batch = [d for d, _ in done]
                        raise BatchRolledBackError(lost.cause) from lost.cause
                    except Exception as err:
                        _fail(item, err)
                    else:
                        done.append((item, result))
        except Exception as err:  # BEGIN or COMMIT failed, or the batch was lost: nothing was written
            if batch is None:  # BEGIN failed (or the database is closed): this batch never began
                batch = self._take()
            if not isinstance(err, StoreError):  # closed, or lost (logged where it happened)
                log.warning("a group commit of %d units failed: %s", len(batch), err)
            for item in batch:
                _fail(item, err)
            return
        except BaseException as err:
            for item in batch or ():
                _fail(item, err)
            raise
        for item, result in done:
            _resolve(item, result)

    async def _run_unit(self, item: _Queued[T], conn: aiosqlite.Connection, raw: sqlite3.Connection) -> T:
        self._units += 1
        item.started = True
        tx = BatchTransaction(conn, raw)
        raw.execute(f"SAVEPOINT {_SAVEPOINT}")
        try:
            result = await item.unit(tx)
        except Exception as err:
            tx._close()
            try:
                raw.execute(f"ROLLBACK TO {_SAVEPOINT}")
            except sqlite3.Error as undo:
                log.warning("undoing a failed unit failed (%s): the batch is lost", undo)
                raise _BatchLost(err) from err
            if not raw.in_transaction:
                raise _BatchLost(err) from err
            raise
        finally:
            tx._close()
        try:
            raw.execute(f"RELEASE {_SAVEPOINT}")
        except sqlite3.Error as err:  # the unit swallowed an error that ended the transaction
            raise _BatchLost(err) from err
        return result


def _fail(item: _Queued[Any], err: BaseException) -> None:
    if item.future.done():
        return
    if isinstance(err, asyncio.CancelledError):
        item.future.cancel()
    else:
        item.future.set_exception(err)


def _resolve(item: _Queued[T], result: T) -> None:
    if item.on_commit is not None:
        try:
            item.on_commit(result)
        except Exception as err:
            log.exception("on_commit of a committed unit failed")
            _fail(item, err)
            return
    if not item.future.done():
        item.future.set_result(result)
