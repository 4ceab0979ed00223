from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import pytest

from bot.ledger import (
    CreditLedger,
    DuplicateHoldError,
    InvalidAmountError,
    InvalidInputError,
    QuotaExceededError,
    UnknownHoldError,
)
from bot.store import Database

from .conftest import ALICE, BOB, GUILD, SteppingClock, assert_conserved


async def test_first_use_grants_the_default_allowance(ledger: CreditLedger) -> None:
    status = await ledger.guild_status(GUILD)
    assert (status.allowance, status.available, status.held, status.spent_this_cycle) == (5000, 5000, 0, 0)
    assert status.cycle_kind == "30d"
    [grant] = await ledger.history(GUILD)
    assert (grant.kind, grant.amount, grant.actor, grant.member_id) == ("grant", 5000, "system", None)
    await assert_conserved(ledger)


async def test_hold_moves_credits_and_records_a_row(ledger: CreditLedger) -> None:
    hold = await ledger.hold(GUILD, ALICE, 120, "job-1", model="flux-pro")
    assert (hold.status, hold.amount, hold.from_caps, hold.from_bonus, hold.model) == (
        "held", 120, 120, 0, "flux-pro"
    )
    status = await ledger.guild_status(GUILD)
    assert (status.available, status.held) == (4880, 120)
    row = (await ledger.history(GUILD, limit=1))[0]
    assert (row.kind, row.amount, row.member_id, row.job_id, row.model, row.actor) == (
        "hold", 120, ALICE, "job-1", "flux-pro", str(ALICE)
    )
    member = await ledger.member_status(GUILD, ALICE)
    assert (member.in_flight, member.max_in_flight, member.day_used) == (1, 3, 120)
    await assert_conserved(ledger)


async def test_settle_charges_actual_and_returns_the_rest(ledger: CreditLedger) -> None:
    await ledger.hold(GUILD, ALICE, 100, "job-1", model="m")
    outcome = await ledger.settle("job-1", 70)
    assert (outcome.status, outcome.held, outcome.charged, outcome.released, outcome.already_closed) == (
        "settled", 100, 70, 30, False
    )
    status = await ledger.guild_status(GUILD)
    assert (status.available, status.held, status.spent_this_cycle) == (4930, 0, 70)
    kinds = [(e.kind, e.amount) for e in reversed(await ledger.history(GUILD))]
    assert kinds == [("grant", 5000), ("hold", 100), ("settle", 70), ("release", 30)]
    assert (await ledger.member_status(GUILD, ALICE)).day_used == 70
    await assert_conserved(ledger)


async def test_settle_above_the_hold_charges_the_hold_and_warns(
    ledger: CreditLedger, caplog: pytest.LogCaptureFixture
) -> None:
    await ledger.hold(GUILD, ALICE, 100, "job-1")
    with caplog.at_level(logging.WARNING, logger="bot.ledger"):
        outcome = await ledger.settle("job-1", 250)
    assert (outcome.charged, outcome.released) == (100, 0)
    assert any("250" in r.getMessage() and "job-1" in r.getMessage() for r in caplog.records)
    await assert_conserved(ledger)


async def test_release_returns_everything(ledger: CreditLedger) -> None:
    await ledger.hold(GUILD, ALICE, 100, "job-1")
    outcome = await ledger.release("job-1")
    assert (outcome.status, outcome.charged, outcome.released) == ("released", 0, 100)
    status = await ledger.guild_status(GUILD)
    assert (status.available, status.held, status.spent_total) == (5000, 0, 0)
    assert (await ledger.member_status(GUILD, ALICE)).day_used == 0
    await assert_conserved(ledger)


async def test_settle_and_release_take_effect_once(ledger: CreditLedger) -> None:
    await ledger.hold(GUILD, ALICE, 100, "job-1")
    first = await ledger.settle("job-1", 40)
    again = await ledger.settle("job-1", 90)
    late_release = await ledger.release("job-1")
    assert first.already_closed is False
    for repeat in (again, late_release):
        assert (repeat.status, repeat.charged, repeat.released, repeat.already_closed) == (
            "settled", 40, 60, True
        )
    await ledger.hold(GUILD, ALICE, 50, "job-2")
    await ledger.release("job-2")
    late_settle = await ledger.settle("job-2", 50)
    assert (late_settle.status, late_settle.charged, late_settle.already_closed) == ("released", 0, True)
    status = await ledger.guild_status(GUILD)
    assert (status.available, status.spent_total) == (4960, 40)
    await assert_conserved(ledger)


