"""/credits: what a member may still spend here, and when it renews."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import VivixBot
from bot.ui.credits import credits_embed
from bot.ui.errors import send_ephemeral


class Credits(commands.Cog):
    def __init__(self, bot: VivixBot) -> None:
        self.bot = bot

    @app_commands.command(name="credits", description="What you can still spend here, and when it renews")
    @app_commands.guild_only()
    async def credits(self, interaction: discord.Interaction) -> None:
        member = interaction.user
        if interaction.guild is None or not isinstance(member, discord.Member):
            await send_ephemeral(interaction, "`/credits` works inside a server.")
            return
        status = await self.bot.services.ledger.member_status(
            interaction.guild.id, member.id, [role.id for role in member.roles]
        )
        await interaction.response.send_message(
            embed=credits_embed(status, interaction.guild.name), ephemeral=True
        )


async def setup(bot: VivixBot) -> None:
    await bot.add_cog(Credits(bot))
