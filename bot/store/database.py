"""The database the bot keeps everything in: SQLite (the default, a file) or PostgreSQL (several processes).

``await Database.open(target)`` picks the engine from ``target``: a ``postgresql://`` URL opens
:class:`bot.store.postgres.PostgresDatabase` (asyncpg), anything else is a SQLite file path
(:class:`bot.store.sqlite.SqliteDatabase`). Both give the same handles, so repositories and
services do not know which one they run on:

- ``transaction()``: a write transaction, committed at the end of the block, rolled back on error;
- ``read()``: a read-only snapshot;
- ``run_in_batch(unit)``: a small write unit that may share its transaction with other callers'
  (group commit on SQLite, a transaction of its own retried on a lock conflict on PostgreSQL).

Both migrate at open and keep the applied versions in ``schema_version``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from os import PathLike
from typing import TYPE_CHECKING, Any, TypeVar

from bot.store.connections import Dialect, Params, Reader, Row, Transaction

if TYPE_CHECKING:
    from bot.store.group_commit import BatchStats, OnCommit, Unit
    from bot.store.migrator import Migration

T = TypeVar("T")

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_postgres_url(target: object) -> bool:
    return isinstance(target, str) and target.startswith(POSTGRES_SCHEMES)


class Database(ABC):
    """Open with ``await Database.open(target)``; close with ``await db.close()``."""

    dialect: Dialect
    version: int  # the schema version after migrating
    label: str  # for messages: the file path, or the URL without its password

    @classmethod
    async def open(
        cls,
        target: str | PathLike[str],
        *,
        migrations: Sequence[Migration] | None = None,
        **options: Any,
    ) -> Database:
        """Open the database at ``target`` (a SQLite path, or a postgresql:// URL) and migrate it."""
        if is_postgres_url(target):
            from bot.store.postgres import PostgresDatabase

            return await PostgresDatabase.connect(str(target), migrations=migrations, **options)
        from bot.store.sqlite import SqliteDatabase

        return await SqliteDatabase.connect(target, migrations=migrations, **options)

    @abstractmethod
    def transaction(self) -> AbstractAsyncContextManager[Transaction]: ...

    @abstractmethod
    def read(self) -> AbstractAsyncContextManager[Reader]: ...

    @abstractmethod
    async def run_in_batch(self, unit: Unit[T], *, on_commit: OnCommit[T] | None = None) -> T:
        """Run ``unit(tx)`` as one atomic write; ``on_commit(result)`` right after its commit,
        even if this caller was cancelled meanwhile."""

    @property
    @abstractmethod
    def batch_stats(self) -> BatchStats: ...

    @abstractmethod
    async def close(self) -> None: ...

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        async with self.read() as reader:
            return await reader.fetch_one(sql, params)

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        async with self.read() as reader:
            return await reader.fetch_all(sql, params)

    async def __aenter__(self) -> Database:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()
