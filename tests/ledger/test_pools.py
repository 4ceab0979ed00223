"""Pools: credits a server sets aside from its allowance, drawn into job holds and prizes, the
rest released; the audit balances after every step, across a cycle's renewal too."""

from __future__ import annotations

import pytest

from bot.ledger import POOL_MEMBER, CreditLedger, PoolExhaustedError, QuotaExceededError
from bot.store import Database
from tests.ledger.conftest import ALICE, GUILD, SteppingClock, assert_conserved


async def left(db: Database, ledger: CreditLedger, key: str) -> int:
    async with db.read() as conn:
        return await ledger.pool_left(conn, key)


async def test_pools_are_held_from_the_allowance_together_or_not_at_all(db: Database, ledger: CreditLedger) -> None:
    with pytest.raises(QuotaExceededError) as refused:
        async with db.transaction() as tx:
            await ledger.hold_pools_in(tx, GUILD, {"c:1:prizes": 3000, "c:1:budget": 2500}, reason="contest")
    assert (refused.value.limit, refused.value.needed, refused.value.left) == ("guild_allowance", 5500, 5000)
    async with db.transaction() as tx:
        holds = await ledger.hold_pools_in(tx, GUILD, {"c:1:prizes": 3000, "c:1:budget": 0}, reason="contest")
    assert [(h.job_id, h.member_id, h.amount) for h in holds] == [("c:1:prizes", POOL_MEMBER, 3000)]
    assert (await ledger.guild_status(GUILD)).allowance_remaining == 2000
    assert await left(db, ledger, "c:1:budget") == 0
    await assert_conserved(ledger)


async def test_draws_prizes_and_the_rest_across_a_renewal(
    db: Database, ledger: CreditLedger, clock: SteppingClock
) -> None:
    async with db.transaction() as tx:
        await ledger.hold_pools_in(tx, GUILD, {"p": 1000}, reason="contest")
    clock.advance(days=31)  # the cycle renews: the pool stays held
    assert (await ledger.guild_status(GUILD)).allowance_remaining == 5000
    await assert_conserved(ledger)

    async with db.transaction() as tx:
        assert await ledger.pay_from_pool_in(tx, "p", ALICE, 300, reason="prize") == 300
    assert (await ledger.member_status(GUILD, ALICE)).bonus == 300
    assert (await ledger.guild_status(GUILD)).allowance_remaining == 5000  # the prize came from the pool
    await assert_conserved(ledger)

    async with db.transaction() as tx:
        await ledger.hold_from_pool_in(tx, "p", 200, "job-1", model="m", reason="entry")
    assert await left(db, ledger, "p") == 500
    status = await ledger.member_status(GUILD, ALICE)
    assert (status.cycle_used, status.in_flight) == (0, 0)  # nobody's caps
    await ledger.settle("job-1", 150)  # the 50 unused was the last cycle's: written off
    assert (await ledger.guild_status(GUILD)).allowance_remaining == 5000
    await assert_conserved(ledger)

    with pytest.raises(PoolExhaustedError) as short:
        async with db.transaction() as tx:
            await ledger.pay_from_pool_in(tx, "p", ALICE, 501, reason="prize")
    assert (short.value.needed, short.value.left) == (501, 500)
    outcome = await ledger.release("p")
    assert outcome.released == 500
    assert (await ledger.guild_status(GUILD)).allowance_remaining == 5000  # written off, like a job's
    await assert_conserved(ledger)


async def test_drawing_a_pool_to_nothing_closes_it(db: Database, ledger: CreditLedger) -> None:
    async with db.transaction() as tx:
        await ledger.hold_pools_in(tx, GUILD, {"p": 100}, reason="contest")
        await ledger.pay_from_pool_in(tx, "p", ALICE, 100, reason="prize")
    assert await left(db, ledger, "p") == 0
    assert (await ledger.release("p")).already_closed
    assert (await ledger.guild_status(GUILD)).allowance_remaining == 4900
    await assert_conserved(ledger)
