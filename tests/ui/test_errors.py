"""The one error handler's words: refusals as they are, surprises with a reference for the operator."""

from __future__ import annotations

import logging
import re
import sqlite3

import pytest

from bot.catalog import ParamValidationError
from bot.errors import BotError, clip
from bot.ledger import QuotaExceededError
from bot.ui.errors import MESSAGE_LIMIT, describe_error, fit


def test_a_refusal_says_its_own_sentence() -> None:
    assert describe_error(BotError("🔒 Not here."), "/x") == "🔒 Not here."


def test_a_validation_refusal_says_nothing_was_charged() -> None:
    text = describe_error(ParamValidationError("seed", "`seed` must be a whole number"), "/imagine")
    assert text == "❌ `seed` must be a whole number\nNothing was charged."


def test_a_quota_refusal_is_explained_with_its_figures() -> None:
    text = describe_error(QuotaExceededError("member_day", 211, 40, None), "/imagine")
    assert "211" in text and "40" in text


def test_a_surprise_gets_a_reference_that_is_in_the_log(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR):
        text = describe_error(RuntimeError("internal detail"), "/imagine")
    reference = re.search(r"ref `([0-9a-f]{6})`", text)
    assert reference is not None, text
    assert "internal detail" not in text
    assert any(reference.group(1) in record.getMessage() for record in caplog.records)


def test_a_database_failure_says_storage_is_unavailable() -> None:
    text = describe_error(sqlite3.OperationalError("disk I/O error"), "/credits")
    assert text.startswith("⚠️ The bot's storage is unavailable right now; nothing was charged.")
    assert "disk I/O" not in text


def test_text_is_cut_to_discords_limit() -> None:
    assert len(fit("x" * 5000)) == MESSAGE_LIMIT
    assert fit("short") == "short"


def test_clip_keeps_one_short_line() -> None:
    assert clip("a\nb  c") == "a b c"
    assert len(clip("y" * 500)) == 80
