"""``Moderation``: the log channel, the audit log, reports and exports of a server, built once
(bot/services.py) and shared by the hooks in the core and the moderation cog."""

from __future__ import annotations

from dataclasses import dataclass

from ..clock import Clock
from ..store.database import Database
from ..tasks import TaskSupervisor
from .audit import AuditLog
from .export import Exports
from .reports import Reports
from .settings import LogChannels


@dataclass(frozen=True, slots=True)
class Moderation:
    channels: LogChannels
    audit: AuditLog
    reports: Reports
    exports: Exports

    @classmethod
    def build(cls, db: Database, clock: Clock, tasks: TaskSupervisor) -> Moderation:
        channels = LogChannels(db, clock)
        audit = AuditLog(db, clock, channels, tasks=tasks)
        return cls(channels, audit, Reports(db, clock, audit), Exports(db))
