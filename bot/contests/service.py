"""``ContestService``: what the ``/contest`` commands and the contest buttons call.

Each method takes ids and returns a dataclass from ``bot.contests.models``; a refusal is a
``ContestError`` (a ``BotError``) whose message is for the member or admin who asked.

Credits. ``create`` holds the prize pool and, for a sponsored contest, the budget from the
server's allowance, as ledger pools (``bot/ledger/pools.py``), in the transaction that inserts
the contest: either the contest exists with its credits held, or nothing happened. A sponsored
``/contest enter`` goes through ``GenerationService.create`` like any generation, with a hold that
draws the job's credits from the budget (a ``release`` of the pool and the job's ``hold`` in the
one transaction that also stores the job and the entry), so the entrant's caps and bonus are
untouched. What a job does not use, or a failed job, goes back to the allowance, not to the
budget. The budget's rest is released when entries close; prizes are paid as bonus credits
when voting closes (``payout.py``); a cancel releases everything held.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Collection
from dataclasses import replace
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.contests import export, rules
from bot.contests.errors import (
    BudgetExhaustedError,
    ContestFundsError,
    EntryNotFoundError,
    EntryRefusedError,
    ExportRefusedError,
    contest_over,
    voting_closed,
    voting_not_open,
)
from bot.contests.models import (
    LIVE_ENTRY,
    Cancelled,
    Contest,
    ContestSettings,
    Entry,
    EntryStarted,
    EntryStatus,
    Phase,
    PhaseChange,
    VoteReceipt,
)
from bot.contests.payout import PayoutHook, PrizePayer
from bot.contests.phases import PhaseRunner, resolve_pending_in
from bot.contests.reading import ContestReads
from bot.contests.scheduler import ContestScheduler
from bot.contests.votes import cast_in, check_voter
from bot.generation import GenerationRequest, GenerationService, Queued
from bot.jobs import Job
from bot.ledger import CreditLedger, QuotaExceededError
from bot.store.connections import Transaction
from bot.store.database import Database
from bot.tasks import TaskSupervisor

log = logging.getLogger(__name__)


class ContestService(ContestReads):
    def __init__(
        self,
        *,
        db: Database,
        ledger: CreditLedger,
        clock: Clock,
        tasks: TaskSupervisor,
        generation: GenerationService | None = None,
        after_payout: PayoutHook | None = None,
    ) -> None:
        """``generation`` is needed by ``enter`` only; ``after_payout`` is a crash point for tests."""
        super().__init__(db, ledger, clock)
        self._generation = generation
        self.runner = PhaseRunner(db, ledger, clock, PrizePayer(db, ledger, clock, after_payout=after_payout))
        self.scheduler = ContestScheduler(db, self.runner, self, clock, tasks)

    # -- admins ------------------------------------------------------------------------------

    async def create(self, guild_id: int, actor_id: int, settings: ContestSettings) -> Contest:
        """Check the settings, hold the prizes (and budget) and store the contest, all at once."""
        settings = rules.checked_settings(settings)
        if self._generation is not None:
            for slug in settings.models:
                self._generation.resolve_model(slug, settings.category)
        now = self._clock()
        entries_close = now + timedelta(hours=settings.entry_hours)
        votes_close = entries_close + timedelta(hours=settings.vote_hours)
        prizes = sum(settings.prizes)
        async with self._db.transaction() as tx:
            contest_id = await self._contests.insert(
                tx, guild_id, actor_id, settings, created_at=now, entries_close_at=entries_close,
                votes_close_at=votes_close,
            )
            contest = await self._contests.get(tx, contest_id)
            assert contest is not None
            try:
                await self._ledger.hold_pools_in(
                    tx, guild_id, {contest.prizes_key: prizes, contest.budget_key: settings.budget},
                    reason=f"set aside for contest #{contest_id}", actor=actor_id,
                )
            except QuotaExceededError as err:
                raise ContestFundsError(prizes, settings.budget, err.left) from err
            await self._contests.set_timer(tx, contest_id, PhaseChange.OPEN_VOTING, entries_close)
            await self._contests.set_timer(tx, contest_id, PhaseChange.CLOSE_VOTING, votes_close)
        log.info("guild %d: contest %d created by %d (prizes %d, budget %d)", guild_id, contest_id, actor_id,
                 prizes, settings.budget)
        self.scheduler.kick()
        return contest

    async def close_phase(self, guild_id: int, contest_id: int, actor_id: int) -> Contest:
        """End the current phase now (entries, or voting); the scheduler posts what follows."""
        now = self._clock()
        async with self._db.transaction() as tx:
            contest = await self._load(tx, guild_id, contest_id)
            if not contest.is_open:
                raise contest_over(contest.title, contest.phase.value)
            change = PhaseChange.OPEN_VOTING if contest.phase is Phase.ENTRIES else PhaseChange.CLOSE_VOTING
            await self._contests.set_timer(tx, contest_id, change, now)
        log.info("contest %d: %s now, asked by %d", contest_id, change.value, actor_id)
        await self.runner.run(contest_id, change)
        self.scheduler.kick()
        return await self.get(guild_id, contest_id)

    async def cancel(self, guild_id: int, contest_id: int, actor_id: int) -> Cancelled:
        """Stop the contest: the prizes and the budget go back to the allowance; entrants are
        returned to be told. Credits entrants spent stay spent."""
        now = self._clock()
        async with self._db.transaction() as tx:
            contest = await self._load(tx, guild_id, contest_id)
            if not contest.is_open:
                raise contest_over(contest.title, contest.phase.value)
            entrants = sorted({e.member_id for e in await self._contests.entries(tx, contest_id, LIVE_ENTRY)})
            released = await self.runner.cancel_in(tx, contest, actor_id, now)
            cancelled = await self._contests.get(tx, contest_id)
        assert cancelled is not None
        log.info("contest %d cancelled by %d: %d released", contest_id, actor_id, released)
        return Cancelled(cancelled, tuple(entrants), released)

    async def export_entries(self, guild_id: int, contest_id: int) -> AsyncIterator[str]:
        """CSV lines of the contest's entries (authors included: for admins)."""
        contest = await self.get(guild_id, contest_id)
        return export.entries_csv(self._db, contest)

    async def export_votes(self, guild_id: int, contest_id: int) -> AsyncIterator[str]:
        """CSV lines of every vote row with its hash chain; only once voting is over."""
        contest = await self.get(guild_id, contest_id)
        if contest.phase in (Phase.ENTRIES, Phase.VOTING):
            raise ExportRefusedError(
                "🔒 Votes stay hidden until voting closes; the export of votes is ready then."
            )
        return export.votes_csv(self._db, contest)

    # -- members: entries ------------------------------------------------------------------------

    async def enter(self, contest_id: int, request: GenerationRequest) -> EntryStarted:
        """``/contest enter``: generate an entry under the contest's rules (pending until it renders)."""
        if self._generation is None:
            raise RuntimeError("ContestService.enter needs the GenerationService")
        contest = await self.get(request.guild_id, contest_id)
        now = self._clock()
        rules.check_window(contest, request.member_id, request.role_ids, now)
        rules.check_prompt(contest, request.prompt)
        model = self._generation.resolve_model(request.model, contest.category)
        rules.check_model(contest, model.slug, model.category)
        made: list[Entry] = []

        async def hold_and_enter(tx: Transaction, job: Job) -> None:
            current = await self._ready_to_add(tx, contest_id, request.member_id, request.role_ids)
            drawn = 0
            if current.sponsored:
                left = await self._ledger.pool_left(tx, current.budget_key)
                if job.held > left:
                    raise BudgetExhaustedError(job.held, left)
                await self._ledger.hold_from_pool_in(
                    tx, current.budget_key, job.held, job.id, model=job.model,
                    reason=f"contest #{contest_id} entry by member {request.member_id}",
                )
                drawn = job.held
            else:
                await self._ledger.hold_in(tx, request.guild_id, request.member_id, job.held, job.id,
                                           role_ids=tuple(request.role_ids), model=job.model)
            made.append(await self._contests.add_entry(
                tx, contest_id, job.id, request.member_id, status=EntryStatus.PENDING, drawn=drawn,
                at=self._clock(),
            ))

        queued = await self._generation.create(
            replace(request, category=contest.category, model=model.slug), hold_in=hold_and_enter
        )
        assert isinstance(queued, Queued), "a request with its own hold is never held back for a confirmation"
        return EntryStarted(made[0], queued, from_budget=made[0].drawn > 0)

    async def submit(
        self, guild_id: int, contest_id: int, job_id: str, member_id: int, role_ids: Collection[int] = ()
    ) -> Entry:
        """The Submit to contest button: enter one of the member's own completed results."""
        async with self._db.transaction() as tx:
            contest = await self._load(tx, guild_id, contest_id)
            rules.check_window(contest, member_id, role_ids, self._clock())
            job = await self._jobs.get(tx, job_id)
            rules.check_job(contest, job, member_id)
            assert job is not None
            await self._refuse_entered_job(tx, job_id)
            await self._ready_to_add(tx, contest_id, member_id, role_ids)
            entry = await self._contests.add_entry(
                tx, contest_id, job_id, member_id, status=EntryStatus.ENTERED, drawn=0, at=self._clock()
            )
        log.info("contest %d: job %s entered by %d", contest_id, job_id, member_id)
        return entry

    async def submittable(
        self, guild_id: int, job_id: str, member_id: int, role_ids: Collection[int] = ()
    ) -> list[Contest]:
        """Open contests this result could be submitted to now (for the button); [] if none."""
        now = self._clock()
        async with self._db.read() as conn:
            job = await self._jobs.get(conn, job_id)
            if job is None or await self._contests.entry_for_job(conn, job_id) is not None:
                return []
            fits: list[Contest] = []
            for contest in await self._contests.for_guild(conn, guild_id, [Phase.ENTRIES]):
                try:
                    rules.check_window(contest, member_id, role_ids, now)
                    rules.check_job(contest, job, member_id)
                except EntryRefusedError:
                    continue
                live = [e for e in await self._contests.member_entries(conn, contest.id, member_id)
                        if e.status in LIVE_ENTRY]
                if len(live) < contest.max_entries:
                    fits.append(contest)
        return fits

    async def withdraw(self, guild_id: int, entry_id: int, member_id: int) -> Entry:
        """Take one's own entry out before voting opens; what it cost stays spent."""
        now = self._clock()
        async with self._db.transaction() as tx:
            entry = await self._contests.entry(tx, entry_id)
            if entry is None:
                raise EntryNotFoundError()
            contest = await self._load(tx, guild_id, entry.contest_id)
            if entry.member_id != member_id:
                raise EntryRefusedError("❌ Only its author can withdraw an entry.")
            if contest.phase is not Phase.ENTRIES or now >= contest.entries_close_at:
                raise EntryRefusedError("⌛ Voting has opened; entries can no longer be withdrawn.")
            if not await self._contests.end_entry(
                tx, entry_id, to=EntryStatus.WITHDRAWN, from_statuses=LIVE_ENTRY, at=now
            ):
                raise EntryRefusedError("❌ That entry is not in the contest any more.")
            withdrawn = await self._contests.entry(tx, entry_id)
        assert withdrawn is not None
        log.info("contest %d: entry %d withdrawn by its author", contest.id, entry_id)
        return withdrawn

    async def _ready_to_add(
        self, tx: Transaction, contest_id: int, member_id: int, role_ids: Collection[int]
    ) -> Contest:
        """In the write transaction: the contest still takes entries and the member has room."""
        contest = await self._contests.get(tx, contest_id)
        assert contest is not None
        now = self._clock()
        rules.check_window(contest, member_id, role_ids, now)
        await resolve_pending_in(tx, contest_id, now, closing=False)
        live = [e for e in await self._contests.member_entries(tx, contest_id, member_id) if e.status in LIVE_ENTRY]
        if len(live) >= contest.max_entries:
            few = "one entry" if contest.max_entries == 1 else f"{contest.max_entries} entries"
            raise EntryRefusedError(
                f"❌ This contest takes {few} per member, and you have {len(live)}. "
                "Withdraw one first to enter another."
            )
        return contest

    async def _refuse_entered_job(self, tx: Transaction, job_id: str) -> None:
        entered = await self._contests.entry_for_job(tx, job_id)
        if entered is not None:
            raise EntryRefusedError(
                f"❌ That result was already entered in contest #{entered.contest_id}; a result can be entered once."
            )

    # -- members: votes ----------------------------------------------------------------------------

    async def vote(
        self, guild_id: int, entry_id: int, member_id: int, *, joined_at: datetime | None,
        role_ids: Collection[int] = (),
    ) -> VoteReceipt:
        """Vote for an entry, or change one's vote to it. ``joined_at``: when the member joined the
        server (None when unknown: refused)."""
        now = self._clock()
        async with self._db.transaction() as tx:
            entry = await self._contests.entry(tx, entry_id)
            if entry is None:
                raise EntryNotFoundError()
            contest = await self._load(tx, guild_id, entry.contest_id)
            if contest.phase is Phase.ENTRIES:
                raise voting_not_open(contest.title, contest.entries_close_at)
            if contest.phase is not Phase.VOTING or now >= contest.votes_close_at:
                raise voting_closed(contest.title)
            check_voter(contest, joined_at=joined_at, role_ids=role_ids)
            entries = await self._contests.entries(tx, contest.id, [EntryStatus.ENTERED])
            numbers = {e.id: e.number for e in entries if e.number is not None}
            receipt = await cast_in(tx, self._votes, contest, entry, numbers, member_id, now)
        return receipt

    async def my_vote(self, guild_id: int, contest_id: int, member_id: int) -> int | None:
        """The number of the entry the member votes for, if any."""
        return (await self.show(guild_id, contest_id, member_id)).my_vote

