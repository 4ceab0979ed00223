"""``python -m bot.ops.probe``, the Dockerfile's HEALTHCHECK, run as Docker runs it: a separate process."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable

import pytest

from bot.ops.health import HealthChecks
from bot.ops.metrics import BotMetrics
from bot.ops.probe import healthz_url
from bot.ops.server import HealthServer

from .conftest import Gateway


async def run_probe(**env: str) -> tuple[int, str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("HEALTH_")}
    environ.update(env)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.ops.probe",
        env=environ, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await process.communicate()
    assert process.returncode is not None
    return process.returncode, stderr.decode()


async def test_passes_when_health_is_off() -> None:
    assert await run_probe() == (0, "")
    assert await run_probe(HEALTH_PORT="") == (0, "")


@pytest.fixture
async def server(make_checks: Callable[..., HealthChecks], metrics: BotMetrics) -> HealthServer:
    return HealthServer(make_checks(), metrics, port=0)


async def test_passes_when_healthy_and_fails_with_the_reasons_when_not(
    server: HealthServer, metrics: BotMetrics, gateway: Gateway
) -> None:
    metrics.api_call("GET /models", 200)
    async with server:
        assert await run_probe(HEALTH_PORT=str(server.port)) == (0, "")

        gateway.connected = False
        status, stderr = await run_probe(HEALTH_PORT=str(server.port), HEALTH_HOST="0.0.0.0")
        assert status == 1
        assert "answered 503" in stderr
        assert "discord gateway not connected" in stderr


async def test_fails_when_nothing_answers(server: HealthServer) -> None:
    async with server:
        port = server.port
    status, stderr = await run_probe(HEALTH_PORT=str(port))
    assert status == 1
    assert "did not answer" in stderr


@pytest.mark.parametrize(
    ("host", "url"),
    [
        (None, "http://127.0.0.1:9108/healthz"),
        ("0.0.0.0", "http://127.0.0.1:9108/healthz"),
        ("::", "http://[::1]:9108/healthz"),
        ("10.0.0.5", "http://10.0.0.5:9108/healthz"),
    ],
)
def test_asks_loopback_for_a_wildcard_bind(host: str | None, url: str) -> None:
    environ = {"HEALTH_PORT": "9108"} if host is None else {"HEALTH_PORT": "9108", "HEALTH_HOST": host}
    assert healthz_url(environ) == url
