from __future__ import annotations

import asyncio
import random

from bot.ledger import CreditLedger, LedgerDefaults, QuotaExceededError
from bot.store import Database

from .conftest import GUILD, SteppingClock, assert_conserved

HOLDS = 600


async def test_many_concurrent_holds_never_overspend(db: Database, clock: SteppingClock) -> None:
    ledger = CreditLedger(db, clock, LedgerDefaults(guild_allowance=5000, max_in_flight=None))
    await ledger.set_member_caps(GUILD, None, cycle=150, actor="admin")
    rng = random.Random(1234)
    requests = [(3000 + rng.randrange(120), rng.randint(1, 40), f"job-{i}") for i in range(HOLDS)]

    async def attempt(member: int, amount: int, job: str) -> int | QuotaExceededError:
        try:
            await ledger.hold(GUILD, member, amount, job, model=rng.choice(["a", "b"]))
        except QuotaExceededError as err:
            return err
        return amount

    results = await asyncio.gather(*(attempt(*r) for r in requests))

    held = sum(r for r in results if isinstance(r, int))
    refusals = [
        (req, r) for req, r in zip(requests, results, strict=True) if isinstance(r, QuotaExceededError)
    ]
    status = await ledger.guild_status(GUILD)
    assert refusals, "the test should exhaust the allowance"
    assert status.held == held <= 5000
    assert status.available == 5000 - held
    # Nothing moved back during the run, so every allowance refusal asked for more than what is left now.
    allowance_refusals = [req[1] for req, err in refusals if err.limit == "guild_allowance"]
    assert allowance_refusals and min(allowance_refusals) > status.available
    assert {err.limit for _, err in refusals} <= {"guild_allowance", "member_cycle"}
    for member in {r[0] for r in requests}:
        assert (await ledger.member_status(GUILD, member)).cycle_used <= 150
    await assert_conserved(ledger)

    held_jobs = [req[2] for req, r in zip(requests, results, strict=True) if isinstance(r, int)]
    closes = []
    for job in held_jobs:
        closes += [ledger.settle(job, rng.randint(0, 50)), ledger.release(job), ledger.settle(job, 1)]
    outcomes = await asyncio.gather(*closes)
    first = [o for o in outcomes if not o.already_closed]
    assert len(first) == len(held_jobs)
    status = await ledger.guild_status(GUILD)
    assert status.held == 0
    assert status.spent_total == sum(o.charged for o in first)
    assert status.available == 5000 - status.spent_total
    await assert_conserved(ledger)
