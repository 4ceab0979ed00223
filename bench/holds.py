"""Holds bench: credit holds per second and their latency at N concurrent on one server.

Three write paths, measured side by side in one run, each on its own fresh SQLite file
(WAL, synchronous=NORMAL, as the bot opens it):

- ``one tx per hold``: what ``GenerationService.create`` did before group commit: per request
  ``async with db.transaction()``: ``CreditLedger.hold_in`` + ``JobRepository.insert``.
- ``group commit``: the same two calls as one unit of ``Database.run_in_batch`` (what ``create``
  does now).
- ``raw INSERT+COMMIT``: the floor, one aiosqlite connection behind an ``asyncio.Lock``, per
  request ``BEGIN IMMEDIATE`` / one ``INSERT`` / ``COMMIT``.

A round fires N requests at once (``asyncio.gather``) and times each from its start to its
return; holds/s is N / the round's wall time. Rounds rotate the order of the paths so drift in
machine load falls on each alike. Nothing is asserted: read the ratios.

Run from the project root::

    python -m bench.holds                       # 500 concurrent, 5 rounds
    python -m bench.holds --concurrency 1000 --rounds 3

``bench.scale`` can include it as a section: ``run_holds(args)`` reads ``holds_concurrency`` and
``holds_rounds`` from its arguments when they are there.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import aiosqlite

from bot.jobs import Job, JobStatus
from bot.ledger import CreditLedger, LedgerDefaults
from bot.store import Database, Transaction
from bot.store.jobs import JobRepository

if TYPE_CHECKING:  # imported where used: bench.scale may import this module at its top
    from bench.scale import Table

GUILD = 1001
MEMBERS = 50
TARGET_RATE = 1000.0  # holds/s on the group-commit path (scale issue, item 5)
TARGET_P99_MS = 250.0

Request = Callable[[int], Awaitable[None]]


@dataclass
class PathResult:
    name: str
    rates: list[float] = field(default_factory=list)  # holds/s, one per round
    latencies_ms: list[float] = field(default_factory=list)  # every request of every round
    note: str = ""

    @property
    def rate(self) -> float:
        return statistics.median(self.rates)

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class _Path:
    """One write path on its own database file; ``request(n, i)`` makes hold ``i`` of round ``n``."""

    name = ""

    async def open(self, folder: Path) -> None: ...

    async def request(self, round_no: int, i: int) -> None: ...

    async def close(self) -> None: ...

    def note(self) -> str:
        return ""


class _LedgerPath(_Path):
    def __init__(self, batched: bool) -> None:
        self.batched = batched
        self.name = "group commit" if batched else "one tx per hold"
        self.jobs = JobRepository()
        self.now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)

    async def open(self, folder: Path) -> None:
        self.db = await Database.open(folder / ("batched.sqlite3" if self.batched else "single.sqlite3"))
        self.ledger = CreditLedger(
            self.db, lambda: self.now, LedgerDefaults(guild_allowance=10**12, max_in_flight=None)
        )
        for i in range(MEMBERS):  # warm: the guild row exists, every member has held before
            await self._hold(f"warm-{i}", i)
        self.warm = self.db.batch_stats

    async def request(self, round_no: int, i: int) -> None:
        await self._hold(f"r{round_no}-{i}", i)

    async def _hold(self, job_id: str, i: int) -> None:
        member = 2000 + i % MEMBERS
        job = Job(
            id=job_id, guild_id=GUILD, channel_id=3001, member_id=member, command="imagine",
            model="bench-model", category="image", request={"model": "bench-model", "prompt": "a fox"},
            idempotency_key=f"key-{job_id}", held=5, status=JobStatus.QUEUED, created_at=self.now,
        )

        async def unit(tx: Transaction) -> None:
            await self.ledger.hold_in(tx, GUILD, member, 5, job_id, model="bench-model")
            await self.jobs.insert(tx, job)

        if self.batched:
            await self.db.run_in_batch(unit)
        else:
            async with self.db.transaction() as tx:
                await unit(tx)

    async def close(self) -> None:
        await self.db.close()

    def note(self) -> str:
        stats, warm = self.db.batch_stats, self.warm
        if not self.batched or stats.batches == warm.batches:
            return ""
        mean = (stats.units - warm.units) / (stats.batches - warm.batches)
        return f"{mean:.0f} holds per transaction on average ({stats.batches - warm.batches} transactions)"


class _RawPath(_Path):
    name = "raw INSERT+COMMIT"

    async def open(self, folder: Path) -> None:
        self.conn = await aiosqlite.connect(folder / "raw.sqlite3", isolation_level=None)
        await self.conn.execute("PRAGMA journal_mode = WAL")
        await self.conn.execute("PRAGMA synchronous = NORMAL")
        await self.conn.execute("CREATE TABLE hold (id INTEGER PRIMARY KEY, member_id INTEGER, amount INTEGER)")
        self.lock = asyncio.Lock()

    async def request(self, round_no: int, i: int) -> None:
        async with self.lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            await self.conn.execute("INSERT INTO hold (member_id, amount) VALUES (?, 5)", (2000 + i % MEMBERS,))
            await self.conn.execute("COMMIT")

    async def close(self) -> None:
        await self.conn.close()


async def _round(path: _Path, round_no: int, concurrency: int, result: PathResult) -> None:
    async def timed(i: int) -> None:
        start = time.perf_counter()
        await path.request(round_no, i)
        result.latencies_ms.append((time.perf_counter() - start) * 1000)

    start = time.perf_counter()
    await asyncio.gather(*(timed(i) for i in range(concurrency)))
    result.rates.append(concurrency / (time.perf_counter() - start))


async def _measure(concurrency: int, rounds: int) -> list[PathResult]:
    paths: list[_Path] = [_LedgerPath(batched=False), _LedgerPath(batched=True), _RawPath()]
    results = [PathResult(p.name) for p in paths]
    with tempfile.TemporaryDirectory(prefix="bench-holds-") as folder:
        for path in paths:
            await path.open(Path(folder))
        try:
            for n in range(rounds):
                order = list(range(len(paths)))
                order = order[n % len(order):] + order[: n % len(order)]
                for k in order:
                    await _round(paths[k], n, concurrency, results[k])
        finally:
            for path, result in zip(paths, results, strict=True):
                result.note = path.note()
                await path.close()
    return results


def bench_holds(concurrency: int = 500, rounds: int = 5) -> list[Table]:
    """Holds/s and p50/p99 latency at ``concurrency`` concurrent: old path, group commit, raw floor."""
    from bench.scale import Table

    old, batched, raw = asyncio.run(_measure(concurrency, rounds))
    rows = [
        [
            r.name, f"{r.rate:,.0f}", f"{min(r.rates):,.0f}-{max(r.rates):,.0f}", f"{r.pct(0.5):.0f}",
            f"{r.pct(0.99):.0f}", f"{max(r.latencies_ms):.0f}", f"{r.rate / old.rate:.2f}",
            f"{r.rate / raw.rate:.2f}",
        ]
        for r in (old, batched, raw)
    ]

    def verdict(ok: bool) -> str:
        return "PASS" if ok else "FAIL"

    notes = [
        f"{concurrency} requests fired at once per round, {rounds} rounds; holds/s: median of rounds"
        " (range beside); latency over every request of every round.",
        "x old / x raw: holds/s divided by the one-tx-per-hold path's / the raw INSERT+COMMIT floor's,"
        " measured in the same run.",
        f"group commit: {batched.note}.",
        f"target (info): group commit >= {TARGET_RATE:,.0f} holds/s: {verdict(batched.rate >= TARGET_RATE)};"
        f" p99 < {TARGET_P99_MS:.0f} ms: {verdict(batched.pct(0.99) < TARGET_P99_MS)}.",
    ]
    return [
        Table(
            f"holds at {concurrency} concurrent on one server (hold_in + job row per request)",
            ["path", "holds/s", "range", "p50 ms", "p99 ms", "max ms", "x old", "x raw"],
            rows,
            notes,
        )
    ]


def run_holds(args: argparse.Namespace) -> list[Table]:
    """``bench.scale``-style section entry: options from ``args`` when present, else the defaults."""
    return bench_holds(getattr(args, "holds_concurrency", 500), getattr(args, "holds_rounds", 5))


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.holds", description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", dest="holds_concurrency", type=int, default=500,
                        help="requests fired at once per round (default 500)")
    parser.add_argument("--rounds", dest="holds_rounds", type=int, default=5, help="rounds per path (default 5)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    from bench.scale import print_table

    args = parse_args(argv)
    for table in run_holds(args):
        print_table(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
