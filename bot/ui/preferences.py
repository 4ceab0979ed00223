"""What /prefer and /quota defaults show, and the autocomplete of their name and value options."""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING, cast

import discord
from discord import app_commands

from ..catalog import ModelChoice
from ..errors import clip
from ..workspace.preferences import PreferenceSet
from .embeds import BRAND

if TYPE_CHECKING:
    from ..client import VivixBot
    from ..workspace.preferences import Preferences

Choices = list[app_commands.Choice[str]]
HOW_THEY_APPLY = ("Options you give a command always win; then yours; then the server's defaults; then the "
                  "model's own. One a model does not take is left out, and the job's message says so.")


def _lines(prefs: dict[str, str], overridden: Collection[str] = ()) -> str:
    if not prefs:
        return "none"
    lines = []
    for name, value in sorted(prefs.items()):
        line = f"`{name}` = `{clip(value, 80)}`"
        lines.append(f"~~{line}~~ (yours wins)" if name in overridden else line)
    return "\n".join(lines)[:1024]


def preferences_embed(found: PreferenceSet) -> discord.Embed:
    """A member's view: theirs, and the server's defaults with the ones theirs override struck out."""
    mine, server = found.values(), found.values(server=True)
    embed = discord.Embed(title="⚙️ Your preferences in this server", colour=BRAND, description=HOW_THEY_APPLY)
    embed.add_field(name="Yours", value=_lines(mine), inline=False)
    embed.add_field(name="Server defaults", value=_lines(server, set(mine) & set(server)), inline=False)
    embed.set_footer(text="/prefer set · /prefer unset · /prefer clear")
    return embed


def defaults_embed(found: PreferenceSet, guild_name: str) -> discord.Embed:
    embed = discord.Embed(title=f"⚙️ Defaults for everyone in {clip(guild_name, 100)}", colour=BRAND,
                          description="A member's own `/prefer` wins over these, and options given to a command "
                                      "win over both. A default a model does not take is left out for that model.")
    embed.add_field(name="Defaults", value=_lines(found.values(server=True)), inline=False)
    embed.set_footer(text="/quota defaults set · /quota defaults unset")
    return embed


def saved_message(name: str, value: str, *, server: bool) -> str:
    if server:
        return f"✅ Server default `{name}` = `{clip(value, 80)}`. It applies to every new job here from now on."
    return f"✅ `{name}` = `{clip(value, 80)}`. Your next jobs here use it wherever you leave it empty."


def _choices(found: list[ModelChoice]) -> Choices:
    return [app_commands.Choice(name=c.label, value=c.value) for c in found[:25]]


def _service(interaction: discord.Interaction) -> Preferences:
    return cast("VivixBot", interaction.client).services.preferences


async def name_choices(interaction: discord.Interaction, current: str) -> Choices:
    if interaction.guild_id is None:
        return []
    return _choices(await _service(interaction).name_choices(interaction.guild_id, interaction.user.id, current))


async def value_choices(interaction: discord.Interaction, current: str) -> Choices:
    name = getattr(interaction.namespace, "name", None)
    if interaction.guild_id is None or not name:
        return []
    found = await _service(interaction).value_choices(interaction.guild_id, interaction.user.id, str(name), current)
    return _choices(found)


async def my_set_choices(interaction: discord.Interaction, current: str) -> Choices:
    if interaction.guild_id is None:
        return []
    return _choices(await _service(interaction).set_choices(interaction.guild_id, interaction.user.id, current))


async def server_set_choices(interaction: discord.Interaction, current: str) -> Choices:
    if interaction.guild_id is None:
        return []
    return _choices(await _service(interaction).set_choices(interaction.guild_id, None, current))
