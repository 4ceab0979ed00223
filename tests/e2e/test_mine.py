"""/mine through SimCord: a member's own posted results, newest first, 5 a page, filtered by model,
kind and prompt text; paging that survives a restart; Re-roll, Info and Share from the gallery."""

from __future__ import annotations

import discord
import pytest
import simcord

from bot.config import Settings
from bot.jobs import Job
from bot.ui.result_buttons import custom_id
from bot.workspace.errors import NotShareableError

from .conftest import World, restart
from .helpers import assert_refused, bot_of, results_for, run_for

FLUX, GROK, SONG = "flux-2-flash", "grok-imagine-image-quality", "stable-audio-2.5"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"default_max_in_flight": 20})  # a member's whole history at once


async def _jobs(world: World) -> dict[str, Job]:
    """Every job by its prompt."""
    services = bot_of(world.env).services
    async with services.db.read() as conn:
        rows = await conn.fetch_all("SELECT id FROM jobs ORDER BY created_at, rowid")
    found = [await services.generation.get(str(row[0])) for row in rows]
    return {job.prompt: job for job in found if job is not None}


async def _history(world: World) -> dict[str, Job]:
    """Alice: seven foxes (the first later deleted), a whale on another model and a song; bob: a fox."""
    for n in range(1, 8):
        await world.alice.slash(world.channel, "imagine", prompt=f"a red fox {n}", model=FLUX)
    await world.alice.slash(world.channel, "imagine", prompt="a blue whale", model=GROK, resolution="1K")
    await world.alice.slash(world.channel, "audio", prompt="a fox song", duration=5)
    await world.bob.slash(world.channel, "imagine", prompt="bob's red fox", model=FLUX)
    await run_for(world.env, 120)
    jobs = await _jobs(world)
    first = jobs["a red fox 1"]
    [posted] = results_for(world.channel, first.id)
    await world.alice.click(posted, custom_id=custom_id("delete", first.id))
    return jobs


def _prompts(result: simcord.InteractionResult) -> list[str]:
    assert result.response is not None
    return [embed.description or "" for embed in result.response.embeds]


def _buttons(result: simcord.InteractionResult) -> dict[str, dict[str, object]]:
    assert result.response is not None
    return {b["label"]: b for row in result.response.components for b in row["components"]}


async def test_the_gallery_pages_newest_first_and_its_buttons_survive_a_restart(
    world: World, settings: Settings
) -> None:
    await _history(world)

    first = await world.alice.slash(world.channel, "mine")

    assert first.ephemeral
    assert _prompts(first) == ["a fox song", "a blue whale", "a red fox 7", "a red fox 6", "a red fox 5"]
    assert "8 results · page 1 of 2" in first.response.content  # not bob's, not the deleted one
    assert _buttons(first)["Previous"].get("disabled") is True
    await restart(world.env, settings)

    second = await world.alice.click(first.response, label="Next")
    assert _prompts(second) == ["a red fox 4", "a red fox 3", "a red fox 2"]
    assert "page 2 of 2" in second.response.content and _buttons(second)["Next"].get("disabled") is True
    back = await world.alice.click(second.response, label="Previous")
    assert _prompts(back)[0] == "a fox song"


async def test_filters_hold_across_pages_and_a_restart(world: World, settings: Settings) -> None:
    await _history(world)

    foxes = await world.alice.slash(world.channel, "mine", contains="RED fox")
    assert _prompts(foxes) == [f"a red fox {n}" for n in (7, 6, 5, 4, 3)]
    assert foxes.response.content.startswith("🖼️ **Your results in this server** · prompt holds “RED fox”")
    await restart(world.env, settings)
    rest = await world.alice.click(foxes.response, label="Next")
    assert _prompts(rest) == ["a red fox 2"] and "6 results · page 2 of 2" in rest.response.content

    by_model = await world.alice.slash(world.channel, "mine", model=GROK)
    by_kind = await world.alice.slash(world.channel, "mine", category="audio")
    both = await world.alice.slash(world.channel, "mine", category="image", contains="whale")
    assert (_prompts(by_model), _prompts(by_kind), _prompts(both)) == (["a blue whale"], ["a fox song"],
                                                                        ["a blue whale"])
    assert "Previous" not in _buttons(by_model)  # one page: no paging
    none = await world.alice.slash(world.channel, "mine", contains="unicorn")
    assert _prompts(none) == [] and none.response.content.endswith("Nothing matches these filters.")


