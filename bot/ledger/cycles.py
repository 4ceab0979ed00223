"""Cycle arithmetic: which period contains a moment, for each cycle kind. All UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum

from bot.ledger.errors import InvalidCycleError

ROLLING_PERIOD = timedelta(days=30)


class CycleKind(StrEnum):
    DAILY = "daily"  # UTC calendar day
    WEEKLY = "weekly"  # Monday 00:00 UTC to the next Monday
    MONTHLY = "monthly"  # the 1st 00:00 UTC to the next 1st
    ROLLING_30D = "30d"  # 30-day periods counted from the guild's anchor


def parse_cycle(kind: object) -> CycleKind:
    if isinstance(kind, str) and kind in CycleKind._value2member_map_:
        return CycleKind(kind)
    raise InvalidCycleError(kind, tuple(k.value for k in CycleKind))


def day_start(moment: datetime) -> datetime:
    utc = moment.astimezone(UTC)
    return datetime(utc.year, utc.month, utc.day, tzinfo=UTC)


def day_bounds(moment: datetime) -> tuple[datetime, datetime]:
    start = day_start(moment)
    return start, start + timedelta(days=1)


def cycle_bounds(kind: CycleKind, moment: datetime, anchor: datetime) -> tuple[datetime, datetime]:
    """The period of ``kind`` that contains ``moment`` (``anchor`` is used by ``30d`` only)."""
    if kind is CycleKind.DAILY:
        return day_bounds(moment)
    if kind is CycleKind.WEEKLY:
        start = day_start(moment) - timedelta(days=moment.astimezone(UTC).weekday())
        return start, start + timedelta(days=7)
    if kind is CycleKind.MONTHLY:
        utc = moment.astimezone(UTC)
        start = datetime(utc.year, utc.month, 1, tzinfo=UTC)
        end = datetime(utc.year + utc.month // 12, utc.month % 12 + 1, 1, tzinfo=UTC)
        return start, end
    periods = (moment - anchor) // ROLLING_PERIOD
    start = anchor + periods * ROLLING_PERIOD
    return start, start + ROLLING_PERIOD
