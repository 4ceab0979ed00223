"""The buttons under a result: each starts a job through the same path as a command, charged to
whoever clicks; they keep working after a restart; refusals are private and cost nothing."""

from __future__ import annotations

import discord
import pytest
import simcord
from pydantic import SecretStr

from bot.config import Settings
from bot.jobs import Job, JobStatus
from bot.sandbox.server import SandboxServer
from bot.ui.result_buttons import custom_id

from .conftest import World, restart
from .helpers import FreezeAt, bot_of, results_for, run_for

FLUX = "flux-2-flash"


async def _jobs(world: World) -> list[Job]:
    services = bot_of(world.env).services
    async with services.db.read() as conn:
        rows = await conn.fetch_all("SELECT id FROM jobs ORDER BY created_at, rowid")
    return [job for row in rows if (job := await services.generation.get(str(row[0]))) is not None]


async def _made(world: World, member: simcord.MemberActor, prompt: str = "a lighthouse", **options: object
                ) -> tuple[Job, discord.Message]:
    """A delivered result of ``member``'s, and its posted message."""
    await member.slash(world.channel, "imagine", prompt=prompt, model=options.pop("model", FLUX), **options)
    await run_for(world.env, 30)
    job = (await _jobs(world))[-1]
    posted = results_for(world.channel, job.id)
    assert job.status is JobStatus.DELIVERED and len(posted) == 1
    return job, posted[0]


async def _spent(world: World, member: simcord.MemberActor) -> int:
    status = await bot_of(world.env).services.ledger.member_status(world.guild.id, member.id)
    return status.cycle_used


def _labels(message: discord.Message) -> list[str]:
    return [child.label or "" for row in message.components for child in row.children]  # type: ignore[attr-defined]


async def test_a_result_offers_its_actions_with_their_costs(world: World) -> None:
    _, posted = await _made(world, world.alice, number_results=2)
    labels = _labels(posted)
    assert [label.split(" · ")[0] for label in labels] == [
        "Re-roll", "Vary x2", "Vary x4", "Remix", "Upscale 1", "Upscale 2", "Animate 1", "Animate 2", "Info", "Report",
        "Delete",
    ]
    flux = bot_of(world.env).services.catalog.get(FLUX)
    assert flux is not None
    assert f"Re-roll · {2 * flux.credits_band.max:,} cr" in labels  # the same request: two images
    assert f"Vary x4 · {4 * flux.credits_band.max:,} cr" in labels


@pytest.mark.parametrize(("action", "n"), [("reroll", None), ("vary", 2)])
async def test_a_click_makes_a_new_job_for_the_clicker(world: World, sandbox: SandboxServer, action: str,
                                                       n: int | None) -> None:
    source, posted = await _made(world, world.alice, seed=5000)
    alice_spent = await _spent(world, world.alice)

    clicked = await world.bob.click(posted, custom_id=custom_id(action, source.id, n))
    assert not clicked.ephemeral and clicked.response.embeds[0].title.startswith(("⏳", "🎨"))
    await run_for(world.env, 30)

    made = (await _jobs(world))[-1]
    assert (made.member_id, made.source_job_id, made.action) == (world.bob.id, source.id, action)
    assert made.prompt == source.prompt and made.request["seed"] != source.request.get("seed")
    if n is not None:
        assert made.request["number_results"] == n
        assert abs(made.request["seed"] - source.request["seed"]) <= 1000
    assert len(results_for(world.channel, made.id)) == 1
    assert await _spent(world, world.bob) == made.credits_used
    assert await _spent(world, world.alice) == alice_spent  # the author pays nothing for bob's click
    assert (await bot_of(world.env).services.ledger.audit(world.guild.id)).ok


async def test_remix_opens_a_prefilled_form_and_runs_the_edit(world: World) -> None:
    source, posted = await _made(world, world.alice, aspect_ratio="16:9")

    form = await world.bob.click(posted, custom_id=custom_id("remix", source.id))
    assert form.modal is not None
    fields = {c["custom_id"]: c.get("value") for row in form.modal["components"] for c in row["components"]}
    assert fields == {"prompt": "a lighthouse", "options": "aspect_ratio=16:9"}
    await world.bob.submit_modal(form, {"prompt": "a lighthouse at night", "options": "aspect_ratio=1:1"})
    await run_for(world.env, 30)

    made = (await _jobs(world))[-1]
    assert (made.prompt, made.request["aspect_ratio"], made.action) == ("a lighthouse at night", "1:1", "remix")
    assert made.member_id == world.bob.id and len(results_for(world.channel, made.id)) == 1