async def test_concurrent_settles_and_releases_apply_once(ledger: CreditLedger) -> None:
    jobs = [f"job-{i}" for i in range(20)]
    for i, job in enumerate(jobs):
        await ledger.hold(GUILD, 3000 + i, 100, job)
    calls = []
    for job in jobs:
        calls += [ledger.settle(job, 60), ledger.settle(job, 60), ledger.release(job), ledger.settle(job, 10)]
    outcomes = await asyncio.gather(*calls)
    for job in jobs:
        mine = [o for o in outcomes if o.job_id == job]
        assert sum(not o.already_closed for o in mine) == 1
        assert len({(o.status, o.charged) for o in mine}) == 1  # every call reports the same outcome
    status = await ledger.guild_status(GUILD)
    charged = sum(o.charged for o in outcomes if not o.already_closed)
    assert status.held == 0
    assert status.spent_total == charged
    assert status.available == 5000 - charged
    await assert_conserved(ledger)


async def test_a_job_id_holds_once(ledger: CreditLedger) -> None:
    await ledger.hold(GUILD, ALICE, 100, "job-1")
    with pytest.raises(DuplicateHoldError) as caught:
        await ledger.hold(GUILD, BOB, 5, "job-1")
    assert caught.value.existing.member_id == ALICE
    await ledger.settle("job-1", 10)
    with pytest.raises(DuplicateHoldError):
        await ledger.hold(GUILD, ALICE, 100, "job-1")
    assert (await ledger.guild_status(GUILD)).available == 4990
    await assert_conserved(ledger)


async def test_concurrent_holds_with_one_job_id(ledger: CreditLedger) -> None:
    results = await asyncio.gather(
        *(ledger.hold(GUILD, ALICE, 10, "same") for _ in range(10)), return_exceptions=True
    )
    assert sum(not isinstance(r, BaseException) for r in results) == 1
    assert all(isinstance(r, DuplicateHoldError) for r in results if isinstance(r, BaseException))
    assert (await ledger.guild_status(GUILD)).held == 10


async def test_unknown_job(ledger: CreditLedger) -> None:
    with pytest.raises(UnknownHoldError) as caught:
        await ledger.settle("nope", 1)
    assert caught.value.job_id == "nope"
    with pytest.raises(UnknownHoldError):
        await ledger.release("nope")


async def test_guild_allowance_refusal_says_what_is_left(ledger: CreditLedger, clock: SteppingClock) -> None:
    await ledger.set_allowance(GUILD, 300, actor="admin")
    await ledger.hold(GUILD, ALICE, 250, "job-1")
    with pytest.raises(QuotaExceededError) as caught:
        await ledger.hold(GUILD, BOB, 100, "job-2")
    err = caught.value
    status = await ledger.guild_status(GUILD)
    assert (err.limit, err.needed, err.left, err.renews_at) == ("guild_allowance", 100, 50, status.cycle_end)
    assert (status.available, status.held) == (50, 250)  # all or nothing: nothing moved
    assert await ledger.get_hold("job-2") is None
    await ledger.hold(GUILD, BOB, 50, "job-3")
    await assert_conserved(ledger)


async def test_member_day_cap_refusal(ledger: CreditLedger, clock: SteppingClock) -> None:
    await ledger.set_member_caps(GUILD, None, day=100, cycle=1000, actor="admin")
    await ledger.hold(GUILD, ALICE, 80, "job-1")
    with pytest.raises(QuotaExceededError) as caught:
        await ledger.hold(GUILD, ALICE, 30, "job-2")
    err = caught.value
    assert (err.limit, err.needed, err.left) == ("member_day", 30, 20)
    assert err.renews_at == datetime(2024, 3, 11, tzinfo=UTC)
    await ledger.hold(GUILD, BOB, 30, "job-3")  # another member is not affected
    await ledger.release("job-1")  # a refund gives the room back
    await ledger.hold(GUILD, ALICE, 30, "job-2")


