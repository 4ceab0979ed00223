"""Pydantic models of the Vivix API's responses, with the API's own field names.

Every model ignores fields it does not know (the service only adds within v1),
categories and param types are plain strings so a new one is kept, not refused.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

# Known values, for readers; unknown ones are accepted everywhere.
CATEGORIES = ("image", "video", "audio", "text", "utility")
STATUSES = ("pending", "processing", "completed", "failed")
TERMINAL_STATUSES = frozenset({"completed", "failed"})


def _count(value: Any) -> Any:
    """Numbers the service may send as text, with thousands separators ("1,211")."""
    if isinstance(value, str):
        cleaned = value.replace(",", "").replace("_", "").strip()
        try:
            return int(float(cleaned))
        except ValueError:
            return value
    return value


Count = Annotated[int, BeforeValidator(_count)]


class _Lenient(BaseModel):
    # Ids are opaque strings even when the service sends a number.
    model_config = ConfigDict(extra="ignore", populate_by_name=True, coerce_numbers_to_str=True)


class ParamSpec(BaseModel):
    """One entry of a model's ``params`` schema. Unknown keys are kept in ``model_extra``."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    type: str = "string"
    required: bool = False
    default: Any = None
    max_length: int | None = None
    min: float | None = None
    max: float | None = None
    values: list[Any] | None = None


class CreditsBand(_Lenient):
    min: int = 0
    max: int = 0


class RateLimit(_Lenient):
    calls_per_minute: int = 240
    concurrent_jobs: int = 5


class ModelInfo(_Lenient):
    slug: str
    name: str = ""
    category: str = "utility"
    creator: str = ""
    description: str = ""
    params: dict[str, ParamSpec] = Field(default_factory=dict)
    credits_band: CreditsBand = Field(default_factory=CreditsBand)
    example_request: dict[str, Any] | None = None

    @property
    def display_name(self) -> str:
        return self.name or self.slug


class ModelsResponse(_Lenient):
    tier: str = "unknown"
    credits_balance: Count | None = None
    rate_limit: RateLimit = Field(default_factory=RateLimit)
    models: list[ModelInfo] = Field(default_factory=list)


class GenerationCreated(_Lenient):
    """The 201 answer of POST /generate."""

    generation_id: str
    status: str = "pending"
    model: str | None = None
    credits_estimate: Count | None = None
    created_at: datetime | None = None


class Generation(_Lenient):
    """The answer of GET /generations/{id}, in any status."""

    generation_id: str
    status: str
    model: str | None = None
    credits_estimate: Count | None = None
    credits_used: Count | None = None
    elapsed_ms: Count | None = None
    duration_ms: Count | None = None
    output_url: str | None = None
    output_urls: list[str] | None = None
    error: str | None = None
    message: str | None = None
    created_at: datetime | None = None
    completed_at: datetime | None = None

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES

    @property
    def urls(self) -> list[str]:
        """Every output URL, the primary one first, without repeats."""
        found: list[str] = []
        for url in [self.output_url, *(self.output_urls or [])]:
            if url and url not in found:
                found.append(url)
        return found


JobStatus = Literal["pending", "processing", "completed", "failed"]
