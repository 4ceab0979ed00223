"""Repository for ``audit_event`` and ``audit_log_channel``: what happened in a server, and where
its log channel is."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.store.connections import Reader, Row, Transaction
from bot.store.timestamps import from_db_time, to_db_time

_COLUMNS = "id, guild_id, kind, actor_id, member_id, job_id, details_json, at"


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """One thing that happened in a server. ``actor_id`` did it (0: the bot); ``member_id`` is
    whose job it was or who it concerns; ``details`` is what the log embed shows."""

    kind: str
    guild_id: int
    actor_id: int
    at: datetime
    member_id: int | None = None
    job_id: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    id: int | None = None  # set once stored


def _event(row: Row) -> AuditEvent:
    return AuditEvent(
        id=row["id"], guild_id=row["guild_id"], kind=row["kind"], actor_id=row["actor_id"],
        member_id=row["member_id"], job_id=row["job_id"], details=json.loads(row["details_json"]),
        at=from_db_time(row["at"]),
    )


class AuditRepository:
    async def insert(self, conn: Transaction, event: AuditEvent) -> int:
        return await conn.insert(
            "INSERT INTO audit_event (guild_id, kind, actor_id, member_id, job_id, details_json, at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (event.guild_id, event.kind, event.actor_id, event.member_id, event.job_id,
             json.dumps(event.details, sort_keys=True, default=str), to_db_time(event.at)),
        )

    async def recent(self, conn: Reader, guild_id: int, *, limit: int = 50) -> list[AuditEvent]:
        """Newest first."""
        rows = await conn.fetch_all(
            f"SELECT {_COLUMNS} FROM audit_event WHERE guild_id = ? ORDER BY at DESC, id DESC LIMIT ?",
            (guild_id, limit),
        )
        return [_event(row) for row in rows]

    async def page(
        self, conn: Reader, guild_id: int, *, since: datetime, until: datetime, after: tuple[str, int] | None,
        limit: int,
    ) -> list[AuditEvent]:
        """Oldest first, ``since <= at < until``, after the keyset cursor ``(at as stored, id)``."""
        cursor = after or ("", 0)
        rows = await conn.fetch_all(
            f"SELECT {_COLUMNS} FROM audit_event WHERE guild_id = ? AND at >= ? AND at < ? AND (at, id) > (?, ?) "
            "ORDER BY at, id LIMIT ?",
            (guild_id, to_db_time(since), to_db_time(until), cursor[0], cursor[1], limit),
        )
        return [_event(row) for row in rows]


    # -- the log channel -------------------------------------------------------------

    async def log_channel(self, conn: Reader, guild_id: int) -> int | None:
        value = await conn.fetch_value("SELECT channel_id FROM audit_log_channel WHERE guild_id = ?", (guild_id,))
        return None if value is None else int(value)

    async def set_log_channel(self, conn: Transaction, guild_id: int, channel_id: int, *, by: int,
                              at: datetime) -> None:
        await conn.execute(
            "INSERT INTO audit_log_channel (guild_id, channel_id, set_by, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (guild_id) DO UPDATE SET channel_id = excluded.channel_id, set_by = excluded.set_by, "
            "updated_at = excluded.updated_at",
            (guild_id, channel_id, by, to_db_time(at)),
        )

    async def clear_log_channel(self, conn: Transaction, guild_id: int) -> bool:
        return await conn.execute("DELETE FROM audit_log_channel WHERE guild_id = ?", (guild_id,)) == 1
