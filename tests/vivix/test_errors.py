"""Every documented error code arrives as its own exception with .code and .status."""

from __future__ import annotations

import pytest

from bot.sandbox import SandboxServer
from bot.vivix import errors
from bot.vivix.client import VivixClient

from .conftest import client_for


async def test_key_invalid(server: SandboxServer) -> None:
    async with client_for(server, "vvx_live_wrong") as api:
        with pytest.raises(errors.KeyInvalidError) as caught:
            await api.list_models()
    assert (caught.value.code, caught.value.status) == ("KEY_INVALID", 401)


async def test_tier_locked(server: SandboxServer) -> None:
    async with client_for(server, "vvx_sandbox_standard") as api:
        with pytest.raises(errors.TierLockedError) as caught:
            await api.list_models()
    assert (caught.value.code, caught.value.status) == ("TIER_LOCKED", 403)


async def test_insufficient_credits(server: SandboxServer, client: VivixClient) -> None:
    server.state.set_balance("vvx_sandbox_pro", 10)
    with pytest.raises(errors.InsufficientCreditsError) as caught:
        await client.generate("grok-imagine-image-quality", "too expensive")
    assert (caught.value.code, caught.value.status) == ("INSUFFICIENT_CREDITS", 402)


async def test_model_not_allowed(server: SandboxServer) -> None:
    async with client_for(server, "vvx_sandbox_limited") as api:
        with pytest.raises(errors.ModelNotAllowedError) as caught:
            await api.generate("wan-2.7-text-to-video", "a street")
    assert (caught.value.code, caught.value.status) == ("MODEL_NOT_ALLOWED", 403)


async def test_invalid_params_names_field_and_reason(client: VivixClient) -> None:
    with pytest.raises(errors.InvalidParamsError) as caught:
        await client.generate("wan-2.7-text-to-video", "a street", duration=99)
    err = caught.value
    assert (err.code, err.status, err.field) == ("INVALID_PARAMS", 422, "duration")
    assert err.reason


async def test_rate_limit_carries_retry_after(server: SandboxServer) -> None:
    server.state.add_key("vvx_tight", calls_per_minute=2)
    async with client_for(server, "vvx_tight", max_retries=0) as api:
        await api.list_models()
        await api.list_models()
        with pytest.raises(errors.RateLimitError) as caught:
            await api.list_models()
    err = caught.value
    assert (err.code, err.status) == ("RATE_LIMIT", 429)
    assert err.retry_after is not None and err.retry_after > 0


async def test_rate_limit_without_retry_after(server: SandboxServer) -> None:
    server.state.send_retry_after = False
    server.state.add_key("vvx_tight", calls_per_minute=1)
    async with client_for(server, "vvx_tight", max_retries=0) as api:
        await api.list_models()
        with pytest.raises(errors.RateLimitError) as caught:
            await api.list_models()
    assert caught.value.retry_after is None


async def test_concurrency_limit(server: SandboxServer) -> None:
    server.state.add_key("vvx_single", concurrent_jobs=1)
    async with client_for(server, "vvx_single") as api:
        await api.generate("flux-2-flash", "one")
        with pytest.raises(errors.ConcurrencyLimitError) as caught:
            await api.generate("flux-2-flash", "two")
    assert (caught.value.code, caught.value.status) == ("CONCURRENCY_LIMIT", 429)


async def test_not_yours(server: SandboxServer, client: VivixClient) -> None:
    created = await client.generate("flux-2-flash", "mine")
    async with client_for(server, "vvx_sandbox_ultimate") as other:
        with pytest.raises(errors.NotYoursError) as caught:
            await other.get_generation(created.generation_id)
    assert (caught.value.code, caught.value.status) == ("NOT_YOURS", 403)


async def test_not_found_and_opaque_ids(client: VivixClient) -> None:
    with pytest.raises(errors.NotFoundError) as caught:
        await client.get_generation("no-such/job?x=1")
    assert (caught.value.code, caught.value.status) == ("NOT_FOUND", 404)


def test_every_api_error_shares_one_root() -> None:
    for cls in [*errors.ERRORS_BY_CODE.values(), errors.ServerError]:
        assert issubclass(cls, errors.VivixAPIError)
        assert issubclass(cls, errors.VivixError)
    for cls in (errors.VivixTimeoutError, errors.VivixConnectionError):
        assert issubclass(cls, errors.VivixTransportError)
        assert not issubclass(cls, errors.VivixAPIError)
