"""Chaos: the dispatcher under injected API errors and random crashes still ends every job once.

The real services (``Services.open``, a real SQLite file) run against the real sandbox over
loopback HTTP, time-scaled so a render of a minute takes a second. About a fifth of the
dispatcher's API calls fail, of mixed kinds; some generations end failed; and the bot
process "crashes" three or four times at random moments and starts again on the same
database. The fake Discord channel outlives every process, as Discord does.

How the faults are made: the sandbox has no probabilistic HTTP faults, only a queue of faults
for the next N requests of a route. Queueing them from a loop that watches the request
counters would race the requests it watches (a fault queued for "the next submit" lands
wherever the next submit happens to be), so instead ``ChaoticSandbox`` subclasses the real
``SandboxState`` and draws, for every request of the dispatcher's routes, whether the
sandbox's own fault machinery (``take_fault``, which the HTTP middleware consults before
each answer) answers it with a fault. The server, the middleware and the fault responses
are the sandbox's own; the n-th request meets the same fate for a given seed.

Not injected: timeouts. ``VivixClient`` times out after 30 s and ``Services.open`` offers no
way to shorten that, so a request slower than the timeout would cost 30 s of real time.
Slow answers below the timeout are injected instead: they widen the window in which a
crash finds a submit accepted by the API but not yet stored. ``/models`` gets no faults:
a failed catalog load at start is retried only after 30 s, which is the catalog's
business, not the dispatcher's.

Set CHAOS_SEED to run another seed; a failure message names the seed it ran with.
"""

from __future__ import annotations

import asyncio
import os
import random
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.clock import system_clock
from bot.config import Settings
from bot.dispatch import CHECKPOINTS, Delivery, Pauses, Progress
from bot.generation import GenerationRequest
from bot.jobs import Job, JobOutcome, JobStatus
from bot.polling import PollPlan
from bot.ratelimit import RateBudget
from bot.sandbox import SandboxServer, SandboxState
from bot.sandbox.faults import Fault
from bot.services import DispatchTuning, Services

SEED = int(os.environ.get("CHAOS_SEED", "20240601"))
TIME_SCALE = 0.02  # real seconds per API second
JOBS = 40
GUILDS = (710_001, 710_002, 710_003, 710_004)
MEMBERS_PER_GUILD = 3
CALLS_PER_MINUTE = 240
CONCURRENT_JOBS = 5

# Each request of the dispatcher's routes draws its fate from a shuffled deck, dealt again when
# empty: random order, but exactly ERROR_RATE of every deck, so a seed can never come out
# without faults of some kind (as independent coin flips now and then would).
REQUEST_FATES = ("error",) * 4 + ("slow",) + ("normal",) * 15
ERROR_RATE = REQUEST_FATES.count("error") / len(REQUEST_FATES)  # 20% of submits and polls
ERROR_KINDS = ("500",) * 3 + ("503",) * 3 + ("429 Retry-After",) * 2 + ("429 bare",) * 2
GENERATION_FATES = ("fail",) + ("ok",) * 9  # of the submits answered normally
CHAOS_ROUTES = ("generate", "generation")

MODELS: tuple[tuple[str, float, dict[str, object]], ...] = (  # slug, weight, params
    ("flux-2-flash", 0.45, {}),
    ("grok-imagine-image-quality", 0.45, {"resolution": "1K"}),
    ("wan-2.7-text-to-video", 0.10, {"duration": 5, "resolution": "720p"}),
)
ARRIVAL_GAP = 1.5  # mean API seconds between two members' commands
POST_SECONDS = 0.5  # API seconds a Discord post takes
FREEZE_WAIT = 15.0  # real seconds to wait for a job to reach a chosen crash point
DEADLINE = 150.0  # real seconds for the whole run: generous, only a stuck job gets near it


# -- the API: the real sandbox, with a seeded share of faults -------------------------------


