"""``/contest export``: the entries and the vote chain as CSV, streamed a page at a time.

Each function returns an async iterator of lines (each ending in ``\\r\\n``, as the csv module
writes them), reading the database in pages so a large contest never sits in memory as one
string. ``read_votes_csv`` turns an exported votes file back into chain rows for
``votes.verify_chain``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterable

from bot.contests.models import Contest, EntryStatus
from bot.contests.votes import ChainRow, chain_row
from bot.store.contest_votes import ContestVoteRepository
from bot.store.contests import ContestRepository
from bot.store.database import Database
from bot.store.jobs import JobRepository
from bot.store.timestamps import to_db_time

PAGE = 500

ENTRY_COLUMNS = ("entry_id", "number", "member_id", "job_id", "status", "model", "prompt", "output_url",
                 "drawn_from_budget", "entered_at")
VOTE_COLUMNS = ("seq", "member_id", "entry_id", "entry_number", "kind", "cast_at", "prev_hash", "hash")


def _line(values: Iterable[object]) -> str:
    out = io.StringIO()
    csv.writer(out).writerow(values)
    return out.getvalue()


async def entries_csv(db: Database, contest: Contest) -> AsyncIterator[str]:
    contests, jobs = ContestRepository(), JobRepository()
    yield _line(ENTRY_COLUMNS)
    async with db.read() as conn:
        entries = await contests.entries(conn, contest.id)
    for start in range(0, len(entries), PAGE):
        async with db.read() as conn:
            for entry in entries[start:start + PAGE]:
                job = await jobs.get(conn, entry.job_id)
                urls = job.output_urls if job is not None else []
                yield _line((
                    entry.id, entry.number or "", entry.member_id, entry.job_id, entry.status.value,
                    job.model if job else "", job.prompt if job else "", urls[0] if urls else "", entry.drawn,
                    to_db_time(entry.created_at),
                ))


async def votes_csv(db: Database, contest: Contest) -> AsyncIterator[str]:
    contests, votes = ContestRepository(), ContestVoteRepository()
    yield _line(VOTE_COLUMNS)
    async with db.read() as conn:
        numbers = {e.id: e.number for e in await contests.entries(conn, contest.id, [EntryStatus.ENTERED])}
    after = 0
    while True:
        async with db.read() as conn:
            page = await votes.page(conn, contest.id, after_seq=after, limit=PAGE)
        for vote in page:
            row = chain_row(vote)
            yield _line((row.seq, row.member_id, row.entry_id, numbers.get(vote.entry_id) or "", row.kind,
                         row.cast_at, row.prev_hash, row.hash))
        if len(page) < PAGE:
            return
        after = page[-1].seq


def read_votes_csv(lines: Iterable[str]) -> list[ChainRow]:
    """Chain rows from an exported votes CSV (the header line included)."""
    reader = csv.DictReader(lines)
    return [
        ChainRow(int(r["seq"]), int(r["member_id"]), int(r["entry_id"]), r["cast_at"], r["kind"], r["prev_hash"],
                 r["hash"])
        for r in reader
    ]
