"""The bot starts in a simulated Discord, registers its commands and answers /about."""

from __future__ import annotations

from bot import __version__

from .conftest import World


async def test_bot_registers_its_commands(world: World) -> None:
    visible = set(world.alice.available_commands(world.channel))

    assert {"about", "imagine", "video", "audio", "generate"} <= visible


async def test_about_shows_version_tier_and_models(world: World) -> None:
    result = await world.alice.slash(world.channel, "about")

    assert result.ephemeral
    embed = result.followups[0].embeds[0] if result.deferred else result.response.embeds[0]
    fields = {field.name: field.value for field in embed.fields}
    assert fields["Version"] == __version__
    assert fields["API tier"] == "pro"
    assert fields["Models"].startswith("7 ")  # the sandbox's catalogue for this key
    assert "240 calls/min" in fields["Key limits"]
