"""Operator controls on an account, over the admin routes: wallet, revoked key, locked tier."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from bot.sandbox import SandboxClock, SandboxServer, SandboxState
from tests.sandbox.conftest import IMAGE, PRO, STANDARD, ULTIMATE, auth


@pytest.fixture
def admin(server: SandboxServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{server.origin}/_sandbox", timeout=5.0) as http:
        yield http


def _calls(client: httpx.Client, generation_id: str) -> list[httpx.Response]:
    """One call on each API route with the client's key."""
    return [
        client.get("/models"),
        client.post("/generate", json=IMAGE),
        client.get(f"/generations/{generation_id}"),
    ]


def test_balance_set_over_http_is_what_models_and_submit_show(
    admin: httpx.Client, client: httpx.Client, state: SandboxState
) -> None:
    answer = admin.put(f"/keys/{PRO}/balance", json={"credits": 1500})
    assert answer.status_code == 200
    assert (answer.json()["key"], answer.json()["credits"]) == (PRO, 1500)
    models = client.get("/models")
    assert models.json()["credits_balance"] == 1500
    assert models.headers["X-Credits-Balance"] == "1,500"
    created = client.post("/generate", json=IMAGE)  # estimate 140
    assert created.status_code == 201
    assert created.headers["X-Credits-Balance"] == "1,360"
    assert state.balance(PRO) == 1360
    assert client.get("/models", headers=auth(ULTIMATE)).json()["credits_balance"] == 50000


def test_a_submit_the_wallet_cannot_cover_is_402(
    admin: httpx.Client, client: httpx.Client, state: SandboxState
) -> None:
    admin.put(f"/keys/{PRO}/balance", json={"credits": 139})
    refused = client.post("/generate", json=IMAGE)  # estimate 140
    assert refused.status_code == 402
    assert refused.json()["error"] == "INSUFFICIENT_CREDITS"
    assert "140" in refused.json()["message"]
    assert refused.headers["X-Credits-Balance"] == "139"
    assert refused.headers["X-Request-Id"].startswith("req_")
    assert state.stats().generations_created == 0
    assert admin.get(f"/keys/{PRO}").json()["credits"] == 139

    admin.put(f"/keys/{PRO}/balance", json={"credits": 0})
    assert client.post("/generate", json={"model": "flux-2-flash", "prompt": "x"}).status_code == 402
    admin.put(f"/keys/{PRO}/balance", json={"credits": 140})
    accepted = client.post("/generate", json=IMAGE)
    assert accepted.status_code == 201
    assert accepted.headers["X-Credits-Balance"] == "0"


def test_setting_the_balance_under_a_running_job_keeps_its_refund(
    admin: httpx.Client, client: httpx.Client, clock: SandboxClock, state: SandboxState
) -> None:
    generation_id = client.post("/generate", json=IMAGE).json()["generation_id"]  # holds 140
    admin.put(f"/keys/{PRO}/balance", json={"credits": 0})
    assert admin.get(f"/keys/{PRO}").json()["in_flight"] == 1
    clock.advance(state.seconds_to_finish(generation_id))
    done = client.get(f"/generations/{generation_id}").json()
    assert (done["status"], done["credits_used"]) == ("completed", 126)
    assert state.balance(PRO) == 140 - 126  # the unused part of the hold comes back


@pytest.mark.parametrize(
    "body",
    [{"credits": -1}, {"credits": "12"}, {"credits": True}, {"credits": 1.5}, {}, [1], "nope"],
)
def test_balance_route_refuses_bad_bodies(admin: httpx.Client, state: SandboxState, body: Any) -> None:
    answer = admin.put(f"/keys/{PRO}/balance", json=body)
    assert answer.status_code == 400
    assert answer.json()["error"] == "BAD_REQUEST"
    assert state.balance(PRO) == 15000


