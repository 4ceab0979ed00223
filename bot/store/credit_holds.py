"""Repository for ``credit_hold``: one row per job that held credits, and how it ended."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, TypeAlias

from bot.store.connections import Reader, Row, Transaction
from bot.store.timestamps import from_db_time, to_db_time

HoldStatus: TypeAlias = Literal["held", "settled", "released"]
"""Where a hold stands; the ledger's models use this same definition."""

_COLUMNS = (
    "job_id, guild_id, member_id, model, amount, from_caps, from_bonus, status, charged, "
    "caps_used, bonus_used, cycle_no, created_at, closed_at"
)


@dataclass(frozen=True, slots=True)
class CreditHold:
    job_id: str
    guild_id: int
    member_id: int
    model: str | None
    amount: int
    from_caps: int  # part counted against the member's day and cycle caps
    from_bonus: int  # part taken from the member's bonus
    status: HoldStatus
    charged: int
    caps_used: int  # what still counts against caps: from_caps while held, its charged part after
    bonus_used: int
    cycle_no: int
    created_at: datetime
    closed_at: datetime | None

    @property
    def is_open(self) -> bool:
        return self.status == "held"


def _from_row(row: Row) -> CreditHold:
    return CreditHold(
        job_id=row["job_id"],
        guild_id=row["guild_id"],
        member_id=row["member_id"],
        model=row["model"],
        amount=row["amount"],
        from_caps=row["from_caps"],
        from_bonus=row["from_bonus"],
        status=row["status"],
        charged=row["charged"],
        caps_used=row["caps_used"],
        bonus_used=row["bonus_used"],
        cycle_no=row["cycle_no"],
        created_at=from_db_time(row["created_at"]),
        closed_at=None if row["closed_at"] is None else from_db_time(row["closed_at"]),
    )


class CreditHoldRepository:
    async def get(self, conn: Reader, job_id: str) -> CreditHold | None:
        row = await conn.fetch_one(f"SELECT {_COLUMNS} FROM credit_hold WHERE job_id = ?", (job_id,))
        return None if row is None else _from_row(row)

    async def list_open(self, conn: Reader, guild_id: int | None = None) -> list[CreditHold]:
        if guild_id is None:
            rows = await conn.fetch_all(
                f"SELECT {_COLUMNS} FROM credit_hold WHERE status = 'held' ORDER BY created_at, job_id"
            )
        else:
            rows = await conn.fetch_all(
                f"SELECT {_COLUMNS} FROM credit_hold WHERE status = 'held' AND guild_id = ? "
                "ORDER BY created_at, job_id",
                (guild_id,),
            )
        return [_from_row(row) for row in rows]

    async def count_open(self, conn: Reader, guild_id: int, member_id: int) -> int:
        value = await conn.fetch_value(
            "SELECT COUNT(*) FROM credit_hold WHERE guild_id = ? AND member_id = ? AND status = 'held'",
            (guild_id, member_id),
        )
        return int(value or 0)

    async def caps_used_since(self, conn: Reader, guild_id: int, member_id: int, since: datetime) -> int:
        value = await conn.fetch_value(
            "SELECT SUM(caps_used) FROM credit_hold WHERE guild_id = ? AND member_id = ? AND created_at >= ?",
            (guild_id, member_id, to_db_time(since)),
        )
        return int(value or 0)

    async def caps_used_in_cycle(self, conn: Reader, guild_id: int, member_id: int, cycle_no: int) -> int:
        value = await conn.fetch_value(
            "SELECT SUM(caps_used) FROM credit_hold WHERE guild_id = ? AND member_id = ? AND cycle_no = ?",
            (guild_id, member_id, cycle_no),
        )
        return int(value or 0)

    async def totals(self, conn: Reader, guild_id: int) -> tuple[int, int]:
        """(credits still held, bonus held or spent) over the guild's holds."""
        row = await conn.fetch_one(
            "SELECT COALESCE(SUM(CASE WHEN status = 'held' THEN amount ELSE 0 END), 0), "
            "COALESCE(SUM(bonus_used), 0) FROM credit_hold WHERE guild_id = ?",
            (guild_id,),
        )
        assert row is not None
        return int(row[0]), int(row[1])

    async def insert(self, tx: Transaction, hold: CreditHold) -> None:
        await tx.execute(
            f"INSERT INTO credit_hold ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                hold.job_id,
                hold.guild_id,
                hold.member_id,
                hold.model,
                hold.amount,
                hold.from_caps,
                hold.from_bonus,
                hold.status,
                hold.charged,
                hold.caps_used,
                hold.bonus_used,
                hold.cycle_no,
                to_db_time(hold.created_at),
                None if hold.closed_at is None else to_db_time(hold.closed_at),
            ),
        )

    async def close(
        self,
        tx: Transaction,
        job_id: str,
        *,
        status: HoldStatus,
        charged: int,
        caps_used: int,
        bonus_used: int,
        now: datetime,
    ) -> bool:
        """Mark an open hold settled or released; False when it was not open any more."""
        changed = await tx.execute(
            "UPDATE credit_hold SET status = ?, charged = ?, caps_used = ?, bonus_used = ?, closed_at = ? "
            "WHERE job_id = ? AND status = 'held'",
            (status, charged, caps_used, bonus_used, to_db_time(now), job_id),
        )
        return changed == 1

    async def shrink(self, tx: Transaction, job_id: str, by: int) -> bool:
        """Lower an open hold's amount (a pool drawn down); False unless more than ``by`` was held."""
        changed = await tx.execute(
            "UPDATE credit_hold SET amount = amount - ?, from_caps = from_caps - ? "
            "WHERE job_id = ? AND status = 'held' AND from_bonus = 0 AND caps_used = 0 AND amount > ?",
            (by, by, job_id, by),
        )
        return changed == 1
