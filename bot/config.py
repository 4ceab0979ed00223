"""Settings from environment variables and an optional ``.env`` file.

``load_settings()`` turns any missing or malformed value into one
``ConfigError`` line naming the variable; secret values are never echoed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError, PydanticUndefined
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from .vivix.client import DEFAULT_BASE_URL

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
SECRET_FIELDS = frozenset({"discord_token", "vivix_api_key"})
NEVER_ECHOED = SECRET_FIELDS | {"database_url"}  # a database URL may carry a password
QUOTES = ("\"", "'")

HINTS: dict[str, str] = {
    "owner_ids": "a comma-separated list of Discord user ids, e.g. 123456789012345678,234567890123456789",
    "dev_guild_id": "a Discord server id (a number)",
    "operator_guild_id": "a Discord server id (a number), or empty",
    "log_level": "one of DEBUG, INFO, WARNING, ERROR, CRITICAL",
    "vivix_base_url": "an http(s) URL such as https://getvivix.com/api/v1",
    "default_guild_allowance": "a whole number of credits, 0 or more",
    "discord_retry_seconds": "a number of seconds greater than 0",
    "discord_retry_max_seconds": "a number of seconds greater than 0",
    "database_url": "a postgresql://user:password@host:5432/dbname URL, or empty for the SQLite file",
    "shard_ids": "a comma-separated list of shard numbers below SHARD_COUNT, e.g. 0,1",
}


class ConfigError(Exception):
    """A setting is missing or malformed; the message is one line for a person."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    discord_token: SecretStr = Field(
        min_length=1, description="the bot token from the Discord Developer Portal, Bot tab")
    vivix_api_key: SecretStr = Field(
        min_length=1, description="your Vivix API key, vvx_live_... (Pro or Ultimate tier)")
    vivix_base_url: str = Field(
        default=DEFAULT_BASE_URL, description="the API's base URL; point it at the sandbox to try the bot")
    database_path: Path = Field(
        default=Path("data/bot.sqlite3"), description="the SQLite file; its folder is created on first run")
    database_url: SecretStr | None = Field(
        default=None,
        description="postgresql://user:password@host/db to share one database between several processes "
                    "(empty: the SQLite file DATABASE_PATH)")
    shard_count: int | None = Field(
        default=None, ge=1, description="how many gateway shards the bot runs in all, over every process (empty: one)")
    shard_ids: Annotated[tuple[int, ...] | None, NoDecode] = Field(
        default=None, description="the shards this process runs, e.g. 0,1 (empty: all of SHARD_COUNT)")
    owner_ids: Annotated[frozenset[int], NoDecode] = Field(
        default=frozenset(), description="comma-separated Discord user ids of the operators (/operator)")
    dev_guild_id: int | None = Field(
        default=None, description="a server id: commands sync there at once (global sync takes up to an hour)")
    # Where /operator is registered; empty: DEV_GUILD_ID, else global but usable only in DMs with the bot.
    operator_guild_id: int | None = Field(
        default=None, description="the server where /operator is registered (empty: DEV_GUILD_ID, else DMs only)")
    operator_log_channel_id: int | None = Field(
        default=None, description="a channel id where operator alerts are posted too (besides DMs to OWNER_IDS)")
    wallet_alert_below: int | None = Field(
        default=None, ge=0,
        description="alert the operators when the API wallet falls below this (empty: 10% of the tier's budget)")
    media_max_bytes: int = Field(
        default=25 * 1024 * 1024, ge=0,
        description="results up to this size (and the server's upload limit) are posted as files; 0: links only")
    health_port: int | None = Field(
        default=None, ge=1, le=65535, description="serve GET /healthz and /metrics on this port (empty: off)")
    health_host: str = Field(
        default="127.0.0.1", description="the address the health server binds; 0.0.0.0 to expose it")
    health_api_max_age: float = Field(
        default=600.0, gt=0, description="seconds without a successful API call before /healthz says unhealthy")
    status_edits_per_second: float = Field(
        default=1.0, gt=0, le=20,
        description="status-message edits per second for the whole bot; final states go first")
    log_level: LogLevel = Field(default="INFO", description="DEBUG, INFO, WARNING, ERROR or CRITICAL")
    blocklist_file: Path | None = Field(
        default=None, description="the operator's blocklist, one term a line: every server inherits it (empty: none)")

    # Credits: what a server gets on first use.
    default_guild_allowance: int = Field(
        default=5000, ge=0, description="credits a server gets per cycle when it first uses the bot")
    default_member_day_cap: int | None = Field(
        default=None, ge=0, description="credits a member may spend per day unless admins say otherwise")
    default_member_cycle_cap: int | None = Field(
        default=None, ge=0, description="credits a member may spend per cycle unless admins say otherwise")
    default_max_in_flight: int = Field(
        default=3, ge=1, description="jobs one member may have waiting or rendering at once")

    # Start-up: while Discord cannot be reached, wait this long before the next login, doubling up to the cap.
    discord_retry_seconds: float = Field(
        default=5.0, gt=0, description="first wait before logging in again while Discord is unreachable")
    discord_retry_max_seconds: float = Field(
        default=300.0, gt=0, description="longest wait between those login attempts")

    @model_validator(mode="before")
    @classmethod
    def _unquote(cls, data: object) -> object:
        """Unwrap values quoted whole, as docker's --env-file passes them (``TOKEN="abc"`` arrives quoted).

        A model validator, so it runs before every field validator whatever their order.
        """
        if not isinstance(data, dict):
            return data
        unmatched: list[str] = []
        clean: dict[str, object] = {}
        for name, value in data.items():
            if isinstance(value, str):
                stripped = value.strip()
                if len(stripped) >= 2 and stripped[0] == stripped[-1] and stripped[0] in QUOTES:
                    value = stripped[1:-1]
                elif stripped[:1] in QUOTES or stripped[-1:] in QUOTES:
                    unmatched.append(str(name).upper())
            clean[str(name)] = value
        if unmatched:
            raise PydanticCustomError(
                "unmatched_quote", "unmatched quote in {names}", {"names": ", ".join(sorted(unmatched))}
            )
        return clean

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

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith(("postgresql://", "postgres://")):
            raise ValueError("not a postgresql:// URL")
        return value

    @field_validator("shard_ids", mode="before")
    @classmethod
    def _split_shards(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",") if part.strip()]
            if not all(part.isdigit() for part in parts):
                raise ValueError("not a list of shard numbers")
            return tuple(int(part) for part in parts)
        if isinstance(value, int):
            return (value,)
        return value

    @model_validator(mode="after")
    def _check_shards(self) -> Settings:
        if self.shard_ids is not None:
            if self.shard_count is None:
                raise PydanticCustomError("shards", "SHARD_IDS needs SHARD_COUNT (how many shards in all)")
            if not self.shard_ids or any(shard >= self.shard_count for shard in self.shard_ids):
                raise PydanticCustomError(
                    "shards", "SHARD_IDS must be numbers below SHARD_COUNT ({count})", {"count": self.shard_count})
        return self

    @property
    def database_target(self) -> str | Path:
        """What ``Database.open`` takes: the PostgreSQL URL when set, else the SQLite file."""
        return self.database_url.get_secret_value() if self.database_url is not None else self.database_path

    @property
    def operator_guild(self) -> int | None:
        """The server /operator is registered in, or None: global, usable only in the bot's DMs."""
        return self.operator_guild_id if self.operator_guild_id is not None else self.dev_guild_id

    @field_validator(
        "dev_guild_id", "operator_guild_id", "default_member_day_cap", "default_member_cycle_cap",
        "operator_log_channel_id", "wallet_alert_below", "health_port", "blocklist_file",
        "database_url", "shard_count", "shard_ids",
        mode="before",
    )
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("blocklist_file")
    @classmethod
    def _check_blocklist(cls, value: Path | None) -> Path | None:
        """Read at start, so a bad line stops the bot with its number instead of failing later."""
        from .policy.operator_list import load_blocklist

        load_blocklist(value)  # raises BlocklistFileError (a ValueError) naming the line
        return value

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
        # ignored: the overrides are typed `object` here and checked by pydantic at run time, field by field
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as err:
        raise ConfigError(describe_errors(err)) from None


