"""A server's log channel for moderation events: stored in ``audit_log_channel``, read through a
small cache (every job start asks), so a change applies at once and a read costs no query."""

from __future__ import annotations

from ..clock import Clock
from ..store.audit import AuditRepository
from ..store.database import Database


class LogChannels:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self._repo = AuditRepository()
        self._cache: dict[int, int | None] = {}

    async def get(self, guild_id: int) -> int | None:
        """The server's log channel id, or None when it has none."""
        if guild_id not in self._cache:
            async with self.db.read() as conn:
                self._cache[guild_id] = await self._repo.log_channel(conn, guild_id)
        return self._cache[guild_id]

    async def set(self, guild_id: int, channel_id: int | None, *, by: int) -> None:
        """Set the log channel, or with None stop posting (events are still kept)."""
        async with self.db.transaction() as tx:
            if channel_id is None:
                await self._repo.clear_log_channel(tx, guild_id)
            else:
                await self._repo.set_log_channel(tx, guild_id, channel_id, by=by, at=self.clock())
        self._cache[guild_id] = channel_id
