"""A SQLite database with rows in every table, written by the bot's own services and repositories:
the ledger (grants, holds settled, released and open, bonus, caps, a second guild with a snowflake
past 2**53), jobs in every status, a contest through entries, votes and payouts, a cancelled
contest, the policy, the audit log, reports, preferences, saved queries, confirmations, bot_state,
the catalog snapshot."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

from bot.contests.models import EntryCost
from bot.jobs import Job, JobOutcome, JobStatus, new_idempotency_key
from bot.policy.rules import ChannelMode, Effect, MemberBlock, ModelRule, SensitiveMode, TargetKind
from bot.policy.terms import Term, TermKind, TermList
from bot.store.audit import AuditEvent, AuditRepository
from bot.store.bot_state import BotStateRepository
from bot.store.catalog_snapshot import CatalogSnapshotRepository
from bot.store.confirmations import ConfirmationRepository, PendingRow
from bot.store.gallery import GalleryFilters, GalleryRepository
from bot.store.policy import PolicyRepository
from bot.store.preferences import SERVER, PreferenceRepository
from bot.store.reports import ReportRepository
from tests.contests.conftest import ADMIN, CHANNEL, GUILD, LONG_AGO, SteppingClock, World, settings

BIG_GUILD = 1_234_567_890_123_456_789  # above 2**53: a float would round it
AUTHORS = (4001, 4002, 4003)
WAITING = 4010


async def fill_every_table(path: Path) -> None:
    world = World(path, SteppingClock())
    await world.open()
    try:
        await _credits_and_jobs(world)
        await _contests(world)
        await _the_rest(world)
    finally:
        await world.close()


async def _credits_and_jobs(world: World) -> None:
    ledger = world.ledger
    await ledger.set_member_caps(GUILD, AUTHORS[0], day=400, cycle=2000, actor=ADMIN)
    await ledger.set_member_caps(GUILD, None, day=900, actor=ADMIN)
    await ledger.grant_bonus(GUILD, AUTHORS[1], 40, "welcome, ünïcode ✓", ADMIN)
    await world.finished_job(AUTHORS[0], "a settled fox")
    await world.finished_job(AUTHORS[1], "a released fox", outcome=JobOutcome.FAILED)
    world.clock.advance(minutes=5)
    queued = await _job(world, GUILD, WAITING, "waiting in line", cost=12)
    running = await _job(world, GUILD, WAITING, "rendering now", cost=15)
    async with world.db.transaction() as tx:
        assert await world.jobs.claim_for_submit(tx, running.id)
        assert await world.jobs.mark_submitted(tx, running.id, f"gen-{running.id}", 15, world.clock())
        await world.jobs.note_poll(tx, running.id, {"status": "running", "progress": 0.5})
    delivered = await world.finished_job(AUTHORS[2], "a delivered fox")
    async with world.db.transaction() as tx:
        assert await world.jobs.mark_delivered(tx, delivered.id, via="channel", message_id=9_000_000_000_000_000_001,
                                               at=world.clock())
    # a second guild, its id past 2**53, with a hold still open
    big = await _job(world, BIG_GUILD, AUTHORS[0], "far away", cost=30)
    assert queued.status is JobStatus.QUEUED and big.guild_id == BIG_GUILD


async def _job(world: World, guild_id: int, member_id: int, prompt: str, *, cost: int) -> Job:
    """A queued job with its credits held, as /imagine leaves it."""
    job = Job(
        id=uuid.uuid4().hex, guild_id=guild_id, channel_id=CHANNEL, member_id=member_id, command="imagine",
        model="flux-2-flash", category="image", request={"model": "flux-2-flash", "prompt": prompt, "seed": None},
        idempotency_key=new_idempotency_key(), held=cost, status=JobStatus.QUEUED, created_at=world.clock(),
    )
    async with world.db.transaction() as tx:
        await world.ledger.hold_in(tx, guild_id, member_id, cost, job.id, model=job.model)
        await world.jobs.insert(tx, job)
    return job


async def _contests(world: World) -> None:
    contest = await world.contests.create(GUILD, ADMIN, settings(prizes=(300, 100)))
    for author in AUTHORS:
        job = await world.finished_job(author, f"a fox by {author}")
        await world.contests.submit(GUILD, contest.id, job.id, author)
    await world.contests.close_phase(GUILD, contest.id, ADMIN)  # voting opens
    entries = [b.entry_id for b in (await world.contests.board(contest.id)).entries]
    for voter, entry_id in zip(range(6001, 6006), [entries[0], entries[0], entries[1], entries[2], entries[0]],
                               strict=True):
        await world.contests.vote(GUILD, entry_id, voter, joined_at=LONG_AGO)
    await world.contests.vote(GUILD, entries[1], 6005, joined_at=LONG_AGO)  # a changed vote
    await world.contests.close_phase(GUILD, contest.id, ADMIN)  # voting closes
    await world.contests.scheduler.run_due()  # prizes paid as bonus
    sponsored = await world.contests.create(
        GUILD, ADMIN, settings(title="Owls", entry_cost=EntryCost.SPONSORED, budget=200, prizes=(50,))
    )
    await world.contests.cancel(GUILD, sponsored.id, ADMIN)


async def _the_rest(world: World) -> None:
    now = world.clock()
    async with world.db.read() as conn:
        job_id = str(await conn.fetch_value("SELECT id FROM jobs WHERE status = 'finished' LIMIT 1"))
    policy = PolicyRepository()
    async with world.db.transaction() as tx:
        await policy.set_channel_mode(tx, GUILD, ChannelMode.LISTED, now)
        await policy.set_sensitive_mode(tx, GUILD, SensitiveMode.SPOILER, now)
        await policy.add_term(tx, GUILD, TermList.BLOCK, Term(TermKind.WORD, "gore"), ADMIN, now)
        await policy.add_term(tx, GUILD, TermList.SENSITIVE, Term(TermKind.PHRASE, "blood moon"), ADMIN, now)
        await policy.add_term(tx, GUILD, TermList.BLOCK, Term(TermKind.REGEX, r"\bfo+x\b"), ADMIN, now)
        await policy.add_channel(tx, GUILD, CHANNEL, ADMIN, now)
        await policy.add_model_rule(tx, GUILD, ModelRule(0, Effect.DENY, "video", TargetKind.CATEGORY, CHANNEL),
                                    ADMIN, now)
        await policy.block_member(tx, GUILD, MemberBlock(6666, now + timedelta(days=1), None, ADMIN, now))
        await policy.block_server(tx, 777, "spam", ADMIN, now)
        await AuditRepository().insert(tx, AuditEvent(
            "job_started", GUILD, AUTHORS[0], now, member_id=AUTHORS[0], job_id=job_id,
            details={"model": "flux-2-flash", "cost": 10, "nested": {"ok": True, "names": ["ä", "🦊"]}},
        ))
        await AuditRepository().insert(tx, AuditEvent("caps_changed", GUILD, ADMIN, now))
        await AuditRepository().set_log_channel(tx, GUILD, 5555, by=ADMIN, at=now)
        assert await ReportRepository().add(tx, guild_id=GUILD, job_id=job_id, reporter_id=AUTHORS[1],
                                            author_id=AUTHORS[0], at=now)
        await PreferenceRepository().put(tx, GUILD, AUTHORS[0], "model", "flux-2-flash", by=AUTHORS[0], at=now)
        await PreferenceRepository().put(tx, GUILD, SERVER, "aspect", "16:9", by=ADMIN, at=now)
        await GalleryRepository().save_query(tx, GUILD, AUTHORS[0], GalleryFilters("flux-2-flash", "", "fox"), now)
        await ConfirmationRepository().insert(tx, PendingRow(
            uuid.uuid4().hex, GUILD, AUTHORS[2], 250, '{"prompt": "a big one"}', now, now + timedelta(minutes=5)
        ))
        await ConfirmationRepository().set_threshold(tx, GUILD, 200, ADMIN, now)
        await BotStateRepository().put(tx, "queue_pause", {"paused": False, "reason": None}, now)
        await CatalogSnapshotRepository().put(tx, '{"models": [{"slug": "flux-2-flash", "credits": 10}]}', now)
