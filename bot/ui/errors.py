"""The one error handler: refusals become clear, ephemeral replies; anything else is logged
with a short reference the member can quote to the operator. Nothing secret, no tracebacks."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from typing import Any

import discord
from discord import app_commands

from ..catalog.errors import ParamValidationError
from ..errors import BotError, StorageUnavailableError
from ..ledger.errors import InvalidInputError, QuotaExceededError
from ..logs import redact
from ..store.errors import DRIVER_ERRORS, StoreError
from .quota import describe_quota_refusal

log = logging.getLogger(__name__)

MESSAGE_LIMIT = 2000  # characters Discord accepts in a message's content


def fit(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """Text Discord will accept: cut to ``limit`` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def send_ephemeral(interaction: discord.Interaction, content: str, **kwargs: Any) -> None:
    """Answer ephemerally whether or not the interaction was already acknowledged."""
    content = fit(redact(content))
    if interaction.response.is_done():
        await interaction.followup.send(content, ephemeral=True, **kwargs)
    else:
        await interaction.response.send_message(content, ephemeral=True, **kwargs)


def describe_check_failure(error: BaseException) -> str | None:
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
        shown = str(error.value)
        shown = shown if len(shown) <= 80 else shown[:79] + "…"
        return f"`{shown}` is not a valid {error.type.name.lower().replace('_', ' ')}."
    return None


def describe_invalid_input(err: InvalidInputError) -> str:
    """A service's refusal of an argument, as one sentence: which option, what it got, what it needs."""
    shown = str(err.value)
    shown = shown if len(shown) <= 40 else shown[:39] + "…"
    return f"❌ `{err.field}` {err.reason} (got `{shown}`). Nothing was changed."


def _describe_param(err: ParamValidationError) -> str:
    return f"❌ {err.message}\nNothing was charged."


# Refusals whose words need more than their own ``message``: the rest say it themselves.
_RENDERERS: tuple[tuple[type[BotError], Callable[[Any], str]], ...] = (
    (ParamValidationError, _describe_param),
    (QuotaExceededError, describe_quota_refusal),
    (InvalidInputError, describe_invalid_input),
)


def describe_refusal(err: BotError) -> str:
    for kind, render in _RENDERERS:
        if isinstance(err, kind):
            return render(err)
    return err.message


def describe_error(error: BaseException, where: str) -> str:
    """The reply for any error raised while serving ``where``; logs what the member cannot fix."""
    original = error.original if isinstance(error, app_commands.CommandInvokeError) else error
    checked = describe_check_failure(original)
    if checked is not None:
        return checked
    if isinstance(original, BotError):
        log.info("%s refused: %s", where, type(original).__name__)
        return describe_refusal(original)
    reference = secrets.token_hex(3)
    if isinstance(original, (StoreError, *DRIVER_ERRORS)):
        log.error("%s failed on storage [ref %s]", where, reference, exc_info=original)
        return f"{StorageUnavailableError().message} (ref `{reference}`)"
    log.error("%s failed [ref %s]", where, reference, exc_info=original)
    return (f"Something went wrong on our side (ref `{reference}`). "
            "The operator can find that reference in the log.")


async def reply_error(interaction: discord.Interaction, error: BaseException) -> None:
    """The app-command tree's and every view's error handler."""
    command = interaction.command.qualified_name if interaction.command else None
    where = f"/{command}" if command else f"interaction {interaction.data and interaction.data.get('custom_id')}"
    message = describe_error(error, where)
    try:
        await send_ephemeral(interaction, message)
    except discord.HTTPException:
        log.warning("Could not deliver an error reply for interaction %s", interaction.id)


class NotOperatorError(app_commands.CheckFailure):
    """The caller of an /operator command is not one of OWNER_IDS."""

    def __init__(self) -> None:
        super().__init__("🔒 Only the bot's operator can use this command.")
