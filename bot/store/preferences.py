"""Repository for workspace_preference: members' generation preferences and the server's defaults."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .connections import Reader, Transaction
from .timestamps import from_db_time, to_db_time

SERVER = 0
"""The member id under which a server's defaults are kept."""


@dataclass(frozen=True, slots=True)
class StoredPreference:
    member_id: int  # SERVER for a server default
    name: str
    value: str
    updated_by: int
    updated_at: datetime


class PreferenceRepository:
    async def of(self, conn: Reader, guild_id: int, member_id: int) -> list[StoredPreference]:
        """The member's preferences and the server's defaults (member_id SERVER), by name."""
        rows = await conn.fetch_all(
            "SELECT member_id, name, value, updated_by, updated_at FROM workspace_preference "
            "WHERE guild_id = ? AND member_id IN (?, ?) ORDER BY member_id, name",
            (guild_id, member_id, SERVER),
        )
        return [StoredPreference(int(m), str(n), str(v), int(by), from_db_time(at)) for m, n, v, by, at in rows]

    async def put(
        self, conn: Transaction, guild_id: int, member_id: int, name: str, value: str, *, by: int, at: datetime
    ) -> None:
        await conn.execute(
            "INSERT INTO workspace_preference (guild_id, member_id, name, value, updated_by, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (guild_id, member_id, name) DO UPDATE SET "
            "value = excluded.value, updated_by = excluded.updated_by, updated_at = excluded.updated_at",
            (guild_id, member_id, name, value, by, to_db_time(at)),
        )

    async def delete(self, conn: Transaction, guild_id: int, member_id: int, name: str) -> bool:
        changed = await conn.execute(
            "DELETE FROM workspace_preference WHERE guild_id = ? AND member_id = ? AND name = ?",
            (guild_id, member_id, name),
        )
        return changed == 1

    async def clear(self, conn: Transaction, guild_id: int, member_id: int) -> int:
        return await conn.execute(
            "DELETE FROM workspace_preference WHERE guild_id = ? AND member_id = ?", (guild_id, member_id)
        )
