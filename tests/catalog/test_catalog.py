from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest

from bot.catalog import Catalog, CatalogUnavailableError, ParamValidationError
from bot.vivix.errors import KeyInvalidError, VivixConnectionError
from tests.catalog.data import CHEAP_IMAGE, IMAGE, VIDEO, FakeClock, FakeSource, response

SECRET = "vvx_live_s3cr3t_key_do_not_log"


async def test_empty_before_first_refresh(clock: FakeClock) -> None:
    catalog = Catalog(FakeSource(response()), clock=clock)
    assert catalog.snapshot is None
    assert catalog.is_stale
    assert catalog.get("grok-imagine-image-quality") is None
    assert catalog.models() == []
    assert catalog.search("") == []
    assert catalog.tier is None and catalog.rate_limit is None
    with pytest.raises(CatalogUnavailableError):
        catalog.require("grok-imagine-image-quality")


async def test_refresh_loads_snapshot(clock: FakeClock) -> None:
    catalog = Catalog(FakeSource(response()), clock=clock)
    assert await catalog.refresh() is True
    assert catalog.snapshot is not None
    assert catalog.tier == "pro"
    assert catalog.rate_limit is not None and catalog.rate_limit.calls_per_minute == 240
    assert catalog.fetched_at == clock.now
    assert not catalog.is_stale
    assert catalog.get("wan-2.7-text-to-video") is not None
    assert catalog.get(" WAN-2.7-Text-To-Video ") is catalog.get("wan-2.7-text-to-video")
    assert [m.slug for m in catalog.models("image")] == ["grok-imagine-image-quality", "flux-schnell"]
    assert catalog.categories() == ["image", "video", "audio", "utility", "3d"]
    odd = catalog.get("holo-mesh-3d")
    assert odd is not None and odd.category == "3d"


