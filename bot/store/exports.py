"""Read-only pages of a server's jobs and ledger rows for /moderation export, oldest first.

Each page is found by keyset (the last row's sort key), never by OFFSET, so page 1,000 costs what
page 1 does, and rows come back as plain tuples of the exported columns: no request or result JSON
is loaded beyond the prompt.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.store.connections import Reader
from bot.store.timestamps import to_db_time

JOB_COLUMNS = ("job_id", "created_at", "member_id", "channel_id", "command", "model", "category", "status",
               "outcome", "held", "credits_used", "prompt", "error_code", "source_job_id", "action",
               "cancelled_by", "deleted_by", "finished_at", "result_message_id")
LEDGER_COLUMNS = ("entry_id", "created_at", "kind", "member_id", "job_id", "amount", "model", "cycle_no", "actor",
                  "reason")

Row = tuple[Any, ...]


class ExportRepository:
    async def jobs_page(
        self, conn: Reader, guild_id: int, *, since: datetime, until: datetime, after: tuple[str, int] | None,
        limit: int,
    ) -> list[tuple[Row, tuple[str, int]]]:
        """Rows in JOB_COLUMNS order with each row's cursor ``(created_at, rowid)``; by jobs_by_guild_time."""
        cursor = after or ("", 0)
        rows = await conn.fetch_all(
            "SELECT id, created_at, member_id, channel_id, command, model, category, status, outcome, held, "
            f"credits_used, {conn.json_text('request_json', 'prompt')}, error_code, source_job_id, action, "
            "cancelled_by, deleted_by, finished_at, result_message_id, rowid "
            "FROM jobs INDEXED BY jobs_by_guild_time "
            "WHERE guild_id = ? AND created_at >= ? AND created_at < ? AND (created_at, rowid) > (?, ?) "
            "ORDER BY created_at, rowid LIMIT ?",
            (guild_id, to_db_time(since), to_db_time(until), cursor[0], cursor[1], limit),
        )
        return [(tuple(row)[:-1], (str(row[1]), int(row[-1]))) for row in rows]


    async def ledger_page(
        self, conn: Reader, guild_id: int, *, since: datetime, until: datetime, after: int, limit: int,
    ) -> list[Row]:
        """Rows in LEDGER_COLUMNS order, by id (credit_ledger_guild); ``after`` is the last id seen."""
        rows = await conn.fetch_all(
            "SELECT id, created_at, kind, member_id, job_id, amount, model, cycle_no, actor, reason "
            "FROM credit_ledger WHERE guild_id = ? AND id > ? AND created_at >= ? AND created_at < ? "
            "ORDER BY id LIMIT ?",
            (guild_id, after, to_db_time(since), to_db_time(until), limit),
        )
        return [tuple(row) for row in rows]
