"""Operator alerts on Discord: a DM to every id in OWNER_IDS and a post in OPERATOR_LOG_CHANNEL_ID."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from ..ops.alerts import Alert, Incident
from .places import messageable

if TYPE_CHECKING:
    from ..client import VivixBot

log = logging.getLogger(__name__)

COLOURS = {
    Incident.PAUSED: discord.Colour.orange(),
    Incident.RESUMED: discord.Colour.green(),
    Incident.WALLET_LOW: discord.Colour.gold(),
    Incident.OVERCHARGED: discord.Colour.red(),
}


def alert_embed(alert: Alert) -> discord.Embed:
    embed = discord.Embed(title=alert.title[:256], description="\n".join(alert.lines)[:4000],
                          colour=COLOURS.get(alert.incident, discord.Colour.blurple()))
    embed.set_footer(text=f"operator alert · {alert.incident.value}")
    return embed


class DiscordAlertSink:
    """Each place is tried on its own: one owner with closed DMs does not stop the others."""

    def __init__(self, bot: VivixBot) -> None:
        self.bot = bot

    async def deliver(self, alert: Alert) -> None:
        embed = alert_embed(alert)
        for owner_id in sorted(self.bot.settings.owner_ids):
            try:
                user = self.bot.get_user(owner_id) or await self.bot.fetch_user(owner_id)
                await user.send(embed=embed)
            except discord.HTTPException as err:
                log.warning("Could not DM the operator alert to %s (%s)", owner_id, err.status)
        channel_id = self.bot.settings.operator_log_channel_id
        if channel_id is None:
            return
        try:
            channel = await messageable(self.bot, channel_id)
            if channel is None:
                log.warning("OPERATOR_LOG_CHANNEL_ID %s is not a channel the bot can post in", channel_id)
                return
            await channel.send(embed=embed)
        except discord.HTTPException as err:
            log.warning("Could not post the operator alert in channel %s (%s)", channel_id, err.status)
