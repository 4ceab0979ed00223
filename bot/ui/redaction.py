"""The secret filter at the Discord boundary: what the bot posts passes ``bot.logs.redact``,
the same filter as its log lines, so a token or API key quoted by an error never shows."""

from __future__ import annotations

from typing import Any, TypeVar

import discord

from ..logs import redact, registered_secrets

_T = TypeVar("_T")


def _scrub(value: _T) -> _T:
    if isinstance(value, str):
        return redact(value)  # type: ignore[return-value]  # str in, str out
    if isinstance(value, list):
        return [_scrub(item) for item in value]  # type: ignore[return-value]  # list in, list out
    if isinstance(value, dict):
        return {key: _scrub(item) for key, item in value.items()}  # type: ignore[return-value]  # dict in, dict out
    return value


def redact_embed(embed: discord.Embed) -> discord.Embed:
    """``embed`` with every text in it (title, description, fields, footer, author, urls)
    passed through ``redact``; the same object when nothing needed blanking."""
    if not registered_secrets():
        return embed
    data: dict[str, Any] = dict(embed.to_dict())
    clean = _scrub(data)
    return embed if clean == data else discord.Embed.from_dict(clean)


def redact_embeds(embeds: list[discord.Embed]) -> list[discord.Embed]:
    return [redact_embed(embed) for embed in embeds]
