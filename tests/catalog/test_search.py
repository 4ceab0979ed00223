from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.catalog import MAX_CHOICES, Catalog, ModelChoice, enum_choices, model_label, search_models
from bot.catalog.search import ModelIndex
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


# -- the per-snapshot index (ModelIndex) --------------------------------------------------------

VENDORS = ["kling", "seedance", "hailuo", "luma", "runway", "pika", "vidu", "mochi", "ltx", "krea"]
TASKS = [("text-to-video", "video"), ("image-to-video", "video"), ("text-to-image", "image"), ("upscaler", "utility")]


def family(count: int) -> list[dict[str, Any]]:
    """``count`` models shaped like the API's: ``vendor-2.N-task``, named ``Vendor 2.N Task``."""
    found: list[dict[str, Any]] = []
    for i in range(count):
        vendor, (task, category) = VENDORS[i % len(VENDORS)], TASKS[(i // len(VENDORS)) % len(TASKS)]
        version = f"2.{i // (len(VENDORS) * len(TASKS))}"
        name = f"{vendor.capitalize()} {version} {task.replace('-', ' ').title()}"
        found.append({"slug": f"{vendor}-{version}-{task}", "name": name, "category": category, "creator": vendor})
    return found


async def test_index_follows_the_snapshot(clock: FakeClock) -> None:
    first = [{"slug": "kling-2.1-text-to-video", "name": "Kling 2.1", "category": "video"}]
    second = [{"slug": "vidu-2.0-text-to-video", "name": "Vidu 2.0", "category": "video"}]
    catalog = Catalog(FakeSource(response(first), response(second), RuntimeError("down")), clock=clock)
    assert catalog.search("kling") == []  # no snapshot yet
    await catalog.refresh()
    assert slugs(catalog.search("kling")) == ["kling-2.1-text-to-video"]
    await catalog.refresh()
    assert catalog.search("kling") == []  # gone with the old snapshot
    assert slugs(catalog.search("vidu")) == ["vidu-2.0-text-to-video"]
    assert slugs(catalog.search("")) == ["vidu-2.0-text-to-video"]
    assert not await catalog.refresh()  # a failed refresh keeps the snapshot and its index
    assert slugs(catalog.search("vidu")) == ["vidu-2.0-text-to-video"]


async def test_typo_finds_the_model_among_many(clock: FakeClock) -> None:
    catalog = Catalog(FakeSource(response(family(400))), clock=clock)
    await catalog.refresh()
    for typo in ("seedanse", "seedance 2.3 txt to vdeo"):
        found = slugs(catalog.search(typo))
        assert found and all(s.startswith("seedance-") for s in found[:5]), (typo, found)
    assert slugs(catalog.search("hailou 2.9 upscler"))[0] == "hailuo-2.9-upscaler"
    assert all(s.endswith("-upscaler") for s in slugs(catalog.search("hailou upsclr", category="utility")))
    assert catalog.search("zzzzqqq") == []


async def test_at_most_25_choices_in_every_tier(clock: FakeClock) -> None:
    catalog = Catalog(FakeSource(response(family(400))), clock=clock)
    await catalog.refresh()
    for query in ("", "k", "kling", "video", "2", "text to", "vidoe", "klnig"):
        assert len(catalog.search(query)) == 25, query
    for query in ("", "video", "2", "text to", "vidoe"):
        assert len(catalog.search(query, category="video")) == 25, query
    kling_video = slugs(catalog.search("kling", category="video"))  # all 20 of them, nothing fuzzy
    assert len(kling_video) == 20 and all(s.startswith("kling-") and s.endswith("-video") for s in kling_video)
    assert len(catalog.search("kling", limit=7)) == 7
    assert catalog.search("kling", limit=0) == []
    assert slugs(catalog.search("kling", limit=3)) == ["kling-2.0-image-to-video", "kling-2.0-text-to-image",
                                                        "kling-2.0-text-to-video"]


def test_whole_field_prefix_with_spaces_is_a_word_match() -> None:
    zed = model({"slug": "zed", "name": "Zed", "creator": "Black Forest Labs", "category": "image"})
    alpha = model({"slug": "alpha", "name": "Alpha", "creator": "Labs of Black Forest", "category": "image"})
    assert slugs(search_models([alpha, zed], "black  f")) == ["zed", "alpha"]  # field prefix, then substring


def test_fuzzy_score_of_exactly_the_cutoff_is_kept() -> None:
    bria = model({"slug": "bria-max", "name": "Bria Max", "category": "image"})
    assert slugs(search_models([bria], "ltx-max")) == ["bria-max"]  # 2 * 3 / (7 + 3) = 0.6 against "max"
    assert search_models([bria], "ltx-maz") == []  # 0.4


def test_index_searches_again_without_rebuilding() -> None:
    index = ModelIndex([model(m) for m in family(40)])
    assert len(index) == 40
    assert slugs(index.search("luma 2.0"))[:1] == ["luma-2.0-image-to-video"]
    assert slugs(index.search("luma 2.0", category="image")) == ["luma-2.0-text-to-image"]
    assert index.search("luma", category="audio") == []
    assert slugs(index.search("", category="utility"))[:2] == ["hailuo-2.0-upscaler", "kling-2.0-upscaler"]


def _reference_tiers(models: list[ModelInfo], text: str) -> list[str]:
    """Slugs of tiers 0-2 by the rule as written (per model, no index), in ranking order."""
    ranked = []
    for m in models:
        slug, name = m.slug.casefold(), m.display_name.casefold()
        fields = (slug, name, m.creator.casefold(), m.category.casefold())
        words = [w for f in fields for w in re.findall(r"[^\W_]+", f)]
        if slug.startswith(text) or name.startswith(text):
            tier = 0
        elif any(f.startswith(text) for f in (*fields, *words)):
            tier = 1
        elif all(t in " ".join(fields) for t in text.split()):
            tier = 2
        else:
            continue
        ranked.append((tier, name, m.slug))
    return [slug for *_, slug in sorted(ranked)]


_letters = st.text(alphabet="abc-. 1", min_size=1, max_size=8)


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(st.tuples(_letters, _letters, _letters, st.sampled_from(["image", "video", "Video"])),
                  min_size=1, max_size=40),
    query=st.text(alphabet="abcAB-. 1", max_size=5),
)
def test_exact_tiers_match_the_rule_as_written(rows: list[tuple[str, str, str, str]], query: str) -> None:
    models = [model({"slug": f"{s.strip() or 'x'}{i}", "name": n, "creator": c, "category": k})
              for i, (s, n, c, k) in enumerate(rows)]
    text = " ".join(query.casefold().split())
    if not text:
        return
    expected = _reference_tiers(models, text)[:MAX_CHOICES]
    found = slugs(ModelIndex(models).search(query))
    assert found[: len(expected)] == expected
    assert not set(found[len(expected):]) & set(_reference_tiers(models, text))  # the rest: fuzzy only
