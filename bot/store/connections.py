"""Handles given out by :class:`bot.store.database.Database`, whichever engine is behind it.

A :class:`Reader` runs queries on a read-only connection (or inside a write
transaction); a :class:`Transaction` adds writes. Repositories take a
``Reader`` for lookups and a ``Transaction`` for changes, so one caller can
compose several repositories' writes in one transaction.

SQL is written once, in the subset SQLite and PostgreSQL share, with ``?``
placeholders (rewritten to ``$n`` on PostgreSQL, see ``bot.store.pg_sql``). The
few statements that differ branch on :attr:`Reader.dialect`.
"""

from __future__ import annotations

import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from typing import Any, Literal, Protocol, TypeAlias

import aiosqlite

from bot.store.errors import TransactionClosedError

Params: TypeAlias = Sequence[Any]
Dialect: TypeAlias = Literal["sqlite", "postgresql"]


class Row(Protocol):
    """A result row: by position or by column name (``sqlite3.Row`` and ``asyncpg.Record`` both are)."""

    def __getitem__(self, key: int | str, /) -> Any: ...
    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[Any]: ...
    def keys(self) -> Any: ...


class Reader(ABC):
    """Queries on one connection, valid until its ``async with`` block ends."""

    __slots__ = ()
    dialect: Dialect

    @abstractmethod
    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None: ...

    @abstractmethod
    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]: ...

    async def fetch_value(self, sql: str, params: Params = ()) -> Any:
        """The first column of the first row, or None when there is no row."""
        row = await self.fetch_one(sql, params)
        return None if row is None else row[0]

    def for_update(self) -> str:
        """`` FOR UPDATE`` on PostgreSQL inside a write transaction, else nothing: append it to a
        SELECT whose row the transaction is about to change (SQLite's writer is already exclusive)."""
        return ""

    def json_text(self, column: str, key: str) -> str:
        """SQL for the text of top-level ``key`` in the JSON text ``column``."""
        return f"json_extract({column}, '$.{key}')" if self.dialect == "sqlite" else f"({column}::jsonb ->> '{key}')"

    def position(self, haystack: str, needle: str) -> str:
        """SQL for where ``needle`` first occurs in ``haystack`` (1-based, 0 when absent); no wildcards."""
        return f"instr({haystack}, {needle})" if self.dialect == "sqlite" else f"strpos({haystack}, {needle})"


class Transaction(Reader):
    """A write transaction."""

    __slots__ = ()

    @abstractmethod
    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; returns the number of rows it changed."""

    @abstractmethod
    async def insert(self, sql: str, params: Params = (), *, key: str = "id") -> int:
        """Run one INSERT; returns the new row's integer key (its column is named ``key``)."""


class SqliteReader(Reader):
    """A handle on one aiosqlite connection."""

    __slots__ = ("_conn", "_open")
    _label = "read handle"
    dialect: Dialect = "sqlite"

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn
        self._open = True

    def _close(self) -> None:
        self._open = False

    def _checked(self) -> aiosqlite.Connection:
        if not self._open:
            raise TransactionClosedError(self._label)
        return self._conn

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        async with self._checked().execute(sql, params) as cursor:
            row: sqlite3.Row | None = await cursor.fetchone()
            return row

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        rows = await self._checked().execute_fetchall(sql, params)
        return list(rows)


class SqliteTransaction(SqliteReader, Transaction):
    """A ``BEGIN IMMEDIATE`` transaction on the writer connection."""

    __slots__ = ()
    _label = "transaction"

    async def execute(self, sql: str, params: Params = ()) -> int:
        async with self._checked().execute(sql, params) as cursor:
            return cursor.rowcount

    async def insert(self, sql: str, params: Params = (), *, key: str = "id") -> int:
        async with self._checked().execute(sql, params) as cursor:
            rowid = cursor.lastrowid
        if rowid is None:
            raise sqlite3.ProgrammingError(f"statement inserted no row: {sql}")
        return rowid
