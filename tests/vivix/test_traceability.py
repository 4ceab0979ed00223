"""Every API error can be traced: it carries the X-Request-Id the service answered with, and
one log line names the endpoint, code, status and that request id (and, for a submit, the
Idempotency-Key its job keeps)."""

from __future__ import annotations

import logging

import httpx
import pytest

from bot.sandbox import SandboxServer
from bot.sandbox.faults import Fault
from bot.vivix import errors
from bot.vivix.client import VivixClient

from .conftest import PRO, RecordedSleeps

CLIENT_LOG = "bot.vivix.client"


class HeaderRecorder(httpx.AsyncBaseTransport):
    """The real HTTP transport, noting each response's X-Request-Id as the wire carried it."""

    def __init__(self) -> None:
        self._real = httpx.AsyncHTTPTransport()
        self.request_ids: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._real.handle_async_request(request)
        self.request_ids.append(response.headers["X-Request-Id"])
        return response

    async def aclose(self) -> None:
        await self._real.aclose()


@pytest.fixture
def wire() -> HeaderRecorder:
    return HeaderRecorder()


def client_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == CLIENT_LOG]


async def test_an_error_carries_the_request_id_of_its_answer(
    server: SandboxServer, wire: HeaderRecorder, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=CLIENT_LOG)
    async with VivixClient(server.base_url, "vvx_live_wrong", transport=wire) as api:
        with pytest.raises(errors.KeyInvalidError) as caught:
            await api.list_models()

    [request_id] = wire.request_ids
    assert request_id.startswith("req_")
    assert caught.value.request_id == request_id
    assert client_lines(caplog) == [
        f"Vivix GET /models answered KEY_INVALID HTTP 401 request {request_id}: Missing or unknown API key."
    ]
    assert "vvx_live_wrong" not in caplog.text


async def test_a_refused_submit_names_its_idempotency_key(
    server: SandboxServer, wire: HeaderRecorder, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=CLIENT_LOG)
    async with VivixClient(server.base_url, PRO, transport=wire) as api:
        with pytest.raises(errors.InvalidParamsError) as caught:
            await api.generate("wan-2.7-text-to-video", "a street", duration=99, idempotency_key="vxb-job-key")

    [request_id] = wire.request_ids
    assert caught.value.request_id == request_id
    [line] = client_lines(caplog)
    assert line.startswith(
        f"Vivix POST /generate answered INVALID_PARAMS HTTP 422 request {request_id}, "
        "idempotency key vxb-job-key: duration: "
    )
    assert caplog.records[-1].levelno == logging.WARNING


async def test_each_retried_answer_is_logged_with_its_own_request_id(
    server: SandboxServer, wire: HeaderRecorder, sleeps: RecordedSleeps, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=CLIENT_LOG)
    server.state.inject_fault("models", Fault.server_error(), times=5)
    async with VivixClient(server.base_url, PRO, transport=wire, sleep=sleeps, max_retries=2) as api:
        with pytest.raises(errors.ServerError) as caught:
            await api.list_models()

    first, second, last = wire.request_ids
    assert len({first, second, last}) == 3
    assert caught.value.request_id == last
    lines = client_lines(caplog)
    assert [line.split(";")[0] for line in lines[:2]] == [
        f"Vivix GET /models failed (INTERNAL_ERROR HTTP 500 request {first})",
        f"Vivix GET /models failed (INTERNAL_ERROR HTTP 500 request {second})",
    ]
    assert lines[2] == (
        f"Vivix GET /models answered INTERNAL_ERROR HTTP 500 request {last} after 2 retries: "
        "Something went wrong on our side."
    )


async def test_limits_the_caller_backs_off_from_are_info(
    server: SandboxServer, wire: HeaderRecorder, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=CLIENT_LOG)
    server.state.add_key("vvx_single", concurrent_jobs=1)
    async with VivixClient(server.base_url, "vvx_single", transport=wire) as api:
        await api.generate("flux-2-flash", "one")
        with pytest.raises(errors.ConcurrencyLimitError) as caught:
            await api.generate("flux-2-flash", "two", idempotency_key="vxb-second")

    assert caught.value.request_id == wire.request_ids[-1]
    [record] = [r for r in caplog.records if r.name == CLIENT_LOG]
    assert record.levelno == logging.INFO
    assert f"CONCURRENCY_LIMIT HTTP 429 request {wire.request_ids[-1]}, idempotency key vxb-second" in (
        record.getMessage()
    )
