"""/policy through SimCord against the sandbox: each rule refuses with nothing held and no API
call, allowed cases run, autocomplete shows only what is allowed, a block refunds waiting jobs."""

from __future__ import annotations

import discord
import pytest
import simcord
from discord import app_commands

from bot.config import Settings
from bot.policy import (
    BlockedTermError,
    ChannelNotAllowedError,
    MemberBlockedError,
    ModelNotAllowedError,
    PolicyInputError,
    Refusal,
    SensitiveDeniedError,
    ServerBlockedError,
)
from bot.sandbox.server import SandboxServer

from .conftest import World, restart
from .helpers import assert_nothing_spent, assert_refused, bot_of, png_bytes, results_for, run_for

FLUX = "flux-2-flash"
KLING = "kling-3-video"
NEUTRAL = "🚫 That request can't be made in this server. Nothing was charged."


async def _job_ids(world: World) -> list[str]:
    async with bot_of(world.env).services.db.read() as conn:
        rows = await conn.fetch_all("SELECT id FROM jobs ORDER BY created_at, rowid")
    return [str(row[0]) for row in rows]


async def _admin(world: World, command: str, **options: object) -> str:
    result = await world.admin.slash(world.channel, command, **options)
    assert result.ephemeral and result.response is not None, result
    assert result.response.content.startswith("✅"), result.response.content
    return result.response.content


def _reply(result: simcord.InteractionResult) -> str:
    assert result.ephemeral and result.response is not None, result
    return result.response.content


class Recorder:
    def __init__(self) -> None:
        self.refusals: list[Refusal] = []

    async def on_refusal(self, refusal: Refusal) -> None:
        self.refusals.append(refusal)


# -- who sees /policy -------------------------------------------------------------------------

async def test_only_manage_server_sees_policy_and_an_override_is_still_refused(world: World) -> None:
    assert "policy show" in world.admin.available_commands(world.channel)
    assert not [c for c in world.alice.available_commands(world.channel) if c.startswith("policy")]

    commands = await bot_of(world.env).tree.fetch_commands()
    world.guild.set_command_permissions(next(c for c in commands if c.name == "policy"), {world.alice: True})
    result = await world.alice.slash(world.channel, "policy blocklist add", term="harbour")

    assert _reply(result) == "You need the **Manage Server** permission to use this command."
    simcord.assert_error(world.env, app_commands.MissingPermissions)
    assert (await bot_of(world.env).services.policy.policy(world.guild.id)).block_terms == ()


# -- blocklist ------------------------------------------------------------------------------

@pytest.mark.parametrize("prompt", [
    "a H.A.R.B.O.U.R at dawn",
    "\uff41 \uff48\uff41\uff52\uff42\uff4f\uff55\uff52",  # full-width letters
    "a har\u200dbour",  # a zero-width joiner
    "a h\u0430rb\u043eur",  # Cyrillic a and o
])
async def test_a_blocked_term_is_refused_neutrally_with_nothing_held(
    world: World, sandbox: SandboxServer, prompt: str
) -> None:
    await _admin(world, "policy blocklist add", term="harbour")

    result = await world.alice.slash(world.channel, "imagine", prompt=prompt, model=FLUX)

    assert _reply(result) == NEUTRAL  # the term is not echoed
    assert_refused(world.env, BlockedTermError)
    await assert_nothing_spent(world.env, world.guild.id, sandbox.state.stats())


async def test_the_negative_prompt_and_options_are_checked(world: World, sandbox: SandboxServer) -> None:
    await _admin(world, "policy blocklist add", term="blood bath", kind="phrase")

    negative = await world.alice.slash(world.channel, "imagine", prompt="a cat", model=FLUX,
                                       negative_prompt="no BLOOD-BATH")
    assert _reply(negative) == NEUTRAL
    assert_refused(world.env, BlockedTermError)
    await assert_nothing_spent(world.env, world.guild.id, sandbox.state.stats())


