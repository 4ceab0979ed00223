"""Watching the API wallet: an alert when the balance falls below the threshold, once per crossing."""

from __future__ import annotations

import logging

from ..clock import Clock
from ..store.bot_state import BotStateRepository
from ..store.database import Database
from .alerts import Alert, Alerts, Incident
from .metrics import BotMetrics

log = logging.getLogger(__name__)

CYCLE_BUDGETS = {"pro": 15_000, "ultimate": 50_000}
"""Credits per 30-day cycle of each API tier (vivix-api.md)."""
DEFAULT_ALERT_FRACTION = 0.10
_KEY = "wallet_alert"


def default_threshold(tier: str | None) -> int | None:
    """10% of the tier's cycle budget; None for a tier whose budget is unknown."""
    budget = CYCLE_BUDGETS.get((tier or "").lower())
    return int(budget * DEFAULT_ALERT_FRACTION) if budget else None


class WalletWatch:
    """Fed every balance the API reports (``X-Credits-Balance``, /models); alerts on a downward
    crossing of the threshold and re-arms when the balance is back above it. The armed state
    is kept in the database, so a restart does not repeat an alert."""

    def __init__(
        self, db: Database, clock: Clock, alerts: Alerts, *, threshold: int | None, metrics: BotMetrics | None = None
    ) -> None:
        self.db = db
        self.clock = clock
        self.alerts = alerts
        self.configured = threshold
        self.tier: str | None = None
        self.balance: int | None = None
        self._below: bool | None = None  # None: not read from the database yet
        self._state = BotStateRepository()
        self._metrics = metrics

    @property
    def threshold(self) -> int | None:
        return self.configured if self.configured is not None else default_threshold(self.tier)

    async def observe(self, balance: int | None, tier: str | None = None) -> None:
        if tier:
            self.tier = tier
        if balance is None:
            return
        self.balance = balance
        if self._metrics is not None:
            self._metrics.set_wallet_balance(balance)
        threshold = self.threshold
        if threshold is None:
            return
        if self._below is None:
            async with self.db.read() as conn:
                stored = await self._state.get(conn, _KEY)
            self._below = bool(stored and stored.get("below"))
        below = balance < threshold
        if below == self._below:
            return
        self._below = below
        async with self.db.transaction() as tx:
            await self._state.put(tx, _KEY, {"below": below, "balance": balance}, self.clock())
        if below:
            await self.alerts.send(Alert(
                Incident.WALLET_LOW, "The API wallet is running low",
                (f"Balance: {balance:,} credits, below the alert threshold of {threshold:,}.",
                 "Top it up before the queue pauses on an empty wallet."),
            ))