async def test_an_entry_shows_its_image_cost_date_and_a_link_to_the_post(world: World) -> None:
    jobs = await _history(world)
    whale = jobs["a blue whale"]

    result = await world.alice.slash(world.channel, "mine", model=GROK)

    embed = result.response.embeds[0]
    fields = {f.name: f.value for f in embed.fields}
    assert embed.title == "1. Grok Imagine Image Quality"
    assert embed.thumbnail.url == whale.output_urls[0]
    assert fields["Cost"] == f"{whale.credits_used:,} credits"
    assert fields["Made"].startswith(f"<t:{int(whale.created_at.timestamp())}:f>")
    [posted] = results_for(world.channel, whale.id)
    link = f"https://discord.com/channels/{world.guild.id}/{world.channel.id}/{posted.id}"
    assert fields["Result"] == f"[Jump to the post]({link})"
    song = (await world.alice.slash(world.channel, "mine", category="audio")).response.embeds[0]
    assert song.thumbnail.url is None  # a sound has no picture
    ids = {label: b["custom_id"] for label, b in _buttons(result).items()}
    assert ids == {f"Re-roll 1 · {whale.held:,} cr": custom_id("reroll", whale.id),
                   "Info 1": custom_id("info", whale.id), "Share 1": f"vx:mine:share:{whale.id}"}


async def test_reroll_and_info_from_the_gallery_work_as_under_the_result(world: World) -> None:
    jobs = await _history(world)
    whale = jobs["a blue whale"]
    gallery = await world.alice.slash(world.channel, "mine", model=GROK)

    info = await world.alice.click(gallery.response, label="Info 1")
    assert info.ephemeral and info.response.embeds[0].title == "\u2139\ufe0f How this was made"
    again = await world.alice.click(gallery.response, label=f"Re-roll 1 · {whale.held:,} cr")
    assert not again.ephemeral and again.response.embeds[0].title.startswith(("⏳", "🎨"))
    await run_for(world.env, 30)

    made = [j for j in (await _jobs(world)).values() if j.source_job_id == whale.id]
    assert len(made) == 1 and (made[0].member_id, made[0].action, made[0].model) == (world.alice.id, "reroll", GROK)
    assert len(results_for(world.channel, made[0].id)) == 1


async def test_share_posts_one_result_publicly_with_its_buttons(world: World) -> None:
    jobs = await _history(world)
    whale = jobs["a blue whale"]
    gallery = await world.alice.slash(world.channel, "mine", model=GROK)

    shared = await world.alice.click(gallery.response, label="Share 1")

    assert not shared.ephemeral
    message = shared.response
    assert message.content == f"📣 <@{world.alice.id}> shares a result"
    embed = message.embeds[0]
    assert embed.description == "a blue whale" and embed.image.url == whale.output_urls[0]
    assert embed.footer.text == f"shared from job {whale.short_id}"  # never taken for the result's own post
    labels = [b["label"].split(" · ")[0] for row in message.components for b in row["components"]]
    assert "Re-roll" in labels and "Info" in labels and "Delete" not in labels
    bobs = await world.bob.click(message, custom_id=custom_id("reroll", whale.id))
    assert not bobs.ephemeral
    made = [j for j in (await _jobs(world)).values() if j.source_job_id == whale.id]
    assert [j.member_id for j in made] == [world.bob.id]  # charged to whoever clicks


async def test_the_share_option_posts_a_chosen_result(world: World) -> None:
    jobs = await _history(world)
    whale = jobs["a blue whale"]

    choices = await world.alice.autocomplete(world.channel, "mine", "share", "whale")
    assert [c["value"] for c in choices] == [whale.id]
    shared = await world.alice.slash(world.channel, "mine", share=whale.id)

    assert not shared.ephemeral
    assert shared.response.content == f"📣 <@{world.alice.id}> shares a result"
    assert shared.response.embeds[0].footer.text == f"shared from job {whale.short_id}"
    bobs_fox = jobs["bob's red fox"]
    refused = await world.alice.slash(world.channel, "mine", share=bobs_fox.id)
    assert refused.ephemeral and "Only the member who made a result can share it" in refused.response.content
    assert_refused(world.env, NotShareableError)


async def test_model_autocomplete_offers_the_members_own_models(world: World) -> None:
    await _history(world)
    choices = await world.alice.autocomplete(world.channel, "mine", "model", "")
    assert [c["value"] for c in choices] == [FLUX, GROK, SONG]
    assert [c["value"] for c in await world.bob.autocomplete(world.channel, "mine", "model", "")] == [FLUX]
    kinds = await world.alice.autocomplete(world.channel, "mine", "category", "au")
    assert [c["value"] for c in kinds] == ["audio"]


async def test_an_empty_gallery_says_how_to_fill_it(world: World) -> None:
    result = await world.bob.slash(world.channel, "mine")
    assert result.ephemeral and result.response.embeds == [] and result.response.components == []
    assert result.response.content.endswith("Nothing yet: make something with `/imagine`.")
    assert isinstance(result.response.message, discord.Message)
