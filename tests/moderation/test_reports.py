"""Reports: only with a log channel, once per member per result, kept with the event that posts them."""

from __future__ import annotations

import pytest

from bot.jobs import JobOutcome
from bot.moderation.errors import AlreadyReportedError, NoLogChannelError, ReportedResultGoneError
from bot.moderation.service import Moderation
from bot.store import Database
from bot.store.jobs import JobRepository

from .conftest import ALICE, BOB, GUILD, LOG_CHANNEL, MOD, OTHER_GUILD, T0, RecordingSink, make_job, store_job


async def _report_rows(db: Database) -> int:
    async with db.read() as conn:
        return int(await conn.fetch_value("SELECT COUNT(*) FROM moderation_report"))


async def test_without_a_log_channel_a_report_is_refused_and_nothing_kept(db: Database, moderation: Moderation
                                                                         ) -> None:
    job = await store_job(db, make_job())
    with pytest.raises(NoLogChannelError):
        await moderation.reports.report(GUILD, job.id, BOB)
    assert await _report_rows(db) == 0
    async with db.read() as conn:
        assert await conn.fetch_value("SELECT COUNT(*) FROM audit_event") == 0


async def test_one_report_per_member_per_result(db: Database, moderation: Moderation) -> None:
    sink = RecordingSink()
    moderation.audit.sink = sink
    await moderation.channels.set(GUILD, LOG_CHANNEL, by=MOD)
    job = await store_job(db, make_job())

    first = await moderation.reports.report(GUILD, job.id, BOB)
    with pytest.raises(AlreadyReportedError):
        await moderation.reports.report(GUILD, job.id, BOB)
    second = await moderation.reports.report(GUILD, job.id, MOD)  # another member may
    await moderation.audit.drain()

    assert (first.reports, second.reports) == (1, 2)
    assert await _report_rows(db) == 2
    posted = [event for _, event in sink.posted]
    assert [(e.kind, e.actor_id, e.member_id, e.job_id) for e in posted] == [
        ("reported", BOB, ALICE, job.id), ("reported", MOD, ALICE, job.id),
    ]
    assert posted[0].details["message_id"] == job.result_message_id


@pytest.mark.parametrize("case", ["deleted", "other server", "failed", "unknown"])
async def test_a_result_that_is_gone_cannot_be_reported(db: Database, moderation: Moderation, case: str) -> None:
    await moderation.channels.set(GUILD, LOG_CHANNEL, by=MOD)
    job = await store_job(db, make_job(guild_id=OTHER_GUILD if case == "other server" else GUILD,
                                       outcome=JobOutcome.FAILED if case == "failed" else JobOutcome.COMPLETED))
    if case == "deleted":
        async with db.transaction() as tx:
            await JobRepository().mark_deleted(tx, job.id, by=ALICE, at=T0)
    with pytest.raises(ReportedResultGoneError):
        await moderation.reports.report(GUILD, "0" * 32 if case == "unknown" else job.id, BOB)
    assert await _report_rows(db) == 0
