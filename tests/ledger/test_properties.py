"""Random sequences of ledger operations keep every balance non-negative and conserved."""

from __future__ import annotations

import asyncio
import tempfile
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.ledger import (
    CreditLedger,
    DuplicateHoldError,
    HoldOutcome,
    LedgerDefaults,
    QuotaExceededError,
)
from bot.store import Database

from .conftest import GUILD, SteppingClock

MEMBERS = (1, 2, 3)
ROLE_A, ROLE_B = 501, 502
JOBS = 12
CYCLES = ("daily", "weekly", "monthly", "30d")
caps = st.one_of(st.none(), st.integers(min_value=0, max_value=600))
members = st.sampled_from(MEMBERS)
jobs = st.integers(0, JOBS - 1).map(lambda n: f"job-{n}")


@dataclass(frozen=True)
class Hold:
    member: int
    amount: int
    job: str


@dataclass(frozen=True)
class Settle:
    job: str
    actual: int


@dataclass(frozen=True)
class Release:
    job: str


@dataclass(frozen=True)
class Bonus:
    member: int
    amount: int


@dataclass(frozen=True)
class SetAllowance:
    amount: int


@dataclass(frozen=True)
class Advance:
    hours: int


@dataclass(frozen=True)
class SetCycle:
    kind: str


Op = Hold | Settle | Release | Bonus | SetAllowance | Advance | SetCycle

operation: st.SearchStrategy[Op] = st.one_of(
    st.builds(Hold, members, st.integers(1, 400), jobs),
    st.builds(Settle, jobs, st.integers(0, 500)),
    st.builds(Release, jobs),
    st.builds(Bonus, members, st.integers(1, 300)),
    st.builds(SetAllowance, st.integers(0, 2000)),
    st.builds(Advance, st.integers(1, 24 * 12)),
    st.builds(SetCycle, st.sampled_from(CYCLES)),
)


@dataclass
class Scenario:
    cycle: str
    allowance: int
    default_day: int | None
    default_cycle: int | None
    role_a_day: int | None
    member_one_cycle: int | None
    in_flight: int | None
    roles: dict[int, tuple[int, ...]] = field(
        default_factory=lambda: {1: (), 2: (ROLE_A,), 3: (ROLE_A, ROLE_B)}
    )


scenarios = st.builds(
    Scenario,
    cycle=st.sampled_from(CYCLES),
    allowance=st.integers(0, 3000),
    default_day=caps,
    default_cycle=caps,
    role_a_day=caps,
    member_one_cycle=caps,
    in_flight=st.one_of(st.none(), st.integers(1, 4)),
)


@dataclass
class Shadow:
    """What the ledger must agree with, kept independently."""

    held: dict[str, int] = field(default_factory=dict)  # open job -> amount
    closed: dict[str, HoldOutcome] = field(default_factory=dict)
    charged: int = 0


async def run(scenario: Scenario, ops: list[Op], folder: Path) -> None:
    clock = SteppingClock()
    defaults = LedgerDefaults(guild_allowance=scenario.allowance, cycle=scenario.cycle)
    db = await Database.open(folder / "p.sqlite3")
    try:
        ledger = CreditLedger(db, clock, defaults)
        await ledger.set_member_caps(GUILD, None, day=scenario.default_day, cycle=scenario.default_cycle,
                                     actor="admin")
        await ledger.set_role_caps(GUILD, ROLE_A, day=scenario.role_a_day, actor="admin")
        await ledger.set_member_caps(GUILD, 1, cycle=scenario.member_one_cycle, actor="admin")
        await ledger.set_max_in_flight(GUILD, scenario.in_flight, actor="admin")
        shadow = Shadow()
        for op in ops:
            await apply(ledger, clock, scenario, shadow, op)
            await check(ledger, scenario, shadow)
    finally:
        await db.close()


async def apply(ledger: CreditLedger, clock: SteppingClock, scenario: Scenario, shadow: Shadow, op: Op) -> None:
    match op:
        case Hold(member, amount, job):
            try:
                await ledger.hold(GUILD, member, amount, job, role_ids=scenario.roles[member], model="m")
            except QuotaExceededError as err:
                assert err.left < err.needed or err.limit == "in_flight"
                return
            except DuplicateHoldError:
                assert job in shadow.held or job in shadow.closed
                return
            assert job not in shadow.held and job not in shadow.closed
            shadow.held[job] = amount
        case Settle(job, _) | Release(job):
            if job not in shadow.held and job not in shadow.closed:
                return
            if isinstance(op, Settle):
                outcome = await ledger.settle(job, op.actual)
            else:
                outcome = await ledger.release(job)
            if job in shadow.closed:
                earlier = shadow.closed[job]
                assert outcome.already_closed
                assert (outcome.status, outcome.charged) == (earlier.status, earlier.charged)
                return
            amount = shadow.held.pop(job)
            expected = min(op.actual, amount) if isinstance(op, Settle) else 0
            assert (outcome.charged, outcome.held, outcome.already_closed) == (expected, amount, False)
            shadow.closed[job] = outcome
            shadow.charged += expected
        case Bonus(member, amount):
            await ledger.grant_bonus(GUILD, member, amount, "gift", "admin")
        case SetAllowance(amount):
            await ledger.set_allowance(GUILD, amount, "admin")
        case Advance(hours):
            clock.advance(timedelta(hours=hours))
        case SetCycle(kind):
            await ledger.set_cycle(GUILD, kind, "admin")


async def check(ledger: CreditLedger, scenario: Scenario, shadow: Shadow) -> None:
    report = await ledger.audit(GUILD)
    assert report.ok, report.problems
    assert report.granted + report.adjusted + report.bonuses == report.available + report.held + report.spent
    status = await ledger.guild_status(GUILD)
    assert min(status.available, status.held, status.spent_total, status.bonus_pool) >= 0
    assert status.allowance_remaining >= 0
    assert status.held == sum(shadow.held.values())
    assert status.spent_total == shadow.charged
    for member in MEMBERS:
        mine = await ledger.member_status(GUILD, member, scenario.roles[member])
        assert mine.bonus >= 0
        if mine.caps.day is not None:
            assert mine.day_used <= mine.caps.day
        if mine.caps.cycle is not None:
            assert mine.cycle_used <= mine.caps.cycle
        if mine.max_in_flight is not None:
            assert mine.in_flight <= mine.max_in_flight
        assert mine.spendable <= status.available


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=scenarios, ops=st.lists(operation, min_size=1, max_size=25))
def test_random_operations_keep_the_books_balanced(scenario: Scenario, ops: list[Op]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(run(scenario, ops, Path(folder)))
