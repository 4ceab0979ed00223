"""HEALTH_PORT / HEALTH_HOST / HEALTH_API_MAX_AGE: off by default, one clear line when malformed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from bot.ops.health import HealthChecks
from bot.ops.metrics import BotMetrics
from bot.ops.server import start_health_server

BASE = {"discord_token": "t" * 10, "vivix_api_key": "vvx_test_key"}


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in ("HEALTH_PORT", "HEALTH_HOST", "HEALTH_API_MAX_AGE"):
        monkeypatch.delenv(name, raising=False)


def test_off_unless_a_port_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings(**BASE)
    assert settings.health_port is None
    assert settings.health_host == "127.0.0.1"
    assert settings.health_api_max_age == 600

    monkeypatch.setenv("HEALTH_PORT", "")
    assert load_settings(**BASE).health_port is None


def test_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEALTH_PORT", "9108")
    monkeypatch.setenv("HEALTH_HOST", "0.0.0.0")
    monkeypatch.setenv("HEALTH_API_MAX_AGE", "600")
    settings = load_settings(**BASE)
    assert (settings.health_port, settings.health_host, settings.health_api_max_age) == (9108, "0.0.0.0", 600)


def test_read_from_dot_env_even_quoted(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text('HEALTH_PORT="9109"\n')
    assert load_settings(**BASE).health_port == 9109


@pytest.mark.parametrize("port", ["http", "0", "70000"])
def test_a_bad_port_is_one_line_naming_the_variable(monkeypatch: pytest.MonkeyPatch, port: str) -> None:
    monkeypatch.setenv("HEALTH_PORT", port)
    with pytest.raises(ConfigError, match=r"HEALTH_PORT"):
        load_settings(**BASE)


async def test_no_server_without_a_port(make_checks: Callable[..., HealthChecks], metrics: BotMetrics) -> None:
    assert await start_health_server(None, "127.0.0.1", make_checks(), metrics) is None
