"""Holds through group commit (``Database.run_in_batch``), as ``GenerationService.create`` makes them:
each hold and its job row in one unit, many units per transaction, checked against running totals."""

from __future__ import annotations

import asyncio
import random
from datetime import datetime

from bot.jobs import Job, JobStatus
from bot.ledger import CreditLedger, LedgerDefaults, QuotaExceededError
from bot.store import Database, Transaction
from bot.store.jobs import JobRepository

from .conftest import GUILD, SteppingClock, assert_conserved

CONCURRENT = 500
_jobs = JobRepository()


def _job(job_id: str, member: int, amount: int, now: datetime) -> Job:
    return Job(
        id=job_id, guild_id=GUILD, channel_id=3001, member_id=member, command="imagine", model="m",
        category="image", request={"model": "m", "prompt": "a fox"}, idempotency_key=f"key-{job_id}",
        held=amount, status=JobStatus.QUEUED, created_at=now,
    )


async def _hold_and_store(
    db: Database, ledger: CreditLedger, clock: SteppingClock, member: int, amount: int, job_id: str
) -> int | QuotaExceededError:
    async def unit(tx: Transaction) -> None:
        await ledger.hold_in(tx, GUILD, member, amount, job_id, model="m")
        await _jobs.insert(tx, _job(job_id, member, amount, clock()))

    try:
        await db.run_in_batch(unit)
    except QuotaExceededError as err:
        return err
    return amount


async def test_500_concurrent_batched_holds_take_exactly_what_the_allowance_covers(
    db: Database, clock: SteppingClock
) -> None:
    allowance, amount = 1000, 7
    ledger = CreditLedger(db, clock, LedgerDefaults(guild_allowance=allowance, max_in_flight=None))
    before = db.batch_stats

    results = await asyncio.gather(*(
        _hold_and_store(db, ledger, clock, 2000 + i % 97, amount, f"job-{i}") for i in range(CONCURRENT)
    ))

    held = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, QuotaExceededError)]
    assert len(held) == allowance // amount
    assert len(refused) == CONCURRENT - allowance // amount
    assert {err.limit for err in refused} == {"guild_allowance"}
    assert all(err.left == allowance % amount for err in refused)  # refused against the running total
    status = await ledger.guild_status(GUILD)
    assert status.held == sum(held) <= allowance
    assert status.available == allowance % amount
    async with db.read() as conn:  # a job row exactly for each hold, none for a refusal
        jobs = await conn.fetch_value("SELECT COUNT(*) FROM jobs")
        holds = await conn.fetch_value("SELECT COUNT(*) FROM credit_hold WHERE status = 'held'")
    assert jobs == holds == len(held)
    if db.dialect == "sqlite":  # group commit: they did share transactions (PostgreSQL: one each, row locks)
        assert db.batch_stats.batches - before.batches < CONCURRENT
    await assert_conserved(ledger)


async def test_batched_and_single_transaction_holds_mixed_never_overspend(
    db: Database, clock: SteppingClock
) -> None:
    """Both paths share the one writer: holds through either, and settles in between, stay within bounds."""
    ledger = CreditLedger(db, clock, LedgerDefaults(guild_allowance=5000, max_in_flight=None))
    await ledger.set_member_caps(GUILD, None, cycle=300, actor="admin")
    rng = random.Random(99)
    requests = [(3000 + rng.randrange(60), rng.randint(1, 60), f"job-{i}", i % 2 == 0) for i in range(CONCURRENT)]

    async def attempt(member: int, amount: int, job_id: str, batched: bool) -> int | QuotaExceededError:
        if batched:
            return await _hold_and_store(db, ledger, clock, member, amount, job_id)
        try:
            await ledger.hold(GUILD, member, amount, job_id, model="m")
        except QuotaExceededError as err:
            return err
        return amount

    results = await asyncio.gather(*(attempt(*r) for r in requests))
    held = {req[2]: r for req, r in zip(requests, results, strict=True) if isinstance(r, int)}
    refusals = [r for r in results if isinstance(r, QuotaExceededError)]
    assert refusals, "the test should exhaust the allowance"
    assert {err.limit for err in refusals} <= {"guild_allowance", "member_cycle"}
    status = await ledger.guild_status(GUILD)
    assert status.held == sum(held.values()) <= 5000
    for member in {r[0] for r in requests}:
        assert (await ledger.member_status(GUILD, member)).cycle_used <= 300
    await assert_conserved(ledger)

    # Settling some frees room that batched holds then take, still within the allowance.
    settled = list(held)[: len(held) // 2]
    closes = [ledger.settle(job_id, rng.randint(0, held[job_id])) for job_id in settled]
    again = [_hold_and_store(db, ledger, clock, 4000 + i, 5, f"again-{i}") for i in range(100)]
    await asyncio.gather(*closes, *again)
    status = await ledger.guild_status(GUILD)
    assert status.available >= 0 and status.held + status.spent_total + status.available == 5000
    await assert_conserved(ledger)
