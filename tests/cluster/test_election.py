"""Cluster mode in one test process: two bot processes' services on one PostgreSQL database.

Each ``Services`` has its own pool, its own election connection and its own LISTEN
connection, as separate processes would; the sandbox API and the channel are shared. What
this shows: one leader at a time, a job queued in the follower is woken in the leader by
NOTIFY (the fallback poll is set far beyond the test's deadline), the follower never calls
/models, and a leader that goes away is replaced within 10 s. The SIGKILL version with three
real processes is ``test_failover.py``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.clock import system_clock
from bot.config import Settings
from bot.dispatch import Delivery, Pauses, Progress
from bot.generation import GenerationRequest
from bot.jobs import Job, JobStatus
from bot.polling import PollPlan
from bot.ratelimit import RateBudget
from bot.sandbox import SandboxServer, SandboxState
from bot.services import DispatchTuning, Services

TIME_SCALE = 0.02
TAKEOVER_LIMIT = 10.0  # seconds: the bound
DEADLINE = 30.0


class SharedChannel:
    """Posts by any process, as Discord keeps them."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, int]] = []

    async def job_updated(self, job: Job, progress: Progress | None = None) -> None:
        return None

    async def deliver(self, job: Job) -> Delivery:
        self.posts.append((job.id, len(self.posts) + 1))
        return Delivery("channel", len(self.posts))

    async def find_delivery(self, job: Job) -> Delivery | None:
        found = [message for job_id, message in self.posts if job_id == job.id]
        return Delivery("channel", found[-1]) if found else None

    async def close(self) -> None:
        return None


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    state = SandboxState(seed=3)
    state.add_key("vvx_cluster", tier="pro", calls_per_minute=240, concurrent_jobs=5, credits=10_000_000)
    with SandboxServer(state) as server:
        yield server


@pytest.fixture
def settings(tmp_path: Path, sandbox: SandboxServer, postgres_url: str) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        discord_token=SecretStr("not-used"), vivix_api_key=SecretStr("vvx_cluster"), vivix_base_url=sandbox.base_url,
        database_url=SecretStr(postgres_url), database_path=tmp_path / "unused.sqlite3",
        default_guild_allowance=1_000_000, default_member_day_cap=None, default_member_cycle_cap=None,
    )


@pytest.fixture
async def processes(settings: Settings) -> AsyncIterator[tuple[list[Services], SharedChannel]]:
    channel = SharedChannel()
    opened: list[Services] = []
    for _ in range(2):
        services = await Services.open(settings, clock=system_clock, notifier=channel, tuning=DispatchTuning(
            poll_plan=PollPlan(time_scale=TIME_SCALE), budget=RateBudget(240, time_scale=TIME_SCALE),
            pauses=Pauses().scaled(TIME_SCALE)))
        assert services.cluster is not None
        services.cluster.poll_seconds = 3600.0  # no fallback poll within the test: NOTIFY must wake the leader
        opened.append(services)
    try:
        yield opened, channel
    finally:
        for services in opened:
            await services.close()


async def until(condition, what: str, limit: float = DEADLINE) -> float:  # type: ignore[no-untyped-def]
    """Wait (polling) until ``condition()`` holds; returns the seconds it took; fails after ``limit``."""
    start = time.monotonic()
    while not await condition():
        if time.monotonic() - start > limit:
            raise AssertionError(f"timed out after {limit:.0f} s waiting until {what}")
        await asyncio.sleep(0.02)
    return time.monotonic() - start


def leaders(opened: list[Services]) -> list[Services]:
    return [services for services in opened if services.cluster is not None and services.cluster.is_leader]


async def one_leader(opened: list[Services]) -> bool:
    return len(leaders(opened)) == 1


