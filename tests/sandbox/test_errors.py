"""Every documented error code, with the body shapes the client must read."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from bot.sandbox import SandboxServer, SandboxState
from bot.vivix.models import ModelsResponse
from tests.sandbox.conftest import IMAGE, LIMITED, PRO, STANDARD, ULTIMATE, VIDEO, auth


def test_models_lists_the_catalogue_for_the_key(client: httpx.Client) -> None:
    answer = client.get("/models")
    assert answer.status_code == 200
    parsed = ModelsResponse.model_validate(answer.json())  # the client's own models accept it
    assert parsed.tier == "pro"
    assert parsed.credits_balance == 15000
    assert (parsed.rate_limit.calls_per_minute, parsed.rate_limit.concurrent_jobs) == (240, 5)
    categories = {m.category for m in parsed.models}
    assert {"image", "video", "audio", "utility"} <= categories
    assert len(parsed.models) >= 6
    slugs = {m.slug for m in parsed.models}
    assert {"grok-imagine-image-quality", "wan-2.7-text-to-video"} <= slugs
    for model in parsed.models:
        assert model.example_request is not None and model.example_request["model"] == model.slug
        assert 0 < model.credits_band.min <= model.credits_band.max
        assert model.params["prompt"].type == "string"


def test_example_requests_are_accepted(client: httpx.Client, state: SandboxState) -> None:
    state.set_balance(PRO, 10**6)
    state.add_key("vvx_many_jobs", concurrent_jobs=50)
    for model in client.get("/models").json()["models"]:
        answer = client.post("/generate", json=model["example_request"], headers=auth("vvx_many_jobs"))
        assert answer.status_code == 201, answer.text
        assert answer.json()["credits_estimate"] <= model["credits_band"]["max"]


def test_ultimate_and_limited_keys_see_their_own_lists(client: httpx.Client) -> None:
    ultimate = client.get("/models", headers=auth(ULTIMATE)).json()
    assert ultimate["tier"] == "ultimate"
    assert ultimate["credits_balance"] == 50000
    assert ultimate["rate_limit"] == {"calls_per_minute": 600, "concurrent_jobs": 20}
    limited = client.get("/models", headers=auth(LIMITED)).json()
    assert limited["tier"] == "pro"
    assert {m["category"] for m in limited["models"]} == {"image"}
    assert len(limited["models"]) < len(ultimate["models"])


@pytest.mark.parametrize(
    ("headers", "path"),
    [
        ({}, "/models"),
        (auth("vvx_live_nope"), "/models"),
        ({"Authorization": "Basic vvx_sandbox_pro"}, "/models"),
        (auth("vvx_live_nope"), "/generations/abc"),
    ],
)
def test_unknown_or_missing_key_is_401(server: SandboxServer, headers: dict[str, str], path: str) -> None:
    answer = httpx.get(server.base_url + path, headers=headers)
    assert answer.status_code == 401
    assert answer.json()["error"] == "KEY_INVALID"
    assert answer.headers["X-Request-Id"].startswith("req_")


def test_unknown_key_on_generate_is_401(server: SandboxServer) -> None:
    answer = httpx.post(server.base_url + "/generate", json=IMAGE, headers=auth("vvx_live_nope"))
    assert (answer.status_code, answer.json()["error"]) == (401, "KEY_INVALID")


def test_standard_tier_is_locked_everywhere(client: httpx.Client) -> None:
    for answer in (
        client.get("/models", headers=auth(STANDARD)),
        client.post("/generate", json=IMAGE, headers=auth(STANDARD)),
        client.get("/generations/anything", headers=auth(STANDARD)),
    ):
        assert answer.status_code == 403
        assert answer.json()["error"] == "TIER_LOCKED"


def test_model_outside_the_allowlist_is_403(client: httpx.Client) -> None:
    answer = client.post("/generate", json=VIDEO, headers=auth(LIMITED))
    assert answer.status_code == 403
    assert answer.json()["error"] == "MODEL_NOT_ALLOWED"
    assert client.post("/generate", json=IMAGE, headers=auth(LIMITED)).status_code == 201


LONG = "x" * 2001

INVALID: list[tuple[dict[str, Any], str, str]] = [
    ({"model": "no-such-model", "prompt": "hi"}, "model", "unknown_model"),
    ({"prompt": "hi"}, "model", "required"),
    ({"model": "grok-imagine-image-quality"}, "prompt", "required"),
    ({**IMAGE, "prompt": "   "}, "prompt", "required"),
    ({**IMAGE, "prompt": 42}, "prompt", "not_a_string"),
    ({**IMAGE, "prompt": LONG}, "prompt", "too_long"),
    ({**VIDEO, "prompt": LONG}, "prompt", "too_long"),  # the 2000 cap holds without max_length
    ({"model": "flux-2-flash", "prompt": "y" * 1001}, "prompt", "too_long"),
    ({**VIDEO, "duration": 11}, "duration", "out_of_range"),
    ({**VIDEO, "duration": 1}, "duration", "out_of_range"),
    ({**VIDEO, "duration": "5"}, "duration", "not_an_integer"),
    ({**VIDEO, "duration": 5.5}, "duration", "not_an_integer"),
    ({**VIDEO, "duration": True}, "duration", "not_an_integer"),
    ({**IMAGE, "number_results": 5}, "number_results", "out_of_range"),
    ({**IMAGE, "resolution": "8K"}, "resolution", "not_in_values"),
    ({**VIDEO, "resolution": "2160p"}, "resolution", "not_in_values"),
    ({**VIDEO, "audio": "yes"}, "audio", "not_a_boolean"),
    ({**VIDEO, "audio": 1}, "audio", "not_a_boolean"),
    ({**IMAGE, "reference_images": ["https://a.test/1.png"] * 4}, "reference_images", "too_many"),
    ({**IMAGE, "reference_images": "https://a.test/1.png"}, "reference_images", "not_a_list"),
    ({**IMAGE, "style": "noir"}, "style", "unknown_param"),
    ({**IMAGE, "negative_prompt": "n" * 501}, "negative_prompt", "too_long"),
    ({**IMAGE, "seed": "abc"}, "seed", "not_an_integer"),
    ({"model": "topaz-upscale", "prompt": "cat"}, "reference_images", "required"),
    ({"model": "rodin-mesh-preview", "prompt": "tower", "guidance": 2}, "guidance", "out_of_range"),
]


@pytest.mark.parametrize(("body", "field", "reason"), INVALID)
def test_invalid_params_are_422(client: httpx.Client, body: dict[str, Any], field: str, reason: str) -> None:
    answer = client.post("/generate", json=body)
    assert answer.status_code == 422, answer.text
    error = answer.json()
    assert error["code"] == "INVALID_PARAMS"
    assert (error["field"], error["reason"]) == (field, reason)
    assert error["message"]


def test_body_that_is_not_a_json_object_is_422(client: httpx.Client) -> None:
    for content in (b"not json", b"[1, 2]", b""):
        answer = client.post("/generate", content=content, headers={"Content-Type": "application/json"})
        assert answer.status_code == 422
        assert answer.json()["field"] == "body"


def test_general_fields_are_accepted_by_models_without_them(
    client: httpx.Client, state: SandboxState
) -> None:
    body = {
        **IMAGE,
        "negative_prompt": "blurry",
        "seed": 42,
        "reference_images": ["https://a.test/1.png", "https://a.test/2.png", "https://a.test/3.png"],
        "aspect_ratio": None,  # null counts as absent
    }
    answer = client.post("/generate", json=body)
    assert answer.status_code == 201, answer.text
    job = state.job(answer.json()["generation_id"])
    assert job is not None and "seed" not in job.params and job.params["aspect_ratio"] == "1:1"


def test_wallet_below_the_estimate_is_402(client: httpx.Client, state: SandboxState) -> None:
    state.set_balance(PRO, 139)
    answer = client.post("/generate", json=IMAGE)  # estimate 140
    assert answer.status_code == 402
    assert answer.json()["error"] == "INSUFFICIENT_CREDITS"
    assert state.balance(PRO) == 139
    state.set_balance(PRO, 140)
    assert client.post("/generate", json=IMAGE).status_code == 201
    assert state.balance(PRO) == 0


def test_another_accounts_job_is_403_and_unknown_id_404(client: httpx.Client) -> None:
    generation_id = client.post("/generate", json=IMAGE).json()["generation_id"]
    other = client.get(f"/generations/{generation_id}", headers=auth(ULTIMATE))
    assert other.status_code == 403
    assert other.json()["error"] == "NOT_YOURS"
    missing = client.get("/generations/5b91a581-ee19-4f86-9fea-bd29471d69d5")
    assert missing.status_code == 404
    assert missing.json()["error"] == "NOT_FOUND"


def test_custom_keys_carry_their_own_limits(client: httpx.Client, state: SandboxState) -> None:
    state.add_key(
        "vvx_test_custom",
        tier="ultimate",
        calls_per_minute=3,
        concurrent_jobs=1,
        credits=1234567,
        allowlist={"flux-2-flash"},
    )
    body = client.get("/models", headers=auth("vvx_test_custom")).json()
    assert body["rate_limit"] == {"calls_per_minute": 3, "concurrent_jobs": 1}
    assert body["credits_balance"] == 1234567
    assert [m["slug"] for m in body["models"]] == ["flux-2-flash"]
    state.add_key("vvx_test_free", tier="free")
    assert client.get("/models", headers=auth("vvx_test_free")).json()["error"] == "TIER_LOCKED"
