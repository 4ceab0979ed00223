"""SQLite storage: the database, its migrations, and one repository per table family."""

from __future__ import annotations

from bot.store.connections import Reader, Transaction
from bot.store.database import Database
from bot.store.errors import (
    DatabaseClosedError,
    DatabaseTooNewError,
    MigrationError,
    NestedTransactionError,
    StoreError,
    TransactionClosedError,
)

__all__ = [
    "Database",
    "DatabaseClosedError",
    "DatabaseTooNewError",
    "MigrationError",
    "NestedTransactionError",
    "Reader",
    "StoreError",
    "Transaction",
    "TransactionClosedError",
]
