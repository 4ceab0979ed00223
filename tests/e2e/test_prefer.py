"""/prefer and /quota defaults through SimCord: preferences fill what a member leaves empty, what a
member gives wins, a preference the model does not take is left out with a note on the status
message, a member's own wins over the server's, refusals are private, and all of it lasts."""

from __future__ import annotations

import simcord

from bot.config import Settings
from bot.jobs import Job
from bot.workspace.errors import BadPreferenceValueError, ModelPreferenceNeedsKindError, UnknownPreferenceError

from .conftest import World, restart
from .helpers import assert_refused, bot_of, run_for

FLUX, GROK = "flux-2-flash", "grok-imagine-image-quality"


async def _prefer(member: simcord.MemberActor, world: World, name: str, value: str) -> str:
    answer = await member.slash(world.channel, "prefer set", name=name, value=value)
    assert answer.ephemeral and answer.response is not None
    return answer.response.content


async def _imagine(world: World, member: simcord.MemberActor, **options: object
                   ) -> tuple[Job, simcord.InteractionResult]:
    answer = await member.slash(world.channel, "imagine", prompt="a lighthouse", **options)
    services = bot_of(world.env).services
    async with services.db.read() as conn:
        job_id = await conn.fetch_value("SELECT id FROM jobs ORDER BY created_at DESC, rowid DESC LIMIT 1")
    job = await services.generation.get(str(job_id))
    assert job is not None and job.member_id == member.id
    return job, answer


def _note(answer: simcord.InteractionResult) -> str | None:
    """The notes sent to the member alone beside the public status (which progress edits redraw)."""
    assert answer.response is not None and not answer.response.ephemeral
    private = [m for m in answer.followups if m.ephemeral]
    assert len(private) <= 1 and len(answer.followups) == len(private)
    return private[0].content if private else None


async def test_a_preference_fills_what_the_member_leaves_empty(world: World) -> None:
    reply = await _prefer(world.alice, world, "aspect_ratio", "16:9")
    assert reply.startswith("✅ `aspect_ratio` = `16:9`")

    job, answer = await _imagine(world, world.alice, model=FLUX)
    assert job.request["aspect_ratio"] == "16:9" and _note(answer) is None
    bobs, _ = await _imagine(world, world.bob, model=FLUX)
    assert "aspect_ratio" not in bobs.request  # alice's preference is hers


async def test_what_the_member_gives_wins_over_a_preference(world: World) -> None:
    await _prefer(world.alice, world, "aspect_ratio", "16:9")

    given, _ = await _imagine(world, world.alice, model=FLUX, aspect_ratio="1:1")
    typed, _ = await _imagine(world, world.alice, model=FLUX, options="aspect_ratio=9:16")
    assert (given.request["aspect_ratio"], typed.request["aspect_ratio"]) == ("1:1", "9:16")


async def test_a_preference_the_model_does_not_take_is_left_out_with_a_note(world: World) -> None:
    await _prefer(world.alice, world, "resolution", "4K")
    await _prefer(world.alice, world, "aspect_ratio", "4:5")

    on_flux, answer = await _imagine(world, world.alice, model=FLUX)
    assert "resolution" not in on_flux.request and "aspect_ratio" not in on_flux.request
    assert not answer.ephemeral  # the job runs: a preference is never an error
    assert _note(answer) == ("📝 Your `aspect_ratio=4:5` was not used: FLUX.2 Flash does not take that value "
                             "(1:1, 16:9, 9:16).\n📝 Your `resolution` was not used: FLUX.2 Flash has no such option.")
    await run_for(world.env, 30)  # rendered and posted: the note is still there for the member
    assert _note(answer) is not None and answer.response.embeds[0].title == "✅ Done"
    on_grok, answer = await _imagine(world, world.alice, model=GROK)
    assert (on_grok.request["resolution"], on_grok.request["aspect_ratio"]) == ("4K", "4:5")
    assert _note(answer) is None


async def test_a_members_preference_wins_over_the_servers_default(world: World) -> None:
    admin_reply = await world.admin.slash(world.channel, "quota defaults set", name="aspect_ratio", value="9:16")
    assert admin_reply.ephemeral and admin_reply.response.content.startswith("✅ Server default `aspect_ratio`")
    await world.admin.slash(world.channel, "quota defaults set", name="model:image", value=GROK)
    await _prefer(world.bob, world, "aspect_ratio", "16:9")
    await _prefer(world.bob, world, "model:image", FLUX)

    alices, answer = await _imagine(world, world.alice)
    bobs, _ = await _imagine(world, world.bob)
    own_choice, _ = await _imagine(world, world.alice, model=FLUX)
    assert (alices.model, alices.request["aspect_ratio"]) == (GROK, "9:16")
    assert (bobs.model, bobs.request["aspect_ratio"]) == (FLUX, "16:9")
    assert (own_choice.model, own_choice.request["aspect_ratio"]) == (FLUX, "9:16")
    assert _note(answer) is None

    shown = await world.bob.slash(world.channel, "prefer show")
    fields = {f.name: f.value for f in shown.response.embeds[0].fields}
    assert shown.ephemeral
    assert fields["Yours"] == f"`aspect_ratio` = `16:9`\n`model:image` = `{FLUX}`"
    assert fields["Server defaults"] == (f"~~`aspect_ratio` = `9:16`~~ (yours wins)\n"
                                         f"~~`model:image` = `{GROK}`~~ (yours wins)")
    await world.admin.slash(world.channel, "quota defaults unset", name="aspect_ratio")
    after, _ = await _imagine(world, world.alice)
    assert "aspect_ratio" not in after.request and after.model == GROK


