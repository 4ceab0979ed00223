"""Failing the next generations: accepted at submit, then ``failed`` with a chosen code and a refund."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from bot.sandbox import SandboxClock, SandboxServer, SandboxState
from bot.vivix.models import Generation
from tests.sandbox.conftest import IMAGE, PRO, VIDEO


@pytest.fixture
def admin(server: SandboxServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{server.origin}/_sandbox", timeout=5.0) as http:
        yield http


def submit(client: httpx.Client, body: dict[str, Any]) -> str:
    answer = client.post("/generate", json=body)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["generation_id"])


def finish(client: httpx.Client, clock: SandboxClock, state: SandboxState, generation_id: str) -> Generation:
    clock.advance(state.seconds_to_finish(generation_id))
    answer = client.get(f"/generations/{generation_id}")
    assert answer.status_code == 200, answer.text
    return Generation.model_validate(answer.json())  # the bot's own parser reads it


def test_the_next_n_generations_fail_with_the_code_and_are_refunded(
    admin: httpx.Client, client: httpx.Client, clock: SandboxClock, state: SandboxState
) -> None:
    queued = admin.post(
        "/generation-failures", json={"times": 2, "code": "PROVIDER_ERROR", "message": "GPU fell over"}
    )
    assert queued.status_code == 201
    ids = [submit(client, IMAGE) for _ in range(3)]
    assert state.balance(PRO) == 15000 - 3 * 140  # every submit held its estimate as usual

    first = client.get(f"/generations/{ids[0]}").json()
    assert first["status"] == "pending"  # the failure comes later, not at submit
    results = [finish(client, clock, state, generation_id) for generation_id in ids]
    for failed in results[:2]:
        assert (failed.status, failed.error, failed.message) == ("failed", "PROVIDER_ERROR", "GPU fell over")
        assert failed.credits_used == 0
        assert failed.output_url is None and failed.completed_at is not None
    assert (results[2].status, results[2].credits_used) == ("completed", 126)
    assert state.balance(PRO) == 15000 - 126
    assert state.stats().generation_failures_served == 2
    assert admin.get("/stats").json()["generation_failures_served"] == 2


def test_a_failure_can_target_one_model(
    client: httpx.Client, clock: SandboxClock, state: SandboxState
) -> None:
    state.fail_next_generations(code="CONTENT_FILTERED", model=VIDEO["model"])
    image = submit(client, IMAGE)
    video = submit(client, VIDEO)
    second_video = submit(client, VIDEO)
    assert finish(client, clock, state, image).status == "completed"
    failed = finish(client, clock, state, video)
    assert (failed.status, failed.error, failed.credits_used) == ("failed", "CONTENT_FILTERED", 0)
    assert failed.message is not None and "CONTENT_FILTERED" in failed.message
    assert finish(client, clock, state, second_video).status == "completed"


def test_the_default_is_one_provider_error(client: httpx.Client, clock: SandboxClock, state: SandboxState) -> None:
    state.fail_next_generations()
    failed = finish(client, clock, state, submit(client, IMAGE))
    assert (failed.error, failed.message) == ("PROVIDER_ERROR", "Underlying model returned an error.")
    assert finish(client, clock, state, submit(client, IMAGE)).status == "completed"


def test_refused_and_replayed_submits_do_not_use_a_queued_failure(
    client: httpx.Client, clock: SandboxClock, state: SandboxState
) -> None:
    state.fail_next_generations()
    original = client.post("/generate", json=IMAGE, headers={"Idempotency-Key": "k1"})
    assert original.status_code == 201  # this one takes the failure
    state.fail_next_generations(code="TIMEOUT")
    replay = client.post("/generate", json=IMAGE, headers={"Idempotency-Key": "k1"})
    assert replay.json()["generation_id"] == original.json()["generation_id"]
    assert client.post("/generate", json={**IMAGE, "resolution": "8K"}).status_code == 422
    state.set_balance(PRO, 10)
    assert client.post("/generate", json=IMAGE).status_code == 402
    state.set_balance(PRO, 15000)

    assert finish(client, clock, state, original.json()["generation_id"]).error == "PROVIDER_ERROR"
    later = finish(client, clock, state, submit(client, IMAGE))
    assert (later.status, later.error) == ("failed", "TIMEOUT")
    assert state.stats().generation_failures_served == 2


def test_clearing_drops_queued_failures(
    admin: httpx.Client, client: httpx.Client, clock: SandboxClock, state: SandboxState
) -> None:
    admin.post("/generation-failures", json={"times": 5})
    assert admin.delete("/generation-failures").status_code == 200
    assert finish(client, clock, state, submit(client, IMAGE)).status == "completed"
    state.fail_next_generations(3)
    state.clear_generation_failures()
    assert finish(client, clock, state, submit(client, IMAGE)).status == "completed"


def test_http_faults_and_generation_failures_are_separate(
    admin: httpx.Client, client: httpx.Client, clock: SandboxClock, state: SandboxState
) -> None:
    admin.post("/generation-failures", json={"times": 1})
    admin.delete("/faults")  # clearing HTTP faults leaves generation failures alone
    assert finish(client, clock, state, submit(client, IMAGE)).status == "failed"
    assert state.stats().faults_served == 0


@pytest.mark.parametrize(
    "body",
    [
        {"times": 0},
        {"times": "2"},
        {"model": "no-such-model"},
        {"code": ""},
        {"code": 500},
        {"message": ["x"]},
        [1, 2],
    ],
)
def test_bad_failure_specs_are_400(admin: httpx.Client, body: Any, state: SandboxState) -> None:
    answer = admin.post("/generation-failures", json=body)
    assert answer.status_code == 400
    assert answer.json()["error"] == "BAD_REQUEST"
    with pytest.raises(ValueError):
        state.fail_next_generations(0)
