"""Message commands (right-click -> Apps): "Use as reference" and "Animate" on any message with an image."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.actions.requests import Action
from bot.client import VivixBot
from bot.ui.actor import actor_of
from bot.ui.reference_form import ReferenceForm, first_image
from bot.ui.where import policy_where


class References(commands.Cog):
    def __init__(self, bot: VivixBot) -> None:
        self.bot = bot
        self.menus = [
            app_commands.ContextMenu(name="Use as reference", callback=self.use_as_reference),
            app_commands.ContextMenu(name="Animate", callback=self.animate),
        ]
        for menu in self.menus:
            menu.guild_only = True

    async def cog_load(self) -> None:
        for menu in self.menus:
            self.bot.tree.add_command(menu)

    async def cog_unload(self) -> None:
        for menu in self.menus:
            self.bot.tree.remove_command(menu.name, type=menu.type)

    async def use_as_reference(self, interaction: discord.Interaction, message: discord.Message) -> None:
        await self._open(interaction, message, Action.REFERENCE)

    async def animate(self, interaction: discord.Interaction, message: discord.Message) -> None:
        await self._open(interaction, message, Action.ANIMATE)

    async def _open(self, interaction: discord.Interaction, message: discord.Message, action: Action) -> None:
        actor_of(interaction)
        image = first_image(message)
        choices = self.bot.services.actions.reference_choices(action)
        where = policy_where(interaction)
        if where is not None:  # only the models the server's policy allows here (if none, create() says why)
            allowed = await self.bot.services.policy.allowed(where, [(m.slug, m.category) for m, _ in choices])
            choices = [choice for choice, ok in zip(choices, allowed, strict=True) if ok] or choices
        source = f"{message.channel.id}:{message.id}:1"
        await interaction.response.send_modal(ReferenceForm(action, image, choices, source))


async def setup(bot: VivixBot) -> None:
    await bot.add_cog(References(bot))
