"""Is the bot healthy? Three probes, injected so the core needs no discord import.

``HealthChecks.run()`` asks each probe and returns a :class:`HealthReport`:
healthy when the Discord gateway is connected, the database takes a write,
and an API call succeeded within ``api_max_age``. Each failing probe adds
one plain-English reason; a probe that raises counts as failing (its
exception's type is named, never its message, which could carry a secret).

Wiring, for whoever builds the services::

    checks = HealthChecks(
        gateway_connected=lambda: bot.ws is not None and bot.ws.open and not bot.is_closed(),
        database_writable=lambda: database_write_probe(db),
        last_api_success=metrics.last_api_success,
    )

(``bot.is_ready()`` alone stays true while discord.py reconnects, so it is not enough.)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import Clock, system_clock
from bot.store import Database

log = logging.getLogger(__name__)

DEFAULT_API_MAX_AGE = timedelta(minutes=5)
DEFAULT_DATABASE_TIMEOUT = 5.0


@dataclass(frozen=True, slots=True)
class HealthReport:
    reasons: tuple[str, ...] = ()

    @property
    def healthy(self) -> bool:
        return not self.reasons

    def as_json(self) -> dict[str, object]:
        return {"status": "healthy" if self.healthy else "unhealthy", "reasons": list(self.reasons)}


class HealthChecks:
    def __init__(
        self,
        *,
        gateway_connected: Callable[[], bool],
        database_writable: Callable[[], Awaitable[bool]],
        last_api_success: Callable[[], datetime | None],
        clock: Clock = system_clock,
        api_max_age: timedelta = DEFAULT_API_MAX_AGE,
        database_timeout: float = DEFAULT_DATABASE_TIMEOUT,
    ) -> None:
        """``last_api_success`` returns an aware datetime on ``clock``'s time line, or None before the first."""
        if api_max_age <= timedelta(0):
            raise ValueError("api_max_age must be above 0")
        self._gateway_connected = gateway_connected
        self._database_writable = database_writable
        self._last_api_success = last_api_success
        self._clock = clock
        self.api_max_age = api_max_age
        self.database_timeout = database_timeout
        self._was_healthy: bool | None = None

    async def run(self) -> HealthReport:
        reasons = [
            reason
            for reason in (self._check_gateway(), await self._check_database(), self._check_api())
            if reason is not None
        ]
        report = HealthReport(tuple(reasons))
        self._log_change(report)
        return report

    def _check_gateway(self) -> str | None:
        try:
            connected = self._gateway_connected()
        except Exception as err:
            return f"discord gateway check failed ({type(err).__name__})"
        return None if connected else "discord gateway not connected"

    async def _check_database(self) -> str | None:
        try:
            async with asyncio.timeout(self.database_timeout):
                writable = await self._database_writable()
        except TimeoutError:
            return f"database did not answer a write within {self.database_timeout:g}s"
        except Exception as err:
            return f"database did not accept a write ({type(err).__name__})"
        return None if writable else "database did not accept a write"

    def _check_api(self) -> str | None:
        try:
            last = self._last_api_success()
        except Exception as err:
            return f"API check failed ({type(err).__name__})"
        limit = int(self.api_max_age.total_seconds())
        if last is None:
            return "no successful API call yet"
        age = (self._clock() - last).total_seconds()
        if age > self.api_max_age.total_seconds():
            return f"no successful API call in the last {limit}s (last one {int(age)}s ago)"
        return None

    def _log_change(self, report: HealthReport) -> None:
        # Once per change, not once per probe: a scraper asks every few seconds.
        if report.healthy == self._was_healthy:
            return
        if report.healthy:
            log.info("health: healthy")
        else:
            log.warning("health: unhealthy: %s", "; ".join(report.reasons))
        self._was_healthy = report.healthy


async def database_write_probe(db: Database) -> bool:
    """Commit a real write that changes nothing, so a full disk, a read-only volume or a
    PostgreSQL server in recovery fails here, where a read-only transaction would still pass.

    SQLite: rewrite ``PRAGMA user_version`` with its own value; that dirties the header page,
    so the COMMIT writes a WAL frame (the bot keeps its versions in ``schema_version``, not
    there). PostgreSQL: rewrite the newest ``schema_version`` row as it is (a new row version,
    WAL written at COMMIT). Raises on failure: ``DatabaseClosedError`` or the driver's error.
    """
    async with db.transaction() as tx:
        if tx.dialect == "sqlite":
            version = int(await tx.fetch_value("PRAGMA user_version"))
            await tx.execute(f"PRAGMA user_version = {version}")
            return True
        changed = await tx.execute(
            "UPDATE schema_version SET name = name WHERE version = (SELECT MAX(version) FROM schema_version)")
    return changed == 1
