"""Retries under injected failures: bounded, jittered, honouring Retry-After, idempotent POSTs."""

from __future__ import annotations

import logging
import socket

import pytest

from bot.sandbox import SandboxServer
from bot.sandbox.faults import Fault
from bot.vivix import errors
from bot.vivix.client import VivixClient

from .conftest import PRO, RecordedSleeps, client_for


async def test_get_survives_transient_503s(server: SandboxServer, client: VivixClient,
                                           sleeps: RecordedSleeps) -> None:
    server.state.inject_fault("models", Fault.unavailable(), times=2)

    models = await client.list_models()

    assert models.models
    assert len(sleeps) == 2
    assert sleeps[0] < sleeps[1], "backoff grows"


async def test_retry_after_is_honoured(server: SandboxServer, client: VivixClient,
                                       sleeps: RecordedSleeps) -> None:
    server.state.inject_fault("models", Fault.rate_limited(retry_after=7), times=1)

    await client.list_models()

    assert sleeps == [pytest.approx(7, abs=0.01)] or sleeps[0] >= 7


async def test_retries_are_bounded(server: SandboxServer, sleeps: RecordedSleeps) -> None:
    server.state.inject_fault("models", Fault.server_error(), times=10)
    async with VivixClient(server.base_url, PRO, sleep=sleeps, max_retries=3) as api:
        with pytest.raises(errors.ServerError) as caught:
            await api.list_models()
    assert caught.value.status == 500
    assert len(sleeps) == 3
    assert all(delay <= api.backoff_max for delay in sleeps)


async def test_timeouts_become_timeout_errors(server: SandboxServer, sleeps: RecordedSleeps) -> None:
    server.state.inject_fault("models", Fault.slow(1.0), times=5)
    async with VivixClient(server.base_url, PRO, sleep=sleeps, timeout=0.2, max_retries=1) as api:
        with pytest.raises(errors.VivixTimeoutError):
            await api.list_models()
    assert len(sleeps) == 1


async def test_connection_failures_become_connection_errors(sleeps: RecordedSleeps) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with VivixClient(f"http://127.0.0.1:{port}/api/v1", PRO, sleep=sleeps, max_retries=2) as api:
        with pytest.raises(errors.VivixConnectionError):
            await api.list_models()
    assert len(sleeps) == 2


async def test_generate_retries_with_the_same_idempotency_key(
    server: SandboxServer, sleeps: RecordedSleeps
) -> None:
    # The first answer arrives too late: the service made the job, the client timed out.
    server.state.inject_fault("generate", Fault.slow(0.6), times=1)
    async with VivixClient(server.base_url, PRO, sleep=sleeps, timeout=0.3) as api:
        created = await api.generate("flux-2-flash", "a lighthouse", idempotency_key="key-123")
    stats = server.state.stats()

    assert len(sleeps) == 1
    assert stats.generations_created == 1, "the retry did not start a second job"
    assert stats.idempotent_replays == 1
    assert server.state.job(created.generation_id) is not None


async def test_generate_is_not_retried_on_its_own_refusals(server: SandboxServer,
                                                           sleeps: RecordedSleeps) -> None:
    server.state.add_key("vvx_single", concurrent_jobs=1)
    async with client_for(server, "vvx_single", sleep=sleeps) as api:
        await api.generate("flux-2-flash", "one")
        with pytest.raises(errors.ConcurrencyLimitError):
            await api.generate("flux-2-flash", "two")
    assert sleeps == [], "a 429 on submit goes back to the caller's queue at once"


async def test_the_api_key_never_shows(server: SandboxServer, sleeps: RecordedSleeps,
                                       caplog: pytest.LogCaptureFixture) -> None:
    secret = "vvx_live_SUPERSECRET_0123456789"
    server.state.add_key(secret, calls_per_minute=1)
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []
    async with client_for(server, secret, sleep=sleeps, max_retries=2) as api:
        seen.append(repr(api))
        await api.list_models()
        for call in (api.list_models(), api.generate("no-such-model", "x"),
                     api.get_generation("nope")):
            try:
                await call
            except errors.VivixError as err:
                seen.extend([str(err), repr(err), repr(getattr(err, "body", ""))])
    async with client_for(server, "vvx_live_WRONGSECRET_99", sleep=sleeps) as bad:
        with pytest.raises(errors.KeyInvalidError) as caught:
            await bad.list_models()
        seen.append(str(caught.value))

    everything = caplog.text + "\n".join(seen)
    assert "Bearer" not in everything
    assert secret not in everything
    assert "WRONGSECRET" not in everything
    assert len(seen) >= 4
