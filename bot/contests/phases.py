"""The phase changes a contest's timers run: entries close and voting opens; voting closes and
the results are decided; the prizes are paid. Each change runs in one transaction with its
timer's ``done_at``, so a change already done, or one for a contest that has moved on (closed
early, cancelled), is a no-op.
"""

from __future__ import annotations

import logging
import random
from datetime import datetime

from bot.clock import Clock
from bot.contests.models import ChangeDone, Contest, EntryStatus, Phase, PhaseChange
from bot.contests.payout import PrizePayer, plan_payouts, rank, release_pools_in
from bot.jobs import Job, JobOutcome
from bot.ledger import CreditLedger
from bot.store.connections import Transaction
from bot.store.contest_votes import ContestVoteRepository
from bot.store.contests import ContestRepository
from bot.store.database import Database
from bot.store.jobs import JobRepository

log = logging.getLogger(__name__)

_contests = ContestRepository()
_votes = ContestVoteRepository()
_jobs = JobRepository()


def entry_status_of(job: Job | None, *, closing: bool) -> EntryStatus:
    """What a pending entry becomes: entered once its job completed with a result, failed when
    it did not, late when entries close before it finished."""
    if job is None or job.outcome in (JobOutcome.FAILED, JobOutcome.CANCELLED):
        return EntryStatus.FAILED
    if job.outcome is JobOutcome.COMPLETED:
        return EntryStatus.ENTERED if job.output_urls else EntryStatus.FAILED
    return EntryStatus.LATE if closing else EntryStatus.PENDING


async def resolve_pending_in(tx: Transaction, contest_id: int, now: datetime, *, closing: bool) -> None:
    """Bring pending entries up to date with their jobs."""
    for entry in await _contests.entries(tx, contest_id, [EntryStatus.PENDING]):
        status = entry_status_of(await _jobs.get(tx, entry.job_id), closing=closing)
        if status is not EntryStatus.PENDING:
            ended = None if status is EntryStatus.ENTERED else now
            await _contests.end_entry(tx, entry.id, to=status, from_statuses=[EntryStatus.PENDING], at=ended)


class PhaseRunner:
    def __init__(self, db: Database, ledger: CreditLedger, clock: Clock, payer: PrizePayer,
                 *, shuffle: random.Random | None = None) -> None:
        self._db = db
        self._ledger = ledger
        self._clock = clock
        self.payer = payer
        self._shuffle = shuffle or random.SystemRandom()

    async def run(self, contest_id: int, change: PhaseChange) -> ChangeDone:
        if change is PhaseChange.OPEN_VOTING:
            return await self.open_voting(contest_id)
        if change is PhaseChange.CLOSE_VOTING:
            return await self.close_voting(contest_id)
        return await self.pay_prizes(contest_id)

    async def open_voting(self, contest_id: int) -> ChangeDone:
        """Entries close: pending entries resolved, the budget's rest released, the entries
        numbered in a random order (so the order they came in says nothing of who made them)."""
        now = self._clock()
        change = PhaseChange.OPEN_VOTING
        async with self._db.transaction() as tx:
            contest = await _contests.get(tx, contest_id)
            if contest is None or contest.phase is not Phase.ENTRIES:
                await _contests.finish_timer(tx, contest_id, change, now, announce=False)
                return ChangeDone(contest_id, change, applied=False)
            await resolve_pending_in(tx, contest_id, now, closing=True)
            if await self._ledger.pool_left(tx, contest.budget_key):
                await self._ledger.release_in(tx, contest.budget_key)
            entered = await _contests.entries(tx, contest_id, [EntryStatus.ENTERED])
            if not entered:
                return await self._close_without_entries(tx, contest, now)
            order = [entry.id for entry in entered]
            self._shuffle.shuffle(order)
            await _contests.number_entries(tx, [(entry_id, n) for n, entry_id in enumerate(order, start=1)])
            moved = await _contests.move(tx, contest_id, from_phase=Phase.ENTRIES, to_phase=Phase.VOTING, at=now)
            assert moved, "one writer: the phase cannot change under the lock"
            await _contests.finish_timer(tx, contest_id, change, now)
        log.info("contest %d: entries closed, voting opened with %d entries", contest_id, len(order))
        return ChangeDone(contest_id, change, applied=True)

    async def _close_without_entries(self, tx: Transaction, contest: Contest, now: datetime) -> ChangeDone:
        """Nothing to vote on: straight to the results (none), whose announcement says so."""
        await _contests.move(tx, contest.id, from_phase=Phase.ENTRIES, to_phase=Phase.CLOSED, at=now)
        await _contests.finish_timer(tx, contest.id, PhaseChange.OPEN_VOTING, now, announce=False)
        await _contests.finish_timer(tx, contest.id, PhaseChange.CLOSE_VOTING, now, announce=False)
        await _contests.set_timer(tx, contest.id, PhaseChange.PAY_PRIZES, now)
        log.info("contest %d: entries closed with none entered", contest.id)
        return ChangeDone(contest.id, PhaseChange.OPEN_VOTING, applied=True, notes=("no entries",))

    async def close_voting(self, contest_id: int) -> ChangeDone:
        """Voting closes: the tally ranks the entries and the prizes are decided (paid next)."""
        now = self._clock()
        change = PhaseChange.CLOSE_VOTING
        async with self._db.transaction() as tx:
            contest = await _contests.get(tx, contest_id)
            if contest is None or contest.phase is not Phase.VOTING:
                await _contests.finish_timer(tx, contest_id, change, now, announce=False)
                return ChangeDone(contest_id, change, applied=False)
            entries = await _contests.entries(tx, contest_id, [EntryStatus.ENTERED])
            tally = await _votes.tally(tx, contest_id)
            ranked = rank([(e.id, e.member_id, tally.get(e.id, 0)) for e in entries], contest.prizes)
            await _votes.plan(tx, plan_payouts(contest_id, ranked))
            await _contests.move(tx, contest_id, from_phase=Phase.VOTING, to_phase=Phase.CLOSED, at=now)
            await _contests.finish_timer(tx, contest_id, change, now, announce=False)
            await _contests.set_timer(tx, contest_id, PhaseChange.PAY_PRIZES, now)
        log.info("contest %d: voting closed, %d votes counted", contest_id, sum(tally.values()))
        return ChangeDone(contest_id, change, applied=True)

    async def pay_prizes(self, contest_id: int) -> ChangeDone:
        """Pay each prize once, then release the rest; the results are announced after."""
        change = PhaseChange.PAY_PRIZES
        async with self._db.read() as conn:
            contest = await _contests.get(conn, contest_id)
        if contest is None or contest.phase is not Phase.CLOSED:
            async with self._db.transaction() as tx:
                await _contests.finish_timer(tx, contest_id, change, self._clock(), announce=False)
            return ChangeDone(contest_id, change, applied=False)
        settled = await self.payer.pay(contest)
        return ChangeDone(contest_id, change, applied=settled)

    async def cancel_in(self, tx: Transaction, contest: Contest, actor_id: int, now: datetime) -> int:
        """Stop an open contest: everything held goes back; its timers become no-ops. Returns the
        credits released."""
        moved = await _contests.move(tx, contest.id, from_phase=contest.phase, to_phase=Phase.CANCELLED, at=now)
        assert moved, "one writer: the phase cannot change under the lock"
        await _contests.note_cancelled_by(tx, contest.id, actor_id)
        await _contests.drop_timers(tx, contest.id, now)
        released = await release_pools_in(tx, self._ledger, contest)
        await _contests.mark_settled(tx, contest.id, now)
        return released
