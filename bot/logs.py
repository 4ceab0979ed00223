"""Logging set-up, with a filter that blanks secrets from every record."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from pydantic import SecretStr

REDACTED = "[redacted]"


class SecretFilter(logging.Filter):
    """Replace any secret value in a log record's rendered message and traceback."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s and len(s) >= 4]

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        message = record.getMessage()
        clean = self.redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True


def setup_logging(level: str, *, secrets: Iterable[SecretStr | str] = ()) -> None:
    values = [s.get_secret_value() if isinstance(s, SecretStr) else s for s in secrets]
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    handler.addFilter(SecretFilter(values))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request line at INFO; keep it for DEBUG runs only.
    logging.getLogger("httpx").setLevel(logging.WARNING if level != "DEBUG" else logging.DEBUG)
    logging.getLogger("discord.http").setLevel(logging.WARNING)
