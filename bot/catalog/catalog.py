"""The cached /models list of one API key: lookups, defaults and autocomplete from memory.

One ``Catalog`` per API key (two keys may see different models). ``refresh()`` swaps the
whole snapshot at once; a failed refresh keeps the previous one. Reads never do I/O.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.clock import Clock
from bot.errors import clip
from bot.tasks import TaskSupervisor
from bot.vivix.errors import VivixAPIError
from bot.vivix.models import CATEGORIES, ModelInfo, ModelsResponse, RateLimit

from .errors import CatalogUnavailableError, ParamValidationError
from .search import MAX_CHOICES, ModelChoice, ModelIndex, enum_choices

log = logging.getLogger(__name__)


class ModelSource(Protocol):
    """Anything that can list the models of one key: the Vivix API client."""

    async def list_models(self) -> ModelsResponse: ...


@dataclass(frozen=True, slots=True)
class _Snapshot:
    response: ModelsResponse
    by_slug: dict[str, ModelInfo]
    by_folded: dict[str, ModelInfo]
    search: ModelIndex
    fetched_at: datetime


def describe_error(err: BaseException) -> str:
    """A secret-free description: the class, plus the API's code and status when it answered."""
    if isinstance(err, VivixAPIError):
        return f"{type(err).__name__} {err.code} (HTTP {err.status})"
    return type(err).__name__


