"""Failures are refunded and explained; results reach the member even without the channel."""

from __future__ import annotations

import discord
import httpx

from bot.config import Settings
from bot.sandbox.faults import Fault
from bot.sandbox.server import SandboxServer

from .conftest import World, restart
from .helpers import bot_of, only_job_id, results_for, run_for


async def _ledger(world: World):  # type: ignore[no-untyped-def]
    return await bot_of(world.env).services.ledger.guild_status(world.guild.id)


async def test_a_failed_job_is_refunded_and_said_so(world: World) -> None:
    await world.alice.slash(world.channel, "imagine", prompt="this one breaks [fail]",
                            model="flux-2-flash")
    job_id = await only_job_id(world.env)

    await run_for(world.env, 60)

    posted = results_for(world.channel, job_id)
    assert len(posted) == 1
    assert "your generation failed" in posted[0].content
    assert "credits were returned" in posted[0].content
    status = await _ledger(world)
    assert (status.held, status.spent_total) == (0, 0)
    assert status.allowance_remaining == status.allowance
    assert (await bot_of(world.env).services.ledger.audit(world.guild.id)).ok


async def test_the_apis_own_422_is_explained_and_refunded(world: World, sandbox: SandboxServer) -> None:
    sandbox.state.inject_fault("generate", Fault(status=422, code="INVALID_PARAMS",
                                                 message="prompt violates the content policy"))

    await world.alice.slash(world.channel, "imagine", prompt="something odd", model="flux-2-flash")
    job_id = await only_job_id(world.env)

    posted = results_for(world.channel, job_id)
    assert len(posted) == 1
    assert "The service refused the request (prompt violates the content policy)" in posted[0].content
    assert (await _ledger(world)).held == 0


async def test_a_lost_job_is_released(world: World, sandbox: SandboxServer) -> None:
    await world.alice.slash(world.channel, "imagine", prompt="forgotten", model="flux-2-flash")
    job_id = await only_job_id(world.env)
    sandbox.state.inject_fault("generation", Fault(status=404, code="NOT_FOUND", message="gone"), times=1)

    await run_for(world.env, 60)

    posted = results_for(world.channel, job_id)
    assert "lost track of this job" in posted[0].content
    assert (await _ledger(world)).held == 0


async def test_several_images_are_all_shown(world: World) -> None:
    await world.alice.slash(world.channel, "imagine", prompt="four cats", model="flux-2-flash",
                            number_results=3)
    job_id = await only_job_id(world.env)

    await run_for(world.env, 60)

    message = results_for(world.channel, job_id)[0]
    images = [embed.image.url for embed in message.embeds if embed.image]
    assert len(images) == 3 and len(set(images)) == 3


async def test_video_comes_as_a_file_with_the_seed(world: World) -> None:
    await world.alice.slash(world.channel, "video", prompt="neon street", model="wan-2.7-text-to-video",
                            duration=4, seed=42)
    job_id = await only_job_id(world.env)

    await run_for(world.env, 300)

    message = results_for(world.channel, job_id)[0]
    assert "your video is ready" in message.content and "/files/" not in message.content
    assert [a.content_type for a in message.attachments] == ["video/mp4"]
    assert "seed 42" in message.embeds[0].fields[0].value


async def test_a_result_over_the_upload_limit_comes_as_a_link(world: World, settings: Settings) -> None:
    await restart(world.env, settings.model_copy(update={"media_max_bytes": 50}))  # under every sandbox file
    await world.alice.slash(world.channel, "video", prompt="neon street", model="wan-2.7-text-to-video", duration=4)
    await world.alice.slash(world.channel, "imagine", prompt="a fox", model="flux-2-flash")
    await run_for(world.env, 300)

    async with bot_of(world.env).services.db.read() as conn:
        video_id, image_id = [str(row[0]) for row in await conn.fetch_all("SELECT id FROM jobs ORDER BY rowid")]
    video = results_for(world.channel, video_id)[0]
    assert "/files/" in video.content and video.attachments == []
    image = results_for(world.channel, image_id)[0]
    assert image.attachments == [] and image.embeds[0].image.url.startswith("http://127.0.0.1:")


async def test_a_posted_result_outlives_the_apis_link(world: World, sandbox: SandboxServer) -> None:
    sandbox.state.retention_seconds = 60  # the API keeps outputs a minute after they end
    await world.alice.slash(world.channel, "imagine", prompt="a fox", model="flux-2-flash")
    job_id = await only_job_id(world.env)
    await run_for(world.env, 200)

    job = await bot_of(world.env).services.generation.get(job_id)
    assert job is not None
    message = results_for(world.channel, job_id)[0]
    async with httpx.AsyncClient() as http:
        assert (await http.get(job.output_urls[0])).status_code == 404  # the API's link is gone
    assert (await message.attachments[0].read()).startswith(b"\x89PNG")  # the post still shows it


async def test_without_channel_access_the_result_goes_by_dm(world: World) -> None:
    guild = world.guild
    muted = guild.create_text_channel(
        "read-only", overwrites={guild.me: discord.PermissionOverwrite(send_messages=False)}
    )

    result = await world.alice.slash(muted, "imagine", prompt="quiet lake", model="flux-2-flash")
    assert not result.ephemeral
    job_id = await only_job_id(world.env)
    await run_for(world.env, 60)

    dms = results_for(world.alice.user.dm_channel, job_id)
    assert len(dms) == 1
    assert "could not post in the channel" in dms[0].content
    job = await bot_of(world.env).services.generation.get(job_id)
    assert job is not None and job.delivered_via == "dm"
    assert (await _ledger(world)).spent_total == job.credits_used
