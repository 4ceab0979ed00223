"""One exception tree for everything the Vivix API client can raise.

``VivixError`` is the root. ``VivixAPIError`` is an answer from the service
(it carries ``status`` and the documented ``code``); ``VivixTransportError``
means no usable answer arrived (timeout, connection failure).  Messages never
contain the API key: they are built only from the response body and status.
"""

from __future__ import annotations

from typing import Any


class VivixError(Exception):
    """Base of every error raised by the Vivix client."""


class VivixTransportError(VivixError):
    """No usable HTTP answer: the request timed out or could not connect."""


class VivixTimeoutError(VivixTransportError):
    """The request timed out."""


class VivixConnectionError(VivixTransportError):
    """The service could not be reached."""


class VivixAPIError(VivixError):
    """The service answered with an error status."""

    default_code = "UNKNOWN"

    def __init__(
        self,
        status: int,
        code: str | None = None,
        message: str | None = None,
        *,
        field: str | None = None,
        reason: str | None = None,
        retry_after: float | None = None,
        request_id: str | None = None,
        body: dict[str, Any] | None = None,
    ) -> None:
        self.status = status
        self.code = code or self.default_code
        self.message = message
        self.field = field
        self.reason = reason
        self.retry_after = retry_after
        self.request_id = request_id
        self.body = body or {}
        text = f"{self.code} (HTTP {status})"
        if message:
            text += f": {message}"
        if field:
            text += f" [field={field}" + (f", reason={reason}]" if reason else "]")
        super().__init__(text)


class KeyInvalidError(VivixAPIError):
    default_code = "KEY_INVALID"


class TierLockedError(VivixAPIError):
    default_code = "TIER_LOCKED"


class InsufficientCreditsError(VivixAPIError):
    default_code = "INSUFFICIENT_CREDITS"


class ModelNotAllowedError(VivixAPIError):
    default_code = "MODEL_NOT_ALLOWED"


class InvalidParamsError(VivixAPIError):
    default_code = "INVALID_PARAMS"


class RateLimitError(VivixAPIError):
    default_code = "RATE_LIMIT"


class ConcurrencyLimitError(VivixAPIError):
    default_code = "CONCURRENCY_LIMIT"


class NotYoursError(VivixAPIError):
    default_code = "NOT_YOURS"


class NotFoundError(VivixAPIError):
    default_code = "NOT_FOUND"


class BadResponseError(VivixAPIError):
    """A success status whose body could not be read: what happened is unknown, so retry."""

    default_code = "BAD_RESPONSE"


class ServerError(VivixAPIError):
    """A 5xx answer: the service failed; retried for reads."""

    default_code = "SERVER_ERROR"


ERRORS_BY_CODE: dict[str, type[VivixAPIError]] = {
    cls.default_code: cls
    for cls in (
        KeyInvalidError,
        TierLockedError,
        InsufficientCreditsError,
        ModelNotAllowedError,
        InvalidParamsError,
        RateLimitError,
        ConcurrencyLimitError,
        NotYoursError,
        NotFoundError,
    )
}

# When the body names no code, the HTTP status decides.
CODE_BY_STATUS: dict[int, str] = {
    401: "KEY_INVALID",
    402: "INSUFFICIENT_CREDITS",
    404: "NOT_FOUND",
    422: "INVALID_PARAMS",
    429: "RATE_LIMIT",
}


def error_for(status: int, code: str | None) -> type[VivixAPIError]:
    """The exception class for an HTTP status and (maybe) a body code."""
    if code and code in ERRORS_BY_CODE:
        return ERRORS_BY_CODE[code]
    if status >= 500:
        return ServerError
    fallback = CODE_BY_STATUS.get(status)
    if fallback:
        return ERRORS_BY_CODE[fallback]
    return VivixAPIError


def api_error_detail(err: VivixAPIError) -> str:
    """What the service said, for the job record, the log and the operator (never posted as is):
    ``field: reason`` for a 422, else its message, else its code."""
    if err.field:
        return f"{err.field}: {err.reason or err.message or 'invalid'}"
    return err.message or err.code
