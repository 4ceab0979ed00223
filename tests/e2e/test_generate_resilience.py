"""What goes wrong in between: a cancel racing the submit, Discord or the API failing for a moment."""

from __future__ import annotations

from bot.config import Settings
from bot.generation import CancelRefusedError
from bot.jobs import Job
from bot.sandbox.faults import Fault
from bot.sandbox.server import SandboxServer

from .conftest import World, restart
from .helpers import FreezeAt, bot_of, only_job_id, results_for, run_for


async def _delivered_once(world: World, sandbox: SandboxServer, job_id: str, *, via: str = "channel") -> Job:
    services = bot_of(world.env).services
    job = await services.generation.get(job_id)
    assert job is not None and job.status == "delivered" and job.delivered_via == via
    assert sandbox.state.stats().generations_created == 1
    hold = await services.ledger.get_hold(job_id)
    assert hold is not None and hold.status == "settled" and hold.charged == job.credits_used
    assert (await services.ledger.audit(world.guild.id)).ok
    return job


async def test_a_cancel_while_the_submit_is_under_way_is_refused(world: World, sandbox: SandboxServer) -> None:
    services = bot_of(world.env).services
    refusals: list[str] = []

    async def cancel_mid_submit(point: str, job: Job) -> None:
        if point == "before_submit":
            try:
                await services.generation.cancel(job.guild_id, job.id, job.member_id, is_admin=False)
            except CancelRefusedError as err:
                refusals.append(err.message)

    services.dispatcher.checkpoint = cancel_mid_submit
    await world.alice.slash(world.channel, "imagine", prompt="racing", model="flux-2-flash")
    job_id = await only_job_id(world.env)
    await run_for(world.env, 60)

    assert refusals == ["❌ That job is being sent to the service right now; it can no longer be cancelled."]
    await _delivered_once(world, sandbox, job_id)
    assert len(results_for(world.channel, job_id)) == 1


async def test_a_passing_discord_error_delays_the_post_without_losing_it(
    world: World, sandbox: SandboxServer
) -> None:
    await world.alice.slash(world.channel, "imagine", prompt="patience", model="flux-2-flash")
    job_id = await only_job_id(world.env)
    world.env.inject_error("POST", f"/channels/{world.channel.id}/messages", status=503, times=1)

    await run_for(world.env, 15)  # the job finishes; the first post fails
    assert results_for(world.channel, job_id) == []
    job = await bot_of(world.env).services.generation.get(job_id)
    assert job is not None and job.status == "finished", "not recorded as delivered"
    await run_for(world.env, 30)  # the retry

    assert len(results_for(world.channel, job_id)) == 1
    await _delivered_once(world, sandbox, job_id)


async def test_an_unreadable_answer_to_the_submit_is_retried_with_the_same_key(
    world: World, sandbox: SandboxServer
) -> None:
    sandbox.state.inject_fault("generate", Fault(status=201, message="<html>oops</html>"))

    await world.alice.slash(world.channel, "imagine", prompt="garbled", model="flux-2-flash")
    job_id = await only_job_id(world.env)
    await run_for(world.env, 60)

    job = await _delivered_once(world, sandbox, job_id)
    assert job.attempts >= 2
    assert len(results_for(world.channel, job_id)) == 1


async def test_unreadable_status_answers_do_not_end_the_job(world: World, sandbox: SandboxServer) -> None:
    sandbox.state.inject_fault("generation", Fault(status=200, message="not json"), times=3)

    await world.alice.slash(world.channel, "imagine", prompt="noisy", model="flux-2-flash")
    job_id = await only_job_id(world.env)
    await run_for(world.env, 120)

    await _delivered_once(world, sandbox, job_id)


async def test_a_dm_posted_just_before_a_crash_is_not_sent_again(
    world: World, sandbox: SandboxServer, settings: Settings
) -> None:
    import discord

    guild = world.guild
    muted = guild.create_text_channel(
        "read-only", overwrites={guild.me: discord.PermissionOverwrite(send_messages=False)}
    )
    crash = FreezeAt(world.env, "after_post")
    bot_of(world.env).services.dispatcher.checkpoint = crash
    await world.alice.slash(muted, "imagine", prompt="quiet", model="flux-2-flash")
    job_id = await only_job_id(world.env)
    await run_for(world.env, 60)
    assert crash.frozen == [job_id]

    await restart(world.env, settings)
    await run_for(world.env, 60)

    assert len(results_for(world.alice.user.dm_channel, job_id)) == 1
    await _delivered_once(world, sandbox, job_id, via="dm")
