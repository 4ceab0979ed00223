"""Validation of a POST /generate body against a model's published schema."""

from __future__ import annotations

from typing import Any

from bot.sandbox.accounts import Account
from bot.sandbox.catalog import MAX_PROMPT, MODELS_BY_SLUG, SandboxModel
from bot.sandbox.errors import SandboxError

MAX_REFERENCE_IMAGES = 3

GENERAL_FIELDS: dict[str, dict[str, Any]] = {
    "negative_prompt": {"type": "string", "max_length": 500},
    "seed": {"type": "integer", "min": 0},
    "reference_images": {"type": "string[]", "max_items": MAX_REFERENCE_IMAGES},
}
"""Documented fields every model accepts; ignored by models whose schema lacks them."""


class ParamError(Exception):
    """One invalid field of a generate request (answered as 422 INVALID_PARAMS)."""

    def __init__(self, field: str, reason: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.reason = reason
        self.message = message


def parse_generate_body(account: Account, body: Any) -> tuple[SandboxModel, dict[str, Any]]:
    """The model and resolved params of a POST /generate body, or the API's refusal
    (422 INVALID_PARAMS, 403 MODEL_NOT_ALLOWED) as a ``SandboxError``."""
    if not isinstance(body, dict):
        raise SandboxError.invalid("body", "not_json", "The body must be a JSON object.")
    slug = body.get("model")
    if not isinstance(slug, str) or not slug:
        raise SandboxError.invalid("model", "required", "model is required")
    model = MODELS_BY_SLUG.get(slug)
    if model is None:
        raise SandboxError.invalid("model", "unknown_model", f"Unknown model {slug!r}.")
    if not account.allows(slug):
        raise SandboxError(403, "MODEL_NOT_ALLOWED", f"This key may not call {slug}.")
    try:
        params = resolve_params(model, {k: v for k, v in body.items() if k != "model"})
    except ParamError as err:
        raise SandboxError.invalid(err.field, err.reason, err.message) from err
    return model, params


def resolve_params(model: SandboxModel, body: dict[str, Any]) -> dict[str, Any]:
    """Check ``body`` (without ``model``) and return the params with defaults filled in.

    General fields the model's schema lacks are checked, then dropped.
    """
    resolved: dict[str, Any] = {}
    specs = dict(model.params)
    specs.setdefault("prompt", {"type": "string", "required": True})
    for name, spec in specs.items():
        value = body.get(name)
        if value is None:
            if spec.get("required") or name == "prompt":
                raise ParamError(name, "required", f"{name} is required")
            if "default" in spec:
                resolved[name] = spec["default"]
            continue
        resolved[name] = _check(name, spec, value)
    for name, value in body.items():
        if name in specs or value is None:
            continue
        if name not in GENERAL_FIELDS:
            raise ParamError(name, "unknown_param", f"{model.slug} does not take {name}")
        _check(name, GENERAL_FIELDS[name], value)
    return resolved


def _check(name: str, spec: dict[str, Any], value: Any) -> Any:
    kind = spec.get("type", "string")
    if kind == "string":
        return _check_string(name, spec, value)
    if kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ParamError(name, "not_an_integer", f"{name} must be an integer")
        low, high = spec.get("min"), spec.get("max")
        if (low is not None and value < low) or (high is not None and value > high):
            raise ParamError(name, "out_of_range", f"{name} must be between {low} and {high}, got {value}")
        return value
    if kind == "float":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ParamError(name, "not_a_number", f"{name} must be a number")
        low, high = spec.get("min"), spec.get("max")
        if (low is not None and value < low) or (high is not None and value > high):
            raise ParamError(name, "out_of_range", f"{name} must be between {low} and {high}, got {value}")
        return value
    if kind == "enum":
        values = spec.get("values") or []
        if value not in values:
            offered = ", ".join(str(v) for v in values)
            raise ParamError(name, "not_in_values", f"{name} must be one of {offered}, got {value!r}")
        return value
    if kind == "boolean":
        if not isinstance(value, bool):
            raise ParamError(name, "not_a_boolean", f"{name} must be true or false")
        return value
    if kind == "string[]":
        return _check_string_list(name, spec, value)
    return value  # a kind this sandbox does not check


def _check_string(name: str, spec: dict[str, Any], value: Any) -> str:
    if not isinstance(value, str):
        raise ParamError(name, "not_a_string", f"{name} must be a string")
    limit = spec.get("max_length")
    if name == "prompt":
        if not value.strip():
            raise ParamError(name, "required", "prompt must not be empty")
        limit = min(limit or MAX_PROMPT, MAX_PROMPT)
    if limit is not None and len(value) > limit:
        raise ParamError(name, "too_long", f"{name} is {len(value)} characters, the limit is {limit}")
    return value


def _check_string_list(name: str, spec: dict[str, Any], value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ParamError(name, "not_a_list", f"{name} must be a list of URLs")
    limit = min(spec.get("max_items", MAX_REFERENCE_IMAGES), MAX_REFERENCE_IMAGES)
    if len(value) > limit:
        raise ParamError(name, "too_many", f"{name} takes at most {limit} items, got {len(value)}")
    if spec.get("required") and not value:
        raise ParamError(name, "required", f"{name} needs at least one URL")
    for url in value:
        if not url.startswith(("http://", "https://")):
            raise ParamError(name, "not_a_url", f"{name} items must be http(s) URLs")
    return value
