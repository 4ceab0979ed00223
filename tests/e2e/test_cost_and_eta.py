"""What a member sees of a job's cost and wait: the exact hold, what is left near a cap, a
confirmation above the server's threshold (nothing held until then), and when it will start."""

from __future__ import annotations

import re

import pytest
import simcord

from bot.config import Settings
from bot.sandbox.server import SandboxServer

from .conftest import World, restart
from .helpers import assert_nothing_spent, bot_of, only_job_id, run_for

IMAGE = "grok-imagine-image-quality"  # holds 211 at 1K, about 12 s a job
VIDEO = "wan-2.7-text-to-video"  # about 90 s a job
STAMP = re.compile(r"<t:(\d+):R>")


@pytest.fixture
async def one_slot(world: World, sandbox: SandboxServer) -> World:
    """The key runs one job at a time, so the others wait in line."""
    sandbox.state.add_key("vvx_sandbox_pro", concurrent_jobs=1)
    await bot_of(world.env).services.catalog.refresh()
    return world


def fields(result: simcord.InteractionResult) -> dict[str, str]:
    assert result.response is not None
    return {field.name: field.value for field in result.response.embeds[0].fields}


def estimate(result: simcord.InteractionResult) -> tuple[int, int]:
    """(start, finish) of the "Estimate" field, as Unix seconds."""
    start, end = (int(stamp) for stamp in STAMP.findall(fields(result)["Estimate"]))
    return start, end


def now(world: World) -> float:
    return world.env.now().timestamp()


async def test_near_a_day_cap_the_queued_message_shows_the_hold_and_what_is_left(one_slot: World) -> None:
    world = one_slot
    await world.admin.slash(world.channel, "quota member-cap", member=world.alice, per_day="600")
    await world.bob.slash(world.channel, "imagine", prompt="ahead", model=IMAGE, resolution="1K")

    waiting = await world.alice.slash(world.channel, "imagine", prompt="mine", model=IMAGE, resolution="1K")
    roomy = await world.bob.slash(world.channel, "imagine", prompt="no cap", model=IMAGE, resolution="1K")

    assert waiting.response is not None and waiting.response.embeds[0].title == "⏳ Queued · position 1"
    assert fields(waiting)["Credits"] == "211 held · 389 left today"
    assert fields(roomy)["Credits"] == "211 held"  # 4,578 left in the server's allowance: not near
    await run_for(world.env, 3)  # position updates come and go; the figure stays while it waits
    assert fields(waiting)["Credits"] == "211 held · 389 left today"


async def test_the_estimate_counts_the_jobs_ahead_and_moves_up_when_one_leaves(one_slot: World) -> None:
    world = one_slot
    await world.alice.slash(world.channel, "video", prompt="first", model=VIDEO)
    behind_one = await world.bob.slash(world.channel, "video", prompt="second", model=VIDEO)
    behind_two = await world.admin.slash(world.channel, "imagine", prompt="third", model=IMAGE, resolution="1K")
    asked_at = now(world)

    bob_start, bob_end = estimate(behind_one)
    admin_start, admin_end = estimate(behind_two)
    # Bob waits for one 90 s video, the admin for two; shown rounded up to the minute.
    assert asked_at + 90 <= bob_start <= asked_at + 90 + 2 + 60
    assert bob_end >= bob_start + 60
    assert asked_at + 180 <= admin_start <= asked_at + 180 + 4 + 60
    assert admin_start <= admin_end <= admin_start + 60

    job_ids = await _job_ids(world)
    await world.bob.slash(world.channel, "queue cancel", job=job_ids[1])
    await run_for(world.env, 3)

    assert behind_two.response is not None and behind_two.response.embeds[0].title == "⏳ Queued · position 1"
    moved_start, _ = estimate(behind_two)
    assert moved_start < admin_start  # refreshed with the position: one video less to wait for
    assert now(world) + 90 - 15 <= moved_start <= asked_at + 90 + 2 + 60


async def test_a_job_that_starts_at_once_shows_no_estimate(world: World) -> None:
    result = await world.alice.slash(world.channel, "imagine", prompt="now", model=IMAGE, resolution="1K")
    assert result.response is not None and result.response.embeds[0].title == "🎨 Rendering"
    assert "Estimate" not in fields(result)


async def _job_ids(world: World) -> list[str]:
    async with bot_of(world.env).services.db.read() as conn:
        rows = await conn.fetch_all("SELECT id FROM jobs ORDER BY created_at, rowid")
    return [str(row[0]) for row in rows]


