"""The log filter blanks the Discord token and the API key wherever they appear."""

from __future__ import annotations

import logging

import pytest
from pydantic import SecretStr

from bot import create_bot, logs
from bot.config import Settings
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


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """A clean process-wide registry for one test (create_bot in other tests adds to it)."""
    monkeypatch.setattr(logs, "_registered", ())


@pytest.mark.usefixtures("registry")
def test_redact_blanks_every_registered_secret() -> None:
    logs.register_secrets(SecretStr(TOKEN), KEY, None, "", "abc")  # empty and too-short ones are ignored

    text = f"token={TOKEN}; Authorization: Bearer {KEY}; again {KEY}; abc stays"

    assert logs.redact(text) == (
        f"token={REDACTED}; Authorization: Bearer {REDACTED}; again {REDACTED}; abc stays"
    )
    assert logs.redact("nothing secret here") == "nothing secret here"


@pytest.mark.usefixtures("registry")
def test_a_secret_inside_a_longer_one_leaves_no_tail() -> None:
    logs.register_secrets("key1", "key1-and-more")

    assert logs.redact("x key1-and-more y key1 z") == f"x {REDACTED} y {REDACTED} z"


@pytest.mark.usefixtures("registry")
def test_nothing_is_redacted_before_anything_is_registered() -> None:
    assert logs.redact(f"{TOKEN} {KEY}") == f"{TOKEN} {KEY}"


@pytest.mark.usefixtures("registry")
def test_log_filter_and_redact_share_the_registry(caplog: pytest.LogCaptureFixture) -> None:
    log = logging.getLogger("tests.registry")
    log.filters[:] = [SecretFilter()]
    logs.register_secrets(KEY)  # registered after the filter was made: it still applies

    with caplog.at_level(logging.INFO, logger="tests.registry"):
        log.info("the API said: bad key %s", KEY)

    assert caplog.messages == [f"the API said: bad key {REDACTED}"]


@pytest.mark.usefixtures("registry")
def test_setup_logging_registers_its_secrets_for_redact() -> None:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        logs.setup_logging("INFO", secrets=[SecretStr(TOKEN), KEY])
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)

    assert logs.redact(f"{TOKEN}/{KEY}") == f"{REDACTED}/{REDACTED}"


@pytest.mark.usefixtures("registry")
def test_create_bot_registers_the_token_and_the_api_key() -> None:
    settings = Settings(_env_file=None, discord_token=SecretStr(TOKEN),  # type: ignore[call-arg]
                        vivix_api_key=SecretStr(KEY))

    create_bot(settings)

    assert logs.redact(f"{TOKEN} {KEY}") == f"{REDACTED} {REDACTED}"