class ChaoticSandbox(SandboxState):
    """The sandbox, answering ``ERROR_RATE`` of the dispatcher's calls with a fault (see the
    module docstring for why here and not from a loop watching the counters)."""

    def __init__(self, seed: int) -> None:
        super().__init__(clock=time.monotonic, time_scale=TIME_SCALE, seed=seed, rate_window=60.0 * TIME_SCALE)
        self._rng = random.Random(seed * 7919 + 1)
        self._decks: dict[tuple[str, ...], list[str]] = {}
        self._chaos_lock = threading.Lock()  # the server thread draws, the test reads
        self.chaos_requests = 0
        self.served: Counter[str] = Counter()

    def take_fault(self, route: str) -> Fault | None:
        queued = super().take_fault(route)
        if queued is not None or route not in CHAOS_ROUTES:
            return queued
        with self._chaos_lock:
            self.chaos_requests += 1
            fate = self._deal(REQUEST_FATES)
            if fate == "error":
                kind = self._deal(ERROR_KINDS)
                self.served[kind] += 1
                if kind == "500":
                    return Fault.server_error()
                if kind == "503":
                    return Fault.unavailable()
                retry_after = round(self._rng.uniform(0.02, 0.2), 3) if kind == "429 Retry-After" else None
                return Fault.rate_limited(retry_after=retry_after)
            if route == "generate" and self._deal(GENERATION_FATES) == "fail":
                self.served["failed generation"] += 1
                self.fail_next_generations(1)  # this submit is accepted; its generation ends failed
            if fate == "slow":
                self.served["slow"] += 1
                return Fault.slow(round(self._rng.uniform(0.05, 0.3), 3))  # late, but well before a timeout
            return None

    def _deal(self, deck: tuple[str, ...]) -> str:
        cards = self._decks.get(deck)
        if not cards:
            cards = self._decks[deck] = self._rng.sample(deck, len(deck))
        return cards.pop()

    def error_share(self) -> float:
        with self._chaos_lock:
            errors = sum(n for kind, n in self.served.items() if kind in ERROR_KINDS)
            return errors / max(1, self.chaos_requests)


# -- Discord: a channel that outlives the bot -----------------------------------------------


@dataclass(frozen=True)
class Post:
    job_id: str
    message_id: int
    outcome: JobOutcome | None  # what the message told the member


class Channel:
    """Every message posted, by any bot process: Discord keeps them across the bot's restarts."""

    def __init__(self) -> None:
        self.posts: list[Post] = []
        self._next_id = 900_000

    def post(self, job: Job) -> Post:
        self._next_id += 1
        post = Post(job.id, self._next_id, job.outcome)
        self.posts.append(post)
        return post

    def posts_of(self, job_id: str) -> list[Post]:
        return [post for post in self.posts if post.job_id == job_id]

    def posted_jobs(self) -> set[str]:
        return {post.job_id for post in self.posts}


class ChannelNotifier:
    """One process's way to the channel. A post takes a while and lands half-way through,
    so a crash can fall between the message appearing and the bot hearing back."""

    def __init__(self, channel: Channel) -> None:
        self.channel = channel
        self.closed = False

    async def job_updated(self, job: Job, progress: Progress | None = None) -> None:
        return None

    async def deliver(self, job: Job) -> Delivery:
        if self.closed:
            raise RuntimeError("this bot process is gone")
        await asyncio.sleep(POST_SECONDS * TIME_SCALE / 2)  # the request on its way to Discord
        post = self.channel.post(job)
        await asyncio.sleep(POST_SECONDS * TIME_SCALE / 2)  # the answer on its way back
        return Delivery("channel", post.message_id)

    async def find_delivery(self, job: Job) -> Delivery | None:
        posts = self.channel.posts_of(job.id)
        return Delivery("channel", posts[-1].message_id) if posts else None

    async def close(self) -> None:
        self.closed = True


# -- the bot process, crashed and started again ------------------------------------------------


@dataclass
class Crash:
    point: str | None  # the crash point a job was stopped at; None: wherever the process was
    unfinished: Counter[str]  # job statuses stored when it died


