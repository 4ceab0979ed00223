"""Where an interaction happens, as the policy reads it: a thread's channel, an age-restricted channel."""

from __future__ import annotations

import discord

from ..policy import Where


def channel_facts(interaction: discord.Interaction) -> tuple[int | None, bool]:
    """``(parent channel id, age-restricted)``: a thread follows its channel for both."""
    channel = interaction.channel
    parent_id = channel.parent_id if isinstance(channel, discord.Thread) else None
    is_nsfw = getattr(channel, "is_nsfw", None)
    return parent_id, bool(is_nsfw()) if callable(is_nsfw) else False


def policy_where(interaction: discord.Interaction) -> Where | None:
    """Who asks and where, for the policy; None outside a server."""
    member = interaction.user
    if interaction.guild is None or not isinstance(member, discord.Member):
        return None
    parent_id, age_restricted = channel_facts(interaction)
    return Where(interaction.guild.id, interaction.channel_id or 0, member.id, tuple(r.id for r in member.roles),
                 parent_id, age_restricted)
