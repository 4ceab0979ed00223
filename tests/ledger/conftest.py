from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.ledger import CreditLedger, LedgerDefaults
from bot.store import Database

GUILD = 1001
ALICE = 2001
BOB = 2002
START = datetime(2024, 3, 10, 15, 30, tzinfo=UTC)  # a Sunday afternoon


class SteppingClock:
    """The ledger tests' clock: stands still until a test steps or sets it."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        self.now += delta if delta is not None else timedelta(**kwargs)
        return self.now

    def set(self, moment: datetime) -> None:
        self.now = moment


@pytest.fixture
def clock() -> SteppingClock:
    return SteppingClock()


@pytest.fixture
async def db(db_target: str | Path) -> AsyncIterator[Database]:
    database = await Database.open(db_target)
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture
def defaults() -> LedgerDefaults:
    return LedgerDefaults(guild_allowance=5000, cycle="30d", max_in_flight=3)


@pytest.fixture
def ledger(db: Database, clock: SteppingClock, defaults: LedgerDefaults) -> CreditLedger:
    return CreditLedger(db, clock, defaults)


async def assert_conserved(ledger: CreditLedger, guild_id: int = GUILD) -> None:
    report = await ledger.audit(guild_id)
    assert report.ok, report.problems
    assert report.granted + report.adjusted + report.bonuses == report.available + report.held + report.spent
