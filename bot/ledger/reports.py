"""Read-side views of the credit tables: statuses, usage, the operator's list, the audit."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from bot.ledger.caps import all_scoped_caps, guild_default_caps
from bot.ledger.cycles import CycleKind
from bot.ledger.models import (
    AuditReport,
    Caps,
    GuildStatus,
    GuildSummary,
    MemberSpend,
    MemberStatus,
    ModelSpend,
    UsageReport,
)
from bot.ledger.quota import load_member_quota
from bot.store.connections import Reader
from bot.store.credit_holds import CreditHoldRepository
from bot.store.credit_limits import CreditLimitRepository
from bot.store.guild_credits import GuildCredit, GuildCreditRepository
from bot.store.ledger_entries import LedgerEntryRepository
from bot.store.member_credits import MemberCreditRepository

_guilds = GuildCreditRepository()
_holds = CreditHoldRepository()
_limits = CreditLimitRepository()
_entries = LedgerEntryRepository()
_members = MemberCreditRepository()


async def member_status(
    conn: Reader, guild: GuildCredit, member_id: int, role_ids: Collection[int], now: datetime, fallback: Caps
) -> MemberStatus:
    quota = await load_member_quota(conn, guild, member_id, role_ids, now, fallback)
    return MemberStatus(
        guild_id=guild.guild_id,
        member_id=member_id,
        caps=quota.caps,
        day_used=quota.day_used,
        cycle_used=quota.cycle_used,
        remaining_today=quota.remaining_today,
        remaining_cycle=quota.remaining_cycle,
        bonus=quota.bonus,
        in_flight=quota.in_flight,
        max_in_flight=quota.caps.max_in_flight,
        guild_remaining=guild.allowance_left,
        spendable=quota.spendable,
        day_renews_at=quota.day_renews_at,
        cycle_renews_at=quota.cycle_renews_at,
    )


async def guild_status(conn: Reader, guild: GuildCredit, fallback: Caps) -> GuildStatus:
    settings = await _limits.for_guild(conn, guild.guild_id)
    return GuildStatus(
        guild_id=guild.guild_id,
        allowance=guild.allowance,
        cycle_kind=CycleKind(guild.cycle_kind),
        cycle_start=guild.cycle_start,
        cycle_end=guild.cycle_end,
        available=guild.available,
        allowance_remaining=guild.allowance_left,
        bonus_pool=guild.bonus_pool,
        held=guild.held,
        spent_this_cycle=await _entries.spent_in_cycle(conn, guild.guild_id, guild.cycle_no),
        spent_total=guild.spent,
        default_caps=guild_default_caps(settings, fallback),
        role_caps=all_scoped_caps(settings, "role"),
        member_caps=all_scoped_caps(settings, "member"),
    )


async def usage(conn: Reader, guild: GuildCredit, top: int) -> UsageReport:
    members = await _entries.spend_by_member(conn, guild.guild_id, guild.cycle_no, limit=top)
    models = await _entries.spend_by_model(conn, guild.guild_id, guild.cycle_no, limit=top)
    return UsageReport(
        guild_id=guild.guild_id,
        cycle_start=guild.cycle_start,
        cycle_end=guild.cycle_end,
        spent=await _entries.spent_in_cycle(conn, guild.guild_id, guild.cycle_no),
        held=guild.held,
        top_members=tuple(MemberSpend(int(row.key or 0), row.spent, row.jobs) for row in members),
        by_model=tuple(
            ModelSpend(None if row.key is None else str(row.key), row.spent, row.jobs) for row in models
        ),
    )


async def guild_summaries(conn: Reader) -> list[GuildSummary]:
    return [
        GuildSummary(
            guild_id=guild.guild_id,
            allowance=guild.allowance,
            cycle_kind=CycleKind(guild.cycle_kind),
            cycle_end=guild.cycle_end,
            available=guild.available,
            held=guild.held,
            spent_this_cycle=await _entries.spent_in_cycle(conn, guild.guild_id, guild.cycle_no),
            spent_total=guild.spent,
        )
        for guild in await _guilds.list_all(conn)
    ]


async def audit(conn: Reader, guild_id: int) -> AuditReport:
    """Rebuild the guild's balances from its ledger rows and compare with what is stored."""
    totals = await _entries.totals_by_kind(conn, guild_id)
    guild = await _guilds.get(conn, guild_id)
    available = held = spent = bonus_pool = 0
    problems: list[str] = []
    if guild is not None:
        available, held, spent, bonus_pool = guild.available, guild.held, guild.spent, guild.bonus_pool
    elif any(totals.values()):
        problems.append("ledger rows exist for a guild with no credit row")

    def expect(what: str, stored: int, rebuilt: int) -> None:
        if stored != rebuilt:
            problems.append(f"{what}: stored {stored}, ledger says {rebuilt}")

    inflow = totals["grant"] + totals["adjust"] + totals["bonus"]
    expect("available", available, inflow - totals["hold"] + totals["release"])
    expect("held", held, totals["hold"] - totals["settle"] - totals["release"])
    expect("spent", spent, totals["settle"])
    expect("granted + adjusted + bonuses vs available + held + spent", available + held + spent, inflow)
    open_amount, bonus_consumed = await _holds.totals(conn, guild_id)
    expect("held vs open holds", held, open_amount)
    expect("bonus pool vs members' bonus", bonus_pool, await _members.total_bonus(conn, guild_id))
    expect("bonus rows vs bonus unheld + held + spent", totals["bonus"], bonus_pool + bonus_consumed)
    for name, value in (("available", available), ("held", held), ("spent", spent), ("bonus", bonus_pool)):
        if value < 0:
            problems.append(f"{name} is negative: {value}")
    if bonus_pool > available:
        problems.append(f"bonus pool {bonus_pool} exceeds available {available}")
    return AuditReport(
        guild_id=guild_id,
        granted=totals["grant"],
        adjusted=totals["adjust"],
        bonuses=totals["bonus"],
        held_rows=totals["hold"],
        settled_rows=totals["settle"],
        released_rows=totals["release"],
        available=available,
        held=held,
        spent=spent,
        problems=tuple(problems),
    )
