"""Embeds pass the same secret filter as log lines before they reach Discord."""

from __future__ import annotations

from datetime import UTC, datetime

import discord
import pytest

from bot import logs
from bot.logs import REDACTED
from bot.ui.redaction import redact_embed, redact_embeds

KEY = "vvx_live_embedsecret"


@pytest.fixture(autouse=True)
def registry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logs, "_registered", ())
    logs.register_secrets(KEY)


def test_every_text_of_an_embed_is_redacted_and_the_rest_kept() -> None:
    when = datetime(2026, 5, 10, 12, 0, tzinfo=UTC)
    embed = discord.Embed(title=f"t {KEY}", description=f"d {KEY}", colour=discord.Colour.red(), timestamp=when)
    embed.add_field(name=f"n {KEY}", value=f"v {KEY}", inline=False)
    embed.set_footer(text=f"f {KEY}")
    embed.set_author(name=f"a {KEY}")

    clean = redact_embed(embed)

    assert KEY not in str(clean.to_dict())
    assert (clean.title, clean.description, clean.footer.text, clean.author.name) == (
        f"t {REDACTED}", f"d {REDACTED}", f"f {REDACTED}", f"a {REDACTED}"
    )
    assert [(f.name, f.value, f.inline) for f in clean.fields] == [(f"n {REDACTED}", f"v {REDACTED}", False)]
    assert (clean.colour, clean.timestamp) == (discord.Colour.red(), when)


def test_a_clean_embed_is_passed_through_as_is() -> None:
    embed = discord.Embed(description="nothing secret")
    embed.add_field(name="x", value="y")

    assert redact_embeds([embed])[0] is embed
