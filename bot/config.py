"""Settings from environment variables and an optional ``.env`` file.

``load_settings()`` turns any missing or malformed value into one
``ConfigError`` line naming the variable; secret values are never echoed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from .vivix.client import DEFAULT_BASE_URL

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
SECRET_FIELDS = frozenset({"discord_token", "vivix_api_key"})

HINTS: dict[str, str] = {
    "owner_ids": "a comma-separated list of Discord user ids, e.g. 123456789012345678,234567890123456789",
    "dev_guild_id": "a Discord server id (a number)",
    "operator_guild_id": "a Discord server id (a number), or empty",
    "log_level": "one of DEBUG, INFO, WARNING, ERROR, CRITICAL",
    "vivix_base_url": "an http(s) URL such as https://getvivix.com/api/v1",
    "default_guild_allowance": "a whole number of credits, 0 or more",
}


class ConfigError(Exception):
    """A setting is missing or malformed; the message is one line for a person."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    discord_token: SecretStr = Field(min_length=1)
    vivix_api_key: SecretStr = Field(min_length=1)
    vivix_base_url: str = DEFAULT_BASE_URL
    database_path: Path = Path("data/bot.sqlite3")
    owner_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    dev_guild_id: int | None = None
    # Where /operator is registered; empty: DEV_GUILD_ID, else global but usable only in DMs with the bot.
    operator_guild_id: int | None = None
    log_level: LogLevel = "INFO"

    # Credits: what a server gets on first use.
    default_guild_allowance: int = Field(default=5000, ge=0)
    default_member_day_cap: int | None = Field(default=None, ge=0)
    default_member_cycle_cap: int | None = Field(default=None, ge=0)
    default_max_in_flight: int = Field(default=3, ge=1)

    @field_validator("owner_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part.strip() for part in value.replace(";", ",").split(",")]
            ids = []
            for part in parts:
                if not part:
                    continue
                if not part.isdigit():
                    raise ValueError(f"{part!r} is not a user id")
                ids.append(int(part))
            return frozenset(ids)
        if isinstance(value, int):
            return frozenset({value})
        return value

    @property
    def operator_guild(self) -> int | None:
        """The server /operator is registered in, or None: global, usable only in the bot's DMs."""
        return self.operator_guild_id if self.operator_guild_id is not None else self.dev_guild_id

    @field_validator(
        "dev_guild_id", "operator_guild_id", "default_member_day_cap", "default_member_cycle_cap",
        mode="before",
    )
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("vivix_base_url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        value = value.strip()
        if not value.startswith(("http://", "https://")) or len(value) < len("http://x"):
            raise ValueError("not an http(s) URL")
        return value.rstrip("/")


def load_settings(**overrides: object) -> Settings:
    """Read the settings, or raise one ``ConfigError`` line naming every bad variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as err:
        raise ConfigError(describe_errors(err)) from None


def describe_errors(err: ValidationError) -> str:
    missing: list[str] = []
    invalid: list[str] = []
    for item in err.errors():
        name = str(item["loc"][0]) if item["loc"] else "?"
        env = name.upper()
        given = item.get("input")
        if item["type"] == "missing" or (name in SECRET_FIELDS and given in ("", None)):
            missing.append(env)
            continue
        hint = HINTS.get(name, item["msg"].removeprefix("Value error, "))
        shown = "" if name in SECRET_FIELDS else f" (got {str(given)[:40]!r})"
        invalid.append(f"{env} must be {hint}{shown}" if name in HINTS else f"{env}: {hint}{shown}")
    parts = []
    if missing:
        names = ", ".join(sorted(set(missing)))
        parts.append(f"missing setting {names} (set it in the environment or in .env)")
    parts.extend(invalid)
    return "; ".join(parts)
