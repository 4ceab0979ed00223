"""Cluster bench: one bot process on SQLite against three on PostgreSQL, then leader failover.

Every run gets a fresh sandbox (time-scaled, its own thread, a pro key of 240 calls/min and 5
concurrent generations), a channel server standing in for Discord, and a backlog of grok image
jobs over 8 servers, queued before any dispatcher runs. The bot processes are real
``tests.cluster.node`` subprocesses, the same code in every run:

- **single**: one process on a SQLite file;
- **cluster**: three processes on one PostgreSQL database (one leads, two stand by);
- **failover**: the cluster again, its leader SIGKILLed ``--kills`` times while it works (each
  killed process is started again, as a supervisor would).

Run from the project root::

    python -m bench.cluster            # full run, about 3 minutes
    python -m bench.cluster --quick    # smoke run, about 1 minute

PostgreSQL: ``TEST_POSTGRES_URL`` (a server URL whose user may create databases), else a
throwaway server this bench starts (``tests.pg_server``) and stops.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import math
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

from bot.clock import system_clock
from bot.config import Settings
from bot.generation import GenerationRequest, Queued
from bot.jobs import JobStatus
from bot.sandbox import SandboxServer
from bot.services import Services
from bot.store import Database
from tests import pg_server
from tests.backends import with_database
from tests.cluster.channel_server import ChannelServer
from tests.cluster.node import HttpChannelNotifier, node_settings, node_tuning
from tests.cluster.nodes import Cluster
from tests.cluster.sandbox import CALLS_PER_MINUTE, CONCURRENT_JOBS, ClusterSandbox
from tests.cluster.waits import until_delivered, until_models_stored, until_posted

MODEL, PARAMS = "grok-imagine-image-quality", {"resolution": "1K"}  # 12 s renders (x0.8..x1.25)
SERVERS = 8
NODES = 3

TARGET_THROUGHPUT = 0.97  # cluster ÷ single: within 3 %
TARGET_FAILOVER = 10.0  # real seconds, kill -> the new leader's first status poll


@dataclass
class RunResult:
    title: str
    jobs: int
    completed: int = 0
    throughput: float = math.nan  # of the key's limit
    calls_per_job: float = math.nan  # POST /generate + GET /generations/{id}, per job
    lost: int = 0
    duplicated: int = 0
    max_in_flight: int = 0
    concurrency_429s: int = 0
    failovers: list[float] = field(default_factory=list)  # real s: kill -> first poll by the new leader
    elections: list[float] = field(default_factory=list)  # real s: kill -> "became the leader" read
    wall: float = 0.0


# -- the backlog ------------------------------------------------------------------------------


async def queue_backlog(front: Services, jobs: int) -> None:
    """``jobs`` commands over ``SERVERS`` servers, each member's own, queued through ``front``."""
    for n in range(jobs):
        guild = 730_001 + n % SERVERS
        queued = await front.generation.create(GenerationRequest(
            guild_id=guild, channel_id=guild + 1, member_id=4_000_000 + n, command="imagine",
            prompt=f"cluster bench #{n}", model=MODEL, params=dict(PARAMS),
        ))
        assert isinstance(queued, Queued), "the bench sets no confirmation threshold"


# -- one run ----------------------------------------------------------------------------------


async def run_single(args: argparse.Namespace, scratch: Path) -> RunResult:
    result = RunResult("single (SQLite, 1 process)", args.jobs)
    database = str(scratch / "single.sqlite3")
    started = time.monotonic()
    state = ClusterSandbox(time_scale=args.time_scale, seed=args.seed)
    with SandboxServer(state) as sandbox, ChannelServer() as channel:
        settings = node_settings(database, sandbox.base_url, scratch)
        front = await Services.open(settings, clock=system_clock,
                                    notifier=HttpChannelNotifier(channel.url, "front", args.time_scale))
        cluster = Cluster(database=database, sandbox_url=sandbox.base_url, channel_url=channel.url,
                          time_scale=args.time_scale, scratch=scratch)
        try:  # the front only queues (its dispatcher never starts), then watches the file
            if not await front.catalog.refresh():
                raise RuntimeError(f"the sandbox model list could not be read: {front.catalog.last_error}")
            await queue_backlog(front, args.jobs)
            await cluster.start_node("single", seed=args.seed)
            await until_delivered(front, args.jobs, time.monotonic() + allowed_seconds(args))
        finally:
            await cluster.close()
            await front.close()
        await judge(result, settings, state, channel)
    result.wall = time.monotonic() - started
    return result


