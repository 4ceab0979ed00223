"""The latest ``/models`` answer, kept by the leader for the other processes (table ``catalog_snapshot``)."""

from __future__ import annotations

from datetime import datetime

from bot.store.connections import Reader, Transaction
from bot.store.timestamps import from_db_time, to_db_time


class CatalogSnapshotRepository:
    async def put(self, tx: Transaction, body_json: str, fetched_at: datetime) -> None:
        await tx.execute(
            "INSERT INTO catalog_snapshot (id, fetched_at, body_json) VALUES (1, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET fetched_at = excluded.fetched_at, body_json = excluded.body_json",
            (to_db_time(fetched_at), body_json),
        )

    async def get(self, conn: Reader) -> tuple[str, datetime] | None:
        """(the answer as JSON, when the leader fetched it), or None before the first fetch."""
        row = await conn.fetch_one("SELECT body_json, fetched_at FROM catalog_snapshot WHERE id = 1")
        return None if row is None else (str(row[0]), from_db_time(str(row[1])))
