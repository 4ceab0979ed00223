"""Operator safety: an empty wallet or a refused key pauses the queue instead of failing every
job; the operators are told once; the bot probes and resumes by itself; passing failures retry."""

from __future__ import annotations

import pytest
import simcord

from bot.config import Settings
from bot.dispatch.errors import AlreadyPausedError, NotPausedError, QueuePausedError
from bot.jobs import JobStatus
from bot.sandbox.server import SandboxServer

from .conftest import World, restart
from .helpers import assert_refused, bot_of, results_for, run_for

KEY = "vvx_sandbox_pro"


def flux_hold(world: World) -> int:
    """What one flux-2-flash job holds: the model's top price."""
    model = bot_of(world.env).services.catalog.get("flux-2-flash")
    assert model is not None
    return model.credits_band.max


@pytest.fixture
def log_channel(world: World) -> simcord.ChannelHandle:
    return world.guild.create_text_channel("bot-ops")


@pytest.fixture
async def operator(world: World, settings: Settings, log_channel: simcord.ChannelHandle) -> simcord.UserHandle:
    """An operator in OWNER_IDS, and a log channel for alerts; the bot restarts to read them."""
    user = world.env.create_user("olga")
    await restart(world.env, settings.model_copy(update={
        "owner_ids": frozenset({user.id}), "operator_log_channel_id": log_channel.id,
        "wallet_alert_below": 0,  # the low-wallet alert has its own test
    }))
    return user


def alerts_to(user: simcord.UserHandle) -> list[str]:
    """The incidents the operator was DM'd about, oldest first."""
    return [embed.footer.text.removeprefix("operator alert · ")
            for message in user.dm_channel.history() for embed in message.embeds
            if (embed.footer.text or "").startswith("operator alert")]


