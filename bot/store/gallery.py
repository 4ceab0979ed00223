"""Repository for a member's gallery: their posted results, filtered in SQL, and stored /mine queries.

Bounded reads: every query names the ``jobs_gallery`` partial index (``INDEXED BY``: SQLite refuses
the statement rather than fall back to a scan), whose rows are only delivered, completed, undeleted
jobs. The index narrows to one member in one server first; the model, category and prompt filters
are then checked on that member's results alone, so a page costs the member's own gallery at most,
never the server's or the bot's jobs. The prompt lives in ``request_json`` (the exact API body), read
with ``json_extract``; ``lower()`` on both sides makes the match case-insensitive for ASCII letters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..jobs import Job
from .connections import Reader, Transaction
from .jobs import _COLUMNS, _row_to_job  # the one row format of jobs, kept beside its repository
from .timestamps import to_db_time

_GALLERY = (
    "FROM jobs INDEXED BY jobs_gallery WHERE guild_id = ? AND member_id = ? "
    "AND status = 'delivered' AND outcome = 'completed' AND deleted_by IS NULL"
)


@dataclass(frozen=True, slots=True)
class GalleryFilters:
    """What a gallery shows; empty strings mean "any"."""

    model: str = ""
    category: str = ""
    contains: str = ""

    @property
    def any(self) -> bool:
        return bool(self.model or self.category or self.contains)


def _where(conn: Reader, guild_id: int, member_id: int, filters: GalleryFilters) -> tuple[str, list[Any]]:
    sql = _GALLERY
    args: list[Any] = [guild_id, member_id]
    if filters.model:
        sql += " AND model = ?"
        args.append(filters.model)
    if filters.category:
        sql += " AND category = ?"
        args.append(filters.category)
    if filters.contains:
        prompt = conn.json_text("request_json", "prompt")
        sql += f" AND {conn.position(f'lower({prompt})', 'lower(?)')} > 0"
        args.append(filters.contains)
    return sql, args


class GalleryRepository:
    async def page(
        self, conn: Reader, guild_id: int, member_id: int, filters: GalleryFilters, *, offset: int, limit: int
    ) -> list[Job]:
        """The member's results matching ``filters``, newest first, from ``offset``."""
        where, args = _where(conn, guild_id, member_id, filters)
        rows = await conn.fetch_all(
            f"SELECT {_COLUMNS} {where} ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?",
            [*args, limit, offset],
        )
        return [_row_to_job(row) for row in rows]

    async def count(self, conn: Reader, guild_id: int, member_id: int, filters: GalleryFilters) -> int:
        where, args = _where(conn, guild_id, member_id, filters)
        return int(await conn.fetch_value(f"SELECT COUNT(*) {where}", args) or 0)

    async def models(self, conn: Reader, guild_id: int, member_id: int, *, limit: int) -> list[tuple[str, str]]:
        """(model, category) the member's results were made with, most used first."""
        rows = await conn.fetch_all(
            f"SELECT model, category {_GALLERY} GROUP BY model, category ORDER BY COUNT(*) DESC, model LIMIT ?",
            (guild_id, member_id, limit),
        )
        return [(str(model), str(category)) for model, category in rows]

    async def recent_models(self, conn: Reader, guild_id: int, member_id: int, *, jobs: int) -> list[str]:
        """The models of the member's latest ``jobs`` jobs (any outcome), most used first: their usual
        models (``jobs_by_member``, newest first, stops after ``jobs`` rows)."""
        rows = await conn.fetch_all(
            "SELECT model FROM (SELECT model FROM jobs WHERE guild_id = ? AND member_id = ? "
            "ORDER BY created_at DESC LIMIT ?) GROUP BY model ORDER BY COUNT(*) DESC, model",
            (guild_id, member_id, jobs),
        )
        return [str(row[0]) for row in rows]

    # -- stored queries ----------------------------------------------------------------

    async def save_query(
        self, conn: Transaction, guild_id: int, member_id: int, filters: GalleryFilters, at: datetime
    ) -> int:
        """The id of this member's query with these filters: the existing row, or a new one."""
        await conn.execute(
            "INSERT INTO workspace_query (guild_id, member_id, model, category, contains, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (guild_id, member_id, model, category, contains) DO NOTHING",
            (guild_id, member_id, filters.model, filters.category, filters.contains, to_db_time(at)),
        )
        value = await conn.fetch_value(
            "SELECT id FROM workspace_query WHERE guild_id = ? AND member_id = ? AND model = ? AND category = ? "
            "AND contains = ?",
            (guild_id, member_id, filters.model, filters.category, filters.contains),
        )
        return int(value)

    async def query(self, conn: Reader, query_id: int, guild_id: int, member_id: int) -> GalleryFilters | None:
        """A stored query's filters, only for the member and server it was made for."""
        row = await conn.fetch_one(
            "SELECT model, category, contains FROM workspace_query WHERE id = ? AND guild_id = ? AND member_id = ?",
            (query_id, guild_id, member_id),
        )
        return GalleryFilters(str(row[0]), str(row[1]), str(row[2])) if row else None