async def test_other_servers_and_other_prompts_are_not_affected(world: World) -> None:
    await _admin(world, "policy blocklist add", term="harbour")
    other = world.env.create_guild("Elsewhere")
    hall = other.create_text_channel("hall")
    carol = other.add_member(world.env.create_user("carol"))

    await carol.slash(hall, "imagine", prompt="a harbour at dawn", model=FLUX)
    await world.alice.slash(world.channel, "imagine", prompt="a classic lighthouse", model=FLUX)
    await run_for(world.env, 30)

    jobs = await _job_ids(world)
    assert len(jobs) == 2
    assert all(len(results_for(channel, job)) == 1 for channel, job in zip((hall, world.channel), jobs, strict=True))


async def test_a_pathological_regex_times_out_and_the_refusal_comes_back(
    world: World, sandbox: SandboxServer
) -> None:
    recorder = Recorder()
    bot_of(world.env).services.policy.subscribe(recorder)
    await _admin(world, "policy blocklist add", term="(a|aa)+$", kind="regex")

    result = await world.alice.slash(world.channel, "imagine", prompt="a" * 60 + "!", model=FLUX)

    assert _reply(result) == NEUTRAL
    assert_refused(world.env, BlockedTermError)
    assert [(r.rule, r.timed_out) for r in recorder.refusals] == [("BlockedTerm", True)]
    await assert_nothing_spent(world.env, world.guild.id, sandbox.state.stats())


async def test_a_bad_regex_is_refused_when_added(world: World) -> None:
    result = await world.admin.slash(world.channel, "policy blocklist add", term="(unclosed", kind="regex")

    assert "does not compile" in _reply(result)
    assert_refused(world.env, PolicyInputError)


async def test_the_policy_survives_a_restart(world: World, settings: Settings, sandbox: SandboxServer) -> None:
    await _admin(world, "policy blocklist add", term="harbour")
    await restart(world.env, settings)

    result = await world.alice.slash(world.channel, "imagine", prompt="a harbour", model=FLUX)

    assert _reply(result) == NEUTRAL
    assert_refused(world.env, BlockedTermError)
    await assert_nothing_spent(world.env, world.guild.id, sandbox.state.stats())


# -- channels ---------------------------------------------------------------------------------

async def test_listed_channels_and_their_threads(world: World, sandbox: SandboxServer) -> None:
    lab = world.guild.create_text_channel("lab")
    await _admin(world, "policy channels add", channel=lab)
    await _admin(world, "policy channels mode", mode="listed")

    refused = await world.alice.slash(world.channel, "imagine", prompt="a cat", model=FLUX)
    assert lab.mention in _reply(refused)
    assert_refused(world.env, ChannelNotAllowedError)
    await assert_nothing_spent(world.env, world.guild.id, sandbox.state.stats())

    thread = simcord.ChannelHandle(world.env, world.guild,
                                   world.env.backend.create_thread(lab.id, "ideas", world.alice.id))
    await world.env.advance_time(0.1)
    await world.alice.slash(lab, "imagine", prompt="a cat", model=FLUX)
    await world.alice.slash(thread, "imagine", prompt="a dog", model=FLUX)
    await run_for(world.env, 30)
    jobs = await _job_ids(world)
    assert len(jobs) == 2 and len(results_for(thread, jobs[1])) == 1


# -- models -----------------------------------------------------------------------------------

async def test_a_category_only_in_one_channel_names_the_rule_and_filters_autocomplete(
    world: World, sandbox: SandboxServer
) -> None:
    lab = world.guild.create_text_channel("video-lab")
    await _admin(world, "policy models allow", target="video", channel=lab)

    refused = await world.alice.slash(world.channel, "video", prompt="waves", model=KLING)
    assert _reply(refused).startswith(f"🚫 Video models allowed only in {lab.mention}")
    assert_refused(world.env, ModelNotAllowedError)
    await assert_nothing_spent(world.env, world.guild.id, sandbox.state.stats())

    here = await world.alice.autocomplete(world.channel, "generate", "model", "")
    there = await world.alice.autocomplete(lab, "generate", "model", "")
    assert here and not [c for c in here if " · video · " in c["name"]]
    assert [c for c in there if " · video · " in c["name"]]
    assert await world.alice.autocomplete(world.channel, "video", "model", "") == []
    assert len(there) <= 25


