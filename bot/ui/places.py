"""Finding a channel the bot can post in, by id."""

from __future__ import annotations

import discord


async def messageable(client: discord.Client, channel_id: int) -> discord.abc.Messageable | None:
    """The channel or thread ``channel_id``: from this process's cache when one of its shards holds
    the server, else a partial messageable, which posts and edits over Discord's REST API without
    knowing the channel. That is how the leader of several processes posts results for servers
    on other processes' shards, with no extra request. A channel that is gone, or where the bot
    may not post, fails at the send (NotFound, Forbidden), which every caller handles."""
    channel = client.get_channel(channel_id)
    if channel is None:
        return client.get_partial_messageable(channel_id)
    return channel if isinstance(channel, discord.abc.Messageable) else None
