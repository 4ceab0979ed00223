"""Error answers of the sandbox, shaped as the Vivix API shapes them."""

from __future__ import annotations

from typing import Any


class SandboxError(Exception):
    """An error answer: HTTP status, the API's code, and extra headers (``Retry-After``)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        field: str | None = None,
        reason: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.reason = reason
        self.headers = headers or {}

    @classmethod
    def invalid(cls, field: str, reason: str, message: str) -> SandboxError:
        """422 INVALID_PARAMS naming the field and the reason."""
        return cls(422, "INVALID_PARAMS", message, field=field, reason=reason)

    def body(self) -> dict[str, Any]:
        # Deliberately inconsistent, as the real service: 422 names its code in
        # ``code`` (with field and reason), every other error in ``error``.
        if self.code == "INVALID_PARAMS":
            return {"code": self.code, "field": self.field, "reason": self.reason, "message": self.message}
        return {"error": self.code, "message": self.message}
