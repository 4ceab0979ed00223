"""Async client for the Vivix API v1, over one httpx.AsyncClient.

Reads (GET) are retried on transient failures with jittered exponential
backoff that honours ``Retry-After``. ``generate`` always sends an
``Idempotency-Key``; when it retries (timeouts, connection errors, 5xx) it
retries with the same key, so the service never starts a second job.
The API key lives only in the Authorization header and never in a repr,
a log line or an exception message.
"""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from collections.abc import Awaitable, Callable
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ValidationError

from .errors import (
    BadResponseError,
    ConcurrencyLimitError,
    RateLimitError,
    ServerError,
    VivixAPIError,
    VivixConnectionError,
    VivixError,
    VivixTimeoutError,
    api_error_detail,
    error_for,
)
from .models import Generation, GenerationCreated, ModelsResponse

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://getvivix.com/api/v1"
USER_AGENT = "vivix-discord-bot/0.1"
_M = TypeVar("_M", bound=BaseModel)


def parse_count(value: str | None) -> int | None:
    """Parse a numeric header that may carry thousands separators (``49,711``)."""
    if value is None:
        return None
    cleaned = value.replace(",", "").replace("_", "").replace(" ", "").strip()
    try:
        return int(float(cleaned))
    except ValueError:
        return None


def parse_retry_after(value: str | None) -> float | None:
    """``Retry-After`` as seconds: a number, or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value.replace(",", "").strip()))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    from datetime import UTC, datetime

    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class VivixClient:
    """The Vivix API: ``list_models``, ``generate``, ``get_generation``."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = 30.0,
        max_retries: int = 3,
        backoff_base: float = 0.5,
        backoff_max: float = 30.0,
        rng: random.Random | None = None,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        transport: httpx.AsyncBaseTransport | None = None,
        observer: Callable[[str, int | None], None] | None = None,
    ) -> None:
        """``observer(endpoint, status)`` hears of every request sent, ``status`` None when no answer
        came; ``endpoint`` is a route template (``GET /generations/{id}``), never a path with ids."""
        self.base_url = base_url.rstrip("/")
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self._rng = rng or random.Random()
        self._sleep = sleep
        self._observer = observer
        self._http = httpx.AsyncClient(
            base_url=self.base_url + "/",
            headers={"Authorization": f"Bearer {api_key}", "User-Agent": USER_AGENT},
            timeout=timeout,
            transport=transport,
        )
        self.rate_limit_remaining: int | None = None
        """Calls left in the current minute, from the latest ``X-RateLimit-Remaining``."""
        self.credits_balance: int | None = None
        """The wallet, from the latest ``X-Credits-Balance`` or /models answer."""

    def __repr__(self) -> str:
        return f"VivixClient(base_url={self.base_url!r})"

    async def __aenter__(self) -> VivixClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- endpoints -------------------------------------------------------

    async def list_models(self) -> ModelsResponse:
        """The models this key may call, with tier, wallet and rate limits."""
        response = await self._request("GET", "models")
        models = self._parse(response, ModelsResponse)
        if models.credits_balance is not None:
            self.credits_balance = models.credits_balance
        return models

    async def generate(
        self, model: str, prompt: str, *, idempotency_key: str | None = None, retries: int | None = None,
        **params: Any,
    ) -> GenerationCreated:
        """Submit one generation. Retries reuse ``idempotency_key`` (generated when not given).

        ``retries`` overrides ``max_retries`` for this call (0: the caller retries itself,
        e.g. through its own rate budget).
        """
        key = idempotency_key or uuid.uuid4().hex
        body = {"model": model, "prompt": prompt, **{k: v for k, v in params.items() if v is not None}}
        response = await self._request(
            "POST", "generate", json=body, headers={"Idempotency-Key": key}, retry_429=False, retries=retries
        )
        return self._parse(response, GenerationCreated)

    async def get_generation(self, generation_id: str, *, retries: int | None = None) -> Generation:
        """The status of one generation; the id is opaque and URL-quoted."""
        path = "generations/" + quote(generation_id, safe="")
        response = await self._request("GET", path, retries=retries)
        return self._parse(response, Generation)

    # -- machinery -------------------------------------------------------

    async def _request(
        self,
        method: str,
        path: str,
        *,
        retries: int | None = None,
        retry_429: bool = True,
        json: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        limit = self.max_retries if retries is None else retries
        attempt = 0
        while True:
            try:
                response = await self._http.request(method, path, json=json, headers=headers)
                self._observe(method, path, response.status_code)
            except httpx.TimeoutException as err:
                self._observe(method, path, None)
                error: VivixError = VivixTimeoutError(f"{method} /{path} timed out")
                cause: BaseException | None = err
            except httpx.TransportError as err:
                self._observe(method, path, None)
                error = VivixConnectionError(f"{method} /{path} could not connect: {type(err).__name__}")
                cause = err
            else:
                self._note_headers(response)
                if response.is_success:
                    return response
                error = self._error_from(response)
                cause = None
            retryable = isinstance(error, VivixTimeoutError | VivixConnectionError | ServerError) or (
                retry_429 and isinstance(error, RateLimitError)
            )
            key = (headers or {}).get("Idempotency-Key")
            if not (retryable and attempt < limit):
                _log_failure(method, path, error, key, retried=attempt)
                if cause is not None:
                    raise error from cause
                raise error
            delay = self._backoff(attempt, getattr(error, "retry_after", None))
            log.warning(
                "Vivix %s /%s failed (%s%s); retry %d/%d in %.1fs",
                method, path, _describe(error), _key_note(key), attempt + 1, limit, delay,
            )
            attempt += 1
            await self._sleep(delay)

    def _observe(self, method: str, path: str, status: int | None) -> None:
        if self._observer is None:
            return
        route = path.split("/", 1)[0]
        template = f"{method} /{route}" + ("/{id}" if "/" in path else "")
        try:
            self._observer(template, status)
        except Exception:  # counting must never break a call
            log.exception("The API call observer failed")

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        ceiling = min(self.backoff_max, self.backoff_base * (2.0**attempt))
        delay = ceiling * (0.5 + self._rng.random() / 2)
        if retry_after is not None:
            delay = max(delay, min(retry_after, self.backoff_max))
        return delay

    def _note_headers(self, response: httpx.Response) -> None:
        remaining = parse_count(response.headers.get("X-RateLimit-Remaining"))
        if remaining is not None:
            self.rate_limit_remaining = remaining
        balance = parse_count(response.headers.get("X-Credits-Balance"))
        if balance is not None:
            self.credits_balance = balance

    @staticmethod
    def _error_from(response: httpx.Response) -> VivixAPIError:
        body: dict[str, Any] = {}
        try:
            parsed = response.json()
            if isinstance(parsed, dict):
                body = parsed
        except ValueError:
            pass
        nested = body.get("error") if isinstance(body.get("error"), dict) else None
        source = nested or body
        code = source.get("code") if nested else (source.get("error") or source.get("code"))
        code = code if isinstance(code, str) else None

        def text(key: str) -> str | None:
            value = source.get(key)
            return str(value) if value is not None else None

        cls = error_for(response.status_code, code)
        return cls(
            response.status_code,
            code,
            text("message"),
            field=text("field"),
            reason=text("reason"),
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
            request_id=response.headers.get("X-Request-Id"),
            body=body,
        )

    @staticmethod
    def _parse(response: httpx.Response, model: type[_M]) -> _M:
        try:
            return model.model_validate(response.json())
        except (ValueError, ValidationError) as err:
            raise BadResponseError(response.status_code, None, f"unexpected {model.__name__} body") from err


def _describe(error: VivixError) -> str:
    """Code, HTTP status and X-Request-Id of an API answer (what support asks for), or the
    transport failure's kind."""
    if isinstance(error, VivixAPIError):
        return f"{error.code} HTTP {error.status} request {error.request_id or '(none)'}"
    return type(error).__name__


def _key_note(idempotency_key: str | None) -> str:
    """A submit's Idempotency-Key: the job record keeps it, so a log line leads to its job."""
    return f", idempotency key {idempotency_key}" if idempotency_key else ""


def _log_failure(method: str, path: str, error: VivixError, key: str | None, *, retried: int) -> None:
    """One line for every failure handed to the caller. Limits the caller backs off from are
    INFO; the rest WARNING. The service's own text is kept (the log filter blanks secrets)."""
    after = f" after {retried} retries" if retried else ""
    if isinstance(error, VivixAPIError):
        level = logging.INFO if isinstance(error, RateLimitError | ConcurrencyLimitError) else logging.WARNING
        log.log(
            level, "Vivix %s /%s answered %s%s%s: %s",
            method, path, _describe(error), _key_note(key), after, api_error_detail(error),
        )
        return
    log.warning("Vivix %s /%s failed (%s%s)%s: %s", method, path, _describe(error), _key_note(key), after, error)
