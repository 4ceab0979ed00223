"""/quota: a server's admins read and set its credits; everyone else is refused."""

from __future__ import annotations

import discord
import simcord
from discord import app_commands

from bot.config import Settings
from bot.ledger import InvalidInputError
from bot.ui.cap_input import CapInputError

from .conftest import World, restart
from .helpers import assert_refused, bot_of

QUOTA_COMMANDS = {
    "quota show", "quota history", "quota usage", "quota member-cap", "quota role-cap",
    "quota max-in-flight", "quota cycle", "quota grant",
}


def embed_of(result: simcord.InteractionResult) -> discord.Embed:
    # A deferred answer's first followup fills in the "thinking…" message itself.
    assert result.response is not None
    return result.response.embeds[0]


def fields_of(result: simcord.InteractionResult) -> dict[str, str]:
    return {field.name: field.value for field in embed_of(result).fields}


def reply_of(result: simcord.InteractionResult) -> str:
    assert result.ephemeral, result
    assert result.response is not None
    return result.response.content


# -- who may use it -------------------------------------------------------------------------


async def test_only_members_with_manage_server_see_quota(world: World) -> None:
    assert QUOTA_COMMANDS <= set(world.admin.available_commands(world.channel))
    assert not {c for c in world.alice.available_commands(world.channel) if c.startswith("quota")}


async def test_a_call_let_through_by_an_override_is_still_refused(world: World) -> None:
    # A server owner may let anyone see the command in Discord's settings; the bot still refuses.
    commands = await bot_of(world.env).tree.fetch_commands()
    quota = next(command for command in commands if command.name == "quota")
    world.guild.set_command_permissions(quota, {world.alice: True})
    ledger = bot_of(world.env).services.ledger

    for name, options in [
        ("quota show", {}),
        ("quota grant", {"member": world.alice, "amount": 1000, "reason": "me"}),
        ("quota member-cap", {"per_day": "unlimited"}),
    ]:
        result = await world.alice.slash(world.channel, name, **options)
        assert reply_of(result) == "You need the **Manage Server** permission to use this command."
    simcord.assert_error(world.env, app_commands.MissingPermissions)
    assert [row.kind for row in await ledger.history(world.guild.id)] == ["grant"]  # the first allowance
    status = await ledger.guild_status(world.guild.id)
    assert (status.bonus_pool, status.member_caps, status.default_caps.day) == (0, (), None)


# -- show -------------------------------------------------------------------------------------


async def test_show_reports_allowance_cycle_balances_and_caps(world: World) -> None:
    ledger = bot_of(world.env).services.ledger
    await ledger.hold(world.guild.id, world.alice.id, 300, "job-1", model="flux")
    await ledger.settle("job-1", 200)
    await ledger.hold(world.guild.id, world.bob.id, 50, "job-2", model="flux")
    helpers = world.guild.create_role("Helpers")
    await world.admin.slash(world.channel, "quota grant", member=world.bob, amount=75, reason="thanks")
    await world.admin.slash(world.channel, "quota role-cap", role=helpers, per_day="400", per_cycle="unlimited")
    await world.admin.slash(world.channel, "quota member-cap", member=world.alice, per_day="20")

    result = await world.admin.slash(world.channel, "quota show")

    assert result.ephemeral
    assert embed_of(result).title == "📊 Credits of Makers"
    fields = fields_of(result)
    assert fields["Allowance"] == "**5,000** credits per 30 days"
    assert fields["Cycle"].startswith("Every 30 days\nStarted <t:")
    assert "Renews <t:" in fields["Cycle"]
    assert fields["Available"] == "**4,825**\n4,750 of the allowance + 75 members' bonus"
    assert fields["Held"] == "**50**\nby jobs in flight"
    assert fields["Spent"] == "**200** this cycle\n200 in all"
    assert fields["Default caps"] == "per day **unlimited** · per cycle **unlimited** · jobs at once **3**"
    assert fields["Role caps"] == (
        f"<@&{helpers.id}>: per day **400** · per cycle **unlimited** · jobs at once **inherited**"
    )
    assert fields["Member caps"] == (
        f"<@{world.alice.id}>: per day **20** · per cycle **inherited** · jobs at once **inherited**"
    )


# -- caps ---------------------------------------------------------------------------------------


