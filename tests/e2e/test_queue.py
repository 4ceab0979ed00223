"""Members see where their job stands and can cancel a waiting one; admins any job; all refunded."""

from __future__ import annotations

import pytest

from bot.config import Settings
from bot.generation import CancelRefusedError
from bot.sandbox.faults import Fault
from bot.sandbox.server import SandboxServer

from .conftest import World, restart
from .helpers import assert_refused, bot_of, results_for, run_for


@pytest.fixture
async def one_slot(world: World, sandbox: SandboxServer) -> World:
    """The key runs one job at a time, so the others wait in line."""
    sandbox.state.add_key("vvx_sandbox_pro", concurrent_jobs=1)
    await bot_of(world.env).services.catalog.refresh()
    return world


async def _job_ids(world: World) -> list[str]:
    async with bot_of(world.env).services.db.read() as conn:
        rows = await conn.fetch_all("SELECT id FROM jobs ORDER BY created_at, rowid")
    return [str(row[0]) for row in rows]


async def test_positions_are_shown_and_move_up(one_slot: World) -> None:
    world = one_slot
    slow = "grok-imagine-image-quality"  # about 12 s a job
    first = await world.alice.slash(world.channel, "imagine", prompt="one", model=slow)
    second = await world.bob.slash(world.channel, "imagine", prompt="two", model=slow)
    third = await world.admin.slash(world.channel, "imagine", prompt="three", model=slow)

    assert first.response.embeds[0].title == "🎨 Rendering"
    assert second.response.embeds[0].title == "⏳ Queued · position 1"
    assert third.response.embeds[0].title == "⏳ Queued · position 2"

    for _ in range(60):  # until the first finishes and the second starts
        await run_for(world.env, 1)
        if first.response.embeds[0].title == "✅ Done":
            break
    await run_for(world.env, 5)  # one edit gap, for the trailing position update

    assert first.response.embeds[0].title == "✅ Done"
    assert second.response.embeds[0].title == "🎨 Rendering"
    assert third.response.embeds[0].title == "⏳ Queued · position 1"


async def test_rendering_shows_an_estimated_progress_bar(world: World) -> None:
    result = await world.alice.slash(world.channel, "video", prompt="waves", model="wan-2.7-text-to-video")

    await run_for(world.env, 45)

    fields = {f.name: f.value for f in result.response.embeds[0].fields}
    assert "▰" in fields["Progress"] and "▱" in fields["Progress"]
    assert "of about 1:30" in fields["Progress"]


async def test_queue_show_lists_waiting_and_rendering(one_slot: World) -> None:
    world = one_slot
    await world.alice.slash(world.channel, "imagine", prompt="first light", model="flux-2-flash")
    await world.bob.slash(world.channel, "imagine", prompt="second wind", model="flux-2-flash")

    result = await world.bob.slash(world.channel, "queue show")

    assert result.ephemeral
    fields = {f.name: f.value for f in result.response.embeds[0].fields}
    assert "first light" in fields["Rendering (1)"]
    assert "second wind" in fields["Waiting (1)"] and "#1" in fields["Waiting (1)"]


async def test_a_member_cancels_their_waiting_job_for_a_full_refund(one_slot: World) -> None:
    world = one_slot
    await world.alice.slash(world.channel, "imagine", prompt="keep", model="flux-2-flash")
    waiting = await world.bob.slash(world.channel, "imagine", prompt="drop", model="flux-2-flash")
    job_id = (await _job_ids(world))[1]
    ledger = bot_of(world.env).services.ledger
    held_before = (await ledger.guild_status(world.guild.id)).held
    job_held = (await bot_of(world.env).services.generation.get(job_id)).held  # type: ignore[union-attr]

    choices = await world.bob.autocomplete(world.channel, "queue cancel", "job", "")
    assert [c["value"] for c in choices] == [job_id]
    result = await world.bob.slash(world.channel, "queue cancel", job=job_id)

    assert result.ephemeral
    assert "Cancelled your job" in result.response.content
    assert waiting.response.embeds[0].title == "🚫 Cancelled, credits returned"
    status = await ledger.guild_status(world.guild.id)
    assert status.held == held_before - job_held
    assert f"{job_held} credits were returned" in result.response.content
    hold = await ledger.get_hold(job_id)
    assert hold is not None and hold.status == "released"
    await run_for(world.env, 60)
    assert world.env.bot is not None
    job = await bot_of(world.env).services.generation.get(job_id)
    assert job is not None and job.generation_id is None, "never sent to the API"


