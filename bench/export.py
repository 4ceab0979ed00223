"""Export bench: peak memory of ``/moderation export`` against loading every row at once.

For each size N, a fresh SQLite file (opened as the bot opens it) gets N finished jobs of one
server, inserted through ``JobRepository`` with prompts and API answers of realistic length. Then,
side by side in the same process, ``tracemalloc`` measures the peak of Python allocations (all
threads, aiosqlite's included) of:

- ``streamed``: what the command does: ``Exports.export`` (keyset pages of 500, CSV lines into a
  spooled temporary file, gzipped past 1 MiB);
- ``baseline``: the same columns with one ``fetch_all`` into a list, then the whole CSV written
  to one string and encoded, as a naive export would.

Both outputs are checked to hold the same CSV. Rounds alternate the order; the larger peak of each
path is printed. Nothing is asserted: read the ratio, and how each peak grows with N.

Run from the project root::

    python -m bench.export                    # 10,000 jobs
    python -m bench.export --jobs 10000 40000 # does the streamed peak stay flat?
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import gzip
import io
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.jobs import Job, JobOutcome, JobStatus, new_idempotency_key
from bot.moderation.export import ExportKind, Exports
from bot.store import Database
from bot.store.exports import JOB_COLUMNS
from bot.store.jobs import JobRepository
from bot.store.timestamps import to_db_time

GUILD = 1001
T0 = datetime(2025, 12, 1, tzinfo=UTC)
BATCH = 1000
WORDS = ("a", "lighthouse", "at", "dusk", "over", "stormy", "sea", "oil", "painting", "cinematic", "light",
         "golden", "hour", "mist", "fog", "waves", "crashing", "rocks", "dramatic", "sky")


def _job(n: int) -> Job:
    prompt = " ".join(WORDS[(n * 7 + i) % len(WORDS)] for i in range(12 + n % 30))
    return Job(
        id=uuid.uuid4().hex, guild_id=GUILD, channel_id=3001 + n % 5, member_id=2000 + n % 200, command="imagine",
        model="flux-2-flash", category="image",
        request={"model": "flux-2-flash", "prompt": prompt, "aspect_ratio": "16:9", "seed": n},
        idempotency_key=new_idempotency_key(), held=40, status=JobStatus.QUEUED,
        created_at=T0 + timedelta(minutes=50 * n / 1000),  # a year holds about 10,000 of them
    )


async def fill(db: Database, count: int) -> None:
    jobs = JobRepository()
    for start in range(0, count, BATCH):
        async with db.transaction() as tx:
            for n in range(start, min(start + BATCH, count)):
                job = _job(n)
                await jobs.insert(tx, job)
                await tx.execute("UPDATE jobs SET status = 'submitting' WHERE id = ?", (job.id,))
                result = {"id": f"gen_{job.id}", "status": "completed", "credits_used": 30, "duration_ms": 4100,
                          "output": [{"url": f"https://cdn.example/{job.id}/{i}.png"} for i in range(2)]}
                await jobs.mark_finished(tx, job.id, outcome=JobOutcome.COMPLETED, credits_used=30,
                                         at=job.created_at + timedelta(seconds=20), result=result)
                await jobs.mark_delivered(tx, job.id, via="channel", message_id=7_000_000 + n,
                                          at=job.created_at + timedelta(seconds=21))


async def streamed(db: Database, until: datetime) -> Callable[[], bytes]:
    """The export as the command makes it; the CSV is read back after the measurement."""
    exported = await Exports(db).export(ExportKind.JOBS, GUILD, T0, until)

    def read_back() -> bytes:
        try:
            data = exported.file.read()
        finally:
            exported.close()
        return gzip.decompress(data) if exported.gzipped else data

    return read_back


async def baseline(db: Database, until: datetime) -> Callable[[], bytes]:
    """Every row in one list, then the whole CSV in one string."""
    async with db.read() as conn:
        rows = await conn.fetch_all(
            "SELECT id, created_at, member_id, channel_id, command, model, category, status, outcome, held, "
            "credits_used, json_extract(request_json, '$.prompt'), error_code, source_job_id, action, "
            "cancelled_by, deleted_by, finished_at, result_message_id FROM jobs "
            "WHERE guild_id = ? AND created_at >= ? AND created_at < ? ORDER BY created_at, rowid",
            (GUILD, to_db_time(T0), to_db_time(until)),
        )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(JOB_COLUMNS)
    writer.writerows([["" if value is None else value for value in row] for row in rows])
    data = out.getvalue().encode("utf-8")
    return lambda: data


async def peak_of(run: Callable[[], Awaitable[Callable[[], bytes]]]) -> tuple[int, float, bytes]:
    """Peak traced bytes above the start while the export is made, its seconds, and its CSV (read
    back after the measurement)."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    before, _ = tracemalloc.get_traced_memory()
    started = time.perf_counter()
    read_back = await run()
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak - before, seconds, read_back()


async def measure(count: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        async with await Database.open(Path(folder) / "export.sqlite3") as db:
            await fill(db, count)
            until = T0 + timedelta(days=400)
            peaks: dict[str, list[int]] = {"streamed": [], "baseline": []}
            times: dict[str, list[float]] = {"streamed": [], "baseline": []}
            outputs: dict[str, bytes] = {}
            for number in range(rounds):
                order = [("streamed", streamed), ("baseline", baseline)]
                for name, path in order if number % 2 == 0 else reversed(order):
                    peak, seconds, data = await peak_of(lambda path=path: path(db, until))  # type: ignore[misc]
                    peaks[name].append(peak)
                    times[name].append(seconds)
                    outputs[name] = data
            assert outputs["streamed"] == outputs["baseline"], "the two exports differ"
            lines = outputs["streamed"].count(b"\n") - 1
            size = len(outputs["streamed"])
    stream, base = max(peaks["streamed"]), max(peaks["baseline"])
    print(f"{count:>7,} jobs  {lines:>7,} rows  CSV {size / 1_048_576:6.2f} MiB  |  peak streamed "
          f"{stream / 1_048_576:6.2f} MiB  baseline {base / 1_048_576:6.2f} MiB  ratio {stream / base:5.3f}  |  "
          f"time streamed {min(times['streamed']):5.2f} s  baseline {min(times['baseline']):5.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, nargs="+", default=[10_000], help="sizes to measure (default 10000)")
    parser.add_argument("--rounds", type=int, default=2, help="rounds per size, alternating the order (default 2)")
    args = parser.parse_args()
    print("peak = the most Python memory (tracemalloc, all threads) held at once during the export")
    for count in args.jobs:
        asyncio.run(measure(count, args.rounds))


if __name__ == "__main__":
    main()
