"""What /quota shows a server's admins: the allowance, its cycle, balances, caps and usage."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import discord

from ..ledger import INHERIT, CapValue, CycleKind, GuildStatus, ScopedCaps, UsageReport
from .embeds import BRAND
from .quota import limit_text, when

FIELD_LIMIT = 1024
MAX_LINES = 15

CYCLE_WORDS: dict[CycleKind, tuple[str, str]] = {
    # kind: (what it is, "per ...")
    CycleKind.DAILY: ("daily, renewing at midnight UTC", "day"),
    CycleKind.WEEKLY: ("weekly, renewing Mondays at midnight UTC", "week"),
    CycleKind.MONTHLY: ("monthly, renewing on the 1st at midnight UTC", "month"),
    CycleKind.ROLLING_30D: ("every 30 days", "30 days"),
}


def cycle_description(kind: CycleKind) -> str:
    return CYCLE_WORDS[kind][0]


def _capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


def per_cycle(kind: CycleKind) -> str:
    return CYCLE_WORDS[kind][1]


def caps_summary(day: CapValue, cycle: CapValue, in_flight: CapValue) -> str:
    return (
        f"per day **{limit_text(day)}** · per cycle **{limit_text(cycle)}** · "
        f"jobs at once **{limit_text(in_flight)}**"
    )


def scoped_caps_line(caps: ScopedCaps) -> str:
    if caps.scope == "member":
        who = f"<@{caps.target_id}>"
    elif caps.scope == "role":
        who = f"<@&{caps.target_id}>"
    else:
        who = "Server default"
    return f"{who}: {caps_summary(caps.day, caps.cycle, caps.max_in_flight)}"


INHERIT_NOTES = {
    "member": "their most generous role's limit applies, else the server default",
    "role": "this role adds nothing; members fall back to other roles or the server default",
    "default": "the bot's built-in default applies",
}


def caps_saved_message(caps: ScopedCaps) -> str:
    note = ""
    if INHERIT in (caps.day, caps.cycle, caps.max_in_flight):
        note = f"\n*inherited* means not set here: {INHERIT_NOTES[caps.scope]}."
    return f"✅ Saved. {scoped_caps_line(caps)}{note}"


def _lines(lines: Sequence[str], empty: str) -> str:
    """Lines that fit one embed field, with '…and N more' when they do not."""
    if not lines:
        return empty
    shown: list[str] = []
    for line in lines:
        if len(shown) >= MAX_LINES or len("\n".join([*shown, line])) > FIELD_LIMIT - 30:
            return "\n".join(shown) + f"\n…and {len(lines) - len(shown)} more"
        shown.append(line)
    return "\n".join(shown)


def quota_embed(status: GuildStatus, guild_name: str) -> discord.Embed:
    embed = discord.Embed(title=f"📊 Credits of {guild_name}", colour=BRAND)
    embed.add_field(
        name="Allowance",
        value=f"**{status.allowance:,}** credits per {per_cycle(status.cycle_kind)}",
    )
    embed.add_field(
        name="Cycle",
        value=f"{_capitalized(cycle_description(status.cycle_kind))}\n"
        f"Started {discord.utils.format_dt(status.cycle_start, 'f')}\nRenews {when(status.cycle_end)}",
    )
    embed.add_field(
        name="Available",
        value=f"**{status.available:,}**\n{status.allowance_remaining:,} of the allowance + "
        f"{status.bonus_pool:,} members' bonus",
    )
    embed.add_field(name="Held", value=f"**{status.held:,}**\nby jobs in flight")
    embed.add_field(
        name="Spent",
        value=f"**{status.spent_this_cycle:,}** this cycle\n{status.spent_total:,} in all",
    )
    caps = status.default_caps
    embed.add_field(
        name="Default caps", value=caps_summary(caps.day, caps.cycle, caps.max_in_flight), inline=False
    )
    embed.add_field(
        name="Role caps",
        value=_lines([scoped_caps_line(c) for c in status.role_caps], "None set"),
        inline=False,
    )
    embed.add_field(
        name="Member caps",
        value=_lines([scoped_caps_line(c) for c in status.member_caps], "None set"),
        inline=False,
    )
    embed.set_footer(text="Change them with /quota member-cap, role-cap, max-in-flight, cycle and grant")
    return embed


def usage_embed(report: UsageReport, names: Mapping[int, str], chart_filename: str | None) -> discord.Embed:
    embed = discord.Embed(
        title="📈 Usage this cycle",
        description=f"**{report.spent:,}** credits spent since "
        f"{discord.utils.format_dt(report.cycle_start, 'f')}; {report.held:,} held by jobs in flight.\n"
        f"The cycle renews {when(report.cycle_end)}.",
        colour=BRAND,
    )
    spenders = [
        f"{rank}. <@{row.member_id}> ({names.get(row.member_id, 'unknown')}): **{row.spent:,}** "
        f"in {row.jobs} job{'s' if row.jobs != 1 else ''}"
        for rank, row in enumerate(report.top_members, start=1)
    ]
    models = [
        f"`{row.model or 'unknown'}`: **{row.spent:,}** in {row.jobs} job{'s' if row.jobs != 1 else ''}"
        for row in report.by_model
    ]
    embed.add_field(name="Top spenders", value=_lines(spenders, "Nobody has spent anything yet"),
                    inline=False)
    embed.add_field(name="By model", value=_lines(models, "No model has been used yet"), inline=False)
    if chart_filename:
        embed.set_image(url=f"attachment://{chart_filename}")
    return embed