async def test_members_cannot_set_the_servers_defaults(world: World) -> None:
    assert "quota defaults set" not in world.alice.available_commands(world.channel)
    assert {"prefer set", "prefer show", "prefer unset", "prefer clear"} <= set(
        world.alice.available_commands(world.channel))


async def test_refusals_are_private_clear_and_store_nothing(world: World) -> None:
    unknown = await world.alice.slash(world.channel, "prefer set", name="colour", value="red")
    assert unknown.ephemeral
    assert unknown.response.content.startswith("❌ No model here takes an option `colour`. Preferences can be: ")
    assert "`aspect_ratio`" in unknown.response.content and "Nothing was changed." in unknown.response.content
    assert_refused(world.env, UnknownPreferenceError)

    bad = await world.alice.slash(world.channel, "prefer set", name="aspect_ratio", value="2:1")
    assert bad.ephemeral
    assert bad.response.content == ("❌ `2:1` does not fit `aspect_ratio`: no model that takes it accepts that value. "
                                    "Allowed: 1:1, 4:5, 9:16, 16:9. Nothing was changed.")
    assert_refused(world.env, BadPreferenceValueError)

    bare = await world.alice.slash(world.channel, "prefer set", name="model", value=FLUX)
    assert bare.ephemeral and "`model:image`" in bare.response.content
    assert_refused(world.env, ModelPreferenceNeedsKindError)

    admin_bad = await world.admin.slash(world.channel, "quota defaults set", name="model:image", value="kling-3-video")
    assert admin_bad.ephemeral and "is a video model" in admin_bad.response.content
    assert_refused(world.env, BadPreferenceValueError)

    found = await bot_of(world.env).services.preferences.of(world.guild.id, world.alice.id)
    assert (found.values(), found.values(server=True)) == ({}, {})


async def test_name_and_value_autocomplete(world: World) -> None:
    names = await world.alice.autocomplete(world.channel, "prefer set", "name", "asp")
    assert [c["value"] for c in names] == ["aspect_ratio"]
    every = await world.alice.autocomplete(world.channel, "prefer set", "name", "")
    assert 0 < len(every) <= 25 and every[0]["value"] == "model:image"
    values = await world.alice.autocomplete(world.channel, "prefer set", "value", "", name="aspect_ratio")
    assert {c["value"] for c in values} == {"1:1", "4:5", "9:16", "16:9"}
    models = await world.alice.autocomplete(world.channel, "prefer set", "value", "gr", name="model:image")
    assert [c["value"] for c in models] == [GROK]


async def test_unset_and_clear(world: World) -> None:
    await _prefer(world.alice, world, "aspect_ratio", "16:9")
    await _prefer(world.alice, world, "negative_prompt", "blurry")

    done = await world.alice.slash(world.channel, "prefer unset", name="aspect_ratio")
    assert done.ephemeral and done.response.content.startswith("✅ Forgot `aspect_ratio`")
    again = await world.alice.slash(world.channel, "prefer unset", name="aspect_ratio")
    assert again.response.content == "❌ You have no preference `aspect_ratio`. Nothing was changed."
    world.env.errors  # noqa: B018  (reading them acknowledges the handled refusal)
    cleared = await world.alice.slash(world.channel, "prefer clear")
    assert cleared.response.content == "✅ Forgot 1 preference."
    job, _ = await _imagine(world, world.alice, model=FLUX)
    assert "negative_prompt" not in job.request and "aspect_ratio" not in job.request


async def test_preferences_take_effect_at_once_and_survive_a_restart(world: World, settings: Settings) -> None:
    await _prefer(world.alice, world, "negative_prompt", "blurry")
    await world.admin.slash(world.channel, "quota defaults set", name="aspect_ratio", value="16:9")

    await restart(world.env, settings)

    job, _ = await _imagine(world, world.alice, model=FLUX)
    assert (job.request["negative_prompt"], job.request["aspect_ratio"]) == ("blurry", "16:9")
    shown = await world.admin.slash(world.channel, "quota defaults show")
    assert {f.name: f.value for f in shown.response.embeds[0].fields}["Defaults"] == "`aspect_ratio` = `16:9`"
