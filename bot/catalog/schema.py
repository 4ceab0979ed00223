"""Small helpers over a model's ``params`` schema, shared by search and validation."""

from __future__ import annotations

from bot.vivix.models import ModelInfo, ParamSpec

PROMPT_MAX_LENGTH = 2000
"""The API's documented prompt limit, used when a model's schema names none."""

NEGATIVE_PROMPT_MAX_LENGTH = 500
MAX_REFERENCE_IMAGES = 3
NUMBER_RESULTS_RANGE = (1, 4)

# The documented general fields of POST /generate (negative_prompt, seed, reference_images)
# are accepted for every model, with or without them in its schema: the API ignores them.


def normalize_name(name: str) -> str:
    """The form an option name is compared in: trimmed, lower case, ``-`` read as ``_``."""
    return name.strip().casefold().replace("-", "_")


def find_param(model: ModelInfo, name: str) -> tuple[str, ParamSpec] | None:
    """The schema key and spec of ``name`` in ``model``'s params, matched exactly, then normalized."""
    spec = model.params.get(name)
    if spec is not None:
        return name, spec
    wanted = normalize_name(name)
    for key, candidate in model.params.items():
        if normalize_name(key) == wanted:
            return key, candidate
    return None


def spec_type(spec: ParamSpec) -> str:
    return spec.type.strip().casefold()


def format_number(value: float) -> str:
    """``2.0`` as ``2``, ``2.5`` as ``2.5``: schema bounds may arrive as floats."""
    return str(int(value)) if float(value).is_integer() else str(value)
