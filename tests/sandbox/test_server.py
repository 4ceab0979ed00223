"""The threaded server: ports, lifetimes, and use beside another event loop."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from bot.sandbox import SandboxClock, SandboxServer, SandboxState
from tests.sandbox.conftest import IMAGE, PRO, auth


def test_binds_an_ephemeral_port_and_stops() -> None:
    server = SandboxServer(SandboxState())
    with pytest.raises(RuntimeError):
        _ = server.port
    server.start()
    try:
        assert server.port > 0
        assert server.base_url == f"http://127.0.0.1:{server.port}/api/v1"
        assert httpx.get(server.base_url + "/models", headers=auth(PRO)).status_code == 200
        with pytest.raises(RuntimeError):
            server.start()
    finally:
        server.stop()
    server.stop()  # a second stop is harmless


def test_port_in_use_fails_to_start(server: SandboxServer) -> None:
    with pytest.raises(RuntimeError):
        SandboxServer(SandboxState(), port=server.port).start()


def test_can_restart_on_the_same_state() -> None:
    server = SandboxServer(SandboxState())
    with server:
        first = httpx.post(server.base_url + "/generate", json=IMAGE, headers=auth(PRO)).json()
    with server:
        again = httpx.get(f"{server.base_url}/generations/{first['generation_id']}", headers=auth(PRO))
        assert again.status_code == 200


async def test_runs_beside_the_tests_own_event_loop(server: SandboxServer, clock: SandboxClock) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, headers=auth(PRO)) as client:
        created = await asyncio.gather(*(client.post("/generate", json=IMAGE) for _ in range(5)))
        assert [a.status_code for a in created] == [201] * 5
        clock.advance(30)
        polls = await asyncio.gather(
            *(client.get(f"/generations/{a.json()['generation_id']}") for a in created)
        )
        assert {p.json()["status"] for p in polls} == {"completed"}