async def _queue_jobs(world: World, count: int) -> list[str]:
    members = [world.guild.add_member(world.env.create_user(f"maker{n}")) for n in range((count + 2) // 3)]
    for n in range(count):
        await members[n % len(members)].slash(world.channel, "imagine", prompt=f"tower {n}", model="flux-2-flash")
    async with bot_of(world.env).services.db.read() as conn:
        rows = await conn.fetch_all("SELECT id FROM jobs ORDER BY created_at, rowid")
    return [str(row[0]) for row in rows]


async def _statuses(world: World) -> dict[str, int]:
    async with bot_of(world.env).services.db.read() as conn:
        rows = await conn.fetch_all("SELECT status, COUNT(*) FROM jobs GROUP BY status")
    return {str(status): int(count) for status, count in rows}


async def test_an_empty_wallet_pauses_the_queue_and_a_top_up_resumes_it(
    world: World, sandbox: SandboxServer, operator: simcord.UserHandle, log_channel: simcord.ChannelHandle
) -> None:
    services = bot_of(world.env).services
    sandbox.state.add_key(KEY, concurrent_jobs=1)  # one renders, the others wait in line
    await services.catalog.refresh()
    job_ids = await _queue_jobs(world, 11)
    sandbox.state.set_balance(KEY, 5)  # the wallet runs dry while the first one renders
    await run_for(world.env, 30)

    # Paused: nothing failed, every hold intact, nothing more generated, the operators told once.
    assert services.dispatcher.paused is not None and services.dispatcher.paused.code == "INSUFFICIENT_CREDITS"
    assert await _statuses(world) == {"delivered": 1, "queued": 10}
    status = await services.ledger.guild_status(world.guild.id)
    assert status.held == 10 * flux_hold(world)
    assert sandbox.state.stats().generations_created == 1
    assert alerts_to(operator) == ["paused"]
    log_posts = [m for m in log_channel.history() if m.embeds]
    assert [m.embeds[0].footer.text for m in log_posts] == ["operator alert · paused"]
    # Every waiting member's public message says why.
    waiting = [m for m in world.channel.history()
               if m.interaction_metadata is not None and not m.embeds[0].title.startswith("✅")]
    assert len(waiting) == 10
    for message in waiting:
        assert message.embeds[0].title.startswith("⏸️ Paused"), message.embeds[0].title
        assert "API wallet is empty" in message.embeds[0].fields[0].value

    # A new request is refused before anything is held.
    refused = await world.alice.slash(world.channel, "imagine", prompt="one more", model="flux-2-flash")
    assert refused.ephemeral and "Generation is paused" in refused.response.content
    assert_refused(world.env, QueuePausedError)
    assert (await services.ledger.guild_status(world.guild.id)).held == 10 * flux_hold(world)

    # The probes keep finding an empty wallet: still paused, no second alert.
    await run_for(world.env, 200)
    assert services.dispatcher.paused is not None
    assert alerts_to(operator) == ["paused"]

    sandbox.state.set_balance(KEY, 100_000)
    await run_for(world.env, 600)

    assert services.dispatcher.paused is None
    assert alerts_to(operator) == ["paused", "resumed"]
    assert await _statuses(world) == {"delivered": 11}
    for job_id in job_ids:
        assert len(results_for(world.channel, job_id)) == 1
    status = await services.ledger.guild_status(world.guild.id)
    assert status.held == 0 and status.spent_total > 0
    assert (await services.ledger.audit(world.guild.id)).ok
    assert sandbox.state.stats().generations_created == 11


async def test_a_revoked_key_pauses_until_it_is_restored(
    world: World, sandbox: SandboxServer, operator: simcord.UserHandle
) -> None:
    sandbox.state.revoke_key(KEY)
    await world.alice.slash(world.channel, "imagine", prompt="a kite", model="flux-2-flash")
    await run_for(world.env, 30)

    services = bot_of(world.env).services
    assert services.dispatcher.paused is not None and services.dispatcher.paused.code == "KEY_INVALID"
    assert await _statuses(world) == {"queued": 1}
    assert alerts_to(operator) == ["paused"]
    paused_dm = operator.dm_channel.history()[-1].embeds[0].description
    assert "KEY_INVALID" in paused_dm and "request req_" in paused_dm
    assert KEY not in paused_dm

    sandbox.state.restore_key(KEY)
    await run_for(world.env, 200)

    assert services.dispatcher.paused is None
    assert alerts_to(operator) == ["paused", "resumed"]
    assert await _statuses(world) == {"delivered": 1}


async def test_a_pause_survives_a_restart(
    world: World, sandbox: SandboxServer, settings: Settings, operator: simcord.UserHandle
) -> None:
    sandbox.state.set_balance(KEY, 5)
    await world.alice.slash(world.channel, "imagine", prompt="a kite", model="flux-2-flash")
    await run_for(world.env, 30)
    fresh = await restart(world.env, bot_of(world.env).settings)

    assert fresh.services.dispatcher.paused is not None
    refused = await world.bob.slash(world.channel, "imagine", prompt="me too", model="flux-2-flash")
    assert "Generation is paused" in refused.response.content
    assert_refused(world.env, QueuePausedError)

    sandbox.state.set_balance(KEY, 100_000)
    await run_for(world.env, 200)
    assert fresh.services.dispatcher.paused is None
    assert await _statuses(world) == {"delivered": 1}
    assert alerts_to(operator) == ["paused", "resumed"]


async def test_a_waiting_job_can_still_be_cancelled_while_paused(
    world: World, sandbox: SandboxServer, operator: simcord.UserHandle
) -> None:
    sandbox.state.set_balance(KEY, 5)
    await world.alice.slash(world.channel, "imagine", prompt="a kite", model="flux-2-flash")
    await run_for(world.env, 30)
    async with bot_of(world.env).services.db.read() as conn:
        job_id = str(await conn.fetch_value("SELECT id FROM jobs"))

    result = await world.alice.slash(world.channel, "queue cancel", job=job_id)

    assert "Cancelled your job" in result.response.content
    status = await bot_of(world.env).services.ledger.guild_status(world.guild.id)
    assert (status.held, status.spent_total) == (0, 0)


async def test_the_low_wallet_alert_comes_once_per_crossing(
    world: World, sandbox: SandboxServer, settings: Settings
) -> None:
    user = world.env.create_user("olga")
    await restart(world.env, settings.model_copy(update={"owner_ids": frozenset({user.id}),
                                                          "wallet_alert_below": 1_000}))
    cost = flux_hold(world)  # the sandbox takes a job's estimate from the wallet at submit
    sandbox.state.set_balance(KEY, 1_000 + cost - 2)
    for prompt in ("one", "two"):  # just below the line after the first, further below after the second
        await world.alice.slash(world.channel, "imagine", prompt=prompt, model="flux-2-flash")
        await run_for(world.env, 30)
    assert alerts_to(user) == ["wallet_low"]
    assert "below the alert threshold of 1,000" in user.dm_channel.history()[-1].embeds[0].description

    sandbox.state.set_balance(KEY, 1_000 + 2 * cost - 2)  # a top-up: the next job leaves it above the line
    for prompt in ("three", "four"):  # above (re-armed), then below again
        await world.alice.slash(world.channel, "imagine", prompt=prompt, model="flux-2-flash")
        await run_for(world.env, 30)
    assert alerts_to(user) == ["wallet_low", "wallet_low"]


async def test_a_passing_failure_is_retried_once_and_delivered(world: World, sandbox: SandboxServer) -> None:
    sandbox.state.fail_next_generations(1, code="PROVIDER_ERROR")
    status_message = await world.alice.slash(world.channel, "imagine", prompt="a kite", model="flux-2-flash")
    titles = []
    for _ in range(60):  # what the member sees, second by second
        await run_for(world.env, 1)
        titles.append(status_message.response.embeds[0].title)
    assert any("retrying after a passing failure" in title for title in titles), titles

    services = bot_of(world.env).services
    async with services.db.read() as conn:
        job_id = str(await conn.fetch_value("SELECT id FROM jobs"))
    job = await services.generation.get(job_id)
    assert job is not None and job.status is JobStatus.DELIVERED and job.outcome == "completed"
    assert len(job.generation_ids) == 2 and job.retries == 1
    assert job.earlier_attempts[0]["error_code"] == "PROVIDER_ERROR"
    assert sandbox.state.stats().generations_created == 2
    posted = results_for(world.channel, job_id)
    assert len(posted) == 1 and "your image is ready" in posted[0].content
    assert (await services.ledger.get_hold(job_id)).charged == job.credits_used  # type: ignore[union-attr]
    assert status_message.response.embeds[0].title.startswith("✅ Done")


async def test_a_second_failure_is_refunded_and_reported(world: World, sandbox: SandboxServer) -> None:
    sandbox.state.fail_next_generations(2, code="PROVIDER_ERROR")
    await world.alice.slash(world.channel, "imagine", prompt="a kite", model="flux-2-flash")
    await run_for(world.env, 60)

    services = bot_of(world.env).services
    async with services.db.read() as conn:
        job_id = str(await conn.fetch_value("SELECT id FROM jobs"))
    job = await services.generation.get(job_id)
    assert job is not None and job.outcome == "failed" and len(job.generation_ids) == 2
    posted = results_for(world.channel, job_id)
    assert len(posted) == 1 and "provider returned an error" in posted[0].content
    status = await services.ledger.guild_status(world.guild.id)
    assert (status.held, status.spent_total) == (0, 0)


async def test_a_submit_the_database_could_not_record_recovers_without_a_restart(
    world: World, sandbox: SandboxServer
) -> None:
    services = bot_of(world.env).services
    async with services.db.transaction() as tx:  # the disk refuses the write that records the submit
        await tx.execute("CREATE TRIGGER refuse_submit BEFORE UPDATE OF status ON jobs "
                         "WHEN NEW.status = 'running' BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END")
    await world.alice.slash(world.channel, "imagine", prompt="a kite", model="flux-2-flash")
    await run_for(world.env, 3)
    assert await _statuses(world) == {"submitting": 1}
    assert sandbox.state.stats().generations_created == 1

    async with services.db.transaction() as tx:  # the disk has room again
        await tx.execute("DROP TRIGGER refuse_submit")
    await run_for(world.env, 60)

    assert await _statuses(world) == {"delivered": 1}
    assert sandbox.state.stats().generations_created == 1  # found again by its key, not made twice
    status = await services.ledger.guild_status(world.guild.id)
    assert status.held == 0 and status.spent_total > 0
    assert (await services.ledger.audit(world.guild.id)).ok


async def test_the_operator_pauses_and_resumes_by_hand(
    world: World, sandbox: SandboxServer, settings: Settings, operator: simcord.UserHandle
) -> None:
    services = bot_of(world.env).services
    sandbox.state.add_key(KEY, concurrent_jobs=1)
    await services.catalog.refresh()
    rendering = await world.alice.slash(world.channel, "imagine", prompt="first", model="grok-imagine-image-quality")
    waiting = await world.bob.slash(world.channel, "imagine", prompt="second", model="flux-2-flash")

    paused = await operator.slash("operator pause", reason="provider maintenance")
    assert paused.ephemeral and "The queue is paused" in paused.response.content
    assert alerts_to(operator) == ["paused"]
    refused = await world.admin.slash(world.channel, "imagine", prompt="third", model="flux-2-flash")
    assert "the operator paused it" in refused.response.content
    assert_refused(world.env, QueuePausedError)
    again = await operator.slash("operator pause")
    assert "already paused" in again.response.content
    assert_refused(world.env, AlreadyPausedError)

    await run_for(world.env, 1200)  # a hand-made pause is never lifted by the probe
    assert rendering.response.embeds[0].title == "✅ Done"  # the running job finished and was posted
    assert waiting.response.embeds[0].title.startswith("⏸️ Paused")
    assert "the operator paused it" in waiting.response.embeds[0].fields[0].value
    fresh = await restart(world.env, bot_of(world.env).settings)
    assert fresh.services.dispatcher.paused is not None

    resumed = await operator.slash("operator resume")
    assert "running again" in resumed.response.content
    await run_for(world.env, 30)
    assert await _statuses(world) == {"delivered": 2}
    assert alerts_to(operator) == ["paused", "resumed"]
    not_paused = await operator.slash("operator resume")
    assert "not paused" in not_paused.response.content
    assert_refused(world.env, NotPausedError)


async def test_a_job_charged_more_than_it_held_is_alerted_once(
    world: World, sandbox: SandboxServer, operator: simcord.UserHandle
) -> None:
    sandbox.state.set_price_factor(KEY, 1.5)  # the account's price override: above the list band
    await world.alice.slash(world.channel, "imagine", prompt="a kite", model="flux-2-flash")
    await run_for(world.env, 60)

    services = bot_of(world.env).services
    async with services.db.read() as conn:
        job_id = str(await conn.fetch_value("SELECT id FROM jobs"))
    job = await services.generation.get(job_id)
    assert job is not None and job.status is JobStatus.DELIVERED
    status = await services.ledger.guild_status(world.guild.id)
    assert status.spent_total == job.held  # the server pays at most what it held
    assert alerts_to(operator) == ["overcharged"]
    alert = operator.dm_channel.history()[-1].embeds[0].description
    assert job.id in alert and f"it held {job.held:,}" in alert
