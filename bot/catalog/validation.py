"""Check a member's prompt and options against a model's schema before anything is spent.

The schema from /models is the source of truth; the documented general fields of
POST /generate (``negative_prompt``, ``seed``, ``reference_images``) are accepted for
every model, and params of a type this code does not know are passed through as given.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Mapping

from bot.errors import clip
from bot.vivix.models import ModelInfo, ParamSpec

from .errors import ParamValidationError
from .schema import (
    MAX_REFERENCE_IMAGES,
    NEGATIVE_PROMPT_MAX_LENGTH,
    NUMBER_RESULTS_RANGE,
    PROMPT_MAX_LENGTH,
    find_param,
    format_number,
    normalize_name,
    spec_type,
)

log = logging.getLogger(__name__)

_INTEGER = re.compile(r"[+-]?\d+")
_TRUE = frozenset({"true", "yes", "1"})
_FALSE = frozenset({"false", "no", "0"})
_OWN_FIELDS = frozenset({"prompt", "model"})


def validate_request(
    model: ModelInfo,
    prompt: str,
    params: Mapping[str, object],
    *,
    reference_count: int = 0,
) -> dict[str, object]:
    """The cleaned body params (``prompt`` first, without ``model``), or ParamValidationError.

    ``params`` maps option names to values (strings from a free-text field are coerced);
    ``None`` values mean "not given". ``reference_count`` counts reference images the
    caller will add (attachments), checked together with any ``reference_images`` given.
    """
    cleaned: dict[str, object] = {"prompt": _check_prompt(model, prompt)}
    references = 0
    seen: set[str] = set()
    for raw_name, value in params.items():
        if value is None:
            continue
        found = find_param(model, raw_name)
        name = found[0] if found else normalize_name(raw_name)
        spec = found[1] if found else None
        if name in seen:
            raise ParamValidationError(name, f"`{clip(name)}` is given twice")
        seen.add(name)
        if normalize_name(name) in _OWN_FIELDS:
            raise ParamValidationError(name, f"`{clip(name)}` goes in its own field, not among the options")
        if name == "seed":
            cleaned[name] = _check_integer(name, value, _seed_low(spec), spec.max if spec else None)
        elif name == "negative_prompt":
            text = _check_string(name, value, _limit(spec, NEGATIVE_PROMPT_MAX_LENGTH))
            if text:
                cleaned[name] = text
        elif name == "reference_images":
            urls = _check_references(value)
            references += len(urls)
            if urls:
                cleaned[name] = urls
        elif spec is None:
            raise _unknown_option(model, raw_name)
        elif name == "number_results":
            low, high = NUMBER_RESULTS_RANGE
            cleaned[name] = _check_integer(
                name, value, low if spec.min is None else spec.min, high if spec.max is None else spec.max
            )
        else:
            cleaned[name] = check_value(name, value, spec)
    _check_required(model, cleaned)
    _check_reference_count(model, references + reference_count)
    return cleaned


def check_value(name: str, value: object, spec: ParamSpec) -> object:
    """One value checked and coerced by its spec's type; unknown types pass through."""
    kind = spec_type(spec)
    if kind == "integer":
        return _check_integer(name, value, spec.min, spec.max)
    if kind == "boolean":
        return _check_boolean(name, value)
    if kind == "enum":
        return _check_enum(name, value, spec)
    if kind == "string":
        return _check_string(name, value, spec.max_length)
    log.debug("param %s has type %r, unknown here; passing it through", name, spec.type)
    return value


def estimate_hold(model: ModelInfo, params: Mapping[str, object]) -> int:
    """Credits to hold for one request: the band's max times ``number_results``, at least 1."""
    count = params.get("number_results")
    if count is None:
        spec = model.params.get("number_results")
        count = spec.default if spec is not None else 1
    results = _as_int(count)
    results = results if results is not None and results >= 1 else 1
    return max(1, model.credits_band.max * results)


def _check_prompt(model: ModelInfo, prompt: str) -> str:
    text = prompt.strip() if isinstance(prompt, str) else ""
    if not is_visible(text):
        raise ParamValidationError("prompt", "`prompt` is required: describe what to make")
    found = find_param(model, "prompt")
    limit = _limit(found[1] if found else None, PROMPT_MAX_LENGTH)
    if len(text) > limit:
        raise ParamValidationError(
            "prompt",
            f"`prompt` is {len(text)} characters; this model takes at most {limit}",
            (f"≤ {limit} characters",),
        )
    return text


# Letters that draw nothing although Unicode does not file them as spaces or format characters.
_BLANK_LETTERS = frozenset("\u115f\u1160\u2800\u3164\uffa0")
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp", "Mn", "Me"})


