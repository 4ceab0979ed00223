"""Exactly once across restarts: each named crash point resumes to one generation, one post, one charge."""

from __future__ import annotations

import pytest

from bot.config import Settings
from bot.sandbox.server import SandboxServer

from .conftest import World, restart
from .helpers import FreezeAt, bot_of, only_job_id, results_for, run_for


async def _assert_once(world: World, sandbox: SandboxServer, job_id: str) -> None:
    posted = results_for(world.channel, job_id)
    assert len(posted) == 1, f"posted {len(posted)} times"
    assert sandbox.state.stats().generations_created == 1
    services = bot_of(world.env).services
    job = await services.generation.get(job_id)
    assert job is not None and job.status == "delivered" and job.credits_used
    status = await services.ledger.guild_status(world.guild.id)
    assert (status.held, status.spent_total) == (0, job.credits_used)
    hold = await services.ledger.get_hold(job_id)
    assert hold is not None and hold.status == "settled" and hold.charged == job.credits_used
    assert (await services.ledger.audit(world.guild.id)).ok


@pytest.mark.parametrize("point", ["before_submit", "submit_accepted", "terminal_seen", "after_finish", "after_post"])
async def test_a_crash_at_each_point_still_delivers_once(
    world: World, sandbox: SandboxServer, settings: Settings, point: str
) -> None:
    crash = FreezeAt(world.env, point)
    bot_of(world.env).services.dispatcher.checkpoint = crash
    await world.alice.slash(world.channel, "imagine", prompt="a red kite", model="flux-2-flash")
    job_id = await only_job_id(world.env)
    await run_for(world.env, 60)  # the job reaches the crash point and stops there
    assert crash.frozen == [job_id], f"the {point} checkpoint never fired"

    await restart(world.env, settings)
    await run_for(world.env, 60)

    await _assert_once(world, sandbox, job_id)


async def test_a_restart_mid_render_resumes_polling(
    world: World, sandbox: SandboxServer, settings: Settings
) -> None:
    await world.alice.slash(world.channel, "video", prompt="waves", model="wan-2.7-text-to-video")
    job_id = await only_job_id(world.env)
    await run_for(world.env, 20)
    assert results_for(world.channel, job_id) == []

    await restart(world.env, settings)
    await run_for(world.env, 300)

    await _assert_once(world, sandbox, job_id)


async def test_queued_jobs_survive_a_restart(
    world: World, sandbox: SandboxServer, settings: Settings
) -> None:
    sandbox.state.add_key("vvx_sandbox_pro", concurrent_jobs=1)  # one slot: the rest must wait
    bot_of(world.env).services.catalog.invalidate()
    await bot_of(world.env).services.catalog.refresh()
    for member, prompt in ((world.alice, "one"), (world.bob, "two"), (world.admin, "three")):
        await member.slash(world.channel, "imagine", prompt=prompt, model="flux-2-flash")

    await restart(world.env, settings)
    await run_for(world.env, 200)

    async with bot_of(world.env).services.db.read() as conn:
        rows = await conn.fetch_all("SELECT status FROM jobs")
    assert [row[0] for row in rows] == ["delivered"] * 3
    assert sandbox.state.stats().generations_created == 3
    assert sandbox.state.stats().throttled_by_code["CONCURRENCY_LIMIT"] == 0


async def test_learned_render_times_survive_a_restart(world: World, settings: Settings) -> None:
    model = "kling-3-video"
    documented = bot_of(world.env).services.dispatcher.plan.expected(model, "video")
    await world.alice.slash(world.channel, "video", prompt="a slow pan", model=model)
    job_id = await only_job_id(world.env)
    await run_for(world.env, 300)
    job = await bot_of(world.env).services.generation.get(job_id)
    assert job is not None and job.result is not None
    took = job.result["duration_ms"] / 1000
    assert bot_of(world.env).services.dispatcher.plan.expected(model, "video") == pytest.approx(took)

    await restart(world.env, settings)

    assert bot_of(world.env).services.dispatcher.plan.expected(model, "video") == pytest.approx(took)
    assert took != pytest.approx(documented)
