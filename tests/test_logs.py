"""The log filter blanks the Discord token and the API key wherever they appear."""

from __future__ import annotations

import logging

import pytest

from bot.logs import REDACTED, SecretFilter

TOKEN = "MTIzNDU2.discord.token-value"
KEY = "vvx_live_abcdef123456"


@pytest.fixture
def logger() -> logging.Logger:
    log = logging.getLogger("tests.secrets")
    log.filters[:] = [SecretFilter([TOKEN, KEY])]
    return log


def test_messages_and_arguments_are_redacted(logger: logging.Logger, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="tests.secrets"):
        logger.info("token %s and key %s", TOKEN, KEY)
        logger.warning(f"inline {KEY}")

    assert TOKEN not in caplog.text and KEY not in caplog.text
    assert caplog.text.count(REDACTED) == 3


def test_tracebacks_are_redacted(logger: logging.Logger, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="tests.secrets"):
        try:
            raise RuntimeError(f"failed with Bearer {KEY}")
        except RuntimeError:
            logger.exception("request failed")

    rendered = "\n".join(record.exc_text or "" for record in caplog.records)
    assert "RuntimeError" in rendered and KEY not in rendered