async def test_a_model_only_for_a_role(world: World, sandbox: SandboxServer) -> None:
    patron = world.guild.create_role("Patron")
    patrons = world.guild.add_member(world.env.create_user("pat"), roles=[patron])
    await _admin(world, "policy models allow", target=KLING, role=patron)

    refused = await world.alice.slash(world.channel, "video", prompt="waves", model=KLING)
    assert patron.mention in _reply(refused)
    assert_refused(world.env, ModelNotAllowedError)
    await assert_nothing_spent(world.env, world.guild.id, sandbox.state.stats())
    assert KLING not in [c["value"] for c in await world.alice.autocomplete(world.channel, "video", "model", "kl")]
    assert KLING in [c["value"] for c in await patrons.autocomplete(world.channel, "video", "model", "kl")]

    await patrons.slash(world.channel, "video", prompt="waves", model=KLING)
    assert len(await _job_ids(world)) == 1


# -- sensitive --------------------------------------------------------------------------------

async def test_a_sensitive_request_is_posted_as_a_spoiler(world: World) -> None:
    await _admin(world, "policy sensitive mode", mode="spoiler")

    status = await world.alice.slash(world.channel, "imagine", prompt="a nude marble statue", model=FLUX)
    await run_for(world.env, 30)

    assert status.response.embeds[0].description == "||a nude marble statue||"
    (job_id,) = await _job_ids(world)
    (posted,) = results_for(world.channel, job_id)
    assert posted.attachments and all(a.is_spoiler() for a in posted.attachments)
    assert all(embed.image.url is None for embed in posted.embeds)  # an embed's image cannot be hidden
    assert posted.embeds[0].description == "||a nude marble statue||"
    assert "spoiler" in posted.content


async def test_a_sensitive_request_is_refused_in_deny_mode_and_admins_extend_the_list(
    world: World, sandbox: SandboxServer
) -> None:
    await _admin(world, "policy sensitive mode", mode="deny")
    await _admin(world, "policy sensitive add", term="spiders")

    for prompt in ("a N.U.D.E statue", "a room of spiders"):
        result = await world.alice.slash(world.channel, "imagine", prompt=prompt, model=FLUX)
        assert "sensitive" in _reply(result)
        assert_refused(world.env, SensitiveDeniedError)
    await assert_nothing_spent(world.env, world.guild.id, sandbox.state.stats())


# -- every entry point ------------------------------------------------------------------------

async def test_result_buttons_and_message_commands_meet_the_same_policy(
    world: World, sandbox: SandboxServer
) -> None:
    await world.alice.slash(world.channel, "imagine", prompt="a harbour", model=FLUX)
    await run_for(world.env, 30)
    (first,) = await _job_ids(world)
    posted = results_for(world.channel, first)[0]
    await _admin(world, "policy blocklist add", term="harbour")
    ledger = bot_of(world.env).services.ledger

    # Buttons and forms answer through reply_error themselves: the reply is what the member sees.
    reroll = await world.bob.click(posted, label=next(
        c.label for row in posted.components for c in row.children if (c.label or "").startswith("Re-roll")))
    assert _reply(reroll) == NEUTRAL
    message = await world.bob.send(world.channel, "my sketch", attachments=[("sketch.png", png_bytes())])
    shown = await world.bob.context_menu(world.channel, "Use as reference", message)
    submitted = await world.bob.submit_modal(shown, {"model": [FLUX], "prompt": "the same by a harbour"})
    assert _reply(submitted) == NEUTRAL

    assert await _job_ids(world) == [first]
    assert (await ledger.guild_status(world.guild.id)).held == 0
    assert sandbox.state.stats().requests_by_route["generate"] == 1  # the first job only


