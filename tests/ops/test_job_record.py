"""The operator's job lookup on a real SQLite file: by id or unique prefix, in any server,
with the ledger rows written for the job."""

from __future__ import annotations

import pytest

from bot.jobs import Job, JobStatus
from bot.ledger import CreditLedger
from bot.ops.job_record import AmbiguousJobError, JobRecords, JobRefTooShortError, UnknownJobError
from bot.store import Database
from bot.store.jobs import JobRepository

from .conftest import FakeNow

GUILD_A, GUILD_B, MEMBER = 111_111_111_111_111_111, 222_222_222_222_222_222, 333_333_333_333_333_333


@pytest.fixture
async def records(db: Database, now: FakeNow) -> JobRecords:
    ledger = CreditLedger(db, now)
    jobs = JobRepository()
    for job_id, guild_id in [("abcdef01aaaa", GUILD_A), ("abcdef02bbbb", GUILD_B), ("99887766cccc", GUILD_B)]:
        now.advance(1)
        async with db.transaction() as tx:
            await jobs.insert(tx, Job(
                id=job_id, guild_id=guild_id, channel_id=1, member_id=MEMBER, command="imagine",
                model="flux-2-flash", category="image", request={"model": "flux-2-flash", "prompt": job_id},
                idempotency_key=f"vxb-{job_id}", held=10, status=JobStatus.QUEUED, created_at=now(),
            ))
        await ledger.hold(guild_id, MEMBER, 10, job_id, model="flux-2-flash")
    await ledger.settle("abcdef02bbbb", 7)
    return JobRecords(db, jobs, ledger)


async def test_a_unique_prefix_finds_the_job_in_any_server_with_its_ledger_rows(records: JobRecords) -> None:
    record = await records.find("  `ABCDEF02`  ")

    assert (record.job.id, record.job.guild_id) == ("abcdef02bbbb", GUILD_B)
    assert [(e.kind, e.amount) for e in record.entries] == [("hold", 10), ("settle", 7), ("release", 3)]
    assert (await records.find("job 99887766cccc")).job.id == "99887766cccc"


async def test_references_that_name_no_single_job_are_refused(records: JobRecords) -> None:
    with pytest.raises(AmbiguousJobError) as ambiguous:
        await records.find("abcdef0")
    with pytest.raises(JobRefTooShortError):
        await records.find("abcde")
    with pytest.raises(UnknownJobError):
        await records.find("abcdef03")

    assert sorted(ambiguous.value.ids) == ["abcdef01aaaa", "abcdef02bbbb"]
    assert "`abcdef01aaaa`" in ambiguous.value.message


async def test_suggestions_are_newest_first_and_follow_the_prefix(records: JobRecords) -> None:
    assert [job_id for job_id, _, _ in await records.suggest("")] == ["99887766cccc", "abcdef02bbbb", "abcdef01aaaa"]
    assert await records.suggest("ABCDEF0") == [
        ("abcdef02bbbb", "flux-2-flash", "queued"), ("abcdef01aaaa", "flux-2-flash", "queued"),
    ]
