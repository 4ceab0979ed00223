"""What every part of the ledger shares: storage, the clock, the defaults, and reading a guild's
current row (renewing its cycle first when it has ended)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from bot.clock import Clock
from bot.ledger.models import LedgerDefaults
from bot.ledger.renewal import current_guild
from bot.store.connections import Reader
from bot.store.credit_holds import CreditHoldRepository
from bot.store.credit_limits import CreditLimitRepository
from bot.store.database import Database
from bot.store.guild_credits import GuildCredit, GuildCreditRepository
from bot.store.ledger_entries import LedgerEntryRepository
from bot.store.member_credits import MemberCreditRepository


class LedgerBase:
    def __init__(self, db: Database, clock: Clock, defaults: LedgerDefaults | None = None) -> None:
        self._db = db
        self._clock = clock
        self.defaults = defaults or LedgerDefaults()
        self._guilds = GuildCreditRepository()
        self._holds = CreditHoldRepository()
        self._limits = CreditLimitRepository()
        self._entries = LedgerEntryRepository()
        self._members = MemberCreditRepository()

    def _now(self) -> datetime:
        now = self._clock()
        if now.tzinfo is None:
            raise ValueError(f"the clock returned a naive datetime {now!r}; it must be aware UTC")
        return now.astimezone(UTC)

    @asynccontextmanager
    async def _current(self, guild_id: int) -> AsyncIterator[tuple[Reader, GuildCredit, datetime]]:
        """A read handle and the guild's current row: a reader when nothing needs writing,
        else a write transaction that first creates or renews the guild."""
        now = self._now()
        async with self._db.read() as reader:
            guild = await self._guilds.get(reader, guild_id)
            if guild is not None and now < guild.cycle_end:
                yield reader, guild, now
                return
        async with self._db.transaction() as tx:
            yield tx, await current_guild(tx, guild_id, now, self.defaults), now
