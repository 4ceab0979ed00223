from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.ledger import CreditLedger, QuotaExceededError

from .conftest import ALICE, BOB, GUILD, START, SteppingClock, assert_conserved


async def test_rolling_cycle_starts_at_first_use(ledger: CreditLedger) -> None:
    status = await ledger.guild_status(GUILD)
    assert status.cycle_start == datetime(2024, 3, 10, tzinfo=UTC)
    assert status.cycle_end == datetime(2024, 4, 9, tzinfo=UTC)


async def test_cycle_turn_writes_off_leftover_and_grants(ledger: CreditLedger, clock: SteppingClock) -> None:
    await ledger.hold(GUILD, ALICE, 1000, "job-1")
    await ledger.settle("job-1", 800)
    clock.set(datetime(2024, 4, 9, 0, 0, 1, tzinfo=UTC))
    status = await ledger.guild_status(GUILD)
    assert (status.available, status.held, status.spent_this_cycle, status.spent_total) == (5000, 0, 0, 800)
    assert status.cycle_start == datetime(2024, 4, 9, tzinfo=UTC)
    assert status.cycle_end == datetime(2024, 5, 9, tzinfo=UTC)
    newest = await ledger.history(GUILD, limit=2)
    assert [(e.kind, e.amount, e.actor) for e in reversed(newest)] == [
        ("adjust", -4200, "system"), ("grant", 5000, "system")
    ]
    await assert_conserved(ledger)


async def test_renewal_happens_once_and_before_the_operation(
    ledger: CreditLedger, clock: SteppingClock
) -> None:
    await ledger.set_allowance(GUILD, 100, "admin")
    await ledger.hold(GUILD, ALICE, 100, "job-1")
    await ledger.settle("job-1", 100)
    clock.advance(days=31)
    await ledger.hold(GUILD, ALICE, 100, "job-2")  # allowed: the new cycle came first
    await ledger.member_status(GUILD, ALICE)
    await ledger.guild_status(GUILD)
    grants = [e for e in await ledger.history(GUILD, limit=100) if e.kind == "grant"]
    assert len(grants) == 2
    await assert_conserved(ledger)


async def test_idle_guild_skips_cycles_without_back_pay(ledger: CreditLedger, clock: SteppingClock) -> None:
    await ledger.guild_status(GUILD)
    clock.advance(days=95)  # three cycles later
    status = await ledger.guild_status(GUILD)
    assert status.available == 5000
    assert status.cycle_start == datetime(2024, 6, 8, tzinfo=UTC)
    assert status.cycle_start <= clock.now < status.cycle_end


@pytest.mark.parametrize(
    ("kind", "turn", "next_end"),
    [
        ("daily", datetime(2024, 3, 11, tzinfo=UTC), datetime(2024, 3, 12, tzinfo=UTC)),
        ("weekly", datetime(2024, 3, 11, tzinfo=UTC), datetime(2024, 3, 18, tzinfo=UTC)),
        ("monthly", datetime(2024, 4, 1, tzinfo=UTC), datetime(2024, 5, 1, tzinfo=UTC)),
    ],
)
async def test_calendar_cycles_turn_on_their_boundary(
    ledger: CreditLedger, clock: SteppingClock, kind: str, turn: datetime, next_end: datetime
) -> None:
    status = await ledger.set_cycle(GUILD, kind, "admin")
    assert status.cycle_end == turn
    await ledger.hold(GUILD, ALICE, 300, "job-1")
    await ledger.settle("job-1", 300)
    clock.set(turn - timedelta(microseconds=1))
    assert (await ledger.guild_status(GUILD)).available == 4700
    clock.set(turn)
    status = await ledger.guild_status(GUILD)
    assert (status.available, status.cycle_start, status.cycle_end) == (5000, turn, next_end)
    await assert_conserved(ledger)


async def test_set_cycle_reframes_without_moving_balances(ledger: CreditLedger) -> None:
    await ledger.hold(GUILD, ALICE, 300, "job-1")
    status = await ledger.set_cycle(GUILD, "weekly", "admin")
    assert status.cycle_kind == "weekly"
    assert (status.cycle_start, status.cycle_end) == (
        datetime(2024, 3, 4, tzinfo=UTC), datetime(2024, 3, 11, tzinfo=UTC)
    )
    assert (status.available, status.held) == (4700, 300)
    await ledger.release("job-1")  # same cycle: nothing written off
    assert (await ledger.guild_status(GUILD)).available == 5000
    await assert_conserved(ledger)


async def test_day_cap_renews_at_utc_midnight(ledger: CreditLedger, clock: SteppingClock) -> None:
    await ledger.set_member_caps(GUILD, None, day=100, actor="admin")
    await ledger.hold(GUILD, ALICE, 100, "job-1")
    await ledger.settle("job-1", 100)
    with pytest.raises(QuotaExceededError) as caught:
        await ledger.hold(GUILD, ALICE, 10, "job-2")
    assert caught.value.renews_at == datetime(2024, 3, 11, tzinfo=UTC)
    clock.set(datetime(2024, 3, 11, 0, 0, tzinfo=UTC))
    member = await ledger.member_status(GUILD, ALICE)
    assert (member.remaining_today, member.day_used, member.cycle_used) == (100, 0, 100)
    assert member.day_renews_at == datetime(2024, 3, 12, tzinfo=UTC)
    await ledger.hold(GUILD, ALICE, 100, "job-2")


async def test_member_cycle_cap_renews_with_the_cycle(ledger: CreditLedger, clock: SteppingClock) -> None:
    await ledger.set_cycle(GUILD, "weekly", "admin")
    await ledger.set_member_caps(GUILD, ALICE, cycle=200, actor="admin")
    await ledger.hold(GUILD, ALICE, 200, "job-1")
    await ledger.settle("job-1", 200)
    clock.advance(hours=5)  # Sunday night: still the week that ends on Monday 11 March
    with pytest.raises(QuotaExceededError) as caught:
        await ledger.hold(GUILD, ALICE, 1, "job-2")
    assert (caught.value.limit, caught.value.renews_at) == ("member_cycle", datetime(2024, 3, 11, tzinfo=UTC))
    clock.set(datetime(2024, 3, 11, tzinfo=UTC))
    assert (await ledger.member_status(GUILD, ALICE)).remaining_cycle == 200


async def test_hold_from_an_ended_cycle(ledger: CreditLedger, clock: SteppingClock) -> None:
    await ledger.set_cycle(GUILD, "daily", "admin")
    await ledger.hold(GUILD, ALICE, 400, "old-settled")
    await ledger.hold(GUILD, BOB, 300, "old-released")
    clock.set(START + timedelta(days=1))
    status = await ledger.guild_status(GUILD)
    assert (status.available, status.held) == (5000, 700)  # 4300 written off, 5000 granted
    outcome = await ledger.settle("old-settled", 150)
    assert (outcome.charged, outcome.released) == (150, 250)
    await ledger.release("old-released")
    status = await ledger.guild_status(GUILD)
    # the old cycle's unused credits do not leak into the new cycle
    assert (status.available, status.held, status.spent_this_cycle) == (5000, 0, 150)
    await assert_conserved(ledger)
