"""/healthz and /metrics scraped from the running bot, healthy and unhealthy."""

from __future__ import annotations

import socket

import httpx
import simcord
from prometheus_client.parser import text_string_to_metric_families

from bot.config import Settings
from bot.sandbox.server import SandboxServer

from .conftest import World, restart
from .helpers import bot_of, run_for


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _serving(env: simcord.Env, settings: Settings, **changes: object) -> str:
    port = _free_port()
    await restart(env, settings.model_copy(update={"health_port": port, **changes}))
    return f"http://127.0.0.1:{port}"


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


async def test_a_healthy_bot_and_its_metrics(world: World, settings: Settings, sandbox: SandboxServer) -> None:
    origin = await _serving(world.env, settings)
    await world.alice.slash(world.channel, "imagine", prompt="a kite", model="flux-2-flash")
    await run_for(world.env, 30)

    async with httpx.AsyncClient(base_url=origin) as http:
        health = await http.get("/healthz")
        metrics = await http.get("/metrics")

    assert (health.status_code, health.json()) == (200, {"status": "healthy", "reasons": []})
    samples = _samples(metrics.text)
    assert samples[("vivix_bot_jobs", (("status", "delivered"),))] == 1
    assert samples[("vivix_bot_queue_length", ())] == 0
    assert samples[("vivix_bot_queue_paused", ())] == 0
    assert samples[("vivix_bot_api_calls_total", (("endpoint", "POST /generate"), ("status", "201")))] == 1
    assert samples[("vivix_bot_api_calls_total", (("endpoint", "GET /generations/{id}"), ("status", "200")))] >= 1
    job = (await bot_of(world.env).services.ledger.guild_status(world.guild.id))
    assert samples[("vivix_bot_credits_settled_total", ())] == job.spent_total > 0
    assert samples[("vivix_bot_credits_held_total", ())] > 0
    assert samples[("vivix_bot_wallet_balance_credits", ())] == sandbox.state.balance("vvx_sandbox_pro")
    assert samples[("vivix_bot_poll_delay_seconds_count", ())] == 1


async def test_unhealthy_when_the_database_or_the_api_fails(
    world: World, settings: Settings, sandbox: SandboxServer
) -> None:
    origin = await _serving(world.env, settings, health_api_max_age=60)
    sandbox.state.revoke_key("vvx_sandbox_pro")
    sandbox.state.set_balance("vvx_sandbox_pro", 5)
    await world.alice.slash(world.channel, "imagine", prompt="a kite", model="flux-2-flash")
    await run_for(world.env, 120)  # past HEALTH_API_MAX_AGE with every call refused

    async with httpx.AsyncClient(base_url=origin) as http:
        api_down = await http.get("/healthz")
        paused = _samples((await http.get("/metrics")).text)
        await bot_of(world.env).services.db.close()
        db_down = await http.get("/healthz")

    assert api_down.status_code == 503
    assert [r for r in api_down.json()["reasons"] if r.startswith("no successful API call in the last 60s")]
    assert paused[("vivix_bot_queue_paused", ())] == 1
    assert paused[("vivix_bot_api_calls_total", (("endpoint", "POST /generate"), ("status", "401")))] == 1
    assert db_down.status_code == 503
    assert "database did not accept a write (DatabaseClosedError)" in db_down.json()["reasons"]
