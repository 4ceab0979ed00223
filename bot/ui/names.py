"""Names for ids the ledger stores: members and servers, from the cache or Discord."""

from __future__ import annotations

import logging
from collections.abc import Iterable

import discord

log = logging.getLogger(__name__)


async def member_names(guild: discord.Guild, member_ids: Iterable[int]) -> dict[int, str]:
    """Display names; a member the cache lacks is fetched once, one who left shows as 'user <id>'."""
    names: dict[int, str] = {}
    for member_id in member_ids:
        member = guild.get_member(member_id)
        if member is None:
            try:
                member = await guild.fetch_member(member_id)
            except discord.NotFound:
                member = None
            except discord.HTTPException as err:
                log.warning("Could not fetch member %d of guild %d: %s", member_id, guild.id, err.status)
                member = None
        names[member_id] = member.display_name if member is not None else f"user {member_id}"
    return names


def server_name(client: discord.Client, guild_id: int) -> str | None:
    guild = client.get_guild(guild_id)
    return guild.name if guild is not None else None
