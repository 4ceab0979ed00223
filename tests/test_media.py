"""Fetching output files for attachments: over real HTTP from the sandbox, capped and type-checked."""

from __future__ import annotations

import httpx

from bot.media import MediaFetcher
from bot.sandbox import SandboxClock, SandboxServer, SandboxState
from bot.vivix.client import VivixClient


async def _finished_outputs(server: SandboxServer, state: SandboxState, clock: SandboxClock, count: int) -> list[str]:
    async with VivixClient(server.base_url, "vvx_sandbox_pro") as api:
        created = await api.generate("flux-2-flash", "a fox", number_results=count)
        clock.advance(state.seconds_to_finish(created.generation_id))
        done = await api.get_generation(created.generation_id)
    urls = done.output_urls or [done.output_url]
    assert all(urls)
    return [str(url) for url in urls]


async def test_outputs_are_fetched_whole(server: SandboxServer, state: SandboxState, clock: SandboxClock) -> None:
    urls = await _finished_outputs(server, state, clock, 2)
    fetcher = MediaFetcher()
    try:
        media = await fetcher.fetch_all(urls, "image", 10_000_000)
    finally:
        await fetcher.aclose()
    assert media is not None and len(media) == 2
    async with httpx.AsyncClient() as http:
        for url, item in zip(urls, media, strict=True):
            assert item.data == (await http.get(url)).content
            assert item.content_type == "image/png" and item.filename.endswith(".png")


async def test_too_big_wrong_kind_or_missing_is_not_fetched(
    server: SandboxServer, state: SandboxState, clock: SandboxClock
) -> None:
    urls = await _finished_outputs(server, state, clock, 1)
    fetcher = MediaFetcher()
    try:
        assert await fetcher.fetch_all(urls, "image", 50) is None  # over the cap
        assert await fetcher.fetch_all(urls, "video", 10_000_000) is None  # a PNG is not a video
        assert await fetcher.fetch_all([urls[0].replace("-1.png", "-9.png")], "image", 10_000_000) is None
        assert await fetcher.fetch_all(["http://127.0.0.1:9/nothing.png"], "image", 10_000_000) is None
    finally:
        await fetcher.aclose()
