from __future__ import annotations

import pytest

from bot.ledger import CreditLedger, InvalidAmountError, InvalidInputError, QuotaExceededError

from .conftest import ALICE, BOB, GUILD, SteppingClock, assert_conserved


async def test_bonus_joins_the_pool_and_is_recorded(ledger: CreditLedger) -> None:
    assert await ledger.grant_bonus(GUILD, ALICE, 300, "contest winner", "42") == 300
    assert await ledger.grant_bonus(GUILD, ALICE, 50, "", 42) == 350
    status = await ledger.guild_status(GUILD)
    assert (status.available, status.bonus_pool, status.allowance_remaining) == (5350, 350, 5000)
    row = (await ledger.history(GUILD, member_id=ALICE))[1]
    assert (row.kind, row.amount, row.actor, row.reason, row.member_id) == (
        "bonus", 300, "42", "contest winner", ALICE
    )
    await assert_conserved(ledger)


async def test_bonus_sits_on_top_of_caps(ledger: CreditLedger) -> None:
    await ledger.set_member_caps(GUILD, None, day=100, actor="admin")
    await ledger.grant_bonus(GUILD, ALICE, 50, "gift", "admin")
    hold = await ledger.hold(GUILD, ALICE, 130, "job-1")
    assert (hold.from_caps, hold.from_bonus) == (100, 30)  # cap room first, then bonus
    member = await ledger.member_status(GUILD, ALICE)
    assert (member.remaining_today, member.bonus, member.spendable) == (0, 20, 20)
    with pytest.raises(QuotaExceededError) as caught:
        await ledger.hold(GUILD, ALICE, 21, "job-2")
    assert (caught.value.limit, caught.value.left) == ("member_day", 20)
    await ledger.hold(GUILD, ALICE, 20, "job-2")
    with pytest.raises(QuotaExceededError):
        await ledger.hold(GUILD, BOB, 101, "job-3")  # Bob has no bonus
    await assert_conserved(ledger)


async def test_settle_charges_cap_part_first_and_refunds_bonus(ledger: CreditLedger) -> None:
    await ledger.set_member_caps(GUILD, ALICE, day=100, actor="admin")
    await ledger.grant_bonus(GUILD, ALICE, 50, "gift", "admin")
    await ledger.hold(GUILD, ALICE, 140, "job-1")  # 100 from caps, 40 from bonus
    outcome = await ledger.settle("job-1", 110)
    assert (outcome.charged, outcome.released) == (110, 30)
    member = await ledger.member_status(GUILD, ALICE)
    assert (member.day_used, member.bonus) == (100, 40)  # 10 bonus spent, 30 back
    await ledger.hold(GUILD, ALICE, 40, "job-2")
    await ledger.release("job-2")
    assert (await ledger.member_status(GUILD, ALICE)).bonus == 40
    await assert_conserved(ledger)


async def test_bonus_reaches_past_an_empty_guild_allowance(ledger: CreditLedger) -> None:
    await ledger.set_allowance(GUILD, 100, "admin")
    await ledger.hold(GUILD, BOB, 100, "job-1")
    await ledger.grant_bonus(GUILD, ALICE, 30, "gift", "admin")
    hold = await ledger.hold(GUILD, ALICE, 30, "job-2")
    assert (hold.from_caps, hold.from_bonus) == (0, 30)
    with pytest.raises(QuotaExceededError) as caught:
        await ledger.hold(GUILD, ALICE, 1, "job-3")
    assert (caught.value.limit, caught.value.left) == ("guild_allowance", 0)
    await assert_conserved(ledger)


async def test_bonus_survives_cycle_renewal(ledger: CreditLedger, clock: SteppingClock) -> None:
    await ledger.set_cycle(GUILD, "daily", "admin")
    await ledger.grant_bonus(GUILD, ALICE, 70, "gift", "admin")
    await ledger.hold(GUILD, ALICE, 5000 + 20, "job-1")  # all the allowance and 20 bonus
    await ledger.release("job-1")
    clock.advance(days=1)
    status = await ledger.guild_status(GUILD)
    assert (status.available, status.bonus_pool, status.allowance_remaining) == (5070, 70, 5000)
    assert (await ledger.member_status(GUILD, ALICE)).bonus == 70
    await assert_conserved(ledger)


async def test_bonus_input_is_checked(ledger: CreditLedger) -> None:
    for amount in (0, -10):
        with pytest.raises(InvalidAmountError):
            await ledger.grant_bonus(GUILD, ALICE, amount, "x", "admin")
    with pytest.raises(InvalidInputError):
        await ledger.grant_bonus(GUILD, ALICE, 10, "x" * 600, "admin")
    with pytest.raises(InvalidInputError):
        await ledger.grant_bonus(GUILD, ALICE, 10, "x", "")
