"""Operator alerts: one message per incident, never one per job, and never in a job's way.

The engine raises an ``Alert``; an ``AlertSink`` delivers it (the Discord side DMs every
id in OWNER_IDS and posts in OPERATOR_LOG_CHANNEL_ID). ``Alerts.send`` logs the incident
once and swallows any delivery failure: an alert that cannot be delivered is logged,
never raised into the job's path.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

log = logging.getLogger(__name__)


class Incident(StrEnum):
    PAUSED = "paused"
    RESUMED = "resumed"
    WALLET_LOW = "wallet_low"
    OVERCHARGED = "overcharged"


@dataclass(frozen=True, slots=True)
class Alert:
    incident: Incident
    title: str
    lines: tuple[str, ...] = field(default_factory=tuple)

    @property
    def text(self) -> str:
        return "\n".join((f"**{self.title}**", *self.lines))


class AlertSink(Protocol):
    async def deliver(self, alert: Alert) -> None: ...


class LogOnlySink:
    """No Discord to tell (the bench, a test of the engine alone): the log line is the alert."""

    async def deliver(self, alert: Alert) -> None:
        return None


class Alerts:
    def __init__(self, sink: AlertSink) -> None:
        self.sink = sink
        self.sent: list[Alert] = []  # this process's alerts, newest last: for /operator and tests

    async def send(self, alert: Alert) -> None:
        log.warning("Operator alert (%s): %s %s", alert.incident.value, alert.title, " | ".join(alert.lines))
        self.sent.append(alert)
        del self.sent[:-50]
        try:
            await self.sink.deliver(alert)
        except Exception:
            log.exception("Could not deliver the operator alert %r", alert.title)
