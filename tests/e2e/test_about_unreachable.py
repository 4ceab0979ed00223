"""/about when the generation API does not answer: a clear line, not a crash."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
import simcord

from bot import __version__, create_bot
from bot.client import VivixBot
from bot.config import Settings


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def simcord_bot(tmp_path: Path) -> VivixBot:
    # Overrides the conftest bot: this one's API is a port nobody listens on.
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        discord_token="simcord-token-not-used",
        vivix_api_key="vvx_sandbox_pro",
        vivix_base_url=f"http://127.0.0.1:{_closed_port()}/api/v1",
        database_path=tmp_path / "bot.sqlite3",
    )
    return create_bot(settings)


async def test_about_says_clearly_when_the_api_is_unreachable(env: simcord.Env) -> None:
    channel = env.create_guild().create_text_channel("general")
    alice = env.guild.add_member(env.create_user("alice"))

    result = await alice.slash(channel, "about")

    message = result.followups[0] if result.deferred else result.response
    assert message.ephemeral
    fields = {field.name: field.value for field in message.embeds[0].fields}
    assert fields["Version"] == __version__
    assert fields["Generation API"].startswith("Unreachable right now (VivixConnectionError)")
