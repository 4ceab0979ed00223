"""The audit log: every event kept in the database; posted in the log channel only when there is one;
a failing post never reaches the caller."""

from __future__ import annotations

import logging

import pytest

from bot.moderation.audit import AuditKind
from bot.moderation.service import Moderation
from bot.store import Database
from bot.store.audit import AuditEvent, AuditRepository

from .conftest import ALICE, GUILD, LOG_CHANNEL, MOD, OTHER_GUILD, RecordingSink, make_job, store_job


async def _kept(db: Database, guild_id: int = GUILD) -> list[AuditEvent]:
    async with db.read() as conn:
        return list(reversed(await AuditRepository().recent(conn, guild_id)))


async def test_without_a_log_channel_events_are_kept_and_nothing_is_posted(db: Database, moderation: Moderation
                                                                           ) -> None:
    sink = RecordingSink()
    moderation.audit.sink = sink
    job = await store_job(db, make_job())

    await moderation.audit.job_started(job.id, 9001)
    await moderation.audit.job_cancelled(job, MOD)
    await moderation.audit.drain()

    kept = await _kept(db)
    assert [(e.kind, e.actor_id, e.member_id, e.job_id) for e in kept] == [
        ("job_started", ALICE, ALICE, job.id), ("cancelled", MOD, ALICE, job.id),
    ]
    assert kept[0].details["prompt"] == "a lighthouse" and kept[0].details["message_id"] == 9001
    assert kept[1].details["status"] == "cancelled: refunded"
    assert sink.posted == []


async def test_with_a_log_channel_each_event_is_posted_there_once(db: Database, moderation: Moderation) -> None:
    sink = RecordingSink()
    moderation.audit.sink = sink
    await moderation.channels.set(GUILD, LOG_CHANNEL, by=MOD)
    job = await store_job(db, make_job())

    await moderation.audit.result_deleted(job, MOD)
    await moderation.audit.record_refusal(GUILD, ALICE, "That word is not allowed here.", rule="blocklist",
                                          prompt="a forbidden thing", model="flux-2-flash")
    await moderation.audit.admin_change(GUILD, MOD, "/quota grant", {"member": f"<@{ALICE}>", "amount": "500"})
    await moderation.audit.record_refusal(OTHER_GUILD, ALICE, "no")  # another server: no log channel there
    await moderation.audit.drain()

    assert [(channel, event.kind) for channel, event in sink.posted] == [
        (LOG_CHANNEL, "deleted"), (LOG_CHANNEL, "refused"), (LOG_CHANNEL, "admin"),
    ]
    refusal = sink.posted[1][1]
    assert refusal.details["rule"] == "blocklist" and refusal.details["status"].startswith("refused: That word")
    assert [e.kind for e in await _kept(db, OTHER_GUILD)] == ["refused"]


async def test_clearing_the_log_channel_stops_the_posts_at_once(db: Database, moderation: Moderation) -> None:
    sink = RecordingSink()
    moderation.audit.sink = sink
    await moderation.channels.set(GUILD, LOG_CHANNEL, by=MOD)
    await moderation.channels.set(GUILD, None, by=MOD)

    await moderation.audit.admin_change(GUILD, MOD, "/policy log-channel", {})
    await moderation.audit.drain()

    assert sink.posted == [] and len(await _kept(db)) == 1
    assert await moderation.channels.get(GUILD) is None


async def test_a_failing_post_is_logged_never_raised(db: Database, moderation: Moderation,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    class BrokenSink:
        async def post(self, channel_id: int, event: AuditEvent) -> None:
            raise RuntimeError("Discord is down")

    moderation.audit.sink = BrokenSink()
    await moderation.channels.set(GUILD, LOG_CHANNEL, by=MOD)
    job = await store_job(db, make_job())

    with caplog.at_level(logging.ERROR, logger="bot.moderation.audit"):
        await moderation.audit.job_cancelled(job, MOD, rendering=True)
        await moderation.audit.drain()

    assert [e.kind for e in await _kept(db)] == [AuditKind.CANCELLED.value]
    assert any("Could not post the cancelled event" in r.getMessage() for r in caplog.records)


async def test_the_log_channel_survives_a_restart(db: Database, moderation: Moderation) -> None:
    await moderation.channels.set(GUILD, LOG_CHANNEL, by=MOD)
    fresh = Moderation.build(db, moderation.audit.clock, moderation.audit.tasks)
    assert await fresh.channels.get(GUILD) == LOG_CHANNEL
    assert await fresh.channels.get(OTHER_GUILD) is None