async def test_member_cap_sets_clears_and_defaults(world: World) -> None:
    saved = await world.admin.slash(world.channel, "quota member-cap", member=world.bob, per_day="1,500",
                                    per_cycle="none")
    assert reply_of(saved).startswith(
        f"✅ Saved. <@{world.bob.id}>: per day **1,500** · per cycle **unlimited** · jobs at once **inherited**"
    )
    default = await world.admin.slash(world.channel, "quota member-cap", per_cycle="2000")
    assert reply_of(default).startswith("✅ Saved. Server default: per day **inherited** · per cycle **2,000**")
    cleared = await world.admin.slash(world.channel, "quota member-cap", member=world.bob, per_day="inherit",
                                      per_cycle="inherit")
    assert "per day **inherited** · per cycle **inherited**" in reply_of(cleared)

    fields = fields_of(await world.admin.slash(world.channel, "quota show"))
    assert fields["Member caps"] == "None set"
    assert fields["Default caps"] == "per day **unlimited** · per cycle **2,000** · jobs at once **3**"


async def test_cap_refusals_are_clear_and_change_nothing(world: World) -> None:
    stranger = world.env.create_user("mallory")
    cases = [
        ({"per_day": "lots"}, "❌ `per_day`: `lots` is not a number."),
        ({"per_cycle": "-5"}, "❌ `per_cycle`: `-5` is negative."),
        ({}, "❌ Give `per_day`, `per_cycle` or both"),
        ({"member": stranger, "per_day": "10"}, f"❌ <@{stranger.id}> is not a member of this server."),
    ]
    for options, expected in cases:
        result = await world.admin.slash(world.channel, "quota member-cap", **options)
        assert reply_of(result).startswith(expected), reply_of(result)
        if expected.startswith("❌ `"):  # an option that could not be read
            assert_refused(world.env, CapInputError)
    role = world.guild.create_role("Helpers")
    refused = await world.admin.slash(world.channel, "quota role-cap", role=role, per_day="1.5")
    assert reply_of(refused).startswith("❌ `per_day`: `1.5` is not a number.")
    assert_refused(world.env, CapInputError)

    fields = fields_of(await world.admin.slash(world.channel, "quota show"))
    assert fields["Member caps"] == "None set"
    assert fields["Role caps"] == "None set"
    assert fields["Default caps"] == "per day **unlimited** · per cycle **unlimited** · jobs at once **3**"


async def test_cap_options_suggest_the_words(world: World) -> None:
    choices = await world.admin.autocomplete(world.channel, "quota member-cap", "per_day", "250")

    assert [choice["value"] for choice in choices] == ["250", "unlimited", "inherit"]
    assert choices[0]["name"] == "250 credits"


async def test_max_in_flight_for_default_member_and_role(world: World) -> None:
    role = world.guild.create_role("Patrons")
    default = await world.admin.slash(world.channel, "quota max-in-flight", value="2")
    assert "Server default: per day **inherited** · per cycle **inherited** · jobs at once **2**" in (
        reply_of(default)
    )
    member = await world.admin.slash(world.channel, "quota max-in-flight", value="unlimited", member=world.bob)
    assert "jobs at once **unlimited**" in reply_of(member)
    by_role = await world.admin.slash(world.channel, "quota max-in-flight", value="5", role=role)
    assert reply_of(by_role).startswith(f"✅ Saved. <@&{role.id}>:")
    both = await world.admin.slash(world.channel, "quota max-in-flight", value="5", role=role,
                                   member=world.bob)
    assert reply_of(both).startswith("❌ Give a member or a role, not both")
    bad = await world.admin.slash(world.channel, "quota max-in-flight", value="-1")
    assert reply_of(bad).startswith("❌ `value`: `-1` is negative.")
    assert_refused(world.env, CapInputError)

    assert "**0** of 2" == {
        f.name: f.value for f in embed_of(await world.alice.slash(world.channel, "credits")).fields
    }["Jobs in flight"]
    assert "**0** (no limit)" == {
        f.name: f.value for f in embed_of(await world.bob.slash(world.channel, "credits")).fields
    }["Jobs in flight"]


