"""Repository for ``credit_limit``: caps set at a guild's default, role or member scope.

A row exists only for a limit set explicitly; ``value`` None means unlimited.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, TypeAlias

from bot.store.connections import Reader, Row, Transaction
from bot.store.timestamps import from_db_time, to_db_time

LimitScope: TypeAlias = Literal["default", "role", "member"]
LimitName: TypeAlias = Literal["day", "cycle", "in_flight"]
"""A cap a server can set. (The limit that refused a hold is ``bot.ledger.errors.RefusingLimit``.)"""

_COLUMNS = "guild_id, scope, target_id, name, value, updated_by, updated_at"


@dataclass(frozen=True, slots=True)
class LimitSetting:
    guild_id: int
    scope: LimitScope
    target_id: int  # 0 for the guild default
    name: LimitName
    value: int | None
    updated_by: str
    updated_at: datetime


def _from_row(row: Row) -> LimitSetting:
    return LimitSetting(
        guild_id=row["guild_id"],
        scope=row["scope"],
        target_id=row["target_id"],
        name=row["name"],
        value=row["value"],
        updated_by=row["updated_by"],
        updated_at=from_db_time(row["updated_at"]),
    )


class CreditLimitRepository:
    async def for_guild(self, conn: Reader, guild_id: int) -> list[LimitSetting]:
        rows = await conn.fetch_all(
            f"SELECT {_COLUMNS} FROM credit_limit WHERE guild_id = ? ORDER BY scope, target_id, name",
            (guild_id,),
        )
        return [_from_row(row) for row in rows]

    async def for_member(
        self, conn: Reader, guild_id: int, member_id: int, role_ids: Iterable[int]
    ) -> list[LimitSetting]:
        """The guild default, the member's own and their roles' settings."""
        roles = sorted(set(role_ids))
        marks = ", ".join("?" for _ in roles)
        role_clause = f" OR (scope = 'role' AND target_id IN ({marks}))" if roles else ""
        rows = await conn.fetch_all(
            f"SELECT {_COLUMNS} FROM credit_limit WHERE guild_id = ? AND (scope = 'default' "
            f"OR (scope = 'member' AND target_id = ?){role_clause})",
            (guild_id, member_id, *roles),
        )
        return [_from_row(row) for row in rows]

    async def put(
        self,
        tx: Transaction,
        guild_id: int,
        scope: LimitScope,
        target_id: int,
        name: LimitName,
        value: int | None,
        *,
        actor: str,
        now: datetime,
    ) -> None:
        await tx.execute(
            "INSERT INTO credit_limit (guild_id, scope, target_id, name, value, updated_by, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (guild_id, scope, target_id, name) DO UPDATE SET "
            "value = excluded.value, updated_by = excluded.updated_by, updated_at = excluded.updated_at",
            (guild_id, scope, target_id, name, value, actor, to_db_time(now)),
        )

    async def remove(
        self, tx: Transaction, guild_id: int, scope: LimitScope, target_id: int, name: LimitName
    ) -> None:
        await tx.execute(
            "DELETE FROM credit_limit WHERE guild_id = ? AND scope = ? AND target_id = ? AND name = ?",
            (guild_id, scope, target_id, name),
        )
