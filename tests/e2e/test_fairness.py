"""A server's burst of 100 jobs does not hold back another server's single job by more than one turn."""

from __future__ import annotations

import pytest
import simcord

from bot.config import Settings
from bot.sandbox.server import SandboxServer

from .helpers import bot_of, run_for


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"default_max_in_flight": 200, "default_guild_allowance": 100_000})


async def test_a_single_job_waits_at_most_one_turn_behind_a_burst(env: simcord.Env, sandbox: SandboxServer) -> None:
    busy = env.create_guild("Busy")
    busy_channel = busy.create_text_channel("spam")
    spammer = busy.add_member(env.create_user("spammer"))
    quiet = env.create_guild("Quiet")
    quiet_channel = quiet.create_text_channel("art")
    artist = quiet.add_member(env.create_user("artist"))
    for n in range(100):
        await spammer.slash(busy_channel, "imagine", prompt=f"burst {n}", model="flux-2-flash")

    single = await artist.slash(quiet_channel, "imagine", prompt="just one", model="flux-2-flash")

    assert single.response.embeds[0].title == "⏳ Queued · position 1"
    dispatcher = bot_of(env).services.dispatcher
    assert len(dispatcher.ctx.queue) == 96  # five are rendering: the key's concurrency
    for _ in range(40):  # until the first slot frees
        await run_for(env, 1)
        if single.response.embeds[0].title != "⏳ Queued · position 1":
            break
    assert single.response.embeds[0].title == "🎨 Rendering"
    submitted = [job.params["prompt"] for job in sandbox.state._jobs.values()]  # in the API's order
    assert submitted.index("just one") == 5, "the first slot to free went to the quiet server"
