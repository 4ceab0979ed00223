"""Repository for ``moderation_report``: members' reports of results, one per member per result."""

from __future__ import annotations

from datetime import datetime

from bot.store.connections import Reader, Transaction
from bot.store.timestamps import to_db_time


class ReportRepository:
    async def add(self, conn: Transaction, *, guild_id: int, job_id: str, reporter_id: int, author_id: int,
                  at: datetime) -> bool:
        """True when stored; False when this member had already reported this result."""
        added = await conn.execute(
            "INSERT INTO moderation_report (guild_id, job_id, reporter_id, author_id, created_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (job_id, reporter_id) DO NOTHING",
            (guild_id, job_id, reporter_id, author_id, to_db_time(at)),
        )
        return added == 1

    async def count_for(self, conn: Reader, job_id: str) -> int:
        """How many members reported this result."""
        return int(await conn.fetch_value("SELECT COUNT(*) FROM moderation_report WHERE job_id = ?", (job_id,)))
