"""/about: the bot's version and what the API key gives it."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot import __version__
from bot.client import VivixBot
from bot.ui.embeds import about_embed


class About(commands.Cog):
    def __init__(self, bot: VivixBot) -> None:
        self.bot = bot

    @app_commands.command(name="about", description="What this bot is, and the state of its generation API")
    async def about(self, interaction: discord.Interaction) -> None:
        catalog = self.bot.services.catalog
        if catalog.snapshot is None or catalog.is_stale:
            await interaction.response.defer(ephemeral=True, thinking=True)
            await catalog.ensure_fresh()
        embed = about_embed(__version__, catalog.snapshot, catalog.last_error)
        if interaction.response.is_done():
            await interaction.followup.send(embed=embed, ephemeral=True)
        else:
            await interaction.response.send_message(embed=embed, ephemeral=True)


async def setup(bot: VivixBot) -> None:
    await bot.add_cog(About(bot))
