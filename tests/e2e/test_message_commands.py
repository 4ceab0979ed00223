"""Right-click -> Apps on any message with an image: "Use as reference" and "Animate"."""

from __future__ import annotations

from bot.actions.errors import NoSuchActionError
from bot.sandbox.server import SandboxServer

from .conftest import World
from .helpers import assert_nothing_spent, assert_refused, bot_of, png_bytes, results_for, run_for


async def _only_job(world: World):  # type: ignore[no-untyped-def]
    services = bot_of(world.env).services
    async with services.db.read() as conn:
        job_id = str(await conn.fetch_value("SELECT id FROM jobs"))
    return await services.generation.get(job_id)


def _options(shown) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    found = []
    for row in shown.modal["components"]:
        component = row.get("component") or {}
        for option in component.get("options", []):
            found.append((option["value"], option.get("description", "")))
    return found


async def test_a_members_image_becomes_a_reference(world: World, sandbox: SandboxServer) -> None:
    message = await world.bob.send(world.channel, "my sketch", attachments=[("sketch.png", png_bytes())])

    shown = await world.alice.context_menu(world.channel, "Use as reference", message)
    assert shown.modal is not None
    offered = _options(shown)
    assert ("flux-2-flash", "flux-2-flash · up to 12 credits") in offered
    assert "topaz-upscale" in [slug for slug, _ in offered]
    assert "kling-3-video" not in [slug for slug, _ in offered]
    await world.alice.submit_modal(shown, {"model": ["flux-2-flash"], "prompt": "the same, in watercolour"})
    await run_for(world.env, 30)

    job = await _only_job(world)
    assert job is not None and job.member_id == world.alice.id and job.action == "reference"
    assert job.request["reference_images"] == [message.attachments[0].url]
    assert len(results_for(world.channel, job.id)) == 1


async def test_animate_a_posted_result(world: World, sandbox: SandboxServer) -> None:
    await world.alice.slash(world.channel, "imagine", prompt="a harbour", model="flux-2-flash")
    await run_for(world.env, 30)
    first = await _only_job(world)
    posted = results_for(world.channel, first.id)[0]

    shown = await world.bob.context_menu(world.channel, "Animate", posted)
    assert [slug for slug, _ in _options(shown)] == ["kling-3-video"]
    await world.bob.submit_modal(shown, {"model": ["kling-3-video"], "prompt": "boats drift out"})
    await run_for(world.env, 200)

    services = bot_of(world.env).services
    async with services.db.read() as conn:
        rows = await conn.fetch_all("SELECT id FROM jobs WHERE action = 'animate'")
    animate = await services.generation.get(str(rows[0][0]))
    assert animate is not None and animate.member_id == world.bob.id
    assert animate.request["reference_images"] == [posted.attachments[0].url]  # the posted copy
    assert len(results_for(world.channel, animate.id)) == 1


async def test_a_message_without_an_image_is_refused(world: World, sandbox: SandboxServer) -> None:
    message = await world.bob.send(world.channel, "just words")

    refused = await world.alice.context_menu(world.channel, "Use as reference", message)

    assert refused.ephemeral and "no image to use" in refused.response.content
    assert_refused(world.env, NoSuchActionError)
    await assert_nothing_spent(world.env, world.guild.id, sandbox.state.stats())
