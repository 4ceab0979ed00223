"""A contest world on a real SQLite file: the ledger, the contest service and a stepping clock,
closed and opened again on the same file to stand for a restart; jobs are real rows."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.contests import ContestResults, ContestService, ContestSettings, VotingBoard
from bot.contests.payout import PayoutHook
from bot.jobs import Job, JobOutcome, JobStatus, new_idempotency_key
from bot.ledger import CreditLedger, LedgerDefaults
from bot.store import Database
from bot.store.jobs import JobRepository
from bot.tasks import TaskSupervisor

GUILD = 1001
CHANNEL = 1002
ADMIN = 3000
START = datetime(2026, 3, 10, 15, 30, tzinfo=UTC)
LONG_AGO = START - timedelta(days=90)  # when the voters joined the server
ALLOWANCE = 5000


class SteppingClock:
    """Stands still until a test steps it."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> datetime:
        self.now += timedelta(**kwargs)
        return self.now

    def set(self, moment: datetime) -> None:
        self.now = moment


@dataclass
class RecordingAnnouncer:
    """The Discord side: what it was asked to post (kept across restarts, as Discord keeps posts)."""

    boards: list[VotingBoard] = field(default_factory=list)
    posted_results: list[ContestResults] = field(default_factory=list)

    async def voting_opened(self, board: VotingBoard) -> None:
        self.boards.append(board)

    async def results(self, results: ContestResults) -> None:
        self.posted_results.append(results)


class World:
    """One bot process's contest services on ``path``; ``restart()`` opens new ones on the file."""

    def __init__(self, path: str | Path, clock: SteppingClock) -> None:
        self.path = path
        self.clock = clock
        self.posted = RecordingAnnouncer()  # Discord keeps what was posted across restarts
        self.after_payout: PayoutHook | None = None
        self.jobs = JobRepository()
        self._db: Database | None = None
        self._tasks: TaskSupervisor | None = None
        self._contests: ContestService | None = None
        self.ledger: CreditLedger

    async def open(self) -> None:
        self._db = await Database.open(self.path)
        self._tasks = TaskSupervisor()
        self.ledger = CreditLedger(self._db, self.clock, LedgerDefaults(guild_allowance=ALLOWANCE, cycle="30d"))
        self._contests = ContestService(
            db=self._db, ledger=self.ledger, clock=self.clock, tasks=self._tasks, after_payout=self.after_payout
        )
        self._contests.scheduler.announcer = self.posted

    async def close(self) -> None:
        if self._tasks is not None:
            await self._tasks.close()
        if self._db is not None:
            await self._db.close()
        self._db = self._tasks = self._contests = None

    async def restart(self) -> None:
        await self.close()
        await self.open()

    @property
    def db(self) -> Database:
        assert self._db is not None
        return self._db

    @property
    def tasks(self) -> TaskSupervisor:
        assert self._tasks is not None
        return self._tasks

    @property
    def contests(self) -> ContestService:
        assert self._contests is not None
        return self._contests

    async def assert_audit(self) -> None:
        report = await self.ledger.audit(GUILD)
        assert report.ok, report.problems

    async def allowance_left(self) -> int:
        return (await self.ledger.guild_status(GUILD)).allowance_remaining

    async def bonus(self, member_id: int) -> int:
        return (await self.ledger.member_status(GUILD, member_id)).bonus

    async def finished_job(
        self, member_id: int, prompt: str, *, cost: int = 10, model: str = "flux-2-flash",
        category: str = "image", outcome: JobOutcome = JobOutcome.COMPLETED,
    ) -> Job:
        """A job as the dispatcher leaves it: held, submitted, finished and settled (or released)."""
        now = self.clock()
        job = Job(
            id=uuid.uuid4().hex, guild_id=GUILD, channel_id=CHANNEL, member_id=member_id, command="imagine",
            model=model, category=category, request={"model": model, "prompt": prompt},
            idempotency_key=new_idempotency_key(), held=cost, status=JobStatus.QUEUED, created_at=now,
        )
        completed = outcome is JobOutcome.COMPLETED
        async with self.db.transaction() as tx:
            await self.ledger.hold_in(tx, GUILD, member_id, cost, job.id, model=model)
            await self.jobs.insert(tx, job)
            assert await self.jobs.claim_for_submit(tx, job.id)
            assert await self.jobs.mark_submitted(tx, job.id, f"gen-{job.id}", cost, now)
            assert await self.jobs.mark_finished(
                tx, job.id, outcome=outcome, credits_used=cost if completed else 0, at=now,
                result={"status": outcome.value, "output_url": f"https://cdn.example/{job.id}.png"}
                if completed else {"status": "failed"},
            )
            if completed:
                await self.ledger.settle_in(tx, job.id, cost)
            else:
                await self.ledger.release_in(tx, job.id)
        async with self.db.read() as conn:
            stored = await self.jobs.get(conn, job.id)
        assert stored is not None
        return stored


@pytest.fixture
def steps() -> SteppingClock:
    return SteppingClock()


@pytest.fixture
async def world(db_target: str | Path, steps: SteppingClock) -> AsyncIterator[World]:
    w = World(db_target, steps)
    await w.open()
    try:
        yield w
    finally:
        await w.close()


def settings(**overrides: object) -> ContestSettings:
    values: dict[str, object] = {
        "title": "Foxes at night", "theme": "a fox under the moon", "channel_id": CHANNEL,
        "entry_hours": 24.0, "vote_hours": 48.0, "prizes": (500, 250, 100), "required_words": ("fox",),
    }
    values.update(overrides)
    return ContestSettings(**values)  # type: ignore[arg-type]  # the test's overrides are typed by the call


def members(first: int, count: int) -> Sequence[int]:
    return list(range(first, first + count))
