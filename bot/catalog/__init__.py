"""The model catalog: cached /models per API key, autocomplete, and input validation.

Never imports discord: cogs turn ``ModelChoice`` into ``app_commands.Choice`` themselves.
"""

from __future__ import annotations

from .catalog import Catalog, ModelSource, describe_error
from .errors import CatalogUnavailableError, ParamValidationError
from .options import parse_options
from .search import MAX_CHOICES, ModelChoice, enum_choices, model_label, search_models
from .validation import estimate_hold, validate_request

__all__ = [
    "MAX_CHOICES",
    "Catalog",
    "CatalogUnavailableError",
    "ModelChoice",
    "ModelSource",
    "ParamValidationError",
    "describe_error",
    "enum_choices",
    "estimate_hold",
    "model_label",
    "parse_options",
    "search_models",
    "validate_request",
]
