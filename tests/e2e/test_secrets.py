"""The bot's API key and Discord token never reach a Discord message, even when the API's own
error text quotes them: what is posted passes the same filter as the log lines."""

from __future__ import annotations

import discord

from bot.config import Settings
from bot.logs import REDACTED
from bot.sandbox.faults import Fault
from bot.sandbox.server import SandboxServer

from .conftest import World
from .helpers import only_job_id, results_for


def everything_shown(messages: list[discord.Message]) -> str:
    return "\n".join(f"{m.content}\n{[e.to_dict() for e in m.embeds]}" for m in messages)


async def test_an_api_error_quoting_the_secrets_is_posted_redacted(
    world: World, sandbox: SandboxServer, settings: Settings, api_key: str
) -> None:
    token = settings.discord_token.get_secret_value()
    sandbox.state.inject_fault(
        "generate", Fault(status=422, code="INVALID_PARAMS", message=f"bad key {api_key} (token {token})")
    )

    await world.alice.slash(world.channel, "imagine", prompt="a lighthouse", model="flux-2-flash")
    job_id = await only_job_id(world.env)

    [posted] = results_for(world.channel, job_id)
    assert f"The service refused the request (bad key {REDACTED} (token {REDACTED}))" in posted.content
    shown = everything_shown(list(world.channel.history()))
    assert api_key not in shown and token not in shown