async def run_cluster(args: argparse.Namespace, scratch: Path, server: str, kills: int) -> RunResult:
    title = f"cluster (PostgreSQL, {NODES} processes)" if not kills else f"failover ({kills} leader kills)"
    result = RunResult(title, args.jobs)
    url = await new_database(server)
    started = time.monotonic()
    state = ClusterSandbox(time_scale=args.time_scale, seed=args.seed)
    with SandboxServer(state) as sandbox, ChannelServer() as channel:
        settings = node_settings(url, sandbox.base_url, scratch)
        cluster = Cluster(database=url, sandbox_url=sandbox.base_url, channel_url=channel.url,
                          time_scale=args.time_scale, scratch=scratch)
        front = await Services.open(settings, clock=system_clock, tuning=node_tuning(args.time_scale, args.seed),
                                    notifier=HttpChannelNotifier(channel.url, "front", args.time_scale), elect=False)
        try:
            # A first leader stores the model list the front needs to take commands, and goes;
            # then the backlog is queued with no dispatcher running, as in the single run.
            first = await cluster.start_node("models", seed=args.seed)
            await cluster.leader_after(0.0)
            await front.start()
            if not await until_models_stored(front, time.monotonic() + 20.0):
                raise RuntimeError("no leader stored a model list")
            await cluster.stop(first)
            await queue_backlog(front, args.jobs)
            await asyncio.gather(*(cluster.start_node(f"n{i}", seed=args.seed + i) for i in range(NODES)))
            deadline = time.monotonic() + allowed_seconds(args) + 15.0 * kills
            for k in range(kills):
                await until_posted(channel, args.jobs * (k + 1) // (kills + 2), deadline)
                victim = cluster.leader()
                if victim is None:
                    raise RuntimeError(f"no leader to kill\n{cluster.tails()}")
                killed_at = await cluster.kill(victim)
                successor = await cluster.leader_after(killed_at)
                assert successor.leader_at is not None
                result.elections.append(successor.leader_at - killed_at)
                # The first poll once the successor's "became the leader" line was read: only a
                # leader polls, and the killed one is gone. Its own earliest poll cannot come
                # before that line (it is logged before the leader resumes any job), so at worst
                # this waits for a later poll of the same leader: an over-estimate, never an under.
                first_poll = await until_first_poll(state, successor.leader_at, deadline)
                result.failovers.append((first_poll - killed_at) if first_poll is not None else math.inf)
                await cluster.start_node(f"{victim.name}-again{k}", seed=args.seed + 10 + k)
            await until_delivered(front, args.jobs, deadline)
        finally:
            await cluster.close()
            await front.close()
        await judge(result, settings, state, channel)
    await drop_database(server, url)
    result.wall = time.monotonic() - started
    return result


async def until_first_poll(state: ClusterSandbox, after: float, deadline: float) -> float | None:
    while (at := state.first_poll_after(after)) is None:
        if time.monotonic() > deadline:
            return None
        await asyncio.sleep(0.01)
    return at


def allowed_seconds(args: argparse.Namespace) -> float:
    """Real seconds a run may take: three times the key's pace for the backlog, plus start-up."""
    work = args.jobs * 12.0 * 1.25 / CONCURRENT_JOBS
    return 3 * work * args.time_scale + 60.0


async def judge(result: RunResult, settings: Settings, state: ClusterSandbox, channel: ChannelServer) -> None:
    """Read back the run: what the database, the sandbox and the channel hold."""
    reader = await Services.open(settings, clock=system_clock, notifier=HttpChannelNotifier("http://unused", "", 1.0),
                                 elect=False)
    try:
        async with reader.db.read() as conn:
            jobs = await reader.jobs.list_by_status(conn, *JobStatus)
        open_holds = await reader.ledger.open_holds()
    finally:
        await reader.close()
    stats = state.stats()
    posts = channel.posts()
    per_job: dict[str, int] = {}
    for post in posts:
        per_job[post.job] = per_job.get(post.job, 0) + 1
    delivered = [job for job in jobs if job.status is JobStatus.DELIVERED]
    result.completed = sum(1 for job in delivered if per_job.get(job.id, 0) >= 1)
    result.lost = (result.jobs - len(jobs)) + (len(jobs) - len(delivered)) + len(open_holds)
    result.lost += sum(1 for job in jobs if per_job.get(job.id, 0) == 0)
    extra_generations = stats.generations_created - sum(len(job.generation_ids) for job in jobs)
    result.duplicated = sum(n - 1 for n in per_job.values()) + max(0, extra_generations)
    result.duplicated += sum(len(ids) - 1 for ids in state.generations_by_key.values())
    result.max_in_flight = state.max_in_flight
    result.concurrency_429s = stats.throttled_by_code["CONCURRENCY_LIMIT"]
    calls = stats.requests_by_route["generate"] + stats.requests_by_route["generation"]
    result.calls_per_job = calls / max(1, len(jobs))
    generations = [g for g in (state.job(job.generation_id or "") for job in jobs) if g is not None]
    if generations and posts:
        # Completed per real second from the API's first generation to the last post, against
        # what the key allows: CONCURRENT_JOBS generations at a time, each as long as they took.
        start = min(g.created for g in generations)
        window = max(post.at for post in posts) - start
        limit = CONCURRENT_JOBS / statistics.fmean(g.end_s for g in generations)
        result.throughput = result.completed / window / limit


# -- PostgreSQL -------------------------------------------------------------------------------


async def new_database(server: str) -> str:
    name = f"bench_{secrets.token_hex(5)}"
    admin = await asyncpg.connect(server)
    try:
        await admin.execute(f"CREATE DATABASE {name}")
    finally:
        await admin.close()
    url = with_database(server, name)
    db = await Database.open(url)  # migrates
    await db.close()
    return url


async def drop_database(server: str, url: str) -> None:
    admin = await asyncpg.connect(server)
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)")
    finally:
        await admin.close()


