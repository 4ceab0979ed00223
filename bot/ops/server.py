"""The optional HTTP server for ``GET /healthz`` and ``GET /metrics``, off unless ``HEALTH_PORT`` is set.

It runs on the bot's own event loop (aiohttp.web, already a dependency of
discord.py) and binds 127.0.0.1 unless ``HEALTH_HOST`` says otherwise: the
answers name the bot's state, which is nobody else's business.

Wiring, for whoever builds the services::

    settings = load_health_settings()  # HealthChecks(..., api_max_age=settings.api_max_age_delta)
    server = await start_health_server(settings, checks, metrics)
    ...
    if server is not None:
        await server.close()
"""

from __future__ import annotations

import logging
from datetime import timedelta
from types import TracebackType

from aiohttp import web
from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.config import ConfigError
from bot.ops.health import DEFAULT_API_MAX_AGE, HealthChecks
from bot.ops.metrics import BotMetrics

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"


class HealthSettings(BaseSettings):
    """``HEALTH_PORT``, ``HEALTH_HOST`` and ``HEALTH_API_MAX_AGE`` (seconds), from the environment or ``.env``."""

    model_config = SettingsConfigDict(
        env_prefix="HEALTH_", env_file=".env", env_file_encoding="utf-8", extra="ignore",
        case_sensitive=False, env_ignore_empty=True,
    )

    port: int | None = Field(default=None, ge=1, le=65535)
    """None (unset or empty): no server."""
    host: str = DEFAULT_HOST
    api_max_age: float = Field(default=DEFAULT_API_MAX_AGE.total_seconds(), gt=0)

    @property
    def api_max_age_delta(self) -> timedelta:
        return timedelta(seconds=self.api_max_age)


def load_health_settings(**overrides: object) -> HealthSettings:
    """Read the settings, or raise one ``ConfigError`` line naming the bad variable."""
    try:
        return HealthSettings(**overrides)  # type: ignore[arg-type]  # pydantic-settings' init keywords (_env_file)
    except ValidationError as err:
        parts = []
        for item in err.errors():
            name = f"HEALTH_{str(item['loc'][0]).upper()}" if item["loc"] else "HEALTH_*"
            parts.append(f"{name}: {item['msg']} (got {str(item.get('input'))[:40]!r})")
        raise ConfigError("; ".join(parts)) from None


class HealthServer:
    """``await start()`` listens; ``port=0`` picks a free port, read back from ``port``."""

    def __init__(
        self, checks: HealthChecks, metrics: BotMetrics | None, *, host: str = DEFAULT_HOST, port: int
    ) -> None:
        self.checks = checks
        self.metrics = metrics
        self.host = host
        self._requested_port = port
        self._port: int | None = None
        self._runner: web.AppRunner | None = None

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the health server is not started")
        return self._port

    @property
    def origin(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    async def start(self) -> HealthServer:
        if self._runner is not None:
            raise RuntimeError("the health server is already started")
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._metrics)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.host, self._requested_port)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self._port = int(runner.addresses[0][1])
        log.info("health and metrics listening on %s", self.origin)
        return self

    async def close(self) -> None:
        runner, self._runner = self._runner, None
        if runner is None:
            return
        await runner.cleanup()
        self._port = None

    async def __aenter__(self) -> HealthServer:
        return await self.start()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def _healthz(self, request: web.Request) -> web.Response:
        report = await self.checks.run()
        return web.json_response(
            report.as_json(), status=200 if report.healthy else 503, headers={"Cache-Control": "no-store"}
        )

    async def _metrics(self, request: web.Request) -> web.Response:
        if self.metrics is None:
            raise web.HTTPNotFound(text="metrics are not enabled")
        body, content_type = await self.metrics.exposition(request.headers.get("Accept", ""))
        return web.Response(body=body, headers={"Content-Type": content_type})


async def start_health_server(
    settings: HealthSettings, checks: HealthChecks, metrics: BotMetrics | None
) -> HealthServer | None:
    """The started server, or None when ``HEALTH_PORT`` is unset (health and metrics are off)."""
    if settings.port is None:
        log.debug("HEALTH_PORT is unset: no health or metrics server")
        return None
    return await HealthServer(checks, metrics, host=settings.host, port=settings.port).start()
