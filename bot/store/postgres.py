"""The PostgreSQL engine (asyncpg): a connection pool, migrations at open, the same handles as SQLite.

Chosen when ``DATABASE_URL`` is a ``postgresql://`` URL, so several bot processes can share one
database. Transactions run at READ COMMITTED. What SQLite gets from its single writer (no two
writes interleave) PostgreSQL gets from row locks where it matters:

- every change to a server's credits first reads the server's ``guild_credits`` row ``FOR UPDATE``
  (``bot.ledger.renewal.current_guild``), so holds, settles and refunds of one server queue behind
  each other across processes, and each sees the totals the one before it left;
- a hold resolves once because its close is ``UPDATE … WHERE status = 'held'`` under that lock;
- ``run_in_batch`` units each get a transaction of their own (the pool lets them run side by side)
  and are retried, up to three times, when PostgreSQL breaks a deadlock or a serialisation conflict
  by aborting one of them.

Values: SUM() over BIGINT is NUMERIC in PostgreSQL; the pool decodes NUMERIC to ``int`` when whole
(credits are whole numbers) and ``float`` otherwise, as SQLite returns them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import asyncpg

from bot.store.connections import Dialect, Params, Reader, Row, Transaction
from bot.store.database import Database
from bot.store.errors import (
    DatabaseClosedError,
    DatabaseTooNewError,
    NestedTransactionError,
    TransactionClosedError,
)
from bot.store.group_commit import BatchStats, OnCommit, Unit
from bot.store.migrator import VERSION_TABLE_SQL, Migration, load_postgres_migrations
from bot.store.pg_sql import to_postgres
from bot.store.timestamps import to_db_time

log = logging.getLogger(__name__)

T = TypeVar("T")
Conn = asyncpg.Connection | asyncpg.pool.PoolConnectionProxy  # a pooled connection, or one of its own

MIGRATION_LOCK = 0x5669_7669_0001  # pg_advisory_xact_lock key: one process migrates at a time
RETRIED = (asyncpg.exceptions.DeadlockDetectedError, asyncpg.exceptions.SerializationError)
ATTEMPTS = 3


def redact(url: str) -> str:
    """``url`` with any password (in the user part or a ``password=`` query) replaced by ``***``,
    for logs and messages."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if parts.password is not None:
        userinfo, _, host = netloc.rpartition("@")
        netloc = f"{userinfo.split(':', 1)[0]}:***@{host}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode([(k, "***" if k.lower() == "password" else v) for k, v in pairs], safe="*")
    return urlunsplit(parts._replace(netloc=netloc, query=query))


def _numeric(text: str) -> int | float:
    return int(text) if text.lstrip("-").isdigit() else float(text)


