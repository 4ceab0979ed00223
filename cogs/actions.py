"""Result actions: the buttons under every result (re-roll, vary, remix, upscale, animate, retry,
info, delete), registered so results posted before a restart keep working."""

from __future__ import annotations

from discord.ext import commands

from bot.client import VivixBot
from bot.ui.result_buttons import ResultButton


class Actions(commands.Cog):
    def __init__(self, bot: VivixBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(ResultButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(ResultButton)


async def setup(bot: VivixBot) -> None:
    await bot.add_cog(Actions(bot))