class Process:
    """The bot's services; ``crash()`` stops them as a kill would and starts new ones on the same file."""

    def __init__(self, settings: Settings, channel: Channel, seed: int) -> None:
        self.settings = settings
        self.channel = channel
        self._rng = random.Random(seed)
        self._services: Services | None = None
        self.lock = asyncio.Lock()  # a member's command and a crash never interleave
        self.freeze_at: str | None = None
        self.frozen = asyncio.Event()
        self.crashes: list[Crash] = []

    @property
    def services(self) -> Services:
        assert self._services is not None, "the bot is not running"
        return self._services

    async def boot(self) -> None:
        services = await Services.open(
            self.settings, clock=system_clock, notifier=ChannelNotifier(self.channel),
            tuning=DispatchTuning(
                poll_plan=PollPlan(rng=random.Random(self._rng.random()), time_scale=TIME_SCALE),
                budget=RateBudget(CALLS_PER_MINUTE, time_scale=TIME_SCALE),
                pauses=Pauses().scaled(TIME_SCALE),
                checkpoint=self.checkpoint,
            ),
        )
        await services.start()
        self._services = services

    async def checkpoint(self, point: str, job: Job) -> None:
        if point == self.freeze_at:
            self.freeze_at = None
            self.frozen.set()
            await asyncio.get_running_loop().create_future()  # stops here for good, as a crash here would

    async def crash(self, point: str | None) -> None:
        async with self.lock:
            services = self.services
            self._services = None
            # Every task stops where it stands, at once (Services.close would stop the dispatcher
            # first while the rest ran on); a transaction cut short rolls back, as SQLite does
            # after a kill. Then the files and sockets are let go: nothing is left to run.
            await services.tasks.close()
            async with services.db.read() as conn:
                rows = await conn.fetch_all("SELECT status FROM jobs WHERE status != 'delivered'")
            self.crashes.append(Crash(point, Counter(str(row[0]) for row in rows)))
            await services.close()
            await self.boot()

    async def submit(self, n: int, guild_id: int, member_id: int, model: str, params: dict[str, object]) -> Job:
        async with self.lock:
            generation = self.services.generation
            queued = await generation.create(GenerationRequest(
                guild_id=guild_id, channel_id=guild_id + 1, member_id=member_id, command="imagine",
                prompt=f"chaos job {n}", model=model, params=params,
            ))
            await generation.start(queued.job.id, None)
            return queued.job

    async def stored_jobs(self) -> list[Job]:
        async with self.lock:
            async with self.services.db.read() as conn:
                return await self.services.jobs.list_by_status(conn, *JobStatus)


async def until(condition: Callable[[], Awaitable[bool] | bool], deadline: float, what: str) -> None:
    """Poll ``condition`` until it holds; fail naming ``what`` once ``deadline`` (monotonic) passes."""
    while True:
        result = condition()
        if not isinstance(result, bool):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"seed {SEED}: timed out waiting until {what}")
        await asyncio.sleep(0.01)


async def arrivals(process: Process, rng: random.Random, created: dict[str, int]) -> None:
    """Members of every server send commands at random (Poisson) moments."""
    slugs = [slug for slug, _, _ in MODELS]
    weights = [weight for _, weight, _ in MODELS]
    params = {slug: p for slug, _, p in MODELS}
    for n in range(JOBS):
        guild = GUILDS[n] if n < len(GUILDS) else rng.choice(GUILDS)  # every server takes part
        member = guild * 10 + rng.randrange(MEMBERS_PER_GUILD)
        slug = rng.choices(slugs, weights)[0]
        job = await process.submit(n, guild, member, slug, dict(params[slug]))
        created[job.id] = n
        await asyncio.sleep(rng.expovariate(1 / ARRIVAL_GAP) * TIME_SCALE)  # the members' pace


def posted_at_least(channel: Channel, count: int) -> bool:
    return len(channel.posted_jobs()) >= count


