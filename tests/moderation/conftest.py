"""Moderation tests on a real SQLite file; jobs are stored through the jobs repository as the
generation service stores them."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.jobs import Job, JobOutcome, JobStatus, new_idempotency_key
from bot.moderation.service import Moderation
from bot.store import Database
from bot.store.audit import AuditEvent
from bot.store.jobs import JobRepository
from bot.tasks import TaskSupervisor

GUILD = 1001
OTHER_GUILD = 1002
LOG_CHANNEL = 5001
ALICE = 2001
BOB = 2002
MOD = 2003
T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


class StepClock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


class RecordingSink:
    """The Discord side's stand-in: remembers what it was asked to post, and where."""

    def __init__(self) -> None:
        self.posted: list[tuple[int, AuditEvent]] = []

    async def post(self, channel_id: int, event: AuditEvent) -> None:
        self.posted.append((channel_id, event))


@pytest.fixture
def clock() -> StepClock:
    return StepClock()


@pytest.fixture
async def db(db_target: str | Path) -> AsyncIterator[Database]:
    async with await Database.open(db_target) as opened:
        yield opened


@pytest.fixture
async def moderation(db: Database, clock: StepClock) -> AsyncIterator[Moderation]:
    tasks = TaskSupervisor()
    yield Moderation.build(db, clock, tasks)
    await tasks.close()


def make_job(*, guild_id: int = GUILD, member_id: int = ALICE, prompt: str = "a lighthouse",
             created_at: datetime = T0, outcome: JobOutcome | None = JobOutcome.COMPLETED) -> Job:
    return Job(
        id=uuid.uuid4().hex, guild_id=guild_id, channel_id=3001, member_id=member_id, command="imagine",
        model="flux-2-flash", category="image", request={"model": "flux-2-flash", "prompt": prompt},
        idempotency_key=new_idempotency_key(), held=40, status=JobStatus.QUEUED, created_at=created_at,
        outcome=outcome,
    )


async def store_job(db: Database, job: Job, *, delivered_message: int | None = 7001) -> Job:
    """Insert the job; when it has an outcome, finish and deliver it as the dispatcher would."""
    jobs = JobRepository()
    async with db.transaction() as tx:
        await jobs.insert(tx, job)
        if job.outcome is not None:
            await tx.execute("UPDATE jobs SET status = 'submitting' WHERE id = ?", (job.id,))
            await jobs.mark_finished(tx, job.id, outcome=job.outcome, credits_used=30,
                                     at=job.created_at + timedelta(seconds=20))
            await jobs.mark_delivered(tx, job.id, via="channel", message_id=delivered_message,
                                      at=job.created_at + timedelta(seconds=21))
    async with db.read() as conn:
        stored = await jobs.get(conn, job.id)
    assert stored is not None
    return stored
