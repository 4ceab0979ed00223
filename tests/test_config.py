"""Settings: defaults, parsing, and one clear line per bad variable."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.config import SECRET_FIELDS, ConfigError, Settings, load_settings

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


def test_values_quoted_whole_are_unwrapped_as_docker_env_file_passes_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # docker run --env-file keeps quotes: DISCORD_TOKEN="abc" arrives as the five characters "abc".
    monkeypatch.setenv("DISCORD_TOKEN", '"abc.def"')
    monkeypatch.setenv("VIVIX_API_KEY", "'vvx_live_x'")
    monkeypatch.setenv("OWNER_IDS", '"123, 456"')
    monkeypatch.setenv("DEV_GUILD_ID", "'789'")
    monkeypatch.setenv("LOG_LEVEL", '"debug"')
    monkeypatch.setenv("DATABASE_PATH", '"/data/bot.sqlite3"')
    monkeypatch.setenv("DEFAULT_MEMBER_DAY_CAP", '""')
    monkeypatch.setenv("VIVIX_BASE_URL", "'http://127.0.0.1:8787/api/v1'")

    settings = load_settings(_env_file=None)

    assert settings.discord_token.get_secret_value() == "abc.def"
    assert settings.vivix_api_key.get_secret_value() == "vvx_live_x"
    assert settings.owner_ids == {123, 456}
    assert settings.dev_guild_id == 789
    assert settings.log_level == "DEBUG"
    assert settings.database_path == Path("/data/bot.sqlite3")
    assert settings.default_member_day_cap is None
    assert settings.vivix_base_url == "http://127.0.0.1:8787/api/v1"


def test_a_dotenv_value_still_quoted_after_parsing_is_unwrapped(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    # The .env reader takes off one pair of quotes; a file written for both readers may keep a second.
    env_file.write_text("DISCORD_TOKEN='\"from-file\"'\nVIVIX_API_KEY=\"vvx_file\"\nDEFAULT_GUILD_ALLOWANCE='\"900\"'\n")

    settings = load_settings(_env_file=env_file)

    assert settings.discord_token.get_secret_value() == "from-file"
    assert settings.vivix_api_key.get_secret_value() == "vvx_file"
    assert settings.default_guild_allowance == 900


@pytest.mark.parametrize("value", ['"t0ken.value', "t0ken.value'", "\"t0ken.value'", '"'])
def test_an_unmatched_quote_names_the_variable_and_never_the_secret(value: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(**{**BASE, "discord_token": value})

    message = str(caught.value)
    assert message.startswith("DISCORD_TOKEN: a value starts or ends with a quote")
    assert "t0ken" not in message and "\n" not in message


def test_every_variable_with_an_unmatched_quote_is_named_in_one_line() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(**{**BASE, "log_level": "'info", "vivix_api_key": 'vvx_live_secret"'})

    assert str(caught.value).startswith("LOG_LEVEL, VIVIX_API_KEY: a value starts or ends with a quote")
    assert "vvx_live_secret" not in str(caught.value)


def test_the_env_example_names_every_setting_and_works_as_copied() -> None:
    example = Path(__file__).resolve().parents[1] / ".env.example"
    lines = {m["name"]: (bool(m["comment"]), m["value"])
             for m in re.finditer(r"^(?P<comment># )?(?P<name>[A-Z_]+)=(?P<value>.*)$", example.read_text(), re.M)}
    assert sorted(lines) == sorted(name.upper() for name in Settings.model_fields)
    settings = load_settings(_env_file=example)  # placeholders for the secrets, defaults for the rest
    defaults = load_settings(**BASE)
    for name in Settings.model_fields:
        commented, value = lines[name.upper()]
        if name in SECRET_FIELDS:
            assert not commented and value
            continue
        assert commented, f"{name.upper()} should be commented out at its default"
        # What the commented line shows is the default: uncommenting it changes nothing.
        assert getattr(load_settings(**{**BASE, name: value}), name) == getattr(defaults, name), name
        assert getattr(settings, name) == getattr(defaults, name), name