async def test_one_leader_runs_jobs_queued_anywhere_and_another_takes_over(
    processes: tuple[list[Services], SharedChannel], sandbox: SandboxServer
) -> None:
    opened, channel = processes
    for services in opened:
        await services.start()
    await until(lambda: one_leader(opened), "a leader is elected")
    leader = leaders(opened)[0]
    follower = next(services for services in opened if services is not leader)
    assert follower.cluster is not None and follower.cluster.listener is not None
    await asyncio.wait_for(follower.cluster.listener.connected.wait(), DEADLINE)
    await asyncio.wait_for(leader.cluster.listener.connected.wait(), DEADLINE)  # type: ignore[union-attr]

    # The follower reads the model list the leader stored: /models was called once, by the leader.
    await until(lambda: _has_models(follower), "the follower has the leader's model list")
    assert sandbox.state.stats().requests_by_route["models"] == 1

    async def posted(count: int) -> bool:
        return len({job_id for job_id, _ in channel.posts}) >= count

    # A member's command lands on the follower; the leader runs it, woken by NOTIFY.
    first = await follower.generation.create(_request(1))
    assert first.shown.position is None  # the follower does not know the line; the leader edits the message
    await follower.generation.start(first.job.id, None)
    await until(lambda: posted(1), "the leader posts the follower's job")

    # The leader goes away; the follower takes over within the bound and runs what comes next.
    await leader.close()
    took = await until(lambda: one_leader([follower]), "the follower becomes the leader", TAKEOVER_LIMIT)
    assert took <= TAKEOVER_LIMIT
    second = await follower.generation.create(_request(2))
    await follower.generation.start(second.job.id, None)
    await until(lambda: posted(2), "the new leader posts the next job")

    async with follower.db.read() as conn:
        jobs = await follower.jobs.list_by_status(conn, *JobStatus)
    assert sorted(job.status for job in jobs) == [JobStatus.DELIVERED, JobStatus.DELIVERED]
    assert sorted(job_id for job_id, _ in channel.posts) == sorted(job.id for job in jobs)  # one post each
    report = await follower.ledger.audit(710_001)
    assert report.ok, report


async def _has_models(services: Services) -> bool:
    return services.catalog.snapshot is not None


def _request(n: int) -> GenerationRequest:
    return GenerationRequest(guild_id=710_001, channel_id=710_002, member_id=7_100_010 + n, command="imagine",
                             prompt=f"cluster job {n}", model="flux-2-flash", params={})


async def test_a_process_that_does_not_lead_shows_the_line_from_the_database(settings: Settings) -> None:
    """/queue on a follower: with no leader running now, the jobs wait, in the leader's round-robin order."""
    first_leader = await Services.open(settings, clock=system_clock, notifier=SharedChannel())
    await first_leader.start()
    assert first_leader.cluster is not None
    await asyncio.wait_for(first_leader.cluster.elected.wait(), DEADLINE)  # stores the model list
    await first_leader.close()
    front = await Services.open(settings, clock=system_clock, notifier=SharedChannel(), elect=False)
    try:
        await front.start()
        assert front.cluster is not None and not front.cluster.is_leader
        await until(lambda: _listening(front), "the front process listens")
        queued = []
        for n, guild in enumerate((710_001, 710_001, 710_003)):
            request = _request(n)
            queued.append((await front.generation.create(
                GenerationRequest(guild_id=guild, channel_id=guild + 1, member_id=request.member_id,
                                  command="imagine", prompt=request.prompt, model="flux-2-flash", params={})
            )).job.id)
        first_server = await front.generation.active(710_001)
        other_server = await front.generation.active(710_003)
    finally:
        await front.close()
    assert [(place, job.id) for place, job in first_server.waiting] == [(1, queued[0]), (3, queued[1])]
    assert [(place, job.id) for place, job in other_server.waiting] == [(2, queued[2])]
    assert (first_server.waiting_total, other_server.waiting_total) == (2, 1)


async def _listening(services: Services) -> bool:
    return services.cluster is not None and services.cluster.listener.connected.is_set()
