"""Settings: defaults, parsing, and one clear line per bad variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings

BASE = {"_env_file": None, "discord_token": "t0ken.value", "vivix_api_key": "vvx_live_secret"}


def test_defaults() -> None:
    settings = load_settings(**BASE)

    assert settings.vivix_base_url == "https://getvivix.com/api/v1"
    assert settings.database_path == Path("data/bot.sqlite3")
    assert settings.owner_ids == frozenset()
    assert settings.dev_guild_id is None
    assert settings.log_level == "INFO"


def test_values_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "abc")
    monkeypatch.setenv("VIVIX_API_KEY", "vvx_live_x")
    monkeypatch.setenv("OWNER_IDS", "123, 456")
    monkeypatch.setenv("DEV_GUILD_ID", "789")
    monkeypatch.setenv("LOG_LEVEL", "debug")
    monkeypatch.setenv("VIVIX_BASE_URL", "http://127.0.0.1:8787/api/v1/")

    settings = load_settings(_env_file=None)

    assert settings.owner_ids == {123, 456}
    assert settings.dev_guild_id == 789
    assert settings.log_level == "DEBUG"
    assert settings.vivix_base_url == "http://127.0.0.1:8787/api/v1"


def test_a_dotenv_file_is_read(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("DISCORD_TOKEN=from-file\nVIVIX_API_KEY=vvx_file\nDEFAULT_GUILD_ALLOWANCE=900\n")

    settings = load_settings(_env_file=env_file)

    assert settings.discord_token.get_secret_value() == "from-file"
    assert settings.default_guild_allowance == 900


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ({"discord_token": ""}, "missing setting DISCORD_TOKEN"),
        ({"owner_ids": "12,abc"}, "OWNER_IDS must be a comma-separated list"),
        ({"dev_guild_id": "nope"}, "DEV_GUILD_ID must be a Discord server id"),
        ({"log_level": "loud"}, "LOG_LEVEL must be one of"),
        ({"vivix_base_url": "ftp://x"}, "VIVIX_BASE_URL must be an http(s) URL"),
        ({"default_guild_allowance": "-5"}, "DEFAULT_GUILD_ALLOWANCE must be a whole number"),
    ],
)
def test_bad_values_name_the_variable_in_one_line(override: dict[str, str], expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(**{**BASE, **override})

    message = str(caught.value)
    assert expected in message
    assert "\n" not in message


def test_secrets_never_print() -> None:
    settings = load_settings(**BASE)

    assert "t0ken.value" not in repr(settings) and "t0ken.value" not in str(settings)
    assert "vvx_live_secret" not in repr(settings)
