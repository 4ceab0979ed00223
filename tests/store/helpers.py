from __future__ import annotations

import sqlite3

from bot.store import Database
from bot.store.connections import Params


async def one(db: Database, sql: str, params: Params = ()) -> sqlite3.Row:
    """The single row a query must return."""
    row = await db.fetch_one(sql, params)
    assert row is not None, sql
    return row
