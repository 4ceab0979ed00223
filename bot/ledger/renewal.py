"""A guild's credit row made current: created with the defaults on first use, renewed lazily.

Renewal, when the cycle has turned: the allowance left over is written off
(``adjust``), the new allowance granted (``grant``), both as ledger rows, before
anything else happens. Members' bonus is not written off. Skipped cycles (a
guild idle for longer than a cycle) are not granted retroactively.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime

from bot.ledger.cycles import CycleKind, cycle_bounds, day_start
from bot.ledger.models import LedgerDefaults
from bot.store.connections import Transaction
from bot.store.guild_credits import GuildCredit, GuildCreditRepository
from bot.store.ledger_entries import LedgerEntryRepository

log = logging.getLogger(__name__)

SYSTEM = "system"

_guilds = GuildCreditRepository()
_entries = LedgerEntryRepository()


async def current_guild(
    tx: Transaction, guild_id: int, now: datetime, defaults: LedgerDefaults
) -> GuildCredit:
    """The guild's row, created or renewed as ``now`` requires, and locked for the rest of ``tx``.

    The lock (``FOR UPDATE`` on PostgreSQL; SQLite's writer is exclusive anyway) is what keeps
    the ledger's invariants across processes: every change to a server's credits starts here,
    so two holds of one server never both read the same ``available``."""
    guild = await _guilds.get(tx, guild_id, lock=True)
    if guild is None:
        created = await _create(tx, guild_id, now, defaults)
        if created is not None:
            return created
        guild = await _guilds.get(tx, guild_id, lock=True)  # another process created it meanwhile
        assert guild is not None
    if now >= guild.cycle_end:
        return await _renew(tx, guild, now)
    return guild


async def _create(tx: Transaction, guild_id: int, now: datetime, defaults: LedgerDefaults) -> GuildCredit | None:
    kind = defaults.cycle_kind
    anchor = day_start(now)
    start, end = cycle_bounds(kind, now, anchor)
    guild = GuildCredit(
        guild_id=guild_id,
        allowance=defaults.guild_allowance,
        cycle_kind=kind.value,
        cycle_anchor=anchor,
        cycle_no=1,
        cycle_start=start,
        cycle_end=end,
        available=defaults.guild_allowance,
        held=0,
        spent=0,
        bonus_pool=0,
        created_at=now,
        updated_at=now,
    )
    if not await _guilds.insert(tx, guild):
        return None
    if guild.allowance:
        await _entries.append(
            tx, guild_id=guild_id, kind="grant", amount=guild.allowance, cycle_no=1, actor=SYSTEM,
            reason=f"first {kind.value} allowance, cycle ends {end:%Y-%m-%d %H:%M} UTC", now=now,
        )
    log.info("guild %d: credits start with %d per %s cycle", guild_id, guild.allowance, kind.value)
    return guild


async def _renew(tx: Transaction, guild: GuildCredit, now: datetime) -> GuildCredit:
    kind = CycleKind(guild.cycle_kind)
    start, end = cycle_bounds(kind, now, guild.cycle_anchor)
    cycle_no = guild.cycle_no + 1
    leftover = guild.allowance_left
    if leftover:
        await _entries.append(
            tx, guild_id=guild.guild_id, kind="adjust", amount=-leftover, cycle_no=cycle_no, actor=SYSTEM,
            reason=f"cycle ended {guild.cycle_end:%Y-%m-%d %H:%M} UTC: unused allowance written off",
            now=now,
        )
    if guild.allowance:
        await _entries.append(
            tx, guild_id=guild.guild_id, kind="grant", amount=guild.allowance, cycle_no=cycle_no,
            actor=SYSTEM, reason=f"{kind.value} allowance, cycle ends {end:%Y-%m-%d %H:%M} UTC", now=now,
        )
    renewed = dataclasses.replace(
        guild,
        cycle_no=cycle_no,
        cycle_start=start,
        cycle_end=end,
        available=guild.available - leftover + guild.allowance,
        updated_at=now,
    )
    await _guilds.update(tx, renewed)
    log.info(
        "guild %d: cycle %d began (%s to %s), %d written off, %d granted",
        guild.guild_id, cycle_no, start.isoformat(), end.isoformat(), leftover, guild.allowance,
    )
    return renewed
