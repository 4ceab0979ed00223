"""Rate limit, concurrency, and the header quirks (thousands separators)."""

from __future__ import annotations

import httpx

from bot.sandbox import SandboxClock, SandboxState
from tests.sandbox.conftest import IMAGE, PRO, ULTIMATE, auth


def test_every_call_counts_against_a_sliding_minute(
    client: httpx.Client, clock: SandboxClock, state: SandboxState
) -> None:
    state.add_key("vvx_test_slow", calls_per_minute=3)
    key = auth("vvx_test_slow")
    first = client.post("/generate", json=IMAGE, headers=key)
    assert first.headers["X-RateLimit-Remaining"] == "2"
    clock.advance(10)
    poll = client.get(f"/generations/{first.json()['generation_id']}", headers=key)  # polls count too
    assert poll.headers["X-RateLimit-Remaining"] == "1"
    clock.advance(10)
    assert client.get("/models", headers=key).headers["X-RateLimit-Remaining"] == "0"

    refused = client.get("/models", headers=key)
    assert refused.status_code == 429
    assert refused.json()["error"] == "RATE_LIMIT"
    assert refused.headers["Retry-After"] == "40"  # when the first call leaves the window
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert client.post("/generate", json=IMAGE, headers=key).status_code == 429
    assert client.get("/models").status_code == 200  # other keys are not affected

    clock.advance(40)
    assert client.get("/models", headers=key).status_code == 200
    assert client.get("/models", headers=key).status_code == 429  # the second call is still inside

    stats = state.stats()
    assert stats.throttled_by_code["RATE_LIMIT"] == 3
    assert stats.responses_429 == 3


def test_rate_limit_can_omit_retry_after(client: httpx.Client, state: SandboxState) -> None:
    state.add_key("vvx_test_slow", calls_per_minute=1)
    state.send_retry_after = False
    assert client.get("/models", headers=auth("vvx_test_slow")).status_code == 200
    refused = client.get("/models", headers=auth("vvx_test_slow"))
    assert refused.status_code == 429
    assert "Retry-After" not in refused.headers


def test_concurrency_limit_refuses_at_once_and_clears_when_jobs_end(
    client: httpx.Client, clock: SandboxClock, state: SandboxState
) -> None:
    for _ in range(5):
        assert client.post("/generate", json=IMAGE).status_code == 201
    assert state.in_flight(PRO) == 5
    balance = state.balance(PRO)
    refused = client.post("/generate", json=IMAGE)
    assert refused.status_code == 429
    assert refused.json()["error"] == "CONCURRENCY_LIMIT"
    assert state.balance(PRO) == balance
    assert state.stats().generations_created == 5

    clock.advance(20)
    assert state.in_flight(PRO) == 0
    assert client.post("/generate", json=IMAGE).status_code == 201


def test_a_failed_job_frees_its_slot(client: httpx.Client, clock: SandboxClock, state: SandboxState) -> None:
    state.add_key("vvx_test_single", concurrent_jobs=1)
    key = auth("vvx_test_single")
    assert client.post("/generate", json={**IMAGE, "prompt": "[fail]"}, headers=key).status_code == 201
    assert client.post("/generate", json=IMAGE, headers=key).status_code == 429
    clock.advance(20)
    assert client.post("/generate", json=IMAGE, headers=key).status_code == 201


def test_numeric_headers_carry_thousands_separators(client: httpx.Client, state: SandboxState) -> None:
    answer = client.post("/generate", json=IMAGE, headers=auth(ULTIMATE))
    assert answer.headers["X-Credits-Balance"] == "49,860"
    assert answer.headers["X-RateLimit-Remaining"] == "599"
    state.add_key("vvx_test_big", calls_per_minute=5000, credits=1234567)
    big = client.get("/models", headers=auth("vvx_test_big"))
    assert big.headers["X-RateLimit-Remaining"] == "4,999"
    assert big.headers["X-Credits-Balance"] == "1,234,567"
    assert big.json()["credits_balance"] == 1234567  # the JSON body keeps plain integers


def test_every_api_answer_has_a_request_id(client: httpx.Client) -> None:
    answers = [
        client.get("/models"),
        client.post("/generate", json={"model": "nope", "prompt": "x"}),
        client.get("/generations/missing"),
        client.get("/nowhere"),
    ]
    ids = [a.headers["X-Request-Id"] for a in answers]
    assert all(i.startswith("req_") and int(i[4:], 16) >= 0 for i in ids)
    assert len(set(ids)) == len(ids)
    assert all("X-Credits-Balance" in a.headers for a in answers[:3])
