"""The optional HTTP server for ``GET /healthz`` and ``GET /metrics``, off unless ``HEALTH_PORT`` is set.

It runs on the bot's own event loop (aiohttp.web, already a dependency of
discord.py) and binds 127.0.0.1 unless ``HEALTH_HOST`` says otherwise: the
answers name the bot's state, which is nobody else's business.

Its settings (``HEALTH_PORT``, ``HEALTH_HOST``, ``HEALTH_API_MAX_AGE``) live in ``bot.config.Settings``
with every other; ``bot/client.py`` starts it after the services and closes it first.
"""

from __future__ import annotations

import logging
from types import TracebackType

from aiohttp import web

from bot.ops.health import HealthChecks
from bot.ops.metrics import BotMetrics

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"


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
    port: int | None, host: str, checks: HealthChecks, metrics: BotMetrics | None
) -> HealthServer | None:
    """The started server, or None when ``HEALTH_PORT`` is unset (health and metrics are off)."""
    if port is None:
        log.debug("HEALTH_PORT is unset: no health or metrics server")
        return None
    return await HealthServer(checks, metrics, host=host, port=port).start()
