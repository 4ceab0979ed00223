"""Finding a channel the bot can post in, by id: from the cache, else asked from Discord."""

from __future__ import annotations

import discord


async def messageable(client: discord.Client, channel_id: int) -> discord.abc.Messageable | None:
    """The channel or thread ``channel_id`` when the bot can see it and post there, else None."""
    channel = client.get_channel(channel_id)
    if channel is None:
        try:
            channel = await client.fetch_channel(channel_id)
        except (discord.NotFound, discord.Forbidden):
            return None
    return channel if isinstance(channel, discord.abc.Messageable) else None
