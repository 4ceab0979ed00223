"""How a posted result is linked to contests: its entry, if any, and disqualification.

A contest entry whose result was deleted (by a moderator with the result's Delete button, or by
its author) leaves the contest in the transaction that records the deletion.

The entry becomes ``withdrawn`` (out of the contest; the table's statuses are fixed by its
migration); the job's ``deleted_by`` and ``deleted_at`` say who took it out and when. Only an open
contest changes: once voting has closed, the results stand.
"""

from __future__ import annotations

import logging
from datetime import datetime

from bot.contests.models import LIVE_ENTRY, Entry, EntryStatus
from bot.jobs import Job
from bot.store.connections import Transaction
from bot.store.contests import ContestRepository
from bot.store.database import Database

log = logging.getLogger(__name__)

_contests = ContestRepository()


async def entry_for_job(db: Database, job_id: str) -> Entry | None:
    """The entry a job was made or submitted as, in whatever state (None: not an entry)."""
    async with db.read() as conn:
        return await _contests.entry_for_job(conn, job_id)


async def disqualify_in(tx: Transaction, job: Job, by: int, at: datetime) -> Entry | None:
    """Take the job's entry out of its open contest; returns the entry as it was, or None when the
    job is no live entry of an open contest."""
    entry = await _contests.entry_for_job(tx, job.id)
    if entry is None or entry.status not in LIVE_ENTRY:
        return None
    contest = await _contests.get(tx, entry.contest_id)
    if contest is None or not contest.is_open:
        return None
    if not await _contests.end_entry(tx, entry.id, to=EntryStatus.WITHDRAWN, from_statuses=LIVE_ENTRY, at=at):
        return None
    log.info("contest %d: entry %d disqualified, its result deleted by %d", contest.id, entry.id, by)
    return entry
