"""Errors raised by the storage layer. Each carries the facts as attributes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import asyncpg

Where = Path | str  # a SQLite file, or a PostgreSQL URL without its password


class StoreError(Exception):
    """Base of every error raised by ``bot.store``."""


class DatabaseTooNewError(StoreError):
    """The file was written by a newer version of the bot than this code."""

    def __init__(self, path: Where, file_version: int, code_version: int) -> None:
        self.path = path
        self.file_version = file_version
        self.code_version = code_version
        super().__init__(
            f"database {path} is at schema version {file_version}, but this code knows migrations "
            f"only up to version {code_version}: run a newer version of the bot, or restore a backup "
            f"made by this version"
        )


class MigrationError(StoreError):
    """A migration file is malformed, misnumbered or failed to apply."""

    def __init__(self, migration: str, reason: str) -> None:
        self.migration = migration
        self.reason = reason
        super().__init__(f"migration {migration}: {reason}")


class NestedTransactionError(StoreError):
    """A task that holds the writer asked for a second transaction (it would deadlock).

    Pass the open transaction down instead (the ``*_in(tx, ...)`` methods exist for that).
    """

    def __init__(self) -> None:
        super().__init__(
            "this task already holds the write transaction; pass its tx to the *_in(tx, ...) variant"
        )


class TransactionClosedError(StoreError):
    """A transaction or read handle was used after its ``async with`` block ended."""

    def __init__(self, what: str) -> None:
        self.what = what
        super().__init__(f"{what} was used after its block ended")


class DatabaseClosedError(StoreError):
    """The database was used after ``close()``."""

    def __init__(self, path: Where) -> None:
        self.path = path
        super().__init__(f"database {path} is closed")


# What the database drivers raise when the engine fails (a full disk, a lost connection): a
# member hears "storage is unavailable", the log gets the details.
DRIVER_ERRORS: tuple[type[Exception], ...] = (sqlite3.Error, asyncpg.PostgresError, asyncpg.InterfaceError)
