from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.ledger import CycleKind, InvalidCycleError, LedgerDefaults
from bot.ledger.cycles import cycle_bounds, day_bounds, parse_cycle

ANCHOR = datetime(2024, 1, 1, tzinfo=UTC)


def d(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_daily_is_the_utc_day() -> None:
    assert cycle_bounds(CycleKind.DAILY, d(2024, 2, 29, 23, 59), ANCHOR) == (d(2024, 2, 29), d(2024, 3, 1))
    assert day_bounds(d(2024, 3, 1, 0, 0)) == (d(2024, 3, 1), d(2024, 3, 2))


def test_daily_uses_utc_whatever_the_zone() -> None:
    shifted = d(2024, 3, 2, 1).astimezone(timezone(timedelta(hours=5)))  # 06:00 there, 01:00 UTC
    assert cycle_bounds(CycleKind.DAILY, shifted, ANCHOR) == (d(2024, 3, 2), d(2024, 3, 3))


def test_weekly_runs_monday_to_monday() -> None:
    sunday = d(2024, 3, 10, 15)
    assert cycle_bounds(CycleKind.WEEKLY, sunday, ANCHOR) == (d(2024, 3, 4), d(2024, 3, 11))
    monday = d(2024, 3, 11)
    assert cycle_bounds(CycleKind.WEEKLY, monday, ANCHOR) == (d(2024, 3, 11), d(2024, 3, 18))


def test_monthly_is_the_calendar_month() -> None:
    assert cycle_bounds(CycleKind.MONTHLY, d(2024, 2, 15), ANCHOR) == (d(2024, 2, 1), d(2024, 3, 1))
    assert cycle_bounds(CycleKind.MONTHLY, d(2024, 12, 31, 23), ANCHOR) == (d(2024, 12, 1), d(2025, 1, 1))


def test_rolling_counts_thirty_days_from_the_anchor() -> None:
    anchor = d(2024, 3, 10)
    assert cycle_bounds(CycleKind.ROLLING_30D, d(2024, 3, 10, 1), anchor) == (anchor, d(2024, 4, 9))
    assert cycle_bounds(CycleKind.ROLLING_30D, d(2024, 4, 9), anchor) == (d(2024, 4, 9), d(2024, 5, 9))
    assert cycle_bounds(CycleKind.ROLLING_30D, d(2024, 7, 1), anchor) == (d(2024, 6, 8), d(2024, 7, 8))


def test_unknown_cycle_is_refused() -> None:
    assert parse_cycle("weekly") is CycleKind.WEEKLY
    with pytest.raises(InvalidCycleError) as caught:
        parse_cycle("fortnightly")
    assert caught.value.kind == "fortnightly"
    assert "30d" in caught.value.allowed
    with pytest.raises(InvalidCycleError):
        LedgerDefaults(cycle="yearly")
