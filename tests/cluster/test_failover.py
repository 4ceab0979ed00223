"""Failover: three bot processes on one PostgreSQL database; the leader is killed twice, and
every job still ends exactly once, within the key's limits, with the ledger balanced.

The cross-process version of tests/dispatch/test_chaos.py. Real everything: the sandbox on
127.0.0.1 (time-scaled, a key of 5 concurrent generations and 240 calls a minute), a channel
server standing in for Discord that outlives every bot process, three ``tests.cluster.node``
subprocesses, each with its own connection pool, electing a leader. This test is a fourth
process that never leads (``elect=False``): members' commands arrive through it, as they would
through any shard, 200 of them over several servers, faster than the key can serve them.

Twice, once a random number of jobs has been posted, the current leader (the live node that
last logged "became the leader") gets SIGKILL, as an OOM kill or a lost host would; the
killed node is started again (a supervisor's restart), so three processes stand for the rest.
No API faults are injected: the chaos test covers those in one process; this one is about
leadership changing hands in the middle of work.

Set FAILOVER_SEED to run another seed; a failure message names the seed it ran with.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections import Counter
from pathlib import Path

from bot.clock import system_clock
from bot.generation import GenerationRequest, Queued
from bot.jobs import JobOutcome, JobStatus
from bot.sandbox import SandboxServer
from bot.services import Services
from tests.backends import drop_database, fresh_database
from tests.cluster.channel_server import ChannelServer
from tests.cluster.node import HttpChannelNotifier, node_settings, node_tuning
from tests.cluster.nodes import Cluster, Node
from tests.cluster.sandbox import API_KEY, CONCURRENT_JOBS, ClusterSandbox
from tests.cluster.waits import until_delivered, until_models_stored, until_posted

SEED = int(os.environ.get("FAILOVER_SEED", "20240616"))
TIME_SCALE = 0.05  # real seconds per API second
NODES = 3
JOBS = 200
KILLS = 2
GUILDS = (720_001, 720_002, 720_003, 720_004, 720_005)
MEMBERS_PER_GUILD = 4
MODELS: tuple[tuple[str, float, dict[str, object]], ...] = (  # slug, weight, params: 4 s and 12 s renders
    ("flux-2-flash", 0.5, {}),
    ("grok-imagine-image-quality", 0.5, {"resolution": "1K"}),
)
ARRIVAL_GAP = 0.3  # mean API seconds between two commands: ~4x what the key can serve
DEADLINE = 80.0  # real seconds from the first command until every job is delivered


async def arrivals(front: Services, rng: random.Random, created: dict[str, int]) -> None:
    """Members of every server send commands at random (Poisson) moments, through the front process."""
    slugs = [slug for slug, _, _ in MODELS]
    weights = [weight for _, weight, _ in MODELS]
    params = {slug: p for slug, _, p in MODELS}
    for n in range(JOBS):
        guild = GUILDS[n] if n < len(GUILDS) else rng.choice(GUILDS)
        slug = rng.choices(slugs, weights)[0]
        queued = await front.generation.create(GenerationRequest(
            guild_id=guild, channel_id=guild + 1, member_id=guild * 10 + rng.randrange(MEMBERS_PER_GUILD),
            command="imagine", prompt=f"failover job {n}", model=slug, params=dict(params[slug]),
        ))
        assert isinstance(queued, Queued)
        await front.generation.start(queued.job.id, None)
        created[queued.job.id] = n
        await asyncio.sleep(rng.expovariate(1 / ARRIVAL_GAP) * TIME_SCALE)


async def kills(cluster: Cluster, channel: ChannelServer, state: ClusterSandbox, rng: random.Random,
                deadline: float, log: list[tuple[Node, Node, int]]) -> None:
    """Kill the leader ``KILLS`` times at random points of the run; start each killed node again."""
    after_posts = sorted(rng.sample(range(JOBS // 10, JOBS * 4 // 5), KILLS))
    for n, posted in enumerate(after_posts):
        assert await until_posted(channel, posted, deadline), f"seed {SEED}: {posted} jobs were not posted in time"
        victim = cluster.leader()
        assert victim is not None, f"seed {SEED}: no leader to kill\n{cluster.tails()}"
        in_flight = state.in_flight(API_KEY)
        killed_at = await cluster.kill(victim)
        successor = await cluster.leader_after(killed_at)
        log.append((victim, successor, in_flight))
        await cluster.start_node(f"{victim.name}-again{n}", seed=rng.randrange(2**32))


async def test_every_job_ends_once_when_the_leader_is_killed_twice(postgres_server: str, tmp_path: Path) -> None:
    rng = random.Random(SEED)
    url = await fresh_database(postgres_server)
    state = ClusterSandbox(time_scale=TIME_SCALE, seed=SEED)
    created: dict[str, int] = {}
    kill_log: list[tuple[Node, Node, int]] = []
    try:
        with SandboxServer(state) as sandbox, ChannelServer() as channel:
            settings = node_settings(url, sandbox.base_url, tmp_path)
            cluster = Cluster(database=url, sandbox_url=sandbox.base_url, channel_url=channel.url,
                              time_scale=TIME_SCALE, scratch=tmp_path)
            front = await Services.open(settings, clock=system_clock, tuning=node_tuning(TIME_SCALE, SEED),
                                        notifier=HttpChannelNotifier(channel.url, "front", TIME_SCALE), elect=False)
            try:
                await asyncio.gather(*(cluster.start_node(f"n{i}", seed=rng.randrange(2**32)) for i in range(NODES)))
                await cluster.leader_after(0.0)
                await front.start()
                assert front.cluster is not None and not front.cluster.is_leader
                assert await until_models_stored(front, time.monotonic() + 10.0), "the leader stored no model list"
                deadline = time.monotonic() + DEADLINE
                await asyncio.gather(arrivals(front, random.Random(rng.random()), created),
                                     kills(cluster, channel, state, random.Random(rng.random()), deadline, kill_log))
                if not await until_delivered(front, JOBS, deadline):
                    raise AssertionError(f"seed {SEED}: not every job was delivered in time; "
                                         f"{len(channel.posted_jobs())} posted\n{cluster.tails()}")
                exits = cluster.exits()
                killed = {victim.name for victim, _, _ in kill_log}
                assert all(code is None for name, code in exits.items() if name not in killed), (
                    f"seed {SEED}: a node died unasked: {exits}\n{cluster.tails()}"
                )
            finally:
                await cluster.close()
                await front.close()

            final = await Services.open(settings, clock=system_clock,
                                        notifier=HttpChannelNotifier(channel.url, "final", TIME_SCALE), elect=False)
            try:
                await check_the_run(final, state, channel, created, kill_log)
            finally:
                await final.close()
    finally:
        await drop_database(postgres_server, url)


async def check_the_run(services: Services, state: ClusterSandbox, channel: ChannelServer,
                        created: dict[str, int], kill_log: list[tuple[Node, Node, int]]) -> None:
    seed = f"seed {SEED}, kills {[(v.name, s.name, n) for v, s, n in kill_log]}"

    # Each kill took down the leader while generations were in flight, and another node took over.
    assert len(kill_log) == KILLS, seed
    for victim, successor, in_flight in kill_log:
        assert successor is not victim, seed
        assert in_flight > 0, f"{seed}: a kill caught no generation in flight"

    async with services.db.read() as conn:
        jobs = await services.jobs.list_by_status(conn, *JobStatus)
        rows = await conn.fetch_all(
            "SELECT job_id, kind, COUNT(*) FROM credit_ledger WHERE job_id IS NOT NULL GROUP BY job_id, kind"
        )
    ledger_rows: dict[str, Counter[str]] = {}
    for job_id, kind, n in rows:
        ledger_rows.setdefault(str(job_id), Counter())[str(kind)] = int(n)

    # Every job ended exactly once, and its member saw it exactly once.
    assert sorted(created) == sorted(job.id for job in jobs), f"{seed}: the stored jobs are not the created ones"
    for job in jobs:
        where = f"{seed}: job {job.short_id} ({job.status}, {job.outcome}, {job.error_code})"
        assert (job.status, job.outcome) == (JobStatus.DELIVERED, JobOutcome.COMPLETED), where
        posts = channel.posts_of(job.id)
        assert len(posts) == 1, f"{where}: posted {len(posts)} times by {[p.node for p in posts]}"
        assert (posts[0].outcome, posts[0].message_id) == ("completed", job.result_message_id), where

    # One generation per attempt: one per Idempotency-Key, and none the jobs do not know of.
    stats = state.stats()
    per_key = {key: len(ids) for key, ids in state.generations_by_key.items() if len(ids) != 1}
    assert per_key == {}, f"{seed}: keys with more than one generation: {per_key}"
    every_generation = [gid for job in jobs for gid in job.generation_ids]
    assert len(set(every_generation)) == len(every_generation) == len(jobs), f"{seed}: attempts share or repeat"
    assert stats.generations_created == len(every_generation), (
        f"{seed}: the API made {stats.generations_created} generations for {len(jobs)} jobs"
    )
    for job in jobs:
        generation = state.job(job.generation_ids[0])
        assert generation is not None and generation.params["prompt"] == f"failover job {created[job.id]}"
        assert job.credits_used == generation.used, f"{seed}: job {job.short_id}"

    # Never more generations in flight than the key allows: no leader overlapped another.
    assert state.max_in_flight <= CONCURRENT_JOBS, f"{seed}: {state.max_in_flight} in flight"
    assert stats.throttled_by_code["CONCURRENCY_LIMIT"] == 0, f"{seed}: {dict(stats.throttled_by_code)}"

    # The ledger: one hold per job, settled once at its cost, and every server balances.
    assert await services.ledger.open_holds() == [], f"{seed}: holds left open"
    for job in jobs:
        hold = await services.ledger.get_hold(job.id)
        kinds = ledger_rows.get(job.id, Counter())
        where = f"{seed}: job {job.short_id}: hold {hold}, ledger rows {dict(kinds)}"
        assert hold is not None and (kinds["hold"], kinds["settle"]) == (1, 1), where
        assert (hold.status, hold.charged) == ("settled", job.credits_used), where
        assert kinds["release"] == (1 if job.credits_used != job.held else 0), where
    for guild_id in GUILDS:
        audit = await services.ledger.audit(guild_id)
        assert audit.ok, f"{seed}: guild {guild_id}: {audit.problems}"
        assert audit.granted + audit.adjusted + audit.bonuses == audit.available + audit.held + audit.spent
        spent = sum(job.credits_used or 0 for job in jobs if job.guild_id == guild_id)
        assert (audit.settled_rows, audit.spent, audit.held) == (spent, spent, 0), f"{seed}: guild {guild_id}"
