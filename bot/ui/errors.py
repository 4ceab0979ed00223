"""Turning errors into clear, ephemeral replies; nothing secret, no tracebacks."""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from ..ledger.errors import InvalidInputError

log = logging.getLogger(__name__)


async def send_ephemeral(interaction: discord.Interaction, content: str, **kwargs: object) -> None:
    """Answer ephemerally whether or not the interaction was already acknowledged."""
    if interaction.response.is_done():
        await interaction.followup.send(content, ephemeral=True, **kwargs)  # type: ignore[arg-type]
    else:
        await interaction.response.send_message(content, ephemeral=True, **kwargs)  # type: ignore[arg-type]


def describe_check_failure(error: app_commands.AppCommandError) -> str | None:
    if isinstance(error, app_commands.MissingPermissions):
        needed = ", ".join(p.replace("_", " ").replace("guild", "server").title()
                           for p in error.missing_permissions)
        return f"You need the **{needed}** permission to use this command."
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This command only works inside a server."
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down: try again in {error.retry_after:.0f} s."
    if isinstance(error, app_commands.CheckFailure):
        return str(error) or "You may not use this command."
    if isinstance(error, app_commands.TransformerError):
        return f"`{error.value}` is not a valid {error.type.name.lower().replace('_', ' ')}."
    return None


async def reply_error(interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
    message = describe_check_failure(error)
    if message is None:
        command = interaction.command.qualified_name if interaction.command else "?"
        log.error("Command /%s failed", command, exc_info=error)
        message = "Something went wrong on our side; the operator can find it in the log."
    try:
        await send_ephemeral(interaction, message)
    except discord.HTTPException:
        log.warning("Could not deliver an error reply for interaction %s", interaction.id)


def describe_invalid_input(err: InvalidInputError) -> str:
    """A service's refusal of an argument, as one sentence: which option, what it got, what it needs."""
    shown = str(err.value)
    shown = shown if len(shown) <= 40 else shown[:39] + "…"
    return f"❌ `{err.field}` {err.reason} (got `{shown}`). Nothing was changed."


class NotOperatorError(app_commands.CheckFailure):
    """The caller of an /operator command is not one of OWNER_IDS."""

    def __init__(self) -> None:
        super().__init__("🔒 Only the bot's operator can use this command.")
