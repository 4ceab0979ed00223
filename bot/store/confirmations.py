"""Repository for ``pending_confirmation`` and ``confirm_threshold``: requests waiting for the
member's Confirm, and each server's threshold above which they must."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.store.connections import Reader, Row, Transaction
from bot.store.timestamps import from_db_time, to_db_time


@dataclass(frozen=True, slots=True)
class PendingRow:
    id: str
    guild_id: int
    member_id: int
    amount: int
    request_json: str
    created_at: datetime
    expires_at: datetime


def _pending(row: Row) -> PendingRow:
    return PendingRow(
        id=row["id"], guild_id=row["guild_id"], member_id=row["member_id"], amount=row["amount"],
        request_json=row["request_json"], created_at=from_db_time(row["created_at"]),
        expires_at=from_db_time(row["expires_at"]),
    )


class ConfirmationRepository:
    async def insert(self, conn: Transaction, pending: PendingRow) -> None:
        await conn.execute(
            "INSERT INTO pending_confirmation (id, guild_id, member_id, amount, request_json, created_at, "
            "expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (pending.id, pending.guild_id, pending.member_id, pending.amount, pending.request_json,
             to_db_time(pending.created_at), to_db_time(pending.expires_at)),
        )

    async def get(self, conn: Reader, pending_id: str) -> PendingRow | None:
        row = await conn.fetch_one("SELECT * FROM pending_confirmation WHERE id = ?", (pending_id,))
        return None if row is None else _pending(row)

    async def delete(self, conn: Transaction, pending_id: str) -> bool:
        """True when this call removed the row (so exactly one caller ever gets True)."""
        return await conn.execute("DELETE FROM pending_confirmation WHERE id = ?", (pending_id,)) == 1

    async def delete_expired(self, conn: Transaction, now: datetime) -> int:
        return await conn.execute("DELETE FROM pending_confirmation WHERE expires_at <= ?", (to_db_time(now),))

    async def count(self, conn: Reader) -> int:
        return int(await conn.fetch_value("SELECT COUNT(*) FROM pending_confirmation"))

    async def threshold(self, conn: Reader, guild_id: int) -> int | None:
        value = await conn.fetch_value("SELECT above FROM confirm_threshold WHERE guild_id = ?", (guild_id,))
        return None if value is None else int(value)

    async def set_threshold(self, conn: Transaction, guild_id: int, above: int, by: int, at: datetime) -> None:
        await conn.execute(
            "INSERT INTO confirm_threshold (guild_id, above, set_by, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (guild_id) DO UPDATE SET above = excluded.above, set_by = excluded.set_by, "
            "updated_at = excluded.updated_at",
            (guild_id, above, by, to_db_time(at)),
        )

    async def clear_threshold(self, conn: Transaction, guild_id: int) -> bool:
        return await conn.execute("DELETE FROM confirm_threshold WHERE guild_id = ?", (guild_id,)) == 1
