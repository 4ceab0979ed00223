"""One bot process of a cluster, without Discord: the real services, a channel over HTTP.

    python -m tests.cluster.node --database-url postgresql://... --sandbox-url http://127.0.0.1:p/api/v1 \
        --channel-url http://127.0.0.1:q --time-scale 0.05 [--name n1] [--seed 1]

Opens ``Services`` (its own connection pool) as the bot would, with the time-scaled poll plan,
rate budget and pauses the chaos test uses, and a notifier that posts to the channel server
(``tests.cluster.channel_server``); then ``await services.start()`` (which, on PostgreSQL, joins
the leader election) and runs until killed. SIGTERM or SIGINT closes it cleanly.

``--database-url`` may also be a SQLite file path (the bench's one-process run).

It logs to stderr at INFO (the leader's "became the leader" line among them) and prints to
stdout one line the parent waits for: ``node <name> pid <pid> started``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import signal
import sys
from pathlib import Path

import httpx
from pydantic import SecretStr

from bot.clock import system_clock
from bot.config import Settings
from bot.dispatch import Delivery, Pauses, Progress
from bot.jobs import Job
from bot.logs import setup_logging
from bot.polling import PollPlan
from bot.ratelimit import RateBudget
from bot.services import DispatchTuning, Services
from tests.cluster.sandbox import API_KEY, CALLS_PER_MINUTE

POST_SECONDS = 0.5  # API seconds a Discord post takes
ALLOWANCE = 1_000_000_000
STARTED = "started"  # the word of the line the parent waits for


def node_settings(database: str, sandbox_url: str, scratch: Path) -> Settings:
    """The settings every process of a run shares (the test's own front process too)."""
    on_postgres = database.startswith(("postgresql://", "postgres://"))
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        discord_token=SecretStr("cluster-token-not-used"), vivix_api_key=SecretStr(API_KEY),
        vivix_base_url=sandbox_url,
        database_path=scratch / "unused.sqlite3" if on_postgres else Path(database),
        database_url=SecretStr(database) if on_postgres else None,
        default_guild_allowance=ALLOWANCE,
        default_member_day_cap=None, default_member_cycle_cap=None, default_max_in_flight=ALLOWANCE,
    )


def node_tuning(time_scale: float, seed: int) -> DispatchTuning:
    return DispatchTuning(
        poll_plan=PollPlan(rng=random.Random(seed), time_scale=time_scale),
        budget=RateBudget(CALLS_PER_MINUTE, time_scale=time_scale),
        pauses=Pauses().scaled(time_scale),
    )


class HttpChannelNotifier:
    """The channel server, as this process's Discord. A post takes ``POST_SECONDS`` and lands
    half-way through, so a kill can fall between the message appearing and the bot hearing back."""

    def __init__(self, channel_url: str, node: str, time_scale: float) -> None:
        self._http = httpx.AsyncClient(base_url=channel_url, timeout=10.0)
        self._node = node
        self._half_post = POST_SECONDS * time_scale / 2

    async def job_updated(self, job: Job, progress: Progress | None = None) -> None:
        return None

    async def deliver(self, job: Job) -> Delivery:
        await asyncio.sleep(self._half_post)  # the request on its way to Discord
        outcome = job.outcome.value if job.outcome is not None else None
        answer = await self._http.post("/posts", json={"job": job.id, "outcome": outcome, "node": self._node})
        answer.raise_for_status()
        await asyncio.sleep(self._half_post)  # the answer on its way back
        return Delivery("channel", int(answer.json()["message_id"]))

    async def find_delivery(self, job: Job) -> Delivery | None:
        answer = await self._http.get("/posts", params={"job": job.id})
        answer.raise_for_status()
        posts = answer.json()["posts"]
        return Delivery("channel", int(posts[-1]["message_id"])) if posts else None

    async def current_image(self, source: str) -> str | None:
        return None

    async def close(self) -> None:
        await self._http.aclose()


async def run(args: argparse.Namespace) -> None:
    settings = node_settings(args.database_url, args.sandbox_url, Path(args.scratch))
    setup_logging("INFO", secrets=[settings.vivix_api_key])
    notifier = HttpChannelNotifier(args.channel_url, args.name, args.time_scale)
    services = await Services.open(settings, clock=system_clock, notifier=notifier,
                                   tuning=node_tuning(args.time_scale, args.seed), elect=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        await services.start()
        print(f"node {args.name} pid {os.getpid()} {STARTED}", flush=True)
        await stop.wait()
    finally:
        with contextlib.suppress(Exception):
            await services.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.cluster.node", description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True, help="postgresql://... or a SQLite file")
    parser.add_argument("--sandbox-url", required=True, help="the API base URL, ending in /api/v1")
    parser.add_argument("--channel-url", required=True)
    parser.add_argument("--time-scale", type=float, required=True, help="real seconds per API second")
    parser.add_argument("--name", default=f"node-{os.getpid()}")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scratch", default="/tmp", help="a folder for the unused SQLite path on PostgreSQL")
    asyncio.run(run(parser.parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