async def _setup(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec("numeric", encoder=str, decoder=_numeric, schema="pg_catalog", format="text")


class PgReader(Reader):
    __slots__ = ("_conn", "_open", "_writing")
    _label = "read handle"
    dialect: Dialect = "postgresql"

    def __init__(self, conn: Conn, *, writing: bool = False) -> None:
        self._conn = conn
        self._open = True
        self._writing = writing

    def _close(self) -> None:
        self._open = False

    def _checked(self) -> Conn:
        if not self._open:
            raise TransactionClosedError(self._label)
        return self._conn

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        row: Row | None = await self._checked().fetchrow(to_postgres(sql), *params)
        return row

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        return list(await self._checked().fetch(to_postgres(sql), *params))

    def for_update(self) -> str:
        return " FOR UPDATE" if self._writing else ""


class PgTransaction(PgReader, Transaction):
    __slots__ = ()
    _label = "transaction"

    async def execute(self, sql: str, params: Params = ()) -> int:
        status: str = await self._checked().execute(to_postgres(sql), *params)
        last = status.rsplit(" ", 1)[-1]
        return int(last) if last.isdigit() else 0

    async def insert(self, sql: str, params: Params = (), *, key: str = "id") -> int:
        value = await self._checked().fetchval(to_postgres(sql) + f" RETURNING {key}", *params)
        if value is None:
            raise asyncpg.exceptions.DataError(f"statement inserted no row: {sql}")
        return int(value)


class PostgresDatabase(Database):
    """Open with ``await Database.open("postgresql://…")``."""

    dialect: Dialect = "postgresql"

    def __init__(self, pool: asyncpg.Pool, url: str) -> None:
        self._pool = pool
        self.url = url
        self.label = redact(url)
        self.version = 0
        self._closed = False
        self._writing: set[asyncio.Task[Any]] = set()
        self._units: set[asyncio.Task[Any]] = set()
        self._batches = 0

    @classmethod
    async def connect(
        cls,
        url: str,
        *,
        migrations: Sequence[Migration] | None = None,
        pool_size: int = 20,
        **_sqlite_only: Any,
    ) -> PostgresDatabase:
        pool = await asyncpg.create_pool(url, min_size=1, max_size=pool_size, init=_setup)
        db = cls(pool, url)
        try:
            await db._migrate(load_postgres_migrations() if migrations is None else tuple(migrations))
        except BaseException:
            await pool.close()
            raise
        return db

    @property
    def pool(self) -> asyncpg.Pool:
        """The pool itself, for what only PostgreSQL has (COPY, LISTEN): ``bot.cluster``, ``bot.migrate_db``."""
        return self._pool

    # -- writes -----------------------------------------------------------------

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """A READ COMMITTED transaction on a pooled connection: commit at the end, roll back on error."""
        self._check_open()
        task = asyncio.current_task()
        if task in self._writing:
            raise NestedTransactionError()
        async with self._pool.acquire() as conn:
            if task is not None:
                self._writing.add(task)
            try:
                async with conn.transaction():
                    tx = PgTransaction(conn, writing=True)
                    try:
                        yield tx
                    finally:
                        tx._close()
            finally:
                if task is not None:
                    self._writing.discard(task)

    async def run_in_batch(self, unit: Unit[T], *, on_commit: OnCommit[T] | None = None) -> T:
        """``unit`` in a transaction of its own, retried on a deadlock or serialisation failure.

        Once started it runs to its end even if the caller is cancelled (the caller waits for
        its fate, then raises ``CancelledError``), and ``on_commit`` runs right after the commit.
        """
        self._check_open()
        if asyncio.current_task() in self._writing:
            raise NestedTransactionError()
        running = asyncio.ensure_future(self._run_unit(unit, on_commit))
        self._units.add(running)
        running.add_done_callback(self._units.discard)
        try:
            return await asyncio.shield(running)
        except asyncio.CancelledError:
            await asyncio.wait([running])
            raise

    async def _run_unit(self, unit: Unit[T], on_commit: OnCommit[T] | None) -> T:
        for attempt in range(1, ATTEMPTS + 1):
            self._batches += 1
            try:
                async with self.transaction() as tx:
                    result = await unit(tx)
                break
            except RETRIED as err:
                if attempt == ATTEMPTS:
                    raise
                log.info("a write unit met %s; trying again (%d of %d)", type(err).__name__, attempt + 1, ATTEMPTS)
        if on_commit is not None:
            on_commit(result)
        return result

    @property
    def batch_stats(self) -> BatchStats:
        return BatchStats(self._batches, self._batches)

    # -- reads --------------------------------------------------------------------

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Reader]:
        """A read-only REPEATABLE READ transaction: every query in the block sees one snapshot."""
        self._check_open()
        async with self._pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            reader = PgReader(conn)
            try:
                yield reader
            finally:
                reader._close()

    # -- lifetime -----------------------------------------------------------------

    async def close(self) -> None:
        """Let started write units finish, then close the pool (waiting for connections in use)."""
        if self._closed:
            return
        self._closed = True
        if self._units:
            await asyncio.wait(list(self._units))
        await self._pool.close()
        log.debug("closed database %s", self.label)

    def _check_open(self) -> None:
        if self._closed:
            raise DatabaseClosedError(self.label)

    # -- migrations ---------------------------------------------------------------

    async def _migrate(self, migrations: tuple[Migration, ...]) -> None:
        """All pending migrations in one transaction, under an advisory lock, so two processes
        starting together migrate once."""
        known = migrations[-1].version if migrations else 0
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
            await conn.execute(VERSION_TABLE_SQL)
            applied = {row[0]: row[1] for row in await conn.fetch("SELECT version, name FROM schema_version")}
            current = max(applied, default=0)
            if current > known:
                raise DatabaseTooNewError(self.label, current, known)
            for migration in migrations:
                if migration.version <= current:
                    continue
                await conn.execute(migration.sql)
                await conn.execute(
                    "INSERT INTO schema_version (version, name, applied_at) VALUES ($1, $2, $3)",
                    migration.version, migration.name, to_db_time(datetime.now(UTC)),
                )
                log.info("applied migration %s to %s", migration.label, self.label)
        self.version = max(current, known)