async def crashes(process: Process, rng: random.Random, deadline: float) -> None:
    """Three or four crashes, each once a random number of jobs has been posted: at a random
    crash point (the next job to reach it stops there, then the process dies) or wherever the
    process happens to be."""
    count = rng.randint(3, 4)
    after_posts = sorted(rng.sample(range(JOBS // 10, JOBS * 3 // 4), count))
    points: list[str | None] = rng.sample((None, *CHECKPOINTS), count)  # no point twice
    for posted, point in zip(after_posts, points, strict=True):
        await until(partial(posted_at_least, process.channel, posted), deadline, f"{posted} jobs are posted")
        label = point
        if point is not None:
            process.frozen.clear()
            process.freeze_at = point
            try:
                await asyncio.wait_for(process.frozen.wait(), FREEZE_WAIT)
            except TimeoutError:
                process.freeze_at = None  # no job came by: crash wherever the process is
                label = f"{point} (not reached)"
        await process.crash(label)


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    state = ChaoticSandbox(SEED)
    state.add_key("vvx_chaos", tier="pro", calls_per_minute=CALLS_PER_MINUTE, concurrent_jobs=CONCURRENT_JOBS,
                  credits=1_000_000_000)
    with SandboxServer(state) as server:
        yield server


@pytest.fixture
def settings(tmp_path: Path, sandbox: SandboxServer, db_target: str | Path) -> Settings:
    """On both engines: a SQLite file, or a PostgreSQL database (DATABASE_URL)."""
    on_postgres = isinstance(db_target, str)
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        discord_token=SecretStr("chaos-token-not-used"), vivix_api_key=SecretStr("vvx_chaos"),
        vivix_base_url=sandbox.base_url,
        database_path=tmp_path / "chaos.sqlite3" if not on_postgres else tmp_path / "unused.sqlite3",
        database_url=SecretStr(db_target) if on_postgres else None,
        default_guild_allowance=10_000_000,
        default_member_day_cap=None, default_member_cycle_cap=None, default_max_in_flight=JOBS,
    )


async def test_every_job_ends_once_and_the_ledger_balances_under_faults_and_crashes(
    sandbox: SandboxServer, settings: Settings
) -> None:
    state = sandbox.state
    assert isinstance(state, ChaoticSandbox)
    rng = random.Random(SEED)
    channel = Channel()
    process = Process(settings, channel, rng.randrange(2**32))
    created: dict[str, int] = {}  # job id -> its number in the prompt
    deadline = time.monotonic() + DEADLINE
    await process.boot()
    try:
        driver = asyncio.gather(arrivals(process, random.Random(rng.random()), created),
                                crashes(process, random.Random(rng.random()), deadline))
        try:
            await driver
        finally:
            driver.cancel()

        async def all_delivered() -> bool:
            jobs = await process.stored_jobs()
            return len(jobs) == JOBS and all(job.status is JobStatus.DELIVERED for job in jobs)

        try:
            await until(all_delivered, deadline, "every job is delivered")
        except AssertionError as err:
            stuck = [f"{j.short_id} {j.status} attempts={j.attempts} error={j.error_code}"
                     for j in await process.stored_jobs() if j.status is not JobStatus.DELIVERED]
            raise AssertionError(f"{err}; not delivered: {stuck}; crashes: {process.crashes}") from None
    finally:
        if process._services is not None:
            await process.services.close()  # a clean shutdown

    # Read back what the file holds, through a new process that starts nothing.
    final = await Services.open(settings, clock=system_clock, notifier=ChannelNotifier(Channel()))
    try:
        await check_the_run(final, state, channel, process, created)
    finally:
        await final.close()


async def check_the_run(
    services: Services, state: ChaoticSandbox, channel: Channel, process: Process, created: dict[str, int]
) -> None:
    seed = f"seed {SEED}, faults {dict(state.served)}, crashes at {[crash.point for crash in process.crashes]}"
    async with services.db.read() as conn:
        jobs = await services.jobs.list_by_status(conn, *JobStatus)
        rows = await conn.fetch_all(
            "SELECT job_id, kind, COUNT(*) FROM credit_ledger WHERE job_id IS NOT NULL GROUP BY job_id, kind"
        )
    ledger_rows: dict[str, Counter[str]] = {}
    for job_id, kind, n in rows:
        ledger_rows.setdefault(str(job_id), Counter())[str(kind)] = int(n)

    # The run did what it claims: faults of every kind, failed generations, crashes that hit work.
    assert abs(state.error_share() - ERROR_RATE) < 0.05, f"{seed}: {state.served} of {state.chaos_requests} calls"
    for kind in (*set(ERROR_KINDS), "slow", "failed generation"):
        assert state.served[kind] > 0, f"{seed}: no {kind!r} fault was served: {state.served}"
    assert len(process.crashes) in (3, 4), process.crashes
    in_flight = sum(crash.unfinished[s] for crash in process.crashes for s in ("submitting", "running"))
    assert in_flight > 0, f"{seed}: no crash caught a job in flight: {process.crashes}"

    # Every job ended exactly once, and the member saw it exactly once.
    assert sorted(created) == sorted(job.id for job in jobs), f"{seed}: the stored jobs are not the created ones"
    for job in jobs:
        where = f"{seed}: job {job.short_id} ({job.outcome}, {job.error_code})"
        assert job.status is JobStatus.DELIVERED, where
        assert job.outcome in (JobOutcome.COMPLETED, JobOutcome.FAILED), where
        posts = channel.posts_of(job.id)
        assert len(posts) == 1, f"{where}: posted {len(posts)} times"
        assert (posts[0].outcome, posts[0].message_id) == (job.outcome, job.result_message_id), where
        assert job.delivered_via == "channel", where

    # One generation per attempt at the API (a generation that failed for a passing cause is
    # submitted once more, with a new key), and the job ended as its last generation did.
    assert all(job.generation_id is not None for job in jobs), f"{seed}: a job never reached the API"
    every_generation = [gid for job in jobs for gid in job.generation_ids]
    assert len(set(every_generation)) == len(every_generation), f"{seed}: two attempts share a generation"
    stats = state.stats()
    assert stats.generations_created == len(every_generation), (
        f"{seed}: {stats.generations_created} generations for {len(every_generation)} attempts of {JOBS} jobs"
    )
    failed_generations = 0
    for job in jobs:
        where = f"{seed}: job {job.short_id}"
        assert len(job.generation_ids) == 1 + job.retries <= 2, where
        for generation_id in job.generation_ids:
            generation = state.job(generation_id)
            assert generation is not None and generation.params["prompt"] == f"chaos job {created[job.id]}", where
            failed_generations += state.status_of(generation_id) == "failed"
        for earlier in job.generation_ids[:-1]:  # only a failed generation is tried again
            assert state.status_of(earlier) == "failed", where
        last = state.job(job.generation_ids[-1])
        assert last is not None
        if state.status_of(last.id) == "failed":
            assert job.retries == 1, f"{where}: a first failure must be retried, not reported"
            assert (job.outcome, job.credits_used) == (JobOutcome.FAILED, 0), where
        else:
            assert (job.outcome, job.credits_used) == (JobOutcome.COMPLETED, last.used), where
    assert failed_generations == stats.generation_failures_served > 0, f"{seed}: {failed_generations} failed"

    # The ledger: one hold per job, settled at its cost or released, and every server balances.
    assert await services.ledger.open_holds() == [], f"{seed}: holds left open"
    for job in jobs:
        hold = await services.ledger.get_hold(job.id)
        kinds = ledger_rows.get(job.id, Counter())
        where = f"{seed}: job {job.short_id}: hold {hold}, ledger rows {dict(kinds)}"
        assert hold is not None and kinds["hold"] == 1, where
        if job.outcome is JobOutcome.COMPLETED:
            assert (hold.status, hold.charged, kinds["settle"]) == ("settled", job.credits_used, 1), where
            assert kinds["release"] == (1 if job.credits_used != job.held else 0), where
        else:
            assert (hold.status, hold.charged, kinds["settle"], kinds["release"]) == ("released", 0, 0, 1), where
    for guild_id in GUILDS:
        audit = await services.ledger.audit(guild_id)
        assert audit.ok, f"{seed}: guild {guild_id}: {audit.problems}"
        spent = sum(job.credits_used or 0 for job in jobs if job.guild_id == guild_id)
        assert (audit.settled_rows, audit.spent, audit.held) == (spent, spent, 0), f"{seed}: guild {guild_id}"
