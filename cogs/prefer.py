"""/prefer: a member's own defaults for generation options in this server (show, set, unset, clear)."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import VivixBot
from bot.ui import preferences as ui
from bot.ui.errors import send_ephemeral

log = logging.getLogger(__name__)

NAME_HELP = "An option (aspect_ratio, resolution, negative_prompt, …) or model:image, model:video, …"


@app_commands.guild_only()
class Prefer(commands.GroupCog, group_name="prefer",
             group_description="Your own defaults for options you leave empty"):
    def __init__(self, bot: VivixBot) -> None:
        self.bot = bot

    @app_commands.command(name="show", description="Your preferences here, and the server's defaults")
    async def show(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        found = await self.bot.services.preferences.of(interaction.guild_id, interaction.user.id)
        await interaction.response.send_message(embed=ui.preferences_embed(found), ephemeral=True)

    @app_commands.command(name="set", description="Use this value whenever you leave the option empty")
    @app_commands.describe(name=NAME_HELP, value="The value (choices where the option has them)")
    @app_commands.autocomplete(name=ui.name_choices, value=ui.value_choices)
    async def set_(self, interaction: discord.Interaction, name: app_commands.Range[str, 1, 100],
                   value: app_commands.Range[str, 1, 1000]) -> None:
        assert interaction.guild_id is not None
        key, text = await self.bot.services.preferences.set(
            interaction.guild_id, interaction.user.id, name, value, by=interaction.user.id)
        await send_ephemeral(interaction, ui.saved_message(key, text, server=False))

    @app_commands.command(name="unset", description="Forget one preference")
    @app_commands.describe(name="Which one")
    @app_commands.autocomplete(name=ui.my_set_choices)
    async def unset(self, interaction: discord.Interaction, name: app_commands.Range[str, 1, 100]) -> None:
        assert interaction.guild_id is not None
        key = await self.bot.services.preferences.unset(interaction.guild_id, interaction.user.id, name)
        await send_ephemeral(interaction, f"✅ Forgot `{key}`; the server's default or the model's applies again.")

    @app_commands.command(name="clear", description="Forget all your preferences in this server")
    async def clear(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        count = await self.bot.services.preferences.clear(interaction.guild_id, interaction.user.id)
        await send_ephemeral(interaction, f"✅ Forgot {count} preference{'' if count == 1 else 's'}."
                             if count else "You had no preferences here; nothing to forget.")


async def setup(bot: VivixBot) -> None:
    await bot.add_cog(Prefer(bot))
