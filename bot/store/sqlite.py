"""The SQLite engine: one writer behind a lock, read-only readers, migrations at open.

Modelled on Chia's ``db_wrapper``: every write goes through one connection and
one ``asyncio.Lock``, inside ``BEGIN IMMEDIATE`` so a read-then-write cannot be
overtaken; plain reads use a small pool of connections opened ``mode=ro``,
which SQLite refuses to write with. Migrations follow mautrix's ``upgrade``:
numbered, one transaction each, refusing a file newer than the code.

Many small concurrent writes (credit holds) go through ``run_in_batch``
instead: group commit, several callers' units in one transaction, each in its
own savepoint (``bot.store.group_commit``).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from os import PathLike
from pathlib import Path
from typing import TypeVar

import aiosqlite

from bot.store.connections import Reader, SqliteReader, SqliteTransaction, Transaction
from bot.store.database import Database
from bot.store.errors import DatabaseClosedError, DatabaseTooNewError, NestedTransactionError
from bot.store.group_commit import BatchStats, GroupCommit, OnCommit, Unit
from bot.store.migrator import VERSION_TABLE_SQL, Migration, load_migrations
from bot.store.timestamps import to_db_time

log = logging.getLogger(__name__)

T = TypeVar("T")


class SqliteDatabase(Database):
    """Open with ``await Database.open(path)``; close with ``await db.close()``."""

    dialect = "sqlite"

    def __init__(
        self, path: Path, writer: aiosqlite.Connection, raw_writer: sqlite3.Connection, busy_timeout: float
    ) -> None:
        """``raw_writer`` is ``writer``'s own sqlite3 connection, for batches (see group_commit)."""
        self.path = path
        self._writer = writer
        self._busy_timeout = busy_timeout
        self._write_lock = asyncio.Lock()
        self._writer_owner: asyncio.Task[object] | None = None
        self._readers: asyncio.Queue[aiosqlite.Connection] = asyncio.Queue()
        self._reader_count = 0
        self._closed = False
        self._group = GroupCommit(self._begin, raw_writer)
        self.version = 0
        self.label = str(path)

    @classmethod
    async def connect(
        cls,
        path: str | PathLike[str],
        *,
        readers: int = 2,
        busy_timeout: float = 5.0,
        migrations: Sequence[Migration] | None = None,
    ) -> SqliteDatabase:
        """Open (creating the file and its folder), migrate, and start the readers."""
        if readers < 1:
            raise ValueError("a database needs at least one reader connection")
        file = Path(path)
        file.parent.mkdir(parents=True, exist_ok=True)
        writer, raw_writer = await _connect_writer(str(file), busy_timeout)
        db = cls(file, writer, raw_writer, busy_timeout)
        try:
            await _configure_writer(writer)
            await db._migrate(load_migrations() if migrations is None else tuple(migrations))
            for _ in range(readers):
                await db._add_reader()
        except BaseException:
            await db.close()
            raise
        return db

    async def _add_reader(self) -> None:
        uri = self.path.resolve().as_uri() + "?mode=ro"
        conn = await _connect(uri, self._busy_timeout, uri=True)
        await conn.execute("PRAGMA query_only = ON")
        self._reader_count += 1
        self._readers.put_nowait(conn)

    # -- writes -----------------------------------------------------------------

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """``BEGIN IMMEDIATE`` on the writer; commit on success, roll back on any exception."""
        self._check_open()
        if self._holds_writer():
            raise NestedTransactionError()
        async with self._begin() as conn:
            tx = SqliteTransaction(conn)
            try:
                yield tx
            finally:
                tx._close()

    async def run_in_batch(self, unit: Unit[T], *, on_commit: OnCommit[T] | None = None) -> T:
        """Run ``unit(tx)`` in a transaction shared with other callers' units (group commit).

        The unit sees what earlier units of its batch wrote; if it raises, only its own writes
        are undone and the error comes back here. ``on_commit(result)`` runs right after the
        batch commits, even if this caller was cancelled meanwhile. See ``bot.store.group_commit``.
        """
        self._check_open()
        if self._holds_writer():  # its unit would wait for the writer this task holds
            raise NestedTransactionError()
        return await self._group.run(unit, on_commit)

    @property
    def batch_stats(self) -> BatchStats:
        return self._group.stats

    def _holds_writer(self) -> bool:
        task = asyncio.current_task()
        return task is not None and task is self._writer_owner

    @asynccontextmanager
    async def _begin(self) -> AsyncIterator[aiosqlite.Connection]:
        """The writer, inside ``BEGIN IMMEDIATE`` under the write lock: COMMIT at the end of the
        block, ROLLBACK when it raises."""
        async with self._write_lock:
            self._check_open()
            self._writer_owner = asyncio.current_task()
            began = False
            try:
                try:
                    await self._writer.execute("BEGIN IMMEDIATE")
                    began = True
                    yield self._writer
                except BaseException:
                    # Also when cancelled during BEGIN: the statement may still run on the
                    # connection's thread, and this ROLLBACK is queued behind it.
                    await self._rollback(expected=began)
                    raise
                try:
                    await self._writer.execute("COMMIT")
                except BaseException:
                    await self._rollback(expected=True)
                    raise
            finally:
                self._writer_owner = None

    async def _rollback(self, *, expected: bool) -> None:
        try:
            await self._writer.execute("ROLLBACK")
        except sqlite3.Error as err:  # no transaction open, or SQLite already rolled it back
            if expected:
                log.warning("rollback on %s failed: %s", self.path, err)

    # -- reads ------------------------------------------------------------------

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Reader]:
        """A read-only handle; every query in the block sees one consistent snapshot."""
        self._check_open()
        conn = await self._readers.get()
        reader = SqliteReader(conn)
        try:
            try:
                await conn.execute("BEGIN")
                yield reader
            finally:
                # Also when cancelled during BEGIN: the statement still runs on the connection's
                # thread, and this ROLLBACK is queued behind it, so the connection goes back clean.
                reader._close()
                try:
                    await conn.execute("ROLLBACK")
                except sqlite3.Error:
                    pass  # BEGIN itself failed: no transaction to end
        finally:
            self._readers.put_nowait(conn)

    # -- lifetime ---------------------------------------------------------------

    async def close(self) -> None:
        """Wait for the running transaction and reads to finish, then close every connection."""
        if self._closed:
            return
        self._closed = True
        await self._group.idle()  # units queued before close are refused (DatabaseClosedError)
        for _ in range(self._reader_count):
            conn = await self._readers.get()
            await conn.close()
        self._reader_count = 0
        async with self._write_lock:
            await self._writer.close()
        log.debug("closed database %s", self.path)

    def _check_open(self) -> None:
        if self._closed:
            raise DatabaseClosedError(self.path)

    # -- migrations ---------------------------------------------------------------

    async def _migrate(self, migrations: tuple[Migration, ...]) -> None:
        known = migrations[-1].version if migrations else 0
        await self._writer.execute(VERSION_TABLE_SQL)
        applied = {
            row[0]: row[1]
            for row in await self._writer.execute_fetchall("SELECT version, name FROM schema_version")
        }
        current = max(applied, default=0)
        if current > known:
            raise DatabaseTooNewError(self.path, current, known)
        for migration in migrations:
            recorded = applied.get(migration.version)
            if recorded is not None and recorded != migration.name:
                log.warning(
                    "%s: schema version %d was applied as %r but the code calls it %r",
                    self.path, migration.version, recorded, migration.name,
                )
            if migration.version > current:
                await self._apply(migration)
        self.version = max(current, known)

    async def _apply(self, migration: Migration) -> None:
        async with self.transaction() as tx:
            done = await tx.fetch_value("SELECT COALESCE(MAX(version), 0) FROM schema_version")
            if done >= migration.version:  # another process got there first
                return
            for statement in migration.statements():
                await tx.execute(statement)
            await tx.execute(
                "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
                (migration.version, migration.name, to_db_time(datetime.now(UTC))),
            )
        log.info("applied migration %s to %s", migration.label, self.path)


