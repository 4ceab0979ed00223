from __future__ import annotations

from typing import Any

import pytest

from bot.catalog import Catalog, ModelChoice, enum_choices, model_label, search_models
from bot.vivix.models import ModelInfo
from tests.catalog.data import FakeClock, FakeSource, model, response


@pytest.fixture
async def catalog(clock: FakeClock) -> Catalog:
    catalog = Catalog(FakeSource(response()), clock=clock)
    await catalog.refresh()
    return catalog


def slugs(choices: list[ModelChoice]) -> list[str]:
    return [c.value for c in choices]


def test_label_format(image: ModelInfo, video: ModelInfo, utility: ModelInfo) -> None:
    assert model_label(image) == "Grok Imagine Image Quality \u00b7 image \u00b7 80\u2013211 cr"
    assert model_label(video) == "Wan 2.7 Text to Video · video · 400\u20131440 cr"
    assert model_label(utility) == "Clarity Upscaler · utility · 30 cr"  # flat price shown once


def test_label_truncated_to_100_keeping_the_price() -> None:
    long = model({"slug": "x", "name": "N" * 150, "category": "image", "credits_band": {"min": 1, "max": 2}})
    label = model_label(long)
    assert len(label) == 100
    assert label.endswith("N… · image · 1\u20132 cr")


def test_label_falls_back_to_slug() -> None:
    assert model_label(model({"slug": "bare", "category": "text"})) == "bare · text · 0 cr"


async def test_empty_query_lists_category(catalog: Catalog) -> None:
    assert slugs(catalog.search("", category="image")) == ["flux-schnell", "grok-imagine-image-quality"]
    assert len(catalog.search("   ")) == 6


async def test_choice_shape(catalog: Catalog) -> None:
    assert catalog.search("wan") == [
        ModelChoice(value="wan-2.7-text-to-video", label="Wan 2.7 Text to Video · video · 400\u20131440 cr")
    ]


async def test_prefix_before_word_before_substring_before_fuzzy(clock: FakeClock) -> None:
    models: list[dict[str, Any]] = [
        {"slug": "vid-fuzzy", "name": "Vxixd Thing", "category": "image"},  # "vid" only as a subsequence
        {"slug": "avid-sub", "name": "Avid", "category": "image"},  # substring
        {"slug": "zeta", "name": "Zeta Vidmaker", "category": "image"},  # word prefix
        {"slug": "other", "name": "Other", "category": "image", "creator": "Vidcorp"},  # creator prefix
    ]
    catalog = Catalog(FakeSource(response(models)), clock=clock)
    await catalog.refresh()
    assert slugs(catalog.search("vid")) == ["vid-fuzzy", "other", "zeta", "avid-sub"]
    assert slugs(catalog.search("vxd")) == ["vid-fuzzy"]  # subsequence of the name: fuzzy tier


async def test_prefix_beats_fuzzy(catalog: Catalog) -> None:
    found = slugs(catalog.search("clar"))
    assert found[0] == "clarity-upscaler"
    typo = slugs(catalog.search("clarty"))
    assert typo and typo[0] == "clarity-upscaler"


async def test_matches_name_creator_and_category(catalog: Catalog) -> None:
    assert slugs(catalog.search("alibaba")) == ["wan-2.7-text-to-video"]
    assert slugs(catalog.search("xai")) == ["grok-imagine-image-quality"]
    assert set(slugs(catalog.search("image"))) == {"grok-imagine-image-quality", "flux-schnell"}
    assert slugs(catalog.search("Sound Effects")) == ["echo-sfx-v2"]
    assert slugs(catalog.search("3d")) == ["holo-mesh-3d"]


async def test_multi_word_query(catalog: Catalog) -> None:
    assert slugs(catalog.search("grok quality")) == ["grok-imagine-image-quality"]


async def test_typo_matches_fuzzily(catalog: Catalog) -> None:
    assert "wan-2.7-text-to-video" in slugs(catalog.search("vidoe"))
    assert catalog.search("zzzzqqq") == []


async def test_category_filter(catalog: Catalog) -> None:
    assert slugs(catalog.search("grok", category="video")) == []
    assert slugs(catalog.search("grok", category="image")) == ["grok-imagine-image-quality"]


def test_never_more_than_25() -> None:
    many = [model({"slug": f"img-{i:03}", "name": f"Image {i:03}", "category": "image"}) for i in range(60)]
    assert len(search_models(many, "")) == 25
    assert len(search_models(many, "img")) == 25
    assert len(search_models(many, "img", limit=100)) == 25
    assert len(search_models(many, "img", limit=5)) == 5
    assert slugs(search_models(many, "img", limit=3)) == ["img-000", "img-001", "img-002"]


def test_slug_too_long_for_discord_is_left_out() -> None:
    huge = model({"slug": "s" * 101, "category": "image"})
    assert search_models([huge], "") == []


def test_search_does_no_io(image: ModelInfo) -> None:
    assert slugs(search_models([image], "grok")) == ["grok-imagine-image-quality"]


async def test_enum_choices(catalog: Catalog) -> None:
    slug = "grok-imagine-image-quality"
    assert catalog.enum_choices(slug, "aspect_ratio", "") == [
        ModelChoice("1:1", "1:1 (default)"),
        ModelChoice("4:5", "4:5"),
        ModelChoice("9:16", "9:16"),
        ModelChoice("16:9", "16:9"),
    ]
    assert [c.value for c in catalog.enum_choices(slug, "aspect_ratio", "16")] == ["16:9", "9:16"]
    assert [c.value for c in catalog.enum_choices(slug, "resolution", "k")] == ["1K", "2K", "4K"]
    assert [c.value for c in catalog.enum_choices(slug, "resolution", "4")] == ["4K"]
    assert catalog.enum_choices(slug, "number_results", "") == []  # not an enum
    assert catalog.enum_choices(slug, "nope", "") == []
    assert catalog.enum_choices("no-such-model", "resolution", "") == []


async def test_enum_choices_non_string_values_and_booleans(catalog: Catalog) -> None:
    assert [c.label for c in catalog.enum_choices("clarity-upscaler", "scale", "")] == ["2 (default)", "4"]
    assert catalog.enum_choices("wan-2.7-text-to-video", "audio", "") == [
        ModelChoice("true", "true"),
        ModelChoice("false", "false (default)"),
    ]


def test_enum_choices_at_most_25() -> None:
    values = [f"style-{i}" for i in range(40)]
    wide = model({"slug": "w", "params": {"style": {"type": "enum", "values": values}}})
    assert len(enum_choices(wide, "style", "")) == 25
    assert len(enum_choices(wide, "style", "style-1")) == 11
