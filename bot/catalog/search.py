"""Autocomplete answers from the cached model list: pure functions, no I/O, at most 25 choices.

Ranking: slug or name starting with the query, then any field or word starting with it,
then every query word found somewhere, then fuzzy matches (typos, skipped letters) by score.

``ModelIndex`` precomputes what the ranking needs once per model list (the catalog builds one
per snapshot), so a keystroke costs a few bisections, a substring scan and, only when fewer than
25 models matched exactly, one pass of rapidfuzz's C matcher over the distinct strings.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import Indel, LCSseq

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
# rapidfuzz's own cutoff drops a score of exactly 0.6 (float error) that the rule keeps: ask it for
# a little less, then apply the rule with a tolerance far below the gap between two ratios 2k/n.
_PREFILTER_CUTOFF = FUZZY_CUTOFF - 0.01
_SCORE_TOLERANCE = 1e-9


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
    """One-off search: builds a ``ModelIndex`` for ``models`` (keep the index to search again)."""
    return ModelIndex(models).search(query, category, limit)


class ModelIndex:
    """What autocomplete needs from one model list, computed once; ``search`` answers a keystroke.

    Models are numbered in tie-break order (display name, then slug, both casefolded as before),
    so sorting numbers sorts a tier. Strings are stored casefolded; words as ``_WORD`` finds them.
    """

    __slots__ = (
        "_browse",
        "_by_category",
        "_category_sets",
        "_choices",
        "_fuzzy_ids",
        "_fuzzy_texts",
        "_haystacks",
        "_head_ids",
        "_head_keys",
        "_start_ids",
        "_start_keys",
    )

    def __init__(self, models: Iterable[ModelInfo]) -> None:
        pool = [m for m in models if len(m.slug) <= MAX_CHOICE_TEXT]
        pool.sort(key=lambda m: (m.display_name.casefold(), m.slug))
        self._choices = [ModelChoice(m.slug, model_label(m)) for m in pool]
        categories = [m.category.casefold() for m in pool]
        self._by_category: dict[str, list[int]] = {}
        for i, category in enumerate(categories):
            self._by_category.setdefault(category, []).append(i)
        self._category_sets = {category: frozenset(ids) for category, ids in self._by_category.items()}
        # The empty query browses by category, then (stable) by the tie-break order.
        self._browse = sorted(range(len(pool)), key=categories.__getitem__)
        self._haystacks: list[str] = []
        starts: dict[str, list[int]] = {}  # slug and name: tier 0 (and subsequence fuzzy)
        heads: dict[str, list[int]] = {}  # every field and word: tier 1
        fuzzy: dict[str, list[int]] = {}  # slug, name and longer words: fuzzy by similarity
        for i, model in enumerate(pool):
            slug, name = model.slug.casefold(), model.display_name.casefold()
            fields = (slug, name, model.creator.casefold(), categories[i])
            words = {w for f in fields for w in _WORD.findall(f)}
            self._haystacks.append(" ".join(fields))
            for key in {slug, name}:
                starts.setdefault(key, []).append(i)
            for key in {*fields, *words}:
                heads.setdefault(key, []).append(i)
            for key in {slug, name, *(w for w in words if len(w) >= _MIN_FUZZY_WORD)}:
                fuzzy.setdefault(key, []).append(i)
        self._start_keys = sorted(starts)
        self._start_ids = [tuple(starts[key]) for key in self._start_keys]
        self._head_keys = sorted(heads)
        self._head_ids = [tuple(heads[key]) for key in self._head_keys]
        self._fuzzy_texts = list(fuzzy)
        self._fuzzy_ids = [tuple(ids) for ids in fuzzy.values()]

    def __len__(self) -> int:
        return len(self._choices)

    def search(self, query: str, category: str | None = None, limit: int = MAX_CHOICES) -> list[ModelChoice]:
        """At most ``limit`` (and 25) choices for ``query``, ranked as the module says."""
        limit = max(0, min(limit, MAX_CHOICES))
        members = self._by_category.get(category.casefold(), []) if category else None
        text = " ".join(query.casefold().split())
        if not text:
            browse = self._browse if members is None else members
            return [self._choices[i] for i in browse[:limit]]
        if limit == 0 or members == []:
            return []
        allowed = self._category_sets[category.casefold()] if members and category else None
        found: list[int] = []
        taken: set[int] = set()
        tiers: tuple[Callable[[], set[int]], ...] = (
            lambda: _prefixed(self._start_keys, self._start_ids, text),
            lambda: _prefixed(self._head_keys, self._head_ids, text),
            lambda: self._containing(text, members),
        )
        for tier in tiers:  # each tier only while fewer than ``limit`` models are found
            matched = tier()
            fresh = matched - taken if allowed is None else (matched & allowed) - taken
            found += sorted(fresh)
            taken |= fresh
            if len(found) >= limit:
                return [self._choices[i] for i in found[:limit]]
        found += self._fuzzy(text[:_MAX_FUZZY_QUERY], taken, allowed, limit - len(found))
        return [self._choices[i] for i in found[:limit]]

    def _containing(self, text: str, members: list[int] | None) -> set[int]:
        """Models whose fields hold every word of ``text`` (tier 2, which includes tiers 0 and 1)."""
        hay = self._haystacks
        ids: Iterable[int] = range(len(hay)) if members is None else members
        for token in text.split():
            ids = [i for i in ids if token in hay[i]]
        return set(ids)

    def _fuzzy(self, text: str, taken: set[int], allowed: frozenset[int] | None, need: int) -> list[int]:
        """The ``need`` best fuzzy matches not ``taken``: by score (the best of any string), then order.

        A model's score is the best of: 0.7 + 0.3 * share of a slug or name that the query
        (spaces dropped) covers as a subsequence; rapidfuzz's Indel similarity to its slug, name
        or a word of 3+ letters (2 * common subsequence / total length, like difflib's ratio).
        """
        scored: list[tuple[float, tuple[int, ...]]] = []
        compact = text.replace(" ", "")
        if len(compact) >= 2:
            hits = process.extract(
                compact, self._start_keys, scorer=LCSseq.similarity, score_cutoff=len(compact), limit=None
            )
            for target, _, k in hits:
                scored.append((0.7 + 0.3 * len(compact) / max(len(target), 1), self._start_ids[k]))
        hits_f = process.extract(
            text, self._fuzzy_texts, scorer=Indel.normalized_similarity, score_cutoff=_PREFILTER_CUTOFF, limit=None
        )
        scored.extend((s, self._fuzzy_ids[k]) for _, s, k in hits_f if s + _SCORE_TOLERANCE >= FUZZY_CUTOFF)
        scored.sort(key=lambda s: -s[0])
        seen = set(taken)
        found: list[int] = []
        at = 0
        while at < len(scored) and len(found) < need:  # best score first: a model's first hit is its best
            score = scored[at][0]
            group: set[int] = set()
            while at < len(scored) and scored[at][0] == score:
                group.update(scored[at][1])
                at += 1
            group -= seen
            if allowed is not None:
                group &= allowed
            found += sorted(group)
            seen |= group
        return found[:need]


def _prefixed(keys: Sequence[str], ids: Sequence[tuple[int, ...]], text: str) -> set[int]:
    """Ids of the models under the keys starting with ``text`` (``keys`` sorted, distinct)."""
    lo = bisect_left(keys, text)
    hi = bisect_right(keys, text, lo, key=lambda key: key[: len(text)])
    return set().union(*ids[lo:hi])


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
