from __future__ import annotations

from datetime import timedelta

import pytest

from bot.ledger import (
    INHERIT,
    Caps,
    CreditLedger,
    InvalidAmountError,
    InvalidCycleError,
    InvalidInputError,
    LedgerDefaults,
)
from bot.store import Database

from .conftest import ALICE, BOB, GUILD, SteppingClock, assert_conserved

OTHER_GUILD = 1002
VIP = 12


async def test_raising_the_allowance_adds_to_this_cycle(ledger: CreditLedger) -> None:
    status = await ledger.set_allowance(GUILD, 8000, 42)
    assert (status.allowance, status.available) == (8000, 8000)
    row = (await ledger.history(GUILD, limit=1))[0]
    assert (row.kind, row.amount, row.actor) == ("adjust", 3000, "42")
    await assert_conserved(ledger)


async def test_lowering_the_allowance_never_takes_back_what_is_used(ledger: CreditLedger) -> None:
    await ledger.hold(GUILD, ALICE, 3000, "job-1")
    await ledger.settle("job-1", 3000)
    await ledger.grant_bonus(GUILD, BOB, 100, "gift", "admin")
    status = await ledger.set_allowance(GUILD, 1000, "admin")
    assert (status.allowance, status.allowance_remaining, status.available) == (1000, 0, 100)
    row = (await ledger.history(GUILD, limit=1))[0]
    assert (row.kind, row.amount) == ("adjust", -2000)
    assert (await ledger.member_status(GUILD, BOB)).spendable == 100  # bonus untouched
    status = await ledger.set_allowance(GUILD, 1000, "admin")  # no change: no row
    assert (await ledger.history(GUILD, limit=1))[0].amount == -2000
    await assert_conserved(ledger)


async def test_allowance_zero_stops_spending(ledger: CreditLedger, clock: SteppingClock) -> None:
    await ledger.set_allowance(GUILD, 0, "admin")
    member = await ledger.member_status(GUILD, ALICE)
    assert (member.guild_remaining, member.spendable) == (0, 0)
    clock.advance(days=40)
    assert (await ledger.guild_status(GUILD)).available == 0
    await assert_conserved(ledger)


async def test_admin_input_is_checked(ledger: CreditLedger) -> None:
    with pytest.raises(InvalidAmountError):
        await ledger.set_allowance(GUILD, -1, "admin")
    with pytest.raises(InvalidCycleError):
        await ledger.set_cycle(GUILD, "hourly", "admin")
    with pytest.raises(InvalidAmountError):
        await ledger.set_member_caps(GUILD, ALICE, day=-3, actor="admin")
    with pytest.raises(InvalidAmountError):
        await ledger.set_role_caps(GUILD, VIP, cycle="10", actor="admin")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError):
        await ledger.set_max_in_flight(GUILD, 2, member_id=ALICE, role_id=VIP, actor="admin")
    with pytest.raises(InvalidInputError):
        await ledger.history(GUILD, limit=0)
    with pytest.raises(InvalidInputError):
        await ledger.history(GUILD, offset=-1)
    with pytest.raises(InvalidInputError):
        LedgerDefaults(guild_allowance=-5)


async def test_guild_status_shows_effective_defaults_and_overrides(ledger: CreditLedger) -> None:
    status = await ledger.guild_status(GUILD)
    assert status.default_caps == Caps(day=None, cycle=None, max_in_flight=3)
    await ledger.set_member_caps(GUILD, None, day=200, actor="admin")
    await ledger.set_role_caps(GUILD, VIP, day=None, cycle=5000, actor="admin")
    await ledger.set_max_in_flight(GUILD, 1, member_id=ALICE, actor="admin")
    status = await ledger.guild_status(GUILD)
    assert status.default_caps == Caps(day=200, cycle=None, max_in_flight=3)
    [role] = status.role_caps
    assert (role.target_id, role.day, role.cycle, role.max_in_flight) == (VIP, None, 5000, INHERIT)
    [member] = status.member_caps
    assert (member.target_id, member.day, member.max_in_flight) == (ALICE, INHERIT, 1)
    await ledger.set_member_caps(GUILD, None, day=INHERIT, actor="admin")
    assert (await ledger.guild_status(GUILD)).default_caps.day is None


