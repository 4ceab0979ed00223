"""What /operator shows the bot's operator: the API wallet and every server's credits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import discord

from ..errors import clip
from ..ledger import GuildSummary
from ..ops.commitment import NORMALISATION, Commitment
from ..vivix.models import ModelsResponse
from .embeds import BRAND
from .guild_quota import per_cycle

MAX_SERVERS_SHOWN = 20
DESCRIPTION_ROOM = 3900


def wallet_embed(
    models: ModelsResponse | None,
    balance: int | None,
    *,
    fetched_at: datetime | None,
    error: str | None,
    servers: Sequence[GuildSummary],
) -> discord.Embed:
    embed = discord.Embed(title="👛 API wallet", colour=BRAND)
    if error:
        kept = "showing the last values it gave" if models is not None else "nothing known yet"
        embed.description = f"⚠️ The API did not answer just now ({error}); {kept}."
    embed.add_field(name="Balance", value=f"**{balance:,}** credits" if balance is not None else "unknown")
    embed.add_field(name="Tier", value=models.tier if models is not None else "unknown")
    if models is not None:
        embed.add_field(
            name="Key limits",
            value=f"{models.rate_limit.calls_per_minute} calls/min, "
            f"{models.rate_limit.concurrent_jobs} jobs at once",
        )
        embed.add_field(name="Models", value=str(len(models.models)))
    allowances = sum(server.allowance for server in servers)
    held = sum(server.held for server in servers)
    spent = sum(server.spent_this_cycle for server in servers)
    embed.add_field(
        name="Promised to servers",
        value=f"{allowances:,} credits per cycle across {len(servers)} server"
        f"{'s' if len(servers) != 1 else ''}; {spent:,} spent this cycle, {held:,} held now",
        inline=False,
    )
    if fetched_at is not None:
        embed.set_footer(text="As of")
        embed.timestamp = fetched_at
    return embed


def commitment_text(promised: Commitment) -> str:
    """Servers' promises per 30 days beside the wallet's budget for its tier, with a warning
    when they exceed it."""
    total = f"**{promised.promised:,}** credits per 30 days promised to servers"
    if promised.budget is None:
        tier = f"`{clip(promised.tier, 40)}`" if promised.tier else "unknown"
        return f"{total}; the wallet's budget is unknown (API tier {tier}), so it cannot be checked."
    text = f"{total}, against the **{promised.tier}** wallet's **{promised.budget:,}** per 30 days."
    if promised.over_by:
        text += (f"\n⚠️ **Over-committed by {promised.over_by:,}**: if servers spend what they are promised, "
                 "the wallet runs dry first.")
    return text


def servers_embed(
    servers: Sequence[GuildSummary], names: Mapping[int, str | None], promised: Commitment
) -> discord.Embed:
    ordered = sorted(servers, key=lambda s: (-s.spent_this_cycle, s.guild_id))
    lines: list[str] = []
    for server in ordered:
        name = names.get(server.guild_id)
        label = discord.utils.escape_markdown(name) if name else "*(the bot is not in it)*"
        line = (
            f"**{label}** `{server.guild_id}`\n"
            f"{server.allowance:,} per {per_cycle(server.cycle_kind)} · "
            f"spent **{server.spent_this_cycle:,}** this cycle · {server.available:,} available · "
            f"{server.held:,} held · renews {discord.utils.format_dt(server.cycle_end, 'R')}"
        )
        if len(lines) >= MAX_SERVERS_SHOWN or sum(len(x) + 1 for x in lines) + len(line) > DESCRIPTION_ROOM:
            lines.append(f"…and {len(ordered) - len(lines)} more")
            break
        lines.append(line)
    embed = discord.Embed(
        title=f"🗂️ Servers ({len(servers)})",
        description="\n".join(lines) if lines else "No server has used the bot yet.",
        colour=BRAND if not promised.over_by else discord.Colour.orange(),
    )
    embed.add_field(name="Promised vs wallet", value=commitment_text(promised), inline=False)
    embed.set_footer(text=f"Allowances per 30 days: {NORMALISATION}.")
    return embed