async def test_upscale_and_animate_use_the_chosen_image(world: World, sandbox: SandboxServer) -> None:
    source, posted = await _made(world, world.alice, number_results=2)

    await world.bob.click(posted, custom_id=custom_id("upscale", source.id, 2))
    form = await world.bob.click(posted, custom_id=custom_id("animate", source.id, 1))
    await world.bob.submit_modal(form, {"prompt": "the waves roll in", "duration": "5"})
    await run_for(world.env, 200)

    upscale, animate = (await _jobs(world))[-2:]
    posted_images = [a.url for a in posted.attachments]  # the posted copies: they outlive the API's links
    assert len(posted_images) == 2
    assert (upscale.model, upscale.request["reference_images"]) == ("topaz-upscale", [posted_images[1]])
    assert (animate.model, animate.request["reference_images"]) == ("kling-3-video", [posted_images[0]])
    assert (animate.prompt, animate.request["duration"]) == ("the waves roll in", 5)
    for job in (upscale, animate):
        assert job.member_id == world.bob.id and len(results_for(world.channel, job.id)) == 1


async def test_no_upscale_or_animate_when_no_model_fits(world: World, settings: Settings) -> None:
    await restart(world.env, settings.model_copy(update={"vivix_api_key": SecretStr("vvx_sandbox_limited")}))
    _, posted = await _made(world, world.alice)
    labels = [label.split(" · ")[0] for label in _labels(posted)]
    assert "Upscale" not in labels and "Animate" not in labels and "Re-roll" in labels


async def test_info_tells_how_it_was_made(world: World) -> None:
    source, posted = await _made(world, world.alice, seed=1234)

    info = await world.bob.click(posted, custom_id=custom_id("info", source.id))

    assert info.ephemeral
    fields = {field.name: field.value for field in info.response.embeds[0].fields}
    assert fields["Seed"] == "`1234`" and fields["Made by"] == f"<@{world.alice.id}>"
    assert f"{source.held:,} held · {source.credits_used:,} used" == fields["Credits"]
    assert '"prompt": "a lighthouse"' in fields["Request"]
    assert info.response.embeds[0].footer.text.startswith(f"job {source.id}")


async def test_only_the_author_or_a_moderator_may_delete(world: World) -> None:
    source, posted = await _made(world, world.alice)
    spent = await _spent(world, world.alice)

    refused = await world.bob.click(posted, custom_id=custom_id("delete", source.id))
    assert refused.ephemeral and "Only the person who made this" in refused.response.content
    assert len(results_for(world.channel, source.id)) == 1

    mods = world.guild.create_role("Mods", permissions=discord.Permissions(manage_messages=True))
    moderator = world.guild.add_member(world.env.create_user("mo"), roles=[mods])
    deleted = await moderator.click(posted, custom_id=custom_id("delete", source.id))
    assert deleted.ephemeral and "Deleted" in deleted.response.content
    assert results_for(world.channel, source.id) == []
    job = await bot_of(world.env).services.generation.get(source.id)
    assert job is not None and job.deleted_by == moderator.id
    assert await _spent(world, world.alice) == spent  # the ledger stays as it was


async def test_buttons_work_after_a_restart(world: World, settings: Settings, sandbox: SandboxServer) -> None:
    source, posted = await _made(world, world.alice)
    await restart(world.env, settings)

    clicked = await world.bob.click(posted, custom_id=custom_id("reroll", source.id))
    await run_for(world.env, 30)

    assert not clicked.ephemeral
    made = (await _jobs(world))[-1]
    assert made.source_job_id == source.id and len(results_for(world.channel, made.id)) == 1


