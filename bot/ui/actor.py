"""Who is acting, and where: the member and channel an interaction comes from, for a new job."""

from __future__ import annotations

import discord

from ..actions.errors import OutsideServerError
from ..actions.requests import Actor
from .where import channel_facts


def actor_of(interaction: discord.Interaction) -> Actor:
    """The clicking or submitting member, in the channel where they did it; refused outside a server."""
    member = interaction.user
    if interaction.guild is None or not isinstance(member, discord.Member):
        raise OutsideServerError()
    return Actor(member.id, interaction.guild.id, interaction.channel_id or 0, tuple(r.id for r in member.roles),
                 *channel_facts(interaction))