async def test_member_cycle_cap_refusal(ledger: CreditLedger) -> None:
    await ledger.set_member_caps(GUILD, ALICE, day=500, cycle=150, actor="admin")
    await ledger.hold(GUILD, ALICE, 100, "job-1")
    await ledger.settle("job-1", 100)
    with pytest.raises(QuotaExceededError) as caught:
        await ledger.hold(GUILD, ALICE, 60, "job-2")
    err = caught.value
    status = await ledger.guild_status(GUILD)
    assert (err.limit, err.needed, err.left, err.renews_at) == ("member_cycle", 60, 50, status.cycle_end)


async def test_tie_names_the_limit_that_renews_last(ledger: CreditLedger) -> None:
    await ledger.set_member_caps(GUILD, ALICE, day=100, cycle=100, actor="admin")
    await ledger.hold(GUILD, ALICE, 100, "job-1")
    with pytest.raises(QuotaExceededError) as caught:
        await ledger.hold(GUILD, ALICE, 1, "job-2")
    assert (caught.value.limit, caught.value.left) == ("member_cycle", 0)


async def test_bad_input_is_refused(ledger: CreditLedger) -> None:
    for amount in (0, -5, 1.5, True):
        with pytest.raises(InvalidAmountError) as caught:
            await ledger.hold(GUILD, ALICE, amount, "job-x")  # type: ignore[arg-type]
        assert caught.value.field == "amount"
    with pytest.raises(InvalidInputError):
        await ledger.hold(GUILD, ALICE, 1, "")
    with pytest.raises(InvalidInputError):
        await ledger.hold(GUILD, -1, 1, "job-x")
    with pytest.raises(InvalidInputError):
        await ledger.hold(GUILD, ALICE, 1, "job-x", role_ids=["admin"])  # type: ignore[list-item]
    await ledger.hold(GUILD, ALICE, 10, "job-1")
    with pytest.raises(InvalidAmountError):
        await ledger.settle("job-1", -1)
    assert (await ledger.get_hold("job-1")).status == "held"  # type: ignore[union-attr]


async def test_hold_in_commits_with_the_callers_rows(
    ledger: CreditLedger, db: Database
) -> None:
    async with db.transaction() as tx:
        await tx.execute("CREATE TABLE IF NOT EXISTS scratch_job (id TEXT PRIMARY KEY)")
    async with db.transaction() as tx:
        await ledger.hold_in(tx, GUILD, ALICE, 100, "job-1", model="m")
        await tx.execute("INSERT INTO scratch_job VALUES ('job-1')")
    with pytest.raises(RuntimeError, match="queue full"):
        async with db.transaction() as tx:
            await ledger.hold_in(tx, GUILD, ALICE, 100, "job-2")
            await tx.execute("INSERT INTO scratch_job VALUES ('job-2')")
            raise RuntimeError("queue full")
    assert await ledger.get_hold("job-2") is None
    assert [r["id"] for r in await db.fetch_all("SELECT id FROM scratch_job")] == ["job-1"]
    async with db.transaction() as tx:
        outcome = await ledger.settle_in(tx, "job-1", 40)
        await tx.execute("DELETE FROM scratch_job WHERE id = 'job-1'")
    assert outcome.charged == 40
    async with db.transaction() as tx:
        again = await ledger.release_in(tx, "job-1")
    assert again.already_closed
    assert [h.job_id for h in await ledger.open_holds()] == []
    await assert_conserved(ledger)


async def test_open_holds_lists_what_is_still_held(ledger: CreditLedger) -> None:
    await ledger.hold(GUILD, ALICE, 10, "a")
    await ledger.hold(GUILD + 1, ALICE, 10, "b")
    await ledger.hold(GUILD, BOB, 10, "c")
    await ledger.settle("c", 5)
    assert [h.job_id for h in await ledger.open_holds()] == ["a", "b"]
    assert [h.job_id for h in await ledger.open_holds(GUILD)] == ["a"]