# -- blocks -----------------------------------------------------------------------------------

@pytest.fixture
async def one_slot(world: World, sandbox: SandboxServer) -> World:
    """The key runs one job at a time, so the others wait in line."""
    sandbox.state.add_key("vvx_sandbox_pro", concurrent_jobs=1)
    await bot_of(world.env).services.catalog.refresh()
    return world


async def test_blocking_a_member_refunds_their_waiting_jobs_and_refuses_them(one_slot: World) -> None:
    world = one_slot
    await world.bob.slash(world.channel, "imagine", prompt="bob's", model=FLUX)
    waiting = await world.alice.slash(world.channel, "imagine", prompt="alice's", model=FLUX)
    bobs, alices = await _job_ids(world)
    ledger = bot_of(world.env).services.ledger

    text = await _admin(world, "policy block", member=world.alice, duration="2h", reason="spam")

    assert "1 waiting job(s) cancelled and refunded" in text
    assert waiting.response.embeds[0].title == "🚫 Cancelled, credits returned"
    hold = await ledger.get_hold(alices)
    assert hold is not None and hold.status == "released"
    refused = await world.alice.slash(world.channel, "imagine", prompt="again", model=FLUX)
    assert "blocked you" in _reply(refused) and "<t:" in _reply(refused)
    assert_refused(world.env, MemberBlockedError)
    assert await _job_ids(world) == [bobs, alices]

    await _admin(world, "policy unblock", member=world.alice)
    await world.alice.slash(world.channel, "imagine", prompt="again", model=FLUX)
    assert len(await _job_ids(world)) == 3


async def test_the_operator_stops_serving_a_server(world: World, settings: Settings, sandbox: SandboxServer
                                                   ) -> None:
    operator = world.env.create_user("olga")
    await restart(world.env, settings.model_copy(update={"owner_ids": frozenset({operator.id})}))

    blocked = await operator.slash("operator block-server", server=str(world.guild.id), reason="abuse")
    assert "no longer served" in _reply(blocked)
    refused = await world.alice.slash(world.channel, "imagine", prompt="a cat", model=FLUX)
    assert "stopped the bot in this server" in _reply(refused)
    assert_refused(world.env, ServerBlockedError)
    await assert_nothing_spent(world.env, world.guild.id, sandbox.state.stats())

    await operator.slash("operator unblock-server", server=str(world.guild.id))
    await world.alice.slash(world.channel, "imagine", prompt="a cat", model=FLUX)
    assert len(await _job_ids(world)) == 1


async def test_show_puts_the_whole_policy_on_one_embed(world: World) -> None:
    lab = world.guild.create_text_channel("lab")
    await _admin(world, "policy channels add", channel=lab)
    await _admin(world, "policy channels mode", mode="listed")
    await _admin(world, "policy models deny", target="audio")
    await _admin(world, "policy blocklist add", term="harbour")
    await _admin(world, "policy block", member=world.bob)

    shown = await world.admin.slash(world.channel, "policy show")

    embed: discord.Embed = shown.response.embeds[0]
    fields = {f.name: f.value or "" for f in embed.fields}
    assert lab.mention in fields["Channels"]
    assert "audio models not allowed in this server" in fields["Model rules"]
    assert fields["Blocklist"].startswith("1 terms of this server")
    assert "harbour" not in str(embed.to_dict())  # terms are listed by `blocklist list` only
    assert world.bob.mention in fields["Blocked members"]


async def test_the_message_commands_offer_only_allowed_models(world: World) -> None:
    await _admin(world, "policy models deny", target=FLUX)
    message = await world.bob.send(world.channel, "my sketch", attachments=[("sketch.png", png_bytes())])

    shown = await world.alice.context_menu(world.channel, "Use as reference", message)

    offered = [option["value"] for row in shown.modal["components"]
               for option in (row.get("component") or {}).get("options", [])]
    assert offered and FLUX not in offered
