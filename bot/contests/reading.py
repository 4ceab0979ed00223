"""The contest engine's read side: a contest by id, the list, the voting board, the results,
what ``/contest show`` tells one member. Nothing here writes."""

from __future__ import annotations

from dataclasses import replace

from bot.clock import Clock
from bot.contests.errors import ContestNotFoundError
from bot.contests.models import (
    LIVE_ENTRY,
    BoardEntry,
    Contest,
    ContestResults,
    ContestView,
    Entry,
    EntryStatus,
    Phase,
    Standing,
    VotingBoard,
)
from bot.contests.payout import rank
from bot.contests.phases import entry_status_of
from bot.ledger import CreditLedger
from bot.store.connections import Reader
from bot.store.contest_votes import ContestVoteRepository
from bot.store.contests import ContestRepository
from bot.store.database import Database
from bot.store.jobs import JobRepository

OPEN_PHASES = (Phase.ENTRIES, Phase.VOTING)


class ContestReads:
    def __init__(self, db: Database, ledger: CreditLedger, clock: Clock) -> None:
        self._db = db
        self._ledger = ledger
        self._clock = clock
        self._contests = ContestRepository()
        self._votes = ContestVoteRepository()
        self._jobs = JobRepository()

    async def get(self, guild_id: int, contest_id: int) -> Contest:
        async with self._db.read() as conn:
            return await self._load(conn, guild_id, contest_id)

    async def _load(self, conn: Reader, guild_id: int, contest_id: int) -> Contest:
        contest = await self._contests.get(conn, contest_id)
        if contest is None or contest.guild_id != guild_id:
            raise ContestNotFoundError(contest_id)
        return contest

    async def list(self, guild_id: int, *, include_finished: bool = False, limit: int = 25) -> list[Contest]:
        """The server's contests, newest first: the open ones, or every one."""
        async with self._db.read() as conn:
            phases = None if include_finished else OPEN_PHASES
            return await self._contests.for_guild(conn, guild_id, phases, limit=limit)

    async def board(self, contest_id: int) -> VotingBoard:
        """The entries as voters see them: numbers and results, no authors."""
        async with self._db.read() as conn:
            contest = await self._contests.get(conn, contest_id)
            if contest is None:
                raise ContestNotFoundError(contest_id)
            shown: list[BoardEntry] = []
            for entry in await self._contests.entries(conn, contest_id, [EntryStatus.ENTERED]):
                job = await self._jobs.get(conn, entry.job_id)
                if job is not None and entry.number is not None:
                    shown.append(BoardEntry(entry.number, entry.id, job))
        return VotingBoard(contest, tuple(shown))

    async def results(self, contest_id: int) -> ContestResults | None:
        """Standings with authors and vote counts, the prizes: only once voting has closed."""
        async with self._db.read() as conn:
            contest = await self._contests.get(conn, contest_id)
            if contest is None:
                raise ContestNotFoundError(contest_id)
            return await self._results(conn, contest)

    async def _results(self, conn: Reader, contest: Contest) -> ContestResults | None:
        if contest.phase is not Phase.CLOSED:
            return None
        entries = await self._contests.entries(conn, contest.id, [EntryStatus.ENTERED])
        tally = await self._votes.tally(conn, contest.id)
        ranked = rank([(e.id, e.member_id, tally.get(e.id, 0)) for e in entries], contest.prizes)
        by_id = {e.id: e for e in entries}
        standings = tuple(
            Standing(r.entry_id, by_id[r.entry_id].number or 0, r.member_id, by_id[r.entry_id].job_id, r.votes,
                     r.place, r.prize)
            for r in ranked
        )
        payouts = tuple(await self._votes.payouts(conn, contest.id))
        drawn = sum(e.drawn for e in await self._contests.entries(conn, contest.id))
        return ContestResults(
            contest=contest,
            standings=standings,
            payouts=payouts,
            voters=await self._votes.voters(conn, contest.id),
            prizes_released=contest.prize_pool - sum(p.amount for p in payouts),
            budget_released=contest.budget - drawn,
        )

    async def show(self, guild_id: int, contest_id: int, viewer_id: int) -> ContestView:
        """What one member may see: counts of entries, their own entries and vote; results at the end."""
        async with self._db.read() as conn:
            contest = await self._load(conn, guild_id, contest_id)
            live = await self._contests.entries(conn, contest_id, LIVE_ENTRY)
            mine = [await self._current_status(conn, e) for e in
                    await self._contests.member_entries(conn, contest_id, viewer_id)]
            vote = await self._votes.current(conn, contest_id, viewer_id)
            my_vote = None
            if vote is not None:
                voted = await self._contests.entry(conn, vote.entry_id)
                my_vote = None if voted is None else voted.number
            return ContestView(
                contest=contest,
                entries=len(live),
                entrants=len({e.member_id for e in live}),
                budget_left=await self._ledger.pool_left(conn, contest.budget_key),
                my_entries=tuple(mine),
                my_vote=my_vote,
                results=await self._results(conn, contest),
            )

    async def _current_status(self, conn: Reader, entry: Entry) -> Entry:
        """A pending entry as its job stands now (the stored status catches up when entries close)."""
        if entry.status is not EntryStatus.PENDING:
            return entry
        status = entry_status_of(await self._jobs.get(conn, entry.job_id), closing=False)
        return entry if status is entry.status else replace(entry, status=status)
