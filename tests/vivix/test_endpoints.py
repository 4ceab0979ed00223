"""Every endpoint against the sandbox: typed answers, quirky headers, the job lifecycle."""

from __future__ import annotations

import httpx

from bot.sandbox import SandboxClock, SandboxServer
from bot.vivix.client import VivixClient, parse_count
from bot.vivix.models import ModelsResponse


async def test_list_models_reads_tier_limits_and_schemas(client: VivixClient) -> None:
    models = await client.list_models()

    assert isinstance(models, ModelsResponse)
    assert models.tier == "pro"
    assert models.credits_balance == 15000
    assert models.rate_limit.calls_per_minute == 240
    assert models.rate_limit.concurrent_jobs == 5
    by_slug = {m.slug: m for m in models.models}
    grok = by_slug["grok-imagine-image-quality"]
    assert grok.category == "image"
    assert grok.params["resolution"].values == ["1K", "2K", "4K"]
    assert grok.params["prompt"].required is True
    assert (grok.credits_band.min, grok.credits_band.max) == (80, 211)
    assert {m.category for m in models.models} >= {"image", "video", "audio", "utility"}


async def test_unknown_categories_and_param_types_are_kept(client: VivixClient) -> None:
    models = await client.list_models()

    known = {"image", "video", "audio", "text", "utility"}
    odd = [m for m in models.models if m.category not in known]
    odd_params = [p for m in models.models for p in m.params.values()
                  if p.type not in {"string", "integer", "enum", "boolean"}]
    assert odd, "the sandbox lists a model of a category the client has never seen"
    assert odd_params, "and a param of an unknown type; both parse instead of failing"


async def test_a_job_goes_from_pending_to_completed(client: VivixClient, clock: SandboxClock) -> None:
    created = await client.generate("grok-imagine-image-quality", "a misty forest", resolution="1K")

    assert created.status == "pending"
    assert created.credits_estimate is not None and created.credits_estimate > 0
    first = await client.get_generation(created.generation_id)
    assert first.status in ("pending", "processing")
    assert not first.is_terminal

    clock.advance(120)
    done = await client.get_generation(created.generation_id)

    assert done.status == "completed"
    assert done.output_url and done.output_url.startswith("http://127.0.0.1:")
    assert done.urls == [done.output_url]
    assert done.credits_used is not None and 0 < done.credits_used <= created.credits_estimate
    async with httpx.AsyncClient() as plain:  # output URLs are public: no key
        image = await plain.get(done.output_url)
    assert image.content.startswith(b"\x89PNG\r\n\x1a\n")


async def test_several_results_give_every_url(client: VivixClient, clock: SandboxClock) -> None:
    created = await client.generate("grok-imagine-image-quality", "three cats", number_results=3)
    clock.advance(120)

    done = await client.get_generation(created.generation_id)

    assert done.status == "completed"
    assert len(done.urls) == 3


async def test_failed_job_reports_zero_credits(client: VivixClient, clock: SandboxClock) -> None:
    created = await client.generate("grok-imagine-image-quality", "this one breaks [fail]")
    clock.advance(120)

    failed = await client.get_generation(created.generation_id)

    assert failed.status == "failed"
    assert failed.credits_used == 0
    assert failed.error


async def test_headers_with_thousands_separators_are_tracked(
    server: SandboxServer, client: VivixClient
) -> None:
    server.state.set_balance("vvx_sandbox_pro", 49_711)

    await client.generate("flux-2-flash", "a lighthouse")

    assert client.credits_balance is not None and 40_000 < client.credits_balance < 49_711
    assert client.rate_limit_remaining is not None and client.rate_limit_remaining < 240


def test_parse_count_reads_separators_and_refuses_garbage() -> None:
    assert parse_count("49,711") == 49711
    assert parse_count("1,234,567") == 1234567
    assert parse_count(" 239 ") == 239
    assert parse_count("lots") is None
    assert parse_count(None) is None
