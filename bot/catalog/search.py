"""Autocomplete answers from the cached model list: pure functions, no I/O, at most 25 choices.

Ranking: slug or name starting with the query, then any field or word starting with it,
then every query word found somewhere, then fuzzy matches (typos, skipped letters) by score.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.vivix.models import ModelInfo

from .schema import find_param, spec_type

MAX_CHOICES = 25
"""Discord refuses an autocomplete answer with more choices."""

MAX_CHOICE_TEXT = 100
"""Discord's limit for a choice's name and for a string value."""

FUZZY_CUTOFF = 0.6
_WORD = re.compile(r"[^\W_]+")
_MAX_FUZZY_QUERY = 60
_MIN_FUZZY_WORD = 3  # "xai" should not fuzzily match every "ai"


@dataclass(frozen=True, slots=True)
class ModelChoice:
    """One autocomplete entry: ``value`` is sent back to the bot, ``label`` is shown."""

    value: str
    label: str


def cost_text(model: ModelInfo) -> str:
    band = model.credits_band
    if band.min == band.max:
        return f"{band.max} cr"
    return f"{band.min}\u2013{band.max} cr"


def model_label(model: ModelInfo) -> str:
    """``"<name> \u00b7 <category> \u00b7 <min>\u2013<max> cr"``, the name shortened to fit 100 chars."""
    return fit(model.display_name, f" \u00b7 {model.category} \u00b7 {cost_text(model)}")


def fit(head: str, tail: str, limit: int = MAX_CHOICE_TEXT) -> str:
    """``head + tail`` within ``limit`` characters, shortening ``head`` with an ellipsis first."""
    if len(head) + len(tail) <= limit:
        return head + tail
    room = limit - len(tail) - 1
    if room >= 1:
        return head[:room] + "…" + tail
    return (head + tail)[: limit - 1] + "…"


def search_models(
    models: Iterable[ModelInfo], query: str, category: str | None = None, limit: int = MAX_CHOICES
) -> list[ModelChoice]:
    limit = max(0, min(limit, MAX_CHOICES))
    wanted = category.casefold() if category else None
    pool = [
        m
        for m in models
        if len(m.slug) <= MAX_CHOICE_TEXT and (wanted is None or m.category.casefold() == wanted)
    ]
    text = " ".join(query.casefold().split())
    if not text:
        pool.sort(key=lambda m: (m.category.casefold(), m.display_name.casefold(), m.slug))
        return [ModelChoice(m.slug, model_label(m)) for m in pool[:limit]]
    ranked: list[tuple[int, float, str, str, ModelInfo]] = []
    for model in pool:
        rank = _rank(model, text)
        if rank is not None:
            ranked.append((rank[0], -rank[1], model.display_name.casefold(), model.slug, model))
    ranked.sort(key=lambda r: r[:4])
    return [ModelChoice(r[4].slug, model_label(r[4])) for r in ranked[:limit]]


def _rank(model: ModelInfo, text: str) -> tuple[int, float] | None:
    """(tier, score) of ``model`` for the normalized query ``text``; None if it does not match."""
    slug, name = model.slug.casefold(), model.display_name.casefold()
    fields = (slug, name, model.creator.casefold(), model.category.casefold())
    if slug.startswith(text) or name.startswith(text):
        return 0, 0.0
    words = [w for f in fields for w in _WORD.findall(f)]
    if any(f.startswith(text) for f in fields) or any(w.startswith(text) for w in words):
        return 1, 0.0
    haystack = " ".join(fields)
    if all(token in haystack for token in text.split()):
        return 2, 0.0
    score = _fuzzy_score(text[:_MAX_FUZZY_QUERY], (slug, name), words)
    return (3, score) if score >= FUZZY_CUTOFF else None


def _fuzzy_score(text: str, targets: tuple[str, ...], words: list[str]) -> float:
    compact = text.replace(" ", "")
    best = 0.0
    for target in targets:
        if len(compact) >= 2 and _is_subsequence(compact, target):
            best = max(best, 0.7 + 0.3 * len(compact) / max(len(target), 1))
    for candidate in (*targets, *(w for w in words if len(w) >= _MIN_FUZZY_WORD)):
        matcher = difflib.SequenceMatcher(None, text, candidate)
        if matcher.quick_ratio() > best:
            best = max(best, matcher.ratio())
    return best


def _is_subsequence(needle: str, haystack: str) -> bool:
    chars = iter(haystack)
    return all(c in chars for c in needle)


def enum_choices(model: ModelInfo, param: str, query: str, limit: int = MAX_CHOICES) -> list[ModelChoice]:
    """Values of ``model``'s enum (or boolean) ``param`` matching ``query``: prefix, then substring."""
    found = find_param(model, param)
    if found is None:
        return []
    spec = found[1]
    kind = spec_type(spec)
    if kind == "enum":
        values = list(dict.fromkeys(str(v) for v in spec.values or []))
        default = None if spec.default is None else str(spec.default)
    elif kind == "boolean":
        values = ["true", "false"]
        raw = spec.default
        if raw is None:
            default = None
        else:
            default = raw.strip().lower() if isinstance(raw, str) else str(bool(raw)).lower()
    else:
        return []
    text = query.strip().casefold()
    values = [v for v in values if 0 < len(v) <= MAX_CHOICE_TEXT]
    prefix = [v for v in values if v.casefold().startswith(text)]
    inner = [v for v in values if text in v.casefold() and v not in prefix]
    limit = max(0, min(limit, MAX_CHOICES))
    return [ModelChoice(v, fit(v, " (default)") if v == default else v) for v in (prefix + inner)[:limit]]
