"""Handles given out by :class:`bot.store.database.Database`.

A :class:`Reader` runs queries on a read-only connection (or inside a write
transaction); a :class:`Transaction` adds writes. Repositories take a
``Reader`` for lookups and a ``Transaction`` for changes, so one caller can
compose several repositories' writes in one transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any, TypeAlias

import aiosqlite

from bot.store.errors import TransactionClosedError

Params: TypeAlias = Sequence[Any] | Mapping[str, Any]


class Reader:
    """Queries on one connection, valid until its ``async with`` block ends."""

    __slots__ = ("_conn", "_open")
    _label = "read handle"

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn
        self._open = True

    def _close(self) -> None:
        self._open = False

    def _checked(self) -> aiosqlite.Connection:
        if not self._open:
            raise TransactionClosedError(self._label)
        return self._conn

    async def fetch_one(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        async with self._checked().execute(sql, params) as cursor:
            row: sqlite3.Row | None = await cursor.fetchone()
            return row

    async def fetch_all(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        rows = await self._checked().execute_fetchall(sql, params)
        return list(rows)

    async def fetch_value(self, sql: str, params: Params = ()) -> Any:
        """The first column of the first row, or None when there is no row."""
        row = await self.fetch_one(sql, params)
        return None if row is None else row[0]


class Transaction(Reader):
    """A ``BEGIN IMMEDIATE`` transaction on the writer connection."""

    __slots__ = ()
    _label = "transaction"

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; returns the number of rows it changed."""
        async with self._checked().execute(sql, params) as cursor:
            return cursor.rowcount

    async def insert(self, sql: str, params: Params = ()) -> int:
        """Run one INSERT; returns the new row's rowid."""
        async with self._checked().execute(sql, params) as cursor:
            rowid = cursor.lastrowid
        if rowid is None:
            raise sqlite3.ProgrammingError(f"statement inserted no row: {sql}")
        return rowid
