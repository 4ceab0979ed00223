"""Repository for ``credit_guild``: each guild's allowance, cycle and balances."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.store.connections import Reader, Row, Transaction
from bot.store.timestamps import from_db_time, to_db_time

_COLUMNS = (
    "guild_id, allowance, cycle_kind, cycle_anchor, cycle_no, cycle_start, cycle_end, "
    "available, held, spent, bonus_pool, created_at, updated_at"
)


@dataclass(frozen=True, slots=True)
class GuildCredit:
    guild_id: int
    allowance: int
    cycle_kind: str
    cycle_anchor: datetime
    cycle_no: int
    cycle_start: datetime
    cycle_end: datetime
    available: int  # allowance left + bonus_pool
    held: int
    spent: int  # all time
    bonus_pool: int  # members' bonus not held
    created_at: datetime
    updated_at: datetime

    @property
    def allowance_left(self) -> int:
        """What is left of this cycle's allowance (the pool less members' bonus)."""
        return self.available - self.bonus_pool


def _from_row(row: Row) -> GuildCredit:
    return GuildCredit(
        guild_id=row["guild_id"],
        allowance=row["allowance"],
        cycle_kind=row["cycle_kind"],
        cycle_anchor=from_db_time(row["cycle_anchor"]),
        cycle_no=row["cycle_no"],
        cycle_start=from_db_time(row["cycle_start"]),
        cycle_end=from_db_time(row["cycle_end"]),
        available=row["available"],
        held=row["held"],
        spent=row["spent"],
        bonus_pool=row["bonus_pool"],
        created_at=from_db_time(row["created_at"]),
        updated_at=from_db_time(row["updated_at"]),
    )


def _values(guild: GuildCredit) -> tuple[object, ...]:
    return (
        guild.allowance,
        guild.cycle_kind,
        to_db_time(guild.cycle_anchor),
        guild.cycle_no,
        to_db_time(guild.cycle_start),
        to_db_time(guild.cycle_end),
        guild.available,
        guild.held,
        guild.spent,
        guild.bonus_pool,
        to_db_time(guild.created_at),
        to_db_time(guild.updated_at),
        guild.guild_id,
    )


class GuildCreditRepository:
    """Reads take any connection; writes take the caller's transaction."""

    async def get(self, conn: Reader, guild_id: int, *, lock: bool = False) -> GuildCredit | None:
        """``lock``: inside a write transaction on PostgreSQL, lock the row (``FOR UPDATE``) until
        the transaction ends; every change to a server's credits starts so (``current_guild``)."""
        suffix = conn.for_update() if lock else ""
        row = await conn.fetch_one(f"SELECT {_COLUMNS} FROM credit_guild WHERE guild_id = ?{suffix}", (guild_id,))
        return None if row is None else _from_row(row)

    async def list_all(self, conn: Reader) -> list[GuildCredit]:
        rows = await conn.fetch_all(f"SELECT {_COLUMNS} FROM credit_guild ORDER BY guild_id")
        return [_from_row(row) for row in rows]

    async def ids_with_cycle_ended(self, conn: Reader, now: datetime) -> list[int]:
        rows = await conn.fetch_all(
            "SELECT guild_id FROM credit_guild WHERE cycle_end <= ? ORDER BY guild_id", (to_db_time(now),)
        )
        return [row[0] for row in rows]

    async def insert(self, tx: Transaction, guild: GuildCredit) -> bool:
        """False when the row exists already (another process created it a moment ago)."""
        return await tx.execute(
            "INSERT INTO credit_guild (allowance, cycle_kind, cycle_anchor, cycle_no, cycle_start, "
            "cycle_end, available, held, spent, bonus_pool, created_at, updated_at, guild_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (guild_id) DO NOTHING",
            _values(guild),
        ) == 1

    async def update(self, tx: Transaction, guild: GuildCredit) -> None:
        changed = await tx.execute(
            "UPDATE credit_guild SET allowance = ?, cycle_kind = ?, cycle_anchor = ?, cycle_no = ?, "
            "cycle_start = ?, cycle_end = ?, available = ?, held = ?, spent = ?, bonus_pool = ?, "
            "created_at = ?, updated_at = ? WHERE guild_id = ?",
            _values(guild),
        )
        if changed != 1:
            raise LookupError(f"credit_guild row for guild {guild.guild_id} is missing")
