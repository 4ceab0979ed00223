"""Injected HTTP faults and the counters kept for tests and benchmarks."""

from __future__ import annotations

import httpx
import pytest

from bot.sandbox import Fault, SandboxServer, SandboxState
from tests.sandbox.conftest import IMAGE, PRO


def test_503_without_json_then_normal(client: httpx.Client, state: SandboxState) -> None:
    state.inject_fault("generate", Fault.unavailable())
    down = client.post("/generate", json=IMAGE)
    assert down.status_code == 503
    assert not down.headers["content-type"].startswith("application/json")
    with pytest.raises(ValueError):
        down.json()
    assert state.stats().generations_created == 0
    assert state.balance(PRO) == 15000
    assert client.post("/generate", json=IMAGE).status_code == 201


def test_faults_target_a_route_for_n_requests(client: httpx.Client, state: SandboxState) -> None:
    generation_id = client.post("/generate", json=IMAGE).json()["generation_id"]
    state.inject_fault("generation", Fault.server_error(), times=2)
    assert client.get("/models").status_code == 200  # another route is untouched
    for _ in range(2):
        broken = client.get(f"/generations/{generation_id}")
        assert broken.status_code == 500
        assert broken.json()["error"] == "INTERNAL_ERROR"
    assert client.get(f"/generations/{generation_id}").status_code == 200
    assert state.stats().faults_served == 2


def test_injected_429_with_and_without_retry_after(client: httpx.Client, state: SandboxState) -> None:
    state.inject_fault("*", Fault.rate_limited(retry_after=2))
    state.inject_fault("*", Fault.rate_limited(retry_after=None))
    with_header = client.get("/models")
    without = client.get("/models")
    assert (with_header.status_code, with_header.headers["Retry-After"]) == (429, "2")
    assert without.status_code == 429 and "Retry-After" not in without.headers
    assert without.json()["error"] == "RATE_LIMIT"
    assert client.get("/models").status_code == 200
    assert state.stats().throttled_by_code["RATE_LIMIT"] == 2


def test_delay_provokes_a_client_timeout(client: httpx.Client, state: SandboxState) -> None:
    state.inject_fault("models", Fault.slow(2.0))
    with pytest.raises(httpx.ReadTimeout):
        client.get("/models", timeout=0.2)
    assert client.get("/models").status_code == 200  # the fault was used once


def test_unknown_route_name_is_refused(state: SandboxState) -> None:
    with pytest.raises(ValueError):
        state.inject_fault("generations", Fault.server_error())


def test_admin_endpoints(server: SandboxServer, client: httpx.Client) -> None:
    with httpx.Client(base_url=server.origin) as admin:
        queued = admin.post("/_sandbox/faults", json={"route": "models", "status": 502, "times": 1})
        assert queued.status_code == 201
        assert client.get("/models").status_code == 502
        admin.post("/_sandbox/faults", json={"route": "models", "status": 500, "code": "X", "times": 5})
        admin.delete("/_sandbox/faults")
        assert client.get("/models").status_code == 200
        assert admin.post("/_sandbox/faults", json={"route": "nowhere"}).status_code == 400
        stats = admin.get("/_sandbox/stats").json()
        assert stats["requests_by_route"]["models"] == 2
        assert stats["responses_by_status"]["502"] == 1


def test_counters(client: httpx.Client, state: SandboxState) -> None:
    client.get("/models")
    generation_id = client.post("/generate", json=IMAGE).json()["generation_id"]
    for _ in range(3):
        client.get(f"/generations/{generation_id}")
    stats = state.stats()
    assert stats.requests_by_route == {"models": 1, "generate": 1, "generation": 3}
    assert stats.status_polls == 3
    assert stats.generations_created == 1
    assert stats.responses_by_status == {200: 4, 201: 1}
    assert stats.responses_429 == 0
    state.reset_stats()
    assert state.stats().status_polls == 0