class Catalog:
    def __init__(
        self,
        source: ModelSource,
        *,
        clock: Clock,
        refresh_interval: timedelta = timedelta(minutes=10),
        min_refresh_gap: timedelta = timedelta(seconds=30),
        tasks: TaskSupervisor | None = None,
    ) -> None:
        self._source = source
        self._tasks = tasks or TaskSupervisor()
        self._clock = clock
        self.refresh_interval = refresh_interval
        self.min_refresh_gap = min_refresh_gap
        """The least time between two attempts made by ``ensure_fresh``/``refresh_soon``."""
        self._state: _Snapshot | None = None
        self._attempted_at: datetime | None = None
        self._invalidations = 0
        self._fresh_as_of = 0
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[bool] | None = None
        self.last_error: str | None = None
        """Description of the last failed refresh (no secrets), None after a success."""

    # -- refreshing -------------------------------------------------------------------

    async def refresh(self) -> bool:
        """Fetch /models now and swap the snapshot; False (old snapshot kept) if that failed."""
        async with self._lock:
            return await self._fetch()

    async def refresh_if_older_than(self, seconds: float) -> bool:
        """Refresh unless the last attempt (success or failure) is younger than ``seconds``.

        For "the API says this model is unknown or not allowed": refresh, but never hammer.
        Concurrent callers share one fetch. True only if this call fetched successfully.
        """
        async with self._lock:
            last = self._attempted_at
            if last is not None and (self._clock() - last).total_seconds() < seconds:
                return False
            return await self._fetch()

    def invalidate(self) -> None:
        """Mark the snapshot stale, so the next ``ensure_fresh``/``refresh_soon`` fetches."""
        self._invalidations += 1

    async def ensure_fresh(self) -> bool:
        """Refresh if stale (at most once per ``min_refresh_gap``); True if fresh afterwards."""
        if self.is_stale:
            await self.refresh_if_older_than(self.min_refresh_gap.total_seconds())
        return not self.is_stale

    def refresh_soon(self) -> asyncio.Task[bool] | None:
        """Start ``ensure_fresh`` in the background if stale (for autocomplete, which must not wait).

        Returns the running task, or None when nothing needed doing. Needs a running loop.
        """
        if self._task is not None and not self._task.done():
            return self._task
        if not self.is_stale:
            return None
        self._task = self._tasks.spawn(self.ensure_fresh(), "catalog refresh")
        return self._task

    async def aclose(self) -> None:
        """Cancel a background refresh, if one runs."""
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _fetch(self) -> bool:
        self._attempted_at = self._clock()
        generation = self._invalidations
        try:
            response = await self._source.list_models()
        except Exception as err:  # any failure keeps the old snapshot
            self.last_error = describe_error(err)
            kept = f"keeping {len(self._state.by_slug)} models" if self._state else "no model list yet"
            log.warning("model catalog refresh failed (%s); %s", self.last_error, kept)
            return False
        self._state = _index(response, self._clock())
        self._fresh_as_of = generation
        self.last_error = None
        log.info("model catalog refreshed: %d models, tier %s", len(self._state.by_slug), response.tier)
        return True

    # -- state ------------------------------------------------------------------------

    @property
    def snapshot(self) -> ModelsResponse | None:
        return self._state.response if self._state else None

    @property
    def fetched_at(self) -> datetime | None:
        return self._state.fetched_at if self._state else None

    @property
    def is_stale(self) -> bool:
        """No snapshot, invalidated, or older than ``refresh_interval`` by the clock."""
        if self._state is None or self._fresh_as_of != self._invalidations:
            return True
        return self._clock() - self._state.fetched_at >= self.refresh_interval

    @property
    def tier(self) -> str | None:
        return self._state.response.tier if self._state else None

    @property
    def rate_limit(self) -> RateLimit | None:
        return self._state.response.rate_limit if self._state else None

    # -- reads (memory only) ------------------------------------------------------------

    def get(self, slug: str) -> ModelInfo | None:
        """The model with this slug (exact, then ignoring case), or None."""
        if self._state is None:
            return None
        key = slug.strip()
        return self._state.by_slug.get(key) or self._state.by_folded.get(key.casefold())

    def require(self, slug: str) -> ModelInfo:
        """Like ``get``, but raises ParamValidationError(field="model") naming close slugs."""
        if self._state is None:
            raise CatalogUnavailableError()
        model = self.get(slug)
        if model is not None:
            return model
        close = tuple(c.value for c in self.search(slug, limit=5))
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise ParamValidationError("model", f"unknown model `{clip(slug)}`{hint}", close)

    def models(self, category: str | None = None) -> list[ModelInfo]:
        """The key's models in the API's order, optionally of one category."""
        if self._state is None:
            return []
        models = list(self._state.by_slug.values())
        if category is None:
            return models
        wanted = category.casefold()
        return [m for m in models if m.category.casefold() == wanted]

    def categories(self) -> list[str]:
        """Categories present: the documented ones in documented order, then new ones by name."""
        present = {m.category for m in self.models()}
        known = [c for c in CATEGORIES if c in present]
        return known + sorted(present - set(CATEGORIES))

    def default_model(self, category: str) -> ModelInfo | None:
        """The cheapest model of ``category`` by band max (unpriced last), ties by slug."""
        candidates = self.models(category)
        if not candidates:
            return None
        return min(candidates, key=lambda m: (m.credits_band.max <= 0, m.credits_band.max, m.slug))

    def search(self, query: str, category: str | None = None, limit: int = MAX_CHOICES) -> list[ModelChoice]:
        """Autocomplete choices for the model option, from the snapshot's index (see ``ModelIndex``)."""
        return self._state.search.search(query, category, limit) if self._state else []

    def enum_choices(self, slug: str, param: str, query: str, limit: int = MAX_CHOICES) -> list[ModelChoice]:
        """Autocomplete choices for an enum (or boolean) param of one model; [] if unknown."""
        model = self.get(slug)
        return enum_choices(model, param, query, limit) if model else []


def _index(response: ModelsResponse, fetched_at: datetime) -> _Snapshot:
    by_slug: dict[str, ModelInfo] = {}
    for model in response.models:
        if not model.slug.strip():
            log.warning("model catalog: skipping a model without a slug")
        elif model.slug in by_slug:
            log.warning("model catalog: duplicate slug %s, keeping the first", model.slug)
        else:
            by_slug[model.slug] = model
    by_folded: dict[str, ModelInfo] = {}
    for slug, model in by_slug.items():
        by_folded.setdefault(slug.casefold(), model)
    return _Snapshot(response, by_slug, by_folded, ModelIndex(by_slug.values()), fetched_at)