# -- confirming the exact cost ------------------------------------------------------------------


async def _ask(world: World) -> simcord.InteractionResult:
    set_it = await world.admin.slash(world.channel, "quota confirm-above", amount="200")
    assert set_it.response is not None and "more than **200** credits" in set_it.response.content
    await world.admin.slash(world.channel, "quota member-cap", member=world.alice, per_day="1000")
    return await world.alice.slash(world.channel, "imagine", prompt="dear", model=IMAGE, resolution="1K")


async def test_above_the_threshold_the_member_confirms_the_exact_hold_first(
    world: World, sandbox: SandboxServer
) -> None:
    prompt = await _ask(world)

    assert prompt.ephemeral and prompt.response is not None
    assert "holds **211 credits**" in prompt.response.content
    assert "After it: **789 left today**" in prompt.response.content
    labels = [c["label"] for row in prompt.response.components for c in row["components"]]
    assert labels == ["Confirm · 211 cr", "Cancel"]
    await assert_nothing_spent(world.env, world.guild.id, sandbox.state.stats())

    confirmed = await world.alice.click(prompt.response, label="Confirm · 211 cr")

    assert prompt.response.content == "✅ Confirmed." and prompt.response.components == []
    [status] = confirmed.followups
    assert not status.ephemeral and status.embeds[0].title == "🎨 Rendering"
    assert {f.name: f.value for f in status.embeds[0].fields}["Credits"] == "211 held"
    assert (await bot_of(world.env).services.ledger.guild_status(world.guild.id)).held == 211
    job_id = await only_job_id(world.env)
    await run_for(world.env, 30)
    job = await bot_of(world.env).services.generation.get(job_id)
    assert job is not None and job.status.value == "delivered" and job.member_id == world.alice.id
    assert [c["label"] for row in prompt.response.components for c in row["components"]] == []  # no second go


async def test_cancelling_the_prompt_holds_nothing(world: World, sandbox: SandboxServer) -> None:
    prompt = await _ask(world)
    assert prompt.response is not None

    await world.alice.click(prompt.response, label="Cancel")

    assert prompt.response.content == "✖️ Cancelled. Nothing was held."
    await run_for(world.env, 10)
    await assert_nothing_spent(world.env, world.guild.id, sandbox.state.stats())


async def test_an_unanswered_prompt_expires_after_a_minute(world: World, sandbox: SandboxServer) -> None:
    prompt = await _ask(world)
    assert prompt.response is not None

    await run_for(world.env, 61)
    late = await world.alice.click(prompt.response, label="Confirm · 211 cr")

    assert late.ephemeral and late.response is not None
    assert "expired after 60 s" in late.response.content and "Nothing was held" in late.response.content
    await assert_nothing_spent(world.env, world.guild.id, sandbox.state.stats())


async def test_a_prompt_still_works_after_a_restart_within_its_minute(world: World, settings: Settings) -> None:
    prompt = await _ask(world)
    assert prompt.response is not None
    await restart(world.env, settings)

    confirmed = await world.alice.click(prompt.response, label="Confirm · 211 cr")

    [status] = confirmed.followups
    assert status.embeds[0].title in ("⏳ Queued", "🎨 Rendering")
    assert (await bot_of(world.env).services.ledger.guild_status(world.guild.id)).held == 211


async def test_a_confirmed_request_is_checked_again(world: World, sandbox: SandboxServer) -> None:
    prompt = await _ask(world)
    assert prompt.response is not None
    await world.admin.slash(world.channel, "quota member-cap", member=world.alice, per_day="100")

    refused = await world.alice.click(prompt.response, label="Confirm · 211 cr")

    assert refused.ephemeral and refused.response is not None
    assert "Your daily credit limit does not cover this: it needs **211** credits and **100** are left" in (
        refused.response.content)
    await assert_nothing_spent(world.env, world.guild.id, sandbox.state.stats())


async def test_with_the_threshold_off_nothing_is_asked(world: World) -> None:
    await world.admin.slash(world.channel, "quota confirm-above", amount="100")
    off = await world.admin.slash(world.channel, "quota confirm-above", amount="off")
    assert off.response is not None and "no longer asked" in off.response.content

    result = await world.alice.slash(world.channel, "imagine", prompt="go", model=IMAGE, resolution="1K")

    assert not result.ephemeral and result.response is not None
    assert result.response.embeds[0].title == "🎨 Rendering"
