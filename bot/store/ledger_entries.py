"""Repository for ``credit_ledger``: the append-only record of every credit movement.

Signs: ``adjust`` may be negative, every other kind is 0 or more, so that
``available = grant + adjust + bonus - hold + release``, ``held = hold - settle - release``
and ``spent = settle``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, TypeAlias

from bot.store.connections import Reader, Row, Transaction
from bot.store.timestamps import from_db_time, to_db_time

EntryKind: TypeAlias = Literal["grant", "hold", "settle", "release", "adjust", "bonus"]
ENTRY_KINDS: tuple[EntryKind, ...] = ("grant", "hold", "settle", "release", "adjust", "bonus")

_COLUMNS = "id, guild_id, member_id, job_id, kind, amount, model, cycle_no, actor, reason, created_at"


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    id: int
    guild_id: int
    member_id: int | None
    job_id: str | None
    kind: EntryKind
    amount: int
    model: str | None
    cycle_no: int
    actor: str  # a user id, or "system"
    reason: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class SpendRow:
    key: int | str | None  # member id or model slug
    spent: int
    jobs: int


def _from_row(row: Row) -> LedgerEntry:
    return LedgerEntry(
        id=row["id"],
        guild_id=row["guild_id"],
        member_id=row["member_id"],
        job_id=row["job_id"],
        kind=row["kind"],
        amount=row["amount"],
        model=row["model"],
        cycle_no=row["cycle_no"],
        actor=row["actor"],
        reason=row["reason"],
        created_at=from_db_time(row["created_at"]),
    )


class LedgerEntryRepository:
    async def append(
        self,
        tx: Transaction,
        *,
        guild_id: int,
        kind: EntryKind,
        amount: int,
        cycle_no: int,
        actor: str,
        reason: str,
        now: datetime,
        member_id: int | None = None,
        job_id: str | None = None,
        model: str | None = None,
    ) -> int:
        return await tx.insert(
            "INSERT INTO credit_ledger (guild_id, member_id, job_id, kind, amount, model, cycle_no, actor, "
            "reason, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (guild_id, member_id, job_id, kind, amount, model, cycle_no, actor, reason, to_db_time(now)),
        )

    async def page(
        self, conn: Reader, guild_id: int, *, limit: int, offset: int, member_id: int | None = None
    ) -> list[LedgerEntry]:
        """Newest first."""
        if member_id is None:
            rows = await conn.fetch_all(
                f"SELECT {_COLUMNS} FROM credit_ledger WHERE guild_id = ? ORDER BY id DESC LIMIT ? OFFSET ?",
                (guild_id, limit, offset),
            )
        else:
            rows = await conn.fetch_all(
                f"SELECT {_COLUMNS} FROM credit_ledger WHERE guild_id = ? AND member_id = ? "
                "ORDER BY id DESC LIMIT ? OFFSET ?",
                (guild_id, member_id, limit, offset),
            )
        return [_from_row(row) for row in rows]

    async def for_job(self, conn: Reader, job_id: str) -> list[LedgerEntry]:
        rows = await conn.fetch_all(
            f"SELECT {_COLUMNS} FROM credit_ledger WHERE job_id = ? ORDER BY id", (job_id,)
        )
        return [_from_row(row) for row in rows]

    async def totals_by_kind(self, conn: Reader, guild_id: int) -> dict[EntryKind, int]:
        rows = await conn.fetch_all(
            "SELECT kind, SUM(amount) FROM credit_ledger WHERE guild_id = ? GROUP BY kind", (guild_id,)
        )
        totals: dict[EntryKind, int] = dict.fromkeys(ENTRY_KINDS, 0)
        for row in rows:
            totals[row[0]] = int(row[1])
        return totals

    async def spent_in_cycle(self, conn: Reader, guild_id: int, cycle_no: int) -> int:
        value = await conn.fetch_value(
            "SELECT SUM(amount) FROM credit_ledger WHERE guild_id = ? AND cycle_no = ? AND kind = 'settle'",
            (guild_id, cycle_no),
        )
        return int(value or 0)

    async def spend_by_member(
        self, conn: Reader, guild_id: int, cycle_no: int, *, limit: int
    ) -> list[SpendRow]:
        return await self._spend_by(conn, "member_id", guild_id, cycle_no, limit)

    async def spend_by_model(
        self, conn: Reader, guild_id: int, cycle_no: int, *, limit: int
    ) -> list[SpendRow]:
        return await self._spend_by(conn, "model", guild_id, cycle_no, limit)

    async def _spend_by(
        self, conn: Reader, column: Literal["member_id", "model"], guild_id: int, cycle_no: int, limit: int
    ) -> list[SpendRow]:
        rows = await conn.fetch_all(
            f"SELECT {column}, SUM(amount) AS spent, COUNT(*) AS jobs FROM credit_ledger "
            f"WHERE guild_id = ? AND cycle_no = ? AND kind = 'settle' GROUP BY {column} "
            f"ORDER BY spent DESC, {column} LIMIT ?",
            (guild_id, cycle_no, limit),
        )
        return [SpendRow(row[0], int(row[1]), int(row[2])) for row in rows]
