"""Idempotency-Key on POST /generate: a retried submit never creates or charges twice."""

from __future__ import annotations

import httpx

from bot.sandbox import SandboxClock, SandboxState
from tests.sandbox.conftest import IMAGE, PRO, ULTIMATE, auth


def test_same_key_returns_the_same_generation_once(client: httpx.Client, state: SandboxState) -> None:
    headers = {"Idempotency-Key": "job-123"}
    first = client.post("/generate", json=IMAGE, headers=headers)
    again = client.post("/generate", json=IMAGE, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert state.balance(PRO) == 15000 - 140
    assert state.in_flight(PRO) == 1
    stats = state.stats()
    assert (stats.generations_created, stats.idempotent_replays) == (1, 1)
    assert again.headers["X-RateLimit-Remaining"] == first.headers["X-RateLimit-Remaining"] == "239"


def test_replay_is_not_refused_by_the_limits(client: httpx.Client, state: SandboxState) -> None:
    state.add_key("vvx_test_tight", calls_per_minute=1, concurrent_jobs=1)
    headers = {**auth("vvx_test_tight"), "Idempotency-Key": "once"}
    first = client.post("/generate", json=IMAGE, headers=headers)
    assert first.status_code == 201
    again = client.post("/generate", json=IMAGE, headers=headers)
    assert again.status_code == 201
    assert again.json() == first.json()
    assert client.post("/generate", json=IMAGE, headers=auth("vvx_test_tight")).status_code == 429


def test_replay_after_completion_still_answers_the_original(
    client: httpx.Client, clock: SandboxClock, state: SandboxState
) -> None:
    headers = {"Idempotency-Key": "late"}
    first = client.post("/generate", json=IMAGE, headers=headers).json()
    clock.advance(30)
    assert client.post("/generate", json=IMAGE, headers=headers).json() == first
    assert state.stats().generations_created == 1


def test_keys_are_scoped_by_account_and_body(client: httpx.Client, state: SandboxState) -> None:
    headers = {"Idempotency-Key": "shared"}
    mine = client.post("/generate", json=IMAGE, headers=headers).json()
    theirs = client.post("/generate", json=IMAGE, headers={**headers, **auth(ULTIMATE)}).json()
    assert mine["generation_id"] != theirs["generation_id"]
    other = client.post("/generate", json={**IMAGE, "prompt": "something else"}, headers=headers)
    assert other.status_code == 409
    assert other.json()["error"] == "IDEMPOTENCY_CONFLICT"
    fresh = client.post("/generate", json=IMAGE, headers={"Idempotency-Key": "another"}).json()
    assert fresh["generation_id"] != mine["generation_id"]


def test_refused_submit_is_not_remembered(client: httpx.Client, state: SandboxState) -> None:
    headers = {"Idempotency-Key": "retry-me"}
    state.set_balance(PRO, 10)
    assert client.post("/generate", json=IMAGE, headers=headers).status_code == 402
    state.set_balance(PRO, 1000)
    assert client.post("/generate", json=IMAGE, headers=headers).status_code == 201