async def test_a_vanished_model_is_explained_with_the_nearest_one(
    world: World, settings: Settings, sandbox: SandboxServer
) -> None:
    source, posted = await _made(world, world.alice)
    sandbox.state.add_key("vvx_sandbox_pro", allowlist=["grok-imagine-image-quality", "kling-3-video"])
    await restart(world.env, settings)

    clicked = await world.bob.click(posted, custom_id=custom_id("reroll", source.id))

    assert clicked.ephemeral
    assert "`flux-2-flash` is no longer offered" in clicked.response.content
    assert "`grok-imagine-image-quality`" in clicked.response.content
    assert len(await _jobs(world)) == 1 and sandbox.state.stats().generations_created == 1


async def test_a_click_past_a_cap_is_refused_with_nothing_held(world: World, sandbox: SandboxServer) -> None:
    source, posted = await _made(world, world.alice)
    await world.admin.slash(world.channel, "quota member-cap", member=world.bob, per_day="1")

    clicked = await world.bob.click(posted, custom_id=custom_id("reroll", source.id))

    assert clicked.ephemeral and "daily credit limit does not cover this" in clicked.response.content
    assert len(await _jobs(world)) == 1
    assert (await bot_of(world.env).services.ledger.guild_status(world.guild.id)).held == 0


async def test_a_double_click_makes_one_job(world: World, sandbox: SandboxServer) -> None:
    source, posted = await _made(world, world.alice)

    first = await world.bob.click(posted, custom_id=custom_id("reroll", source.id))
    second = await world.bob.click(posted, custom_id=custom_id("reroll", source.id))

    assert not first.ephemeral
    assert second.ephemeral and "You just started that" in second.response.content
    assert len(await _jobs(world)) == 2


async def test_a_failed_job_is_retried_from_its_button(world: World, sandbox: SandboxServer) -> None:
    await world.alice.slash(world.channel, "imagine", prompt="a storm [fail]", model=FLUX)
    await run_for(world.env, 60)
    failed = (await _jobs(world))[-1]
    posted = results_for(world.channel, failed.id)[0]
    assert failed.outcome == "failed"
    assert [label.split(" · ")[0] for label in _labels(posted)] == ["Retry", "Info", "Delete"]

    await world.alice.click(posted, custom_id=custom_id("retry", failed.id))
    await run_for(world.env, 60)

    retried = (await _jobs(world))[-1]
    assert (retried.action, retried.source_job_id, retried.request) == ("retry", failed.id, failed.request)
    assert len(results_for(world.channel, retried.id)) == 1


async def test_a_deleted_result_says_so(world: World) -> None:
    source, posted = await _made(world, world.alice)
    info_before = await world.bob.click(posted, custom_id=custom_id("info", source.id))
    assert info_before.ephemeral
    async with bot_of(world.env).services.db.transaction() as tx:
        await tx.execute("UPDATE jobs SET deleted_by = ?, deleted_at = '2026-12-01T00:00:00.000000Z' WHERE id = ?",
                         (world.alice.id, source.id))

    clicked = await world.bob.click(posted, custom_id=custom_id("reroll", source.id))

    assert clicked.ephemeral and "That result was deleted" in clicked.response.content
    assert len(await _jobs(world)) == 1


@pytest.mark.parametrize("point", ["before_submit", "submit_accepted"])
async def test_a_click_just_before_a_crash_makes_one_job(
    world: World, settings: Settings, sandbox: SandboxServer, point: str
) -> None:
    source, posted = await _made(world, world.alice)
    crash = FreezeAt(world.env, point)
    bot_of(world.env).services.dispatcher.checkpoint = crash

    clicked = await world.bob.click(posted, custom_id=custom_id("reroll", source.id))
    assert not clicked.ephemeral  # acknowledged: the job is held and stored
    await run_for(world.env, 10)
    made = (await _jobs(world))[-1]
    assert crash.frozen == [made.id]
    await restart(world.env, settings)
    await run_for(world.env, 60)

    assert len(await _jobs(world)) == 2
    assert sandbox.state.stats().generations_created == 2  # the source's and one for the click
    assert len(results_for(world.channel, made.id)) == 1
    assert (await bot_of(world.env).services.ledger.audit(world.guild.id)).ok