def is_visible(text: str) -> bool:
    """True when ``text`` has at least one character that shows: a prompt made only of spaces,
    zero-width and format characters, combining marks or blank letters is empty."""
    return any(
        not ch.isspace() and ch not in _BLANK_LETTERS and unicodedata.category(ch) not in _INVISIBLE_CATEGORIES
        for ch in text
    )


def _limit(spec: ParamSpec | None, fallback: int) -> int:
    return spec.max_length if spec is not None and spec.max_length else fallback


def _seed_low(spec: ParamSpec | None) -> float:
    return max(0.0, spec.min) if spec is not None and spec.min is not None else 0


def _as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        return int(value.strip())
    return None


def _range_text(low: float | None, high: float | None) -> tuple[str, str]:
    """The phrase and the short ``allowed`` form of a numeric range."""
    if low is not None and high is not None:
        return (
            f"between {format_number(low)} and {format_number(high)}",
            f"{format_number(low)}\u2013{format_number(high)}",
        )
    if low is not None:
        return f"at least {format_number(low)}", f"≥ {format_number(low)}"
    if high is not None:
        return f"at most {format_number(high)}", f"≤ {format_number(high)}"
    return "", ""


def _check_integer(name: str, value: object, low: float | None, high: float | None) -> int:
    phrase, short = _range_text(low, high)
    allowed = (short,) if short else ()
    number = _as_int(value)
    if number is None:
        tail = f", {phrase}" if phrase else ""
        raise ParamValidationError(name, f"`{name}` must be a whole number{tail}", allowed)
    if (low is not None and number < low) or (high is not None and number > high):
        raise ParamValidationError(name, f"`{name}` must be {phrase}", allowed)
    return number


def _check_boolean(name: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().casefold() if isinstance(value, str | int) else ""
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ParamValidationError(name, f"`{name}` must be true or false (or yes/no, 1/0)", ("true", "false"))


def _check_enum(name: str, value: object, spec: ParamSpec) -> object:
    values = list(spec.values or [])
    if not values:
        return value  # nothing to check against: tolerate
    text = str(value).strip()
    for candidate in values:
        if str(candidate) == text:
            return candidate
    folded = [c for c in values if str(c).casefold() == text.casefold()]
    if len(folded) == 1:
        return folded[0]
    shown = tuple(str(c) for c in values)
    raise ParamValidationError(name, f"`{name}` must be one of {', '.join(shown)}", shown)


def _check_string(name: str, value: object, limit: int | None) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ParamValidationError(name, f"`{name}` must be text")
    text = str(value).strip()
    if limit is not None and len(text) > limit:
        raise ParamValidationError(
            name,
            f"`{name}` is {len(text)} characters; this model takes at most {limit}",
            (f"≤ {limit} characters",),
        )
    return text


def _check_references(value: object) -> list[str]:
    if isinstance(value, str):
        items: list[object] = [part for part in re.split(r"[\s,]+", value) if part]
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        raise ParamValidationError("reference_images", "`reference_images` must be a list of image URLs")
    urls: list[str] = []
    for item in items:
        if not isinstance(item, str) or not item.strip().startswith(("http://", "https://")):
            raise ParamValidationError("reference_images", "`reference_images` must be http(s) image URLs")
        urls.append(item.strip())
    return urls


def _check_reference_count(model: ModelInfo, count: int) -> None:
    found = find_param(model, "reference_images")
    spec = found[1] if found else None
    limit = int(spec.max) if spec is not None and spec.max is not None else MAX_REFERENCE_IMAGES
    if count > limit:
        raise ParamValidationError(
            "reference_images", f"at most {limit} reference images (got {count})", (f"≤ {limit}",)
        )


def _check_required(model: ModelInfo, cleaned: dict[str, object]) -> None:
    for name, spec in model.params.items():
        if not spec.required or name in cleaned or normalize_name(name) in _OWN_FIELDS:
            continue
        if spec.default is not None:
            cleaned[name] = spec.default  # required but defaulted: send the default
            continue
        raise ParamValidationError(name, f"`{name}` is required for {model.slug}", _allowed_of(spec))


def _allowed_of(spec: ParamSpec) -> tuple[str, ...]:
    kind = spec_type(spec)
    if kind == "enum" and spec.values:
        return tuple(str(v) for v in spec.values)
    if kind == "boolean":
        return ("true", "false")
    if kind == "integer":
        short = _range_text(spec.min, spec.max)[1]
        return (short,) if short else ()
    return ()


def _unknown_option(model: ModelInfo, raw_name: str) -> ParamValidationError:
    names = tuple(model.params)
    takes = ", ".join(names) if names else "prompt only"
    return ParamValidationError(
        normalize_name(raw_name) or raw_name,
        f"unknown option `{clip(raw_name)}` for {model.slug}; it takes: {clip(takes, 1000)}",
        names,
    )
