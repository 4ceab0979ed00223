"""/credits: a member reads what they may still spend, as the admins set it."""

from __future__ import annotations

import pytest
import simcord

from bot.config import Settings

from .conftest import World, restart
from .helpers import bot_of


def fields_of(result: simcord.InteractionResult) -> dict[str, str]:
    assert result.response is not None
    embed = result.response.embeds[0]
    return {field.name: field.value for field in embed.fields}


async def test_credits_shows_the_defaults_to_a_new_member(world: World) -> None:
    result = await world.alice.slash(world.channel, "credits")

    assert result.ephemeral
    embed = result.response.embeds[0]
    assert embed.title == "💳 Your credits in Makers"
    assert "**5,000** credits on one job" in embed.description
    fields = fields_of(result)
    assert fields["Today"] == "No limit (0 used)"
    assert fields["This cycle"] == "No limit (0 used)"
    assert fields["Bonus"].startswith("**0** credits")
    assert fields["Server allowance"].startswith("**5,000** left for everyone")
    assert "Renews <t:" in fields["Server allowance"]
    assert fields["Jobs in flight"] == "**0** of 3"


async def test_credits_is_visible_to_everyone_in_a_server(world: World) -> None:
    assert "credits" in world.alice.available_commands(world.channel)
    assert "credits" in world.admin.available_commands(world.channel)


async def test_a_grant_shows_as_bonus(world: World) -> None:
    granted = await world.admin.slash(world.channel, "quota grant", member=world.bob, amount=250,
                                      reason="won the contest")
    assert granted.ephemeral
    assert "**250** bonus credits" in granted.response.content

    result = await world.bob.slash(world.channel, "credits")

    assert fields_of(result)["Bonus"].startswith("**250** credits")
    assert "**5,250** credits on one job" in result.response.embeds[0].description
    other = await world.alice.slash(world.channel, "credits")
    assert fields_of(other)["Bonus"].startswith("**0** credits")


async def test_caps_set_by_the_admins_show_in_credits(world: World) -> None:
    helpers = world.guild.create_role("Helpers")
    carol = world.guild.add_member(world.env.create_user("carol"), roles=[helpers])
    await world.admin.slash(world.channel, "quota member-cap", per_day="100", per_cycle="1000")
    await world.admin.slash(world.channel, "quota role-cap", role=helpers, per_day="400")
    await world.admin.slash(world.channel, "quota member-cap", member=world.bob, per_cycle="unlimited")
    await world.admin.slash(world.channel, "quota max-in-flight", value="1", member=world.bob)

    alice = fields_of(await world.alice.slash(world.channel, "credits"))
    bob = fields_of(await world.bob.slash(world.channel, "credits"))
    carol_sees = fields_of(await carol.slash(world.channel, "credits"))

    assert alice["Today"].startswith("**100** of 100 left (0 used)\nRenews <t:")
    assert alice["This cycle"].startswith("**1,000** of 1,000 left (0 used)")
    assert bob["Today"].startswith("**100** of 100 left")
    assert bob["This cycle"] == "No limit (0 used)"
    assert bob["Jobs in flight"] == "**0** of 1"
    assert carol_sees["Today"].startswith("**400** of 400 left")
    assert carol_sees["This cycle"].startswith("**1,000** of 1,000 left")


async def test_credits_counts_what_was_held_and_spent(world: World) -> None:
    await world.admin.slash(world.channel, "quota member-cap", per_day="300")
    ledger = bot_of(world.env).services.ledger
    await ledger.hold(world.guild.id, world.alice.id, 120, "job-a", model="flux")
    await ledger.settle("job-a", 80)
    await ledger.hold(world.guild.id, world.alice.id, 50, "job-b", model="flux")

    result = await world.alice.slash(world.channel, "credits")

    fields = fields_of(result)
    assert fields["Today"].startswith("**170** of 300 left (130 used)")
    assert fields["Jobs in flight"] == "**1** of 3"
    assert fields["Server allowance"].startswith("**4,870** left")


async def test_credits_is_not_offered_in_dms(world: World) -> None:
    assert "credits" not in world.env.create_user("dave").available_commands()


async def test_a_restart_keeps_every_balance(world: World, settings: Settings) -> None:
    await world.admin.slash(world.channel, "quota member-cap", per_day="500")
    await world.admin.slash(world.channel, "quota grant", member=world.alice, amount=40, reason="helper")
    ledger = bot_of(world.env).services.ledger
    await ledger.hold(world.guild.id, world.alice.id, 100, "job-c", model="flux")
    await ledger.settle("job-c", 60)
    before = fields_of(await world.alice.slash(world.channel, "credits"))
    before_show = (await world.admin.slash(world.channel, "quota show")).response.embeds[0].to_dict()

    await restart(world.env, settings)

    after = fields_of(await world.alice.slash(world.channel, "credits"))
    after_show = (await world.admin.slash(world.channel, "quota show")).response.embeds[0].to_dict()
    assert after == before
    assert after_show == before_show
    assert after["Today"].startswith("**440** of 500 left (60 used)")
    assert after["Bonus"].startswith("**40** credits")


class TestSettingsDefaults:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(update={
            "default_guild_allowance": 1234, "default_member_day_cap": 50, "default_max_in_flight": 2,
        })

    async def test_a_new_server_starts_from_the_settings(self, world: World) -> None:
        fields = fields_of(await world.alice.slash(world.channel, "credits"))

        assert fields["Server allowance"].startswith("**1,234** left for everyone")
        assert fields["Today"].startswith("**50** of 50 left (0 used)")
        assert fields["This cycle"] == "No limit (0 used)"
        assert fields["Jobs in flight"] == "**0** of 2"
