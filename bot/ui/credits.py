"""What /credits shows a member: their limits, bonus, the server's allowance and when each renews."""

from __future__ import annotations

from datetime import datetime

import discord

from ..ledger import MemberStatus
from .embeds import BRAND
from .quota import when


def _window(remaining: int | None, cap: int | None, used: int, renews_at: datetime) -> str:
    if remaining is None or cap is None:
        return f"No limit ({used:,} used)"
    return f"**{remaining:,}** of {cap:,} left ({used:,} used)\nRenews {when(renews_at)}"


def credits_embed(status: MemberStatus, guild_name: str) -> discord.Embed:
    embed = discord.Embed(
        title=f"💳 Your credits in {guild_name}",
        description=f"You can spend up to **{status.spendable:,}** credits on one job right now.",
        colour=BRAND,
    )
    embed.add_field(
        name="Today", value=_window(status.remaining_today, status.caps.day, status.day_used,
                                    status.day_renews_at),
    )
    embed.add_field(
        name="This cycle", value=_window(status.remaining_cycle, status.caps.cycle, status.cycle_used,
                                         status.cycle_renews_at),
    )
    embed.add_field(
        name="Bonus",
        value=f"**{status.bonus:,}** credits\nUsed once your limits run out; kept from cycle to cycle",
    )
    embed.add_field(
        name="Server allowance",
        value=f"**{status.guild_remaining:,}** left for everyone\nRenews {when(status.cycle_renews_at)}",
    )
    in_flight = (
        f"**{status.in_flight}** of {status.max_in_flight}" if status.max_in_flight is not None
        else f"**{status.in_flight}** (no limit)"
    )
    embed.add_field(name="Jobs in flight", value=in_flight)
    return embed
