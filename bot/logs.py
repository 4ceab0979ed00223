"""Logging set-up, and the one secret filter for everything the bot writes: log lines and
Discord messages alike.

Secrets are registered process-wide (``register_secrets``): ``setup_logging`` registers the
ones it is given, and ``create_bot`` registers the bot's token and API key, so a bot built
without ``setup_logging`` (tests, embedding) still never shows them. ``redact`` blanks every
registered secret in a text.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable

from pydantic import SecretStr

REDACTED = "[redacted]"
MIN_SECRET_LENGTH = 4  # shorter values would blank ordinary words

_lock = threading.Lock()
_registered: tuple[str, ...] = ()  # longest first, so a secret inside another cannot leave a tail


def _plain(values: Iterable[SecretStr | str | None]) -> list[str]:
    plain = (v.get_secret_value() if isinstance(v, SecretStr) else v for v in values)
    return [v for v in plain if v and len(v) >= MIN_SECRET_LENGTH]


def register_secrets(*values: SecretStr | str | None) -> None:
    """Add secrets that ``redact`` (and every ``SecretFilter``) blanks from now on, process-wide."""
    global _registered
    fresh = _plain(values)
    if not fresh:
        return
    with _lock:
        _registered = tuple(sorted(set(_registered) | set(fresh), key=len, reverse=True))


def registered_secrets() -> tuple[str, ...]:
    return _registered


def _redact_with(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


def redact(text: str) -> str:
    """``text`` with every registered secret replaced by ``[redacted]``."""
    return _redact_with(text, _registered)


class SecretFilter(logging.Filter):
    """Replace any secret value in a log record's rendered message and traceback: the ones
    given here and every one registered process-wide."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets = sorted(set(_plain(secrets)), key=len, reverse=True)

    def redact(self, text: str) -> str:
        return redact(_redact_with(text, self._secrets))

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets and not _registered:
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
    register_secrets(*secrets)
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    handler.addFilter(SecretFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request line at INFO; keep it for DEBUG runs only.
    logging.getLogger("httpx").setLevel(logging.WARNING if level != "DEBUG" else logging.DEBUG)
    logging.getLogger("discord.http").setLevel(logging.WARNING)