def describe_errors(err: ValidationError) -> str:
    missing: list[str] = []
    invalid: list[str] = []
    for item in err.errors():
        if item["type"] == "shards":
            invalid.append(item["msg"])
            continue
        if item["type"] == "unmatched_quote":
            names = (item.get("ctx") or {}).get("names", "?")
            invalid.append(f"{names}: a value starts or ends with a quote that is not matched at the other "
                           "end; quote the whole value on both sides, or not at all")
            continue
        name = str(item["loc"][0]) if item["loc"] else "?"
        env = name.upper()
        given = item.get("input")
        if item["type"] == "missing" or (name in SECRET_FIELDS and given in ("", None)):
            missing.append(env)
            continue
        hint = HINTS.get(name, item["msg"].removeprefix("Value error, "))
        shown = "" if name in NEVER_ECHOED else f" (got {str(given)[:40]!r})"
        invalid.append(f"{env} must be {hint}{shown}" if name in HINTS else f"{env}: {hint}{shown}")
    parts = []
    if missing:
        names = ", ".join(sorted(set(missing)))
        parts.append(f"missing setting {names} (set it in the environment or in .env)")
    parts.extend(invalid)
    return "; ".join(parts)


def describe_settings() -> list[tuple[str, str]]:
    """``(VARIABLE, one line)`` for every setting, from the model's fields, for ``--help``."""
    lines: list[tuple[str, str]] = []
    for name, field in Settings.model_fields.items():
        default = field.default
        if default is PydanticUndefined:
            status = "required, secret" if name in SECRET_FIELDS else "required"
        elif default is None or default == frozenset():
            status = "optional"
        else:
            status = f"default {default:g}" if isinstance(default, float) else f"default {default}"
        lines.append((name.upper(), f"({status}) {field.description or ''}".rstrip()))
    return lines
