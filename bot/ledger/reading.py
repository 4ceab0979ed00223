"""The ledger's read side: a member's and a guild's standing, history, usage, holds, the audit."""

from __future__ import annotations

from collections.abc import Iterable

from bot.ledger import checks, reports
from bot.ledger.base import LedgerBase
from bot.ledger.errors import InvalidInputError
from bot.ledger.models import AuditReport, GuildStatus, GuildSummary, MemberStatus, UsageReport
from bot.ledger.renewal import current_guild
from bot.store.credit_holds import CreditHold
from bot.store.ledger_entries import LedgerEntry


class LedgerReads(LedgerBase):
    async def get_hold(self, job_id: str) -> CreditHold | None:
        async with self._db.read() as conn:
            return await self._holds.get(conn, job_id)

    async def open_holds(self, guild_id: int | None = None) -> list[CreditHold]:
        """Holds not yet settled or released (to reconcile after a restart)."""
        async with self._db.read() as conn:
            return await self._holds.list_open(conn, guild_id)

    async def member_status(
        self, guild_id: int, member_id: int, role_ids: Iterable[int] = ()
    ) -> MemberStatus:
        checks.snowflake("guild_id", guild_id)
        checks.snowflake("member_id", member_id)
        roles = checks.snowflakes("role_ids", role_ids)
        async with self._current(guild_id) as (conn, guild, now):
            return await reports.member_status(conn, guild, member_id, roles, now, self.defaults.caps)

    async def guild_status(self, guild_id: int) -> GuildStatus:
        checks.snowflake("guild_id", guild_id)
        async with self._current(guild_id) as (conn, guild, _now):
            return await reports.guild_status(conn, guild, self.defaults.caps)

    async def history(
        self, guild_id: int, limit: int = 20, offset: int = 0, member_id: int | None = None
    ) -> list[LedgerEntry]:
        """Ledger rows, newest first; only one member's when ``member_id`` is given."""
        checks.snowflake("guild_id", guild_id)
        if not 1 <= checks.count("limit", limit) <= 1000:
            raise InvalidInputError("limit", limit, "must be from 1 to 1000")
        checks.count("offset", offset)
        if member_id is not None:
            checks.snowflake("member_id", member_id)
        async with self._current(guild_id) as (conn, _guild, _now):
            return await self._entries.page(conn, guild_id, limit=limit, offset=offset, member_id=member_id)

    async def usage(self, guild_id: int, top: int = 10) -> UsageReport:
        """This cycle's spend: the top spenders and spend per model."""
        checks.snowflake("guild_id", guild_id)
        checks.positive_amount("top", top)
        async with self._current(guild_id) as (conn, guild, _now):
            return await reports.usage(conn, guild, top)

    async def list_guilds(self) -> list[GuildSummary]:
        """Every guild's allowance and spend, for the operator (cycles renewed first)."""
        now = self._now()
        async with self._db.read() as conn:
            stale = await self._guilds.ids_with_cycle_ended(conn, now)
        if stale:
            async with self._db.transaction() as tx:
                for guild_id in stale:
                    await current_guild(tx, guild_id, now, self.defaults)
        async with self._db.read() as conn:
            return await reports.guild_summaries(conn)

    async def audit(self, guild_id: int) -> AuditReport:
        """Check conservation from the ledger rows alone against the stored balances."""
        async with self._db.read() as conn:
            return await reports.audit(conn, guild_id)

    async def audit_all(self) -> list[AuditReport]:
        async with self._db.read() as conn:
            return [await reports.audit(conn, guild.guild_id) for guild in await self._guilds.list_all(conn)]

    async def entries_for_job(self, job_id: str) -> list[LedgerEntry]:
        """Every ledger row written for one job (hold, settle, release, write-off), oldest first."""
        async with self._db.read() as conn:
            return await self._entries.for_job(conn, job_id)
