"""``/contest enter`` through the bot's real generation path (GenerationService, the dispatcher,
the sandbox API on 127.0.0.1): a sponsored entry draws on the contest's budget and leaves the
member's own credits alone; a member-paid one is charged like any job."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.config import Settings
from bot.contests import ContestService, EntryStatus
from bot.contests.errors import BudgetExhaustedError, EntryRefusedError
from bot.contests.models import EntryCost
from bot.dispatch import Delivery, Progress
from bot.generation import GenerationRequest
from bot.jobs import Job
from bot.ledger import POOL_MEMBER
from bot.polling import PollPlan
from bot.sandbox.server import SandboxServer
from bot.sandbox.state import SandboxState
from bot.services import DispatchTuning, Services
from tests.contests.conftest import ADMIN, CHANNEL, GUILD, SteppingClock, settings

ALICE, BOB, CAROL = 4001, 4002, 4003
MODEL = "flux-2-flash"  # holds 12 credits (its top price)
SPEED = 200.0  # the sandbox's generations run this many times faster than life


class Posts:
    """The Discord side of the dispatcher: records each delivered result and wakes whoever waits."""

    def __init__(self) -> None:
        self.delivered: dict[str, asyncio.Event] = {}

    def _event(self, job_id: str) -> asyncio.Event:
        return self.delivered.setdefault(job_id, asyncio.Event())

    async def wait(self, job_id: str) -> None:
        await asyncio.wait_for(self._event(job_id).wait(), timeout=30)

    async def job_updated(self, job: Job, progress: Progress | None = None) -> None:
        return None

    async def deliver(self, job: Job) -> Delivery:
        self._event(job.id).set()
        return Delivery("channel", 1)

    async def find_delivery(self, job: Job) -> Delivery | None:
        return None

    async def current_image(self, source: str) -> str | None:
        return None

    async def close(self) -> None:
        return None


@pytest.fixture
def fast_sandbox() -> Iterator[SandboxServer]:
    started = time.monotonic()
    state = SandboxState(clock=lambda: 1000.0 + (time.monotonic() - started) * SPEED, seed=7)
    with SandboxServer(state) as server:
        yield server


@pytest.fixture
async def bot(tmp_path: Path, fast_sandbox: SandboxServer, steps: SteppingClock) -> AsyncIterator[Services]:
    config = Settings(
        _env_file=None,  # type: ignore[call-arg]  # pydantic-settings' own argument
        discord_token=SecretStr("contest-token-not-used"), vivix_api_key=SecretStr("vvx_sandbox_pro"),
        vivix_base_url=fast_sandbox.base_url, database_path=tmp_path / "bot.sqlite3",
        default_guild_allowance=5000,
    )
    services = await Services.open(
        config, clock=steps, notifier=Posts(), tuning=DispatchTuning(poll_plan=PollPlan(time_scale=1 / SPEED)),
    )
    await services.start()
    try:
        yield services
    finally:
        await services.close()


def contests_of(bot: Services) -> ContestService:
    return ContestService(db=bot.db, ledger=bot.ledger, clock=bot.clock, tasks=bot.tasks, generation=bot.generation)


def request(member_id: int, prompt: str) -> GenerationRequest:
    return GenerationRequest(guild_id=GUILD, channel_id=CHANNEL, member_id=member_id, command="contest",
                             prompt=prompt, model=MODEL)


async def audit_ok(bot: Services) -> None:
    report = await bot.ledger.audit(GUILD)
    assert report.ok, report.problems


async def test_sponsored_entries_draw_on_the_budget_and_leave_members_credits_alone(bot: Services) -> None:
    contests = contests_of(bot)
    posts = bot.notifier
    assert isinstance(posts, Posts)
    contest = await contests.create(
        GUILD, ADMIN, settings(entry_cost=EntryCost.SPONSORED, budget=30, prizes=(100,))
    )
    assert (await bot.ledger.guild_status(GUILD)).allowance_remaining == 5000 - 130
    await audit_ok(bot)

    started = []
    for member in (ALICE, BOB):
        entry = await contests.enter(contest.id, request(member, f"a fox by {member}"))
        assert entry.from_budget and entry.entry.status is EntryStatus.PENDING
        assert entry.job.held == 12
        await bot.generation.start(entry.job.id, None)
        started.append(entry)
        await audit_ok(bot)
    async with bot.db.read() as conn:
        assert await bot.ledger.pool_left(conn, contest.budget_key) == 30 - 24
    for member in (ALICE, BOB):
        status = await bot.ledger.member_status(GUILD, member)
        assert (status.cycle_used, status.day_used, status.in_flight, status.bonus) == (0, 0, 0, 0)

    with pytest.raises(BudgetExhaustedError) as refused:
        await contests.enter(contest.id, request(CAROL, "a fox, at last"))
    assert (refused.value.needed, refused.value.left) == (12, 6)
    with pytest.raises(EntryRefusedError, match="must contain `fox`"):
        await contests.enter(contest.id, request(CAROL, "a wolf"))
    async with bot.db.read() as conn:
        assert await bot.ledger.pool_left(conn, contest.budget_key) == 6
        carol_jobs = await conn.fetch_value("SELECT COUNT(*) FROM jobs WHERE member_id = ?", (CAROL,))
    assert carol_jobs == 0  # refused before or inside the hold's transaction: nothing was stored
    await audit_ok(bot)

    for entry in started:
        await posts.wait(entry.job.id)
    rows = await bot.ledger.entries_for_job(started[0].job.id)
    assert [(r.kind, r.member_id) for r in rows][:2] == [("hold", POOL_MEMBER), ("settle", POOL_MEMBER)]

    await contests.close_phase(GUILD, contest.id, ADMIN)
    board = await contests.board(contest.id)
    assert sorted(b.job.member_id for b in board.entries) == [ALICE, BOB]
    async with bot.db.read() as conn:
        assert await bot.ledger.pool_left(conn, contest.budget_key) == 0  # the rest went back
    charged = sum((b.job.credits_used or 0) for b in board.entries)
    assert charged > 0
    assert (await bot.ledger.guild_status(GUILD)).allowance_remaining == 5000 - 100 - charged
    await audit_ok(bot)


async def test_a_member_paid_entry_is_charged_to_the_member(bot: Services) -> None:
    contests = contests_of(bot)
    contest = await contests.create(GUILD, ADMIN, settings(prizes=(50,)))
    entry = await contests.enter(contest.id, request(ALICE, "the fox and the moon"))
    assert not entry.from_budget and entry.entry.drawn == 0
    view = await contests.show(GUILD, contest.id, ALICE)
    assert [e.status for e in view.my_entries] == [EntryStatus.PENDING]  # still rendering
    status = await bot.ledger.member_status(GUILD, ALICE)
    assert (status.cycle_used, status.in_flight) == (12, 1)
    with pytest.raises(EntryRefusedError, match="one entry per member"):
        await contests.enter(contest.id, request(ALICE, "a second fox"))
    await bot.generation.start(entry.job.id, None)
    posts = bot.notifier
    assert isinstance(posts, Posts)
    await posts.wait(entry.job.id)
    view = await contests.show(GUILD, contest.id, ALICE)
    assert [e.status for e in view.my_entries] == [EntryStatus.ENTERED]  # its job has completed
    await contests.close_phase(GUILD, contest.id, ADMIN)
    assert [b.job.id for b in (await contests.board(contest.id)).entries] == [entry.job.id]
    await audit_ok(bot)