async def _connect(target: str, busy_timeout: float, *, uri: bool) -> aiosqlite.Connection:
    conn = await aiosqlite.connect(target, uri=uri, timeout=busy_timeout, isolation_level=None)
    conn.row_factory = aiosqlite.Row
    await conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
    return conn


async def _connect_writer(target: str, busy_timeout: float) -> tuple[aiosqlite.Connection, sqlite3.Connection]:
    """The writer, and its sqlite3 connection for the event-loop thread (batches only: see group_commit)."""
    made: list[sqlite3.Connection] = []

    def connect() -> sqlite3.Connection:  # runs on aiosqlite's thread, as aiosqlite.connect's does
        conn = sqlite3.connect(target, timeout=busy_timeout, isolation_level=None, check_same_thread=False)
        made.append(conn)
        return conn

    conn = await aiosqlite.Connection(connect, iter_chunk_size=64)
    conn.row_factory = aiosqlite.Row
    await conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
    return conn, made[0]


async def _configure_writer(conn: aiosqlite.Connection) -> None:
    async with conn.execute("PRAGMA journal_mode = WAL") as cursor:
        row = await cursor.fetchone()
    if row is None or str(row[0]).lower() != "wal":
        log.warning("journal_mode WAL was refused (got %r); continuing in that mode", row)
    await conn.execute("PRAGMA synchronous = NORMAL")
    await conn.execute("PRAGMA foreign_keys = ON")
