"""Prices of every model over its whole schema: estimate within the band, charge within the estimate."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from bot.sandbox import MODELS, SandboxModel
from bot.sandbox.validation import resolve_params


def _choices(name: str, spec: dict[str, Any]) -> list[Any]:
    kind = spec.get("type")
    if name == "prompt":
        return ["a lighthouse"]
    if kind == "enum":
        return list(spec["values"])
    if kind == "boolean":
        return [False, True]
    if kind in ("integer", "float"):
        return (
            [spec["min"], spec["max"]] if spec.get("required") or "default" in spec else [None, spec["min"]]
        )
    if kind == "string[]":
        return [["https://a.test/1.png"]]
    return [None, "text"]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.slug)
def test_prices_stay_inside_the_band(model: SandboxModel) -> None:
    names = list(model.params)
    low, high = model.credits_band
    for combo in itertools.product(*(_choices(n, model.params[n]) for n in names)):
        params = resolve_params(model, {n: v for n, v in zip(names, combo, strict=True) if v is not None})
        estimate, used = model.price(params)
        results = params.get("number_results", 1)
        assert low * results <= used <= estimate <= high * results, (model.slug, params)


def test_the_documented_models_are_verbatim() -> None:
    by_slug = {m.slug: m.to_json() for m in MODELS}
    assert by_slug["grok-imagine-image-quality"]["credits_band"] == {"min": 80, "max": 211}
    assert by_slug["wan-2.7-text-to-video"]["params"] == {
        "prompt": {"type": "string", "required": True},
        "duration": {"type": "integer", "min": 2, "max": 10, "default": 5},
        "resolution": {"type": "enum", "values": ["720p", "1080p"], "default": "1080p"},
        "audio": {"type": "boolean", "default": False},
    }