async def test_cycle_changes_the_renewal(world: World) -> None:
    result = await world.admin.slash(world.channel, "quota cycle", kind="weekly")

    assert reply_of(result).startswith("✅ The allowance now renews weekly, renewing Mondays at midnight UTC.")
    assert reply_of(result).endswith("Balances did not change.")
    fields = fields_of(await world.admin.slash(world.channel, "quota show"))
    assert fields["Allowance"] == "**5,000** credits per week"
    assert fields["Cycle"].startswith("Weekly, renewing Mondays at midnight UTC")
    assert fields["Available"].startswith("**5,000**")


# -- grants -------------------------------------------------------------------------------------


async def test_grant_records_the_admin_as_actor(world: World) -> None:
    result = await world.admin.slash(world.channel, "quota grant", member=world.alice, amount=120,
                                     reason="best entry")

    assert reply_of(result) == (
        f"✅ Gave <@{world.alice.id}> **120** bonus credits. Their bonus is now **120**."
    )
    ledger = bot_of(world.env).services.ledger
    [row] = [row for row in await ledger.history(world.guild.id) if row.kind == "bonus"]
    assert (row.member_id, row.amount, row.actor, row.reason) == (
        world.alice.id, 120, str(world.admin.id), "best entry"
    )


async def test_grant_refusals(world: World) -> None:
    stranger = world.env.create_user("mallory")
    cases = [
        ({"member": world.bob, "amount": 0}, "❌ `amount` must be a whole number of credits above 0 (got `0`)."),
        ({"member": world.bob, "amount": -50}, "❌ `amount` must be a whole number of credits above 0 (got `-50`)."),
        ({"member": stranger, "amount": 10}, f"❌ <@{stranger.id}> is not a member of this server."),
    ]
    for options, expected in cases:
        result = await world.admin.slash(world.channel, "quota grant", reason="why not", **options)
        assert reply_of(result).startswith(expected), reply_of(result)
        if expected.startswith("❌ `"):  # the ledger refused the amount
            assert_refused(world.env, InvalidInputError)
    ledger = bot_of(world.env).services.ledger
    assert [row for row in await ledger.history(world.guild.id) if row.kind == "bonus"] == []


# -- history ------------------------------------------------------------------------------------


async def _arrange_grants(world: World, count: int) -> None:
    ledger = bot_of(world.env).services.ledger
    for number in range(1, count + 1):
        member = world.alice if number % 2 else world.bob
        await ledger.grant_bonus(world.guild.id, member.id, number, f"grant {number}", actor=world.admin.id)


FIRST_ALLOWANCE = "first 30d allowance"


def reasons(result: simcord.InteractionResult) -> list[str]:
    """Each row's reason, newest first; the row that created the server's credits shortened."""
    lines = (embed_of(result).description or "").splitlines()
    found = [line.rsplit(" — ", 1)[1] for line in lines if " — " in line]
    return [FIRST_ALLOWANCE if reason.startswith(FIRST_ALLOWANCE) else reason for reason in found]


async def test_history_pages_with_previous_and_next(world: World) -> None:
    await _arrange_grants(world, 23)

    first = await world.admin.slash(world.channel, "quota history")

    assert first.ephemeral
    assert reasons(first) == [f"grant {n}" for n in range(23, 13, -1)]
    assert embed_of(first).footer.text.startswith("Page 1 ")
    assert f"by <@{world.admin.id}>" in (embed_of(first).description or "")
    second = await world.admin.click(first.response, label="Next")
    assert reasons(second) == [f"grant {n}" for n in range(13, 3, -1)]
    third = await world.admin.click(second.response, label="Next")
    assert reasons(third) == ["grant 3", "grant 2", "grant 1", FIRST_ALLOWANCE]
    assert "**allowance +5,000** · by system" in (embed_of(third).description or "")
    assert embed_of(third).footer.text.startswith("Page 3 ")
    back = await world.admin.click(third.response, label="Previous")
    assert reasons(back) == [f"grant {n}" for n in range(13, 3, -1)]


async def test_history_buttons_are_disabled_at_the_ends(world: World) -> None:
    await _arrange_grants(world, 4)  # and the first allowance: 5 rows

    result = await world.admin.slash(world.channel, "quota history")

    buttons = {b["label"]: b for row in result.response.components for b in row["components"]}
    assert buttons["Previous"].get("disabled") is True
    assert buttons["Next"].get("disabled") is True
    assert all(b["custom_id"].startswith("vx:hist:") for b in buttons.values())


