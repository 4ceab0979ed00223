"""What may be a preference: the params of the catalog's models, and ``model:<category>``.

Pure functions over the live catalog: checking a name and value as a member sets them, and the
autocomplete choices for both. A value is kept when at least one model that takes the param
accepts it; whether the model a job uses accepts it is decided when the job is made.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..catalog import Catalog, CatalogUnavailableError, ModelChoice, ParamValidationError
from ..catalog.schema import find_param, normalize_name, spec_type
from ..catalog.search import MAX_CHOICE_TEXT, MAX_CHOICES
from ..catalog.validation import check_value
from ..errors import clip
from ..vivix.models import ModelInfo, ParamSpec
from .errors import BadPreferenceValueError, ModelPreferenceNeedsKindError, UnknownPreferenceError

MODEL_PREFIX = "model:"
RESERVED = frozenset({"prompt", "model", "reference_images"})  # own fields, or links that expire
MAX_VALUE_LENGTH = 1000


def model_key(category: str) -> str:
    return f"{MODEL_PREFIX}{category}"


def category_of(name: str) -> str | None:
    """``image`` for ``model:image``; None for a param name."""
    return name[len(MODEL_PREFIX):] if name.startswith(MODEL_PREFIX) else None


def takers(catalog: Catalog, name: str, order: Sequence[str] = ()) -> list[tuple[ModelInfo, ParamSpec]]:
    """The models that take param ``name`` and its spec in each; models named in ``order`` first."""
    rank = {slug: i for i, slug in enumerate(order)}
    models = sorted(catalog.models(), key=lambda m: rank.get(m.slug, len(rank)))
    return [(model, found[1]) for model in models if (found := find_param(model, name)) is not None]


def param_names(models: Iterable[ModelInfo]) -> list[str]:
    """Every param name of ``models`` that may be a preference, normalized, in first-seen order."""
    names: dict[str, None] = {}
    for model in models:
        for key in model.params:
            name = normalize_name(key)
            if name not in RESERVED:
                names.setdefault(name)
    return list(names)


def known_names(catalog: Catalog, usual: Sequence[str] = ()) -> list[str]:
    """``model:<category>`` for each category, then the params of ``usual`` models, then the rest."""
    first = [m for slug in usual if (m := catalog.get(slug)) is not None]
    names = [model_key(c) for c in catalog.categories()]
    return names + [n for n in param_names([*first, *catalog.models()]) if n not in names]


def check(catalog: Catalog, raw_name: str, raw_value: str) -> tuple[str, str]:
    """The name and value to store, or a refusal naming what is wrong and what is allowed."""
    if catalog.snapshot is None:
        raise CatalogUnavailableError()
    name = normalize_name(raw_name).replace(" ", "")
    value = raw_value.strip()
    if name == "model":
        raise ModelPreferenceNeedsKindError(catalog.categories())
    if not value:
        raise BadPreferenceValueError(name, raw_value, "give a value (to remove a preference, use `unset`)")
    if len(value) > MAX_VALUE_LENGTH:
        raise BadPreferenceValueError(name, value, f"at most {MAX_VALUE_LENGTH} characters")
    category = category_of(name)
    if category is not None:
        return name, _check_model(catalog, category, value)
    found = takers(catalog, name) if name not in RESERVED else []
    if not found:
        raise UnknownPreferenceError(raw_name.strip(), known_names(catalog))
    allowed: dict[str, None] = {}
    reasons: list[str] = []
    for _, spec in found:
        try:
            return normalize_name(name), _text(check_value(name, value, spec))
        except ParamValidationError as err:
            reasons.append(err.message)
            allowed.update(dict.fromkeys(err.allowed))
    same = len(set(reasons)) == 1
    reason = reasons[0].replace(f"`{name}` ", "", 1) if same else "no model that takes it accepts that value"
    raise BadPreferenceValueError(name, value, reason, tuple(allowed))


def _check_model(catalog: Catalog, category: str, slug: str) -> str:
    if category not in catalog.categories():
        raise UnknownPreferenceError(model_key(category), known_names(catalog))
    model = catalog.get(slug)
    if model is None or model.category != category:
        close = tuple(c.value for c in catalog.search(slug, category, limit=5))
        why = (f"`{clip(slug, 40)}` is a {model.category} model" if model is not None
               else "no such model is offered")
        raise BadPreferenceValueError(model_key(category), slug, why, close)
    return model.slug


def _text(value: object) -> str:
    """A checked value as stored: booleans as true/false, the rest as the API would read them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# -- autocomplete -----------------------------------------------------------------------------


def name_choices(catalog: Catalog, query: str, usual: Sequence[str] = ()) -> list[ModelChoice]:
    """Preference names matching ``query`` (prefix first), each with the models that take it."""
    text = normalize_name(query)
    names = known_names(catalog, usual)
    ranked = [n for n in names if n.startswith(text)] + [n for n in names if text in n and not n.startswith(text)]
    choices = []
    for name in ranked[:MAX_CHOICES]:
        category = category_of(name)
        if category is not None:
            hint = f" · the {category} model when none is given"
        else:
            hint = " · " + ", ".join(m.slug for m, _ in takers(catalog, name, usual))
        choices.append(ModelChoice(name, cut(name + hint)))
    return choices


def cut(text: str) -> str:
    return text if len(text) <= MAX_CHOICE_TEXT else text[: MAX_CHOICE_TEXT - 1] + "…"


def value_choices(catalog: Catalog, name: str, query: str, usual: Sequence[str] = ()) -> list[ModelChoice]:
    """For ``model:<category>`` the models of that kind; for an enum or boolean param its values
    (across the models that take it, the member's usual ones first); nothing for free text."""
    key = normalize_name(name)
    category = category_of(key)
    if category is not None:
        return catalog.search(query, category)
    values: dict[str, None] = {}
    for _, spec in takers(catalog, key, usual):
        kind = spec_type(spec)
        if kind == "enum":
            values.update(dict.fromkeys(str(v) for v in spec.values or []))
        elif kind == "boolean":
            values.update(dict.fromkeys(("true", "false")))
    text = query.strip().casefold()
    shown = [v for v in values if 0 < len(v) <= MAX_CHOICE_TEXT]
    ranked = [v for v in shown if v.casefold().startswith(text)]
    ranked += [v for v in shown if text in v.casefold() and v not in ranked]
    return [ModelChoice(v, v) for v in ranked[:MAX_CHOICES]]