async def test_only_the_owner_or_an_admin_may_cancel(one_slot: World) -> None:
    world = one_slot
    await world.alice.slash(world.channel, "imagine", prompt="running", model="flux-2-flash")
    await world.bob.slash(world.channel, "imagine", prompt="bob's", model="flux-2-flash")
    running_id, bobs_id = await _job_ids(world)

    by_alice = await world.alice.slash(world.channel, "queue cancel", job=bobs_id)
    assert "someone else's job" in by_alice.response.content
    assert_refused(world.env, CancelRefusedError)
    on_running = await world.alice.slash(world.channel, "queue cancel", job=running_id)
    assert "already rendering; only a server admin can cancel it" in on_running.response.content
    assert_refused(world.env, CancelRefusedError)
    assert [c["value"] for c in await world.alice.autocomplete(world.channel, "queue cancel", "job", "")] == []

    by_admin = await world.admin.slash(world.channel, "queue cancel", job=bobs_id[:8])
    assert f"Cancelled <@{world.bob.id}>'s job" in by_admin.response.content


@pytest.mark.parametrize("restart_meanwhile", [False, True])
async def test_an_admin_cancels_a_rendering_job(
    world: World, sandbox: SandboxServer, settings: Settings, restart_meanwhile: bool
) -> None:
    status_message = await world.alice.slash(world.channel, "video", prompt="rude", model="wan-2.7-text-to-video")
    [job_id] = await _job_ids(world)
    await run_for(world.env, 10)  # rendering now
    choices = await world.admin.autocomplete(world.channel, "queue cancel", "job", "")
    assert [c["value"] for c in choices] == [job_id] and choices[0]["name"].startswith("rendering")

    result = await world.admin.slash(world.channel, "queue cancel", job=job_id)

    assert result.ephemeral
    assert f"Cancelled <@{world.alice.id}>'s job" in result.response.content
    assert "its result is not posted" in result.response.content
    await run_for(world.env, 5)  # the status message is edited at most every 5 s
    assert status_message.response.embeds[0].title.startswith("🚫 Cancelled · finishing at the service")
    again = await world.admin.slash(world.channel, "queue cancel", job=job_id)
    assert "already cancelled" in again.response.content
    assert_refused(world.env, CancelRefusedError)
    if restart_meanwhile:
        await restart(world.env, settings)
    await run_for(world.env, 300)  # the service renders it to the end all the same

    services = bot_of(world.env).services
    job = await services.generation.get(job_id)
    assert job is not None and job.status == "delivered" and job.outcome == "cancelled"
    assert job.cancelled_by == world.admin.id
    assert job.output_urls, "the API's result is kept in the job's record"
    assert sandbox.state.stats().generations_created == 1
    [told] = results_for(world.channel, job_id)  # the member is told; the picture is not shown
    assert "your job was cancelled by a server admin" in told.content
    assert all(embed.image.url is None for embed in told.embeds)
    assert not any(url in told.content for url in job.output_urls)
    assert status_message.response.embeds[0].title == "🚫 Cancelled, credits returned"
    status = await services.ledger.guild_status(world.guild.id)
    assert (status.held, status.spent_total) == (0, 0)
    hold = await services.ledger.get_hold(job_id)
    assert hold is not None and hold.status == "released"
    assert (await services.ledger.audit(world.guild.id)).ok


async def test_a_storm_of_429s_loses_nothing(world: World, sandbox: SandboxServer) -> None:
    sandbox.state.inject_fault("generate", Fault.rate_limited(retry_after=3), times=4)
    sandbox.state.inject_fault("generate", Fault(status=429, code="CONCURRENCY_LIMIT", message="busy"), times=3)
    sandbox.state.inject_fault("generation", Fault.rate_limited(retry_after=None), times=6)
    members = [world.alice, world.bob, world.admin]
    for n in range(6):
        await members[n % 3].slash(world.channel, "imagine", prompt=f"storm {n}", model="flux-2-flash")

    await run_for(world.env, 600)

    services = bot_of(world.env).services
    async with services.db.read() as conn:
        rows = await conn.fetch_all("SELECT status, outcome, credits_used FROM jobs")
    assert [(row[0], row[1]) for row in rows] == [("delivered", "completed")] * 6
    assert sandbox.state.stats().generations_created == 6
    assert sandbox.state.stats().faults_served >= 13
    status = await services.ledger.guild_status(world.guild.id)
    assert status.held == 0 and status.spent_total == sum(row[2] for row in rows)
    assert (await services.ledger.audit(world.guild.id)).ok