async def test_refresh_failure_keeps_old_snapshot(clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
    first = response([IMAGE])
    source = FakeSource(first, VivixConnectionError(f"connect failed Authorization: Bearer {SECRET}"))
    catalog = Catalog(source, clock=clock)
    assert await catalog.refresh()
    caplog.set_level(logging.INFO, logger="bot.catalog")
    assert await catalog.refresh() is False
    assert catalog.snapshot is first
    assert catalog.get("grok-imagine-image-quality") is not None
    assert catalog.last_error == "VivixConnectionError"
    assert "refresh failed" in caplog.text and "keeping 1 models" in caplog.text
    assert SECRET not in caplog.text


async def test_api_error_is_described_by_code(clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
    source = FakeSource(KeyInvalidError(401, message=f"bad key {SECRET}"))
    catalog = Catalog(source, clock=clock)
    caplog.set_level(logging.WARNING, logger="bot.catalog")
    assert await catalog.refresh() is False
    assert catalog.snapshot is None
    assert catalog.last_error == "KeyInvalidError KEY_INVALID (HTTP 401)"
    assert "no model list yet" in caplog.text
    assert SECRET not in caplog.text


async def test_refresh_swaps_the_whole_list(clock: FakeClock) -> None:
    source = FakeSource(response([IMAGE, VIDEO]), response([VIDEO], tier="ultimate"))
    catalog = Catalog(source, clock=clock)
    await catalog.refresh()
    await catalog.refresh()
    assert catalog.get("grok-imagine-image-quality") is None  # withdrawn from the allowlist
    assert [m.slug for m in catalog.models()] == ["wan-2.7-text-to-video"]
    assert catalog.tier == "ultimate"


async def test_stale_by_clock(clock: FakeClock) -> None:
    catalog = Catalog(FakeSource(response()), clock=clock, refresh_interval=timedelta(minutes=10))
    await catalog.refresh()
    clock.advance(599)
    assert not catalog.is_stale
    clock.advance(1)
    assert catalog.is_stale


async def test_refresh_if_older_than_throttles(clock: FakeClock) -> None:
    source = FakeSource(response())
    catalog = Catalog(source, clock=clock)
    assert await catalog.refresh_if_older_than(30) is True
    assert await catalog.refresh_if_older_than(30) is False
    clock.advance(29)
    assert await catalog.refresh_if_older_than(30) is False
    clock.advance(1)
    assert await catalog.refresh_if_older_than(30) is True
    assert source.calls == 2


async def test_failed_attempts_also_throttle(clock: FakeClock) -> None:
    source = FakeSource(VivixConnectionError("down"))
    catalog = Catalog(source, clock=clock)
    assert await catalog.refresh_if_older_than(30) is False
    assert await catalog.refresh_if_older_than(30) is False
    assert source.calls == 1


async def test_concurrent_refreshes_share_one_fetch(clock: FakeClock) -> None:
    source = FakeSource(response())
    catalog = Catalog(source, clock=clock)
    results = await asyncio.gather(*(catalog.refresh_if_older_than(60) for _ in range(5)))
    assert source.calls == 1
    assert sorted(results) == [False, False, False, False, True]


async def test_invalidate_then_ensure_fresh(clock: FakeClock) -> None:
    source = FakeSource(response([IMAGE]), response([IMAGE, VIDEO]))
    catalog = Catalog(source, clock=clock, min_refresh_gap=timedelta(seconds=30))
    assert await catalog.ensure_fresh() is True
    assert await catalog.ensure_fresh() is True
    assert source.calls == 1
    catalog.invalidate()
    assert catalog.is_stale
    assert await catalog.ensure_fresh() is False  # last attempt too recent: no hammering
    clock.advance(30)
    assert await catalog.ensure_fresh() is True
    assert source.calls == 2
    assert catalog.get("wan-2.7-text-to-video") is not None


async def test_refresh_soon_runs_in_background(clock: FakeClock) -> None:
    source = FakeSource(response())
    catalog = Catalog(source, clock=clock)
    task = catalog.refresh_soon()
    assert task is not None
    assert catalog.refresh_soon() is task  # one at a time
    assert await task is True
    assert catalog.refresh_soon() is None  # fresh: nothing to do
    await catalog.aclose()


async def test_aclose_cancels_background_refresh(clock: FakeClock) -> None:
    started = asyncio.Event()

    class SlowSource:
        async def list_models(self):  # type: ignore[no-untyped-def]
            started.set()
            await asyncio.sleep(3600)

    catalog = Catalog(SlowSource(), clock=clock)  # type: ignore[arg-type]
    task = catalog.refresh_soon()
    assert task is not None
    await started.wait()
    await catalog.aclose()
    assert task.cancelled()


async def test_default_model_is_cheapest_by_band_max(clock: FakeClock) -> None:
    catalog = Catalog(FakeSource(response()), clock=clock)
    await catalog.refresh()
    default = catalog.default_model("image")
    assert default is not None and default.slug == CHEAP_IMAGE["slug"]
    video = catalog.default_model("VIDEO")
    assert video is not None and video.slug == VIDEO["slug"]
    assert catalog.default_model("text") is None


async def test_default_model_ties_and_unpriced(clock: FakeClock) -> None:
    a = {"slug": "b-model", "category": "image", "credits_band": {"min": 5, "max": 50}}
    b = {"slug": "a-model", "category": "image", "credits_band": {"min": 1, "max": 50}}
    free = {"slug": "0-unpriced", "category": "image"}
    catalog = Catalog(FakeSource(response([a, free, b])), clock=clock)
    await catalog.refresh()
    chosen = catalog.default_model("image")
    assert chosen is not None and chosen.slug == "a-model"


async def test_duplicate_and_blank_slugs_are_skipped(clock: FakeClock) -> None:
    twin = dict(VIDEO, name="Impostor")
    catalog = Catalog(FakeSource(response([VIDEO, twin, {"slug": " "}])), clock=clock)
    await catalog.refresh()
    found = catalog.get("wan-2.7-text-to-video")
    assert found is not None and found.name == "Wan 2.7 Text to Video"
    assert len(catalog.models()) == 1


async def test_require_names_close_models(clock: FakeClock) -> None:
    catalog = Catalog(FakeSource(response()), clock=clock)
    await catalog.refresh()
    assert catalog.require("flux-schnell").slug == "flux-schnell"
    with pytest.raises(ParamValidationError) as caught:
        catalog.require("grok-imagine")
    assert caught.value.field == "model"
    assert caught.value.message.startswith(
        "unknown model `grok-imagine`; did you mean grok-imagine-image-quality"
    )
    assert caught.value.allowed[0] == "grok-imagine-image-quality"


async def test_catalogs_are_per_key(clock: FakeClock) -> None:
    one = Catalog(FakeSource(response([IMAGE])), clock=clock)
    two = Catalog(FakeSource(response([VIDEO])), clock=clock)
    await one.refresh()
    await two.refresh()
    assert one.get("wan-2.7-text-to-video") is None
    assert two.get("grok-imagine-image-quality") is None


def test_core_does_not_import_discord() -> None:
    import subprocess
    import sys
    from pathlib import Path

    code = "import sys, bot.catalog; sys.exit('discord' in sys.modules)"
    root = Path(__file__).resolve().parents[2]
    assert subprocess.run([sys.executable, "-c", code], cwd=root, check=False).returncode == 0