def test_controls_on_an_unknown_key_are_404(admin: httpx.Client) -> None:
    for answer in (
        admin.get("/keys/vvx_nobody"),
        admin.put("/keys/vvx_nobody/balance", json={"credits": 5}),
        admin.post("/keys/vvx_nobody/revoke"),
        admin.post("/keys/vvx_nobody/restore"),
        admin.post("/keys/vvx_nobody/lock-tier"),
        admin.post("/keys/vvx_nobody/unlock-tier"),
    ):
        assert answer.status_code == 404
        assert answer.json()["error"] == "UNKNOWN_KEY"


def test_a_revoked_key_is_401_everywhere_and_restoring_brings_the_account_back(
    admin: httpx.Client, client: httpx.Client, clock: SandboxClock, state: SandboxState
) -> None:
    generation_id = client.post("/generate", json=IMAGE).json()["generation_id"]
    revoked = admin.post(f"/keys/{PRO}/revoke")
    assert revoked.status_code == 200 and revoked.json()["revoked"] is True

    for answer in _calls(client, generation_id):
        assert answer.status_code == 401
        assert answer.json()["error"] == "KEY_INVALID"
        assert "X-Credits-Balance" not in answer.headers  # a dead key learns nothing
        assert answer.headers["X-Request-Id"].startswith("req_")
    assert client.get("/models", headers=auth(ULTIMATE)).status_code == 200  # other keys still work
    assert state.stats().generations_created == 1

    clock.advance(state.seconds_to_finish(generation_id))  # the job runs on meanwhile
    restored = admin.post(f"/keys/{PRO}/restore")
    assert restored.status_code == 200 and restored.json()["revoked"] is False
    done = client.get(f"/generations/{generation_id}")
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["credits_used"]) == ("completed", 126)
    assert client.get("/models").json()["credits_balance"] == 15000 - 126
    assert client.post("/generate", json=IMAGE).status_code == 201


def test_revoking_and_restoring_from_python(client: httpx.Client, state: SandboxState) -> None:
    state.set_balance(PRO, 777)
    state.revoke_key(PRO)
    assert client.get("/models").json()["error"] == "KEY_INVALID"
    state.restore_key(PRO)
    assert client.get("/models").json()["credits_balance"] == 777
    with pytest.raises(KeyError):
        state.revoke_key("vvx_nobody")


def test_a_locked_tier_is_403_everywhere_until_unlocked(
    admin: httpx.Client, client: httpx.Client, state: SandboxState
) -> None:
    generation_id = client.post("/generate", json=IMAGE).json()["generation_id"]
    locked = admin.post(f"/keys/{PRO}/lock-tier")
    assert locked.status_code == 200 and locked.json()["tier_locked"] is True
    for answer in _calls(client, generation_id):
        assert answer.status_code == 403
        assert answer.json()["error"] == "TIER_LOCKED"
    assert state.stats().generations_created == 1

    assert admin.post(f"/keys/{PRO}/unlock-tier").json()["tier_locked"] is False
    assert [a.status_code for a in _calls(client, generation_id)] == [200, 201, 200]

    state.lock_tier(PRO)
    assert client.get("/models").status_code == 403
    state.unlock_tier(PRO)
    assert client.get("/models").status_code == 200


def test_revoked_wins_over_locked(admin: httpx.Client, client: httpx.Client) -> None:
    admin.post(f"/keys/{PRO}/lock-tier")
    admin.post(f"/keys/{PRO}/revoke")
    assert client.get("/models").status_code == 401
    admin.post(f"/keys/{PRO}/restore")
    assert client.get("/models").status_code == 403


def test_unlocking_a_standard_key_leaves_its_tier_locked(admin: httpx.Client, client: httpx.Client) -> None:
    assert admin.get(f"/keys/{STANDARD}").json()["tier_locked"] is True
    assert admin.post(f"/keys/{STANDARD}/unlock-tier").json()["tier_locked"] is True
    answer = client.get("/models", headers=auth(STANDARD))
    assert (answer.status_code, answer.json()["error"]) == (403, "TIER_LOCKED")