async def test_history_for_one_member(world: World) -> None:
    await _arrange_grants(world, 6)

    result = await world.admin.slash(world.channel, "quota history", member=world.bob)

    assert reasons(result) == ["grant 6", "grant 4", "grant 2"]
    assert (embed_of(result).description or "").startswith(f"Only rows about <@{world.bob.id}>.")


async def test_history_buttons_work_only_for_the_admin_who_asked(world: World) -> None:
    await _arrange_grants(world, 15)
    mods = world.guild.create_role("Mods", permissions=discord.Permissions(manage_guild=True))
    other_admin = world.guild.add_member(world.env.create_user("eve"), roles=[mods])
    shared = await world.admin.slash(world.channel, "quota history", share=True)
    assert not shared.ephemeral

    for clicker in (other_admin, world.bob):
        refused = await clicker.click(shared.response, label="Next")
        assert refused.ephemeral
        assert refused.response.content.startswith(f"🔒 These buttons belong to <@{world.admin.id}>")
    assert reasons(shared) == [f"grant {n}" for n in range(15, 5, -1)]  # unchanged
    moved = await world.admin.click(shared.response, label="Next")
    assert reasons(moved) == [*(f"grant {n}" for n in range(5, 0, -1)), FIRST_ALLOWANCE]


async def test_history_buttons_survive_a_restart(world: World, settings: Settings) -> None:
    await _arrange_grants(world, 12)
    first = await world.admin.slash(world.channel, "quota history")

    await restart(world.env, settings)

    second = await world.admin.click(first.response, label="Next")
    assert reasons(second) == ["grant 2", "grant 1", FIRST_ALLOWANCE]


# -- usage --------------------------------------------------------------------------------------


async def test_usage_lists_spenders_and_models_with_a_chart(world: World) -> None:
    ledger = bot_of(world.env).services.ledger
    for job, member, model, held, cost in [
        ("u1", world.alice, "flux", 300, 250),
        ("u2", world.alice, "veo", 900, 700),
        ("u3", world.bob, "flux", 100, 90),
    ]:
        await ledger.hold(world.guild.id, member.id, held, job, model=model)
        await ledger.settle(job, cost)
    await ledger.hold(world.guild.id, world.bob.id, 40, "u4", model="veo")

    result = await world.admin.slash(world.channel, "quota usage")

    assert result.ephemeral
    message = result.response
    assert message is not None
    embed = message.embeds[0]
    assert embed.title == "📈 Usage this cycle"
    assert (embed.description or "").startswith("**1,040** credits spent since <t:")
    assert "40 held by jobs in flight" in (embed.description or "")
    fields = {field.name: field.value for field in embed.fields}
    assert fields["Top spenders"] == (
        f"1. <@{world.alice.id}> (alice): **950** in 2 jobs\n2. <@{world.bob.id}> (bob): **90** in 1 job"
    )
    assert fields["By model"] == "`veo`: **700** in 1 job\n`flux`: **340** in 2 jobs"
    [attachment] = message.attachments
    assert attachment.filename == "usage.png"
    assert embed.image.url == "attachment://usage.png"
    data = await attachment.read()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")


async def test_usage_before_anything_was_spent_has_no_chart(world: World) -> None:
    result = await world.admin.slash(world.channel, "quota usage")

    message = result.response
    assert message is not None
    assert message.attachments == []
    fields = {field.name: field.value for field in message.embeds[0].fields}
    assert fields["Top spenders"] == "Nobody has spent anything yet"


# -- restart ------------------------------------------------------------------------------------


async def test_settings_survive_a_restart(world: World, settings: Settings) -> None:
    role = world.guild.create_role("Helpers")
    await world.admin.slash(world.channel, "quota cycle", kind="monthly")
    await world.admin.slash(world.channel, "quota role-cap", role=role, per_day="70")
    await world.admin.slash(world.channel, "quota max-in-flight", value="4", member=world.bob)
    await world.admin.slash(world.channel, "quota grant", member=world.bob, amount=33, reason="hi")
    before = embed_of(await world.admin.slash(world.channel, "quota show")).to_dict()
    bob_before = embed_of(await world.bob.slash(world.channel, "credits")).to_dict()

    await restart(world.env, settings)

    assert embed_of(await world.admin.slash(world.channel, "quota show")).to_dict() == before
    assert embed_of(await world.bob.slash(world.channel, "credits")).to_dict() == bob_before
    assert "**33** credits" in str(bob_before)
