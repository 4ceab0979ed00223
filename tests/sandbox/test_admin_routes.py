"""The admin routes as documented by ``python -m bot.sandbox --help``, and request ids on every answer."""

from __future__ import annotations

import re
import shlex
from typing import Any

import httpx
import pytest

from bot.sandbox import Account, Fault, SandboxServer, SandboxState, create_app
from bot.sandbox.__main__ import main
from tests.sandbox.conftest import IMAGE, PRO, auth

HELP_BASE = "http://127.0.0.1:8787"


def _help_text(capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    return capsys.readouterr().out


def test_help_lists_every_admin_route_the_server_has(capsys: pytest.CaptureFixture[str]) -> None:
    text = _help_text(capsys)
    served = {
        (route.method, route.resource.canonical)
        for route in create_app(SandboxState()).router.routes()
        if route.resource is not None and route.resource.canonical.startswith("/_sandbox/")
    }
    documented = set(re.findall(r"^  (GET|POST|PUT|DELETE) +(/_sandbox/\S*)$", text, re.MULTILINE))
    assert len(served) >= 11
    assert documented == served
    for needle in ("revoke", "lock-tier", "balance", "generation-failures", "402 INSUFFICIENT_CREDITS"):
        assert needle in text


def _run_curl(line: str, origin: str) -> httpx.Response:
    """Runs one documented ``curl -s [-X METHOD] URL [-d BODY]`` line with httpx against ``origin``."""
    words = shlex.split(line.replace(HELP_BASE, origin))
    assert words[:2] == ["curl", "-s"], line
    method, url, body = "GET", "", None
    rest = iter(words[2:])
    for word in rest:
        if word == "-X":
            method = next(rest)
        elif word == "-d":
            body = next(rest)
            method = method if method != "GET" else "POST"
        else:
            url = word
    # curl -d sends application/x-www-form-urlencoded: the routes must read JSON regardless.
    headers = {"Content-Type": "application/x-www-form-urlencoded"} if body is not None else {}
    return httpx.request(method, url, content=body, headers=headers, timeout=5.0)


def test_every_documented_curl_line_works(capsys: pytest.CaptureFixture[str], server: SandboxServer) -> None:
    lines = [line.strip() for line in _help_text(capsys).splitlines() if line.strip().startswith("curl ")]
    assert len(lines) >= 11
    for line in lines:
        answer = _run_curl(line, server.origin)
        assert answer.status_code in (200, 201), f"{line}: {answer.status_code} {answer.text}"
        assert isinstance(answer.json(), dict)
    # The examples did what they say: the wallet was set to 0 by the balance line.
    assert server.state.balance(PRO) == 0
    assert server.state.account_info(PRO)["revoked"] is False  # revoked, then restored


class _BrokenState(SandboxState):
    """A sandbox with a bug in one route."""

    def models_body(self, account: Account) -> dict[str, Any]:
        raise RuntimeError("a bug in the sandbox")


def test_every_answer_carries_a_request_id(server: SandboxServer, client: httpx.Client) -> None:
    server.state.inject_fault("generate", Fault.unavailable())
    with httpx.Client(base_url=server.origin, timeout=5.0) as raw:
        answers = [
            client.post("/generate", json=IMAGE),  # injected plain-text 503
            client.post("/generate", json=IMAGE),  # 201
            client.get("/models", headers=auth("vvx_revoked_or_unknown")),  # 401
            raw.get("/files/nothing-1.png"),  # 404 outside the API
            raw.put("/api/v1/models"),  # 405
            raw.get("/_sandbox/stats"),
            raw.post("/_sandbox/generation-failures", json={"times": 0}),  # 400
            raw.put(f"/_sandbox/keys/{PRO}/balance", json={"credits": 100}),
        ]
    assert [a.status_code for a in answers] == [503, 201, 401, 404, 405, 200, 400, 200]
    ids = [a.headers.get("X-Request-Id", "") for a in answers]
    assert all(re.fullmatch(r"req_[0-9a-f]{16}", i) for i in ids), ids
    assert len(set(ids)) == len(ids)


def test_a_sandbox_bug_still_answers_json_with_a_request_id(caplog: pytest.LogCaptureFixture) -> None:
    with SandboxServer(_BrokenState()) as server:
        answer = httpx.get(f"{server.base_url}/models", headers=auth(PRO), timeout=5.0)
        assert answer.status_code == 500
        assert answer.json()["error"] == "INTERNAL_ERROR"
        request_id = answer.headers["X-Request-Id"]
        assert server.state.stats().responses_by_status[500] == 1
    assert any(request_id in record.getMessage() for record in caplog.records)
