"""JobRepository on both engines (a SQLite file, a PostgreSQL database): times are stored like the ledger's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from bot.jobs import Job, JobOutcome, JobStatus
from bot.store import Database
from bot.store.jobs import JobRepository
from bot.store.timestamps import to_db_time

T0 = datetime(2026, 5, 1, 12, 0, 0, tzinfo=UTC)


def _job(job_id: str, created_at: datetime) -> Job:
    return Job(
        id=job_id, guild_id=1, channel_id=2, member_id=3, command="imagine", model="m", category="image",
        request={"model": "m", "prompt": "a fox"}, idempotency_key=f"key-{job_id}", held=10,
        status=JobStatus.QUEUED, created_at=created_at,
    )


async def test_job_times_round_trip_in_the_ledgers_format(db_target: str | Path) -> None:
    repo = JobRepository()
    submitted, finished = T0 + timedelta(seconds=1, microseconds=250), T0 + timedelta(seconds=40)
    posting, delivered = T0 + timedelta(seconds=41), T0 + timedelta(seconds=42, microseconds=1)
    async with await Database.open(db_target) as db:
        async with db.transaction() as tx:
            await repo.insert(tx, _job("j1", T0))
            assert await repo.claim_for_submit(tx, "j1")
            assert await repo.mark_submitted(tx, "j1", "gen-1", 8, submitted)
            assert await repo.mark_finished(
                tx, "j1", outcome=JobOutcome.COMPLETED, credits_used=8, at=finished, result={"status": "completed"}
            )
            await repo.mark_post_started(tx, "j1", posting)
            assert await repo.mark_delivered(tx, "j1", via="channel", message_id=99, at=delivered)
        async with db.read() as conn:
            job = await repo.get(conn, "j1")
            raw = await conn.fetch_one(
                "SELECT created_at, submitted_at, finished_at, post_started_at, delivered_at FROM jobs"
            )
    assert job is not None and raw is not None
    assert (job.created_at, job.submitted_at, job.finished_at, job.post_started_at, job.delivered_at) == (
        T0, submitted, finished, posting, delivered
    )
    assert list(raw) == [to_db_time(t) for t in (T0, submitted, finished, posting, delivered)]
    assert (job.status, job.outcome, job.credits_used, job.delivered_via) == (
        JobStatus.DELIVERED, JobOutcome.COMPLETED, 8, "channel"
    )


async def test_queue_order_is_time_order_whatever_zone_a_time_was_given_in(db_target: str | Path) -> None:
    """isoformat() text kept the zone, so 13:00+02:00 (11:00 UTC) sorted after 12:00 UTC."""
    repo = JobRepository()
    plus_two = timezone(timedelta(hours=2))
    created = {
        "late": T0 + timedelta(minutes=30),
        "early": (T0 - timedelta(hours=1)).astimezone(plus_two),  # 13:00 there
        "middle": T0,
        "middle-and-a-bit": T0 + timedelta(microseconds=1),
    }
    async with await Database.open(db_target) as db:
        async with db.transaction() as tx:
            for job_id, at in created.items():
                await repo.insert(tx, _job(job_id, at))
        async with db.read() as conn:
            order = await repo.waiting(conn)
            queued = await repo.list_by_status(conn, JobStatus.QUEUED)
    expected = ["early", "middle", "middle-and-a-bit", "late"]
    assert [job_id for job_id, _, _ in order] == expected
    assert [job.id for job in queued] == expected
    assert [job.created_at for job in queued] == sorted(created.values())