async def test_member_status(ledger: CreditLedger, clock: SteppingClock) -> None:
    await ledger.set_member_caps(GUILD, None, day=300, cycle=1000, actor="admin")
    await ledger.grant_bonus(GUILD, ALICE, 25, "gift", "admin")
    await ledger.hold(GUILD, ALICE, 200, "job-1")
    await ledger.settle("job-1", 120)
    await ledger.hold(GUILD, ALICE, 50, "job-2")
    clock.advance(hours=1)
    member = await ledger.member_status(GUILD, ALICE)
    assert (member.day_used, member.remaining_today, member.cycle_used, member.remaining_cycle) == (
        170, 130, 170, 830
    )
    assert (member.bonus, member.in_flight, member.max_in_flight) == (25, 1, 3)
    assert member.guild_remaining == 5000 - 170
    assert member.spendable == 130 + 25
    assert member.day_renews_at == clock.now.replace(hour=0, minute=0) + timedelta(days=1)
    assert member.cycle_renews_at == (await ledger.guild_status(GUILD)).cycle_end


async def test_history_pages_newest_first_and_filters_by_member(ledger: CreditLedger) -> None:
    for i in range(5):
        await ledger.hold(GUILD, ALICE if i % 2 else BOB, 10, f"job-{i}")
    everything = await ledger.history(GUILD, limit=100)
    assert [e.id for e in everything] == sorted((e.id for e in everything), reverse=True)
    assert len(everything) == 6
    page = await ledger.history(GUILD, limit=2, offset=1)
    assert [e.id for e in page] == [e.id for e in everything[1:3]]
    alice = await ledger.history(GUILD, member_id=ALICE)
    assert [e.job_id for e in alice] == ["job-3", "job-1"]


async def test_usage_reports_this_cycle_by_member_and_model(ledger: CreditLedger, clock: SteppingClock) -> None:
    spend = [(ALICE, "flux", 100), (ALICE, "veo", 300), (BOB, "flux", 50), (BOB, "flux", 25)]
    for i, (member, model, cost) in enumerate(spend):
        await ledger.hold(GUILD, member, 400, f"job-{i}", model=model)
        await ledger.settle(f"job-{i}", cost)
    await ledger.hold(GUILD, BOB, 10, "failed", model="veo")
    await ledger.release("failed")
    await ledger.hold(GUILD, BOB, 10, "running", model="veo")
    report = await ledger.usage(GUILD)
    assert (report.spent, report.held) == (475, 10)
    assert [(m.member_id, m.spent, m.jobs) for m in report.top_members] == [(ALICE, 400, 2), (BOB, 75, 2)]
    assert [(m.model, m.spent, m.jobs) for m in report.by_model] == [("veo", 300, 1), ("flux", 175, 3)]
    assert [m.member_id for m in (await ledger.usage(GUILD, top=1)).top_members] == [ALICE]
    clock.advance(days=30)
    fresh = await ledger.usage(GUILD)
    assert (fresh.spent, fresh.top_members, fresh.by_model) == (0, (), ())


async def test_list_guilds_for_the_operator(ledger: CreditLedger, clock: SteppingClock) -> None:
    await ledger.hold(GUILD, ALICE, 100, "job-1")
    await ledger.settle("job-1", 100)
    await ledger.set_allowance(OTHER_GUILD, 200, "operator")
    summaries = await ledger.list_guilds()
    assert [(s.guild_id, s.allowance, s.available, s.spent_this_cycle) for s in summaries] == [
        (GUILD, 5000, 4900, 100), (OTHER_GUILD, 200, 200, 0)
    ]
    clock.advance(days=31)
    summaries = await ledger.list_guilds()  # stale cycles are renewed first
    assert [(s.available, s.spent_this_cycle, s.spent_total) for s in summaries] == [
        (5000, 0, 100), (200, 0, 0)
    ]
    assert all(r.ok for r in await ledger.audit_all())


async def test_guilds_are_independent(ledger: CreditLedger) -> None:
    await ledger.set_allowance(GUILD, 100, "admin")
    await ledger.hold(GUILD, ALICE, 100, "job-1")
    await ledger.hold(OTHER_GUILD, ALICE, 100, "job-2")
    assert (await ledger.guild_status(OTHER_GUILD)).available == 4900
    await assert_conserved(ledger, GUILD)
    await assert_conserved(ledger, OTHER_GUILD)


async def test_audit_catches_a_tampered_balance(ledger: CreditLedger, db: Database) -> None:
    await ledger.hold(GUILD, ALICE, 100, "job-1")
    async with db.transaction() as tx:
        await tx.execute("UPDATE credit_guild SET available = available + 1 WHERE guild_id = ?", (GUILD,))
    report = await ledger.audit(GUILD)
    assert not report.ok
    assert any(p.startswith("available") for p in report.problems)
