"""/mine: a member's own results in this server, newest first, 5 a page, with Re-roll, Info and Share."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import VivixBot
from bot.ui.gallery import GalleryPageButton, ShareButton, gallery_message
from bot.ui.gallery import share as share_result
from bot.workspace.gallery import make_filters

log = logging.getLogger(__name__)

Choices = list[app_commands.Choice[str]]


class Mine(commands.Cog):
    def __init__(self, bot: VivixBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(GalleryPageButton, ShareButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(GalleryPageButton, ShareButton)

    @app_commands.command(name="mine", description="Your results in this server, newest first")
    @app_commands.guild_only()
    @app_commands.describe(
        model="Only results of this model", category="Only this kind: image, video, audio, …",
        contains="Only results whose prompt holds this text (any case)",
        share="Post this one result of yours publicly here instead (type to pick it)",
    )
    async def mine(
        self, interaction: discord.Interaction, model: app_commands.Range[str, 1, 100] | None = None,
        category: app_commands.Range[str, 1, 40] | None = None,
        contains: app_commands.Range[str, 1, 100] | None = None,
        share: app_commands.Range[str, 1, 40] | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        if share is not None:
            await share_result(interaction, share.strip().lower())
            return
        services = self.bot.services
        page = await services.gallery.open(interaction.guild_id, interaction.user.id,
                                           make_filters(model, category, contains))
        content, embeds, view = gallery_message(page, services)
        await interaction.response.send_message(content, embeds=embeds, view=view, ephemeral=True,
                                                allowed_mentions=discord.AllowedMentions.none())

    @mine.autocomplete("model")
    async def model_choices(self, interaction: discord.Interaction, current: str) -> Choices:
        if interaction.guild_id is None:
            return []
        found = await self.bot.services.gallery.models(interaction.guild_id, interaction.user.id, current)
        return [app_commands.Choice(name=f"{slug} · {kind}"[:100], value=slug) for slug, kind in found]

    @mine.autocomplete("share")
    async def share_choices(self, interaction: discord.Interaction, current: str) -> Choices:
        if interaction.guild_id is None:
            return []
        jobs = await self.bot.services.gallery.recent(interaction.guild_id, interaction.user.id, current)
        return [app_commands.Choice(name=f"{job.model} · {job.prompt}"[:100], value=job.id) for job in jobs][:25]

    @mine.autocomplete("category")
    async def category_choices(self, interaction: discord.Interaction, current: str) -> Choices:
        text = current.strip().casefold()
        kinds = self.bot.services.catalog.categories()
        return [app_commands.Choice(name=k, value=k) for k in kinds if text in k.casefold()][:25]


async def setup(bot: VivixBot) -> None:
    await bot.add_cog(Mine(bot))