# -- report -----------------------------------------------------------------------------------


def report(runs: Sequence[RunResult], args: argparse.Namespace) -> bool:
    print(f"Cluster bench: {args.jobs} jobs ({MODEL}) over {SERVERS} servers, time_scale {args.time_scale}, "
          f"seed {args.seed}; key {CALLS_PER_MINUTE}/min x {CONCURRENT_JOBS} concurrent")
    header = (f"{'run':<32} {'done':>4} {'of limit':>8} {'calls/job':>9} {'lost':>4} {'dup':>4} "
              f"{'max in flight':>13} {'429 conc':>8} {'wall':>6}")
    print(header)
    print("-" * len(header))
    for r in runs:
        print(f"{r.title:<32} {r.completed:>4} {r.throughput:>8.4f} {r.calls_per_job:>9.2f} {r.lost:>4} "
              f"{r.duplicated:>4} {r.max_in_flight:>13} {r.concurrency_429s:>8} {r.wall:>5.0f}s")
    single, cluster, *rest = runs
    failover = rest[0] if rest else None
    if failover is not None:
        print()
        print("failover, real seconds per kill (kill -> new leader's line / -> its first status poll):")
        for n, (elected, polled) in enumerate(zip(failover.elections, failover.failovers, strict=True), 1):
            print(f"  kill {n}: elected after {elected:5.2f}s, first poll after {polled:5.2f}s")
    print()
    verdicts: list[tuple[str, str, str, bool]] = []
    ratio = cluster.throughput / single.throughput if single.throughput else math.nan
    verdicts.append(("throughput, cluster ÷ single", f"{ratio:.4f}", f">= {TARGET_THROUGHPUT:.2f}",
                     ratio >= TARGET_THROUGHPUT))
    bad = sum(r.lost + r.duplicated for r in runs)
    verdicts.append(("jobs lost or duplicated (every run)", str(bad), "= 0", bad == 0))
    over = sum(r.concurrency_429s + max(0, r.max_in_flight - CONCURRENT_JOBS) for r in runs)
    verdicts.append(("over the key's concurrency (every run)", str(over), "= 0", over == 0))
    if failover is not None and failover.failovers:
        worst = max(failover.failovers)
        verdicts.append(("failover median", f"{statistics.median(failover.failovers):.2f}s", "", True))
        verdicts.append(("failover max", f"{worst:.2f}s", f"<= {TARGET_FAILOVER:.0f}s", worst <= TARGET_FAILOVER))
    width = max(len(v[0]) for v in verdicts)
    for label, figure, target, ok in verdicts:
        verdict = ("PASS" if ok else "FAIL") if target else "info"
        print(f"{label:<{width}}  {figure:>8}  ({'target ' + target if target else 'no target':<15})  {verdict}")
    return all(ok for _, _, target, ok in verdicts if target)


# -- main -------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.cluster", description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=None, help="jobs in the backlog (default 200; quick 40)")
    parser.add_argument("--time-scale", type=float, default=None,
                        help="API seconds -> real seconds (default 0.1; quick 0.05)")
    parser.add_argument("--kills", type=int, default=5, help="leader kills in the failover run (default 5)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="a small fast smoke run")
    args = parser.parse_args(argv)
    if args.jobs is None:
        args.jobs = 40 if args.quick else 200
    if args.time_scale is None:
        args.time_scale = 0.05 if args.quick else 0.1
    return args


async def amain(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="bench-cluster-") as tmp:
        scratch = Path(tmp)
        server = os.environ.get("TEST_POSTGRES_URL")
        # A folder of its own: as root the server runs as `postgres`, who cannot enter `scratch` (0700).
        own_server = Path(tempfile.mkdtemp(prefix="bench-cluster-pg-")) if not server else None
        if own_server is not None:
            server = pg_server.start(own_server)
        assert server is not None
        try:
            runs: list[RunResult] = []
            print("running: one process on SQLite ...", file=sys.stderr, flush=True)
            runs.append(await run_single(args, scratch))
            print(f"running: {NODES} processes on PostgreSQL ...", file=sys.stderr, flush=True)
            runs.append(await run_cluster(args, scratch, server, kills=0))
            if args.kills:
                print(f"running: {NODES} processes, {args.kills} leader kills ...", file=sys.stderr, flush=True)
                runs.append(await run_cluster(args, scratch, server, kills=args.kills))
        finally:
            if own_server is not None:
                pg_server.stop(own_server)
                shutil.rmtree(own_server, ignore_errors=True)
    print(file=sys.stderr)
    return 0 if report(runs, args) else 1


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    sys.setswitchinterval(0.0005)  # the sandbox and the channel server share this process's GIL
    # The front's "no model list yet" before the first leader stores one is expected here.
    logging.basicConfig(level=logging.ERROR, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return asyncio.run(amain(args))


if __name__ == "__main__":
    sys.exit(main())
