"""End-to-end fixtures: the real bot in SimCord, against the sandbox API over loopback.

The sandbox runs in its own thread (SimCord owns the test's event loop) and its
clock follows SimCord's virtual time, so ``env.advance_time(15)`` lets a job
render for 15 seconds on both sides.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import discord
import pytest
import simcord

from bot import create_bot
from bot.client import VivixBot
from bot.config import Settings
from bot.sandbox.server import SandboxServer
from bot.sandbox.state import SandboxState

OWNER_ID = 900_000_000_000_000_001
SETTLE_TIMEOUT = 1.0


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every e2e test settles within 1 s: bot sleeps longer than that park on SimCord's virtual
    clock (moved by advance_time) instead of running in real time."""
    for item in items:
        if "tests/e2e/" in item.nodeid and item.get_closest_marker("simcord") is None:
            item.add_marker(pytest.mark.simcord(settle_timeout=SETTLE_TIMEOUT))


class FollowingClock:
    """Seconds for the sandbox: real time until a SimCord env is attached, then its virtual time."""

    def __init__(self) -> None:
        self.env: simcord.Env | None = None

    def attach(self, env: simcord.Env) -> None:
        self.env = env

    def __call__(self) -> float:
        if self.env is None:
            return 0.0
        return self.env.now().timestamp()


@pytest.fixture
def sandbox_clock() -> FollowingClock:
    return FollowingClock()


@pytest.fixture
def sandbox(sandbox_clock: FollowingClock) -> Iterator[SandboxServer]:
    state = SandboxState(clock=sandbox_clock, seed=7)
    with SandboxServer(state) as server:
        yield server


@pytest.fixture
def api_key() -> str:
    return "vvx_sandbox_pro"


@pytest.fixture
def settings(tmp_path: Path, sandbox: SandboxServer, api_key: str) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        discord_token="simcord-token-not-used",
        vivix_api_key=api_key,
        vivix_base_url=sandbox.base_url,
        database_path=tmp_path / "bot.sqlite3",
        owner_ids=frozenset({OWNER_ID}),
        default_guild_allowance=5000,
    )


@pytest.fixture
def simcord_bot(settings: Settings) -> VivixBot:
    return create_bot(settings)


@pytest.fixture
async def env(simcord_env: simcord.Env, sandbox_clock: FollowingClock) -> AsyncIterator[simcord.Env]:
    sandbox_clock.attach(simcord_env)
    yield simcord_env
    # SimCord stops the bot without close(); close its database and HTTP client as a shutdown would.
    services = getattr(simcord_env.bot, "services", None)
    if services is not None:
        await services.close()


@dataclass
class World:
    env: simcord.Env
    guild: simcord.GuildHandle
    channel: simcord.ChannelHandle
    alice: simcord.MemberActor
    bob: simcord.MemberActor
    admin: simcord.MemberActor


@pytest.fixture
def world(env: simcord.Env) -> World:
    guild = env.create_guild("Makers")
    channel = guild.create_text_channel("studio")
    admins = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    alice = guild.add_member(env.create_user("alice"))
    bob = guild.add_member(env.create_user("bob"))
    admin = guild.add_member(env.create_user("ada"), roles=[admins])
    return World(env, guild, channel, alice, bob, admin)


async def restart(env: simcord.Env, settings: Settings) -> VivixBot:
    """Stop the running bot as a crash would (its tasks cancelled) and start a new one on the same data."""
    old: VivixBot = env.bot  # type: ignore[assignment]
    fresh = create_bot(settings)
    await env.restart_bot(fresh)
    await old.services.close()
    return fresh
