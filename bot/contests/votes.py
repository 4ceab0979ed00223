"""Votes: who may vote, one vote per member that may change, and the hash chain behind the tally.

Every cast and every change is a row, never an update. Row ``n`` of a contest stores
``hash = sha256(prev_hash|member_id|entry_id|cast_at|kind)`` (UTF-8, fields joined by ``|``,
``cast_at`` as stored: ``2026-12-01T15:00:00.000000Z``), where ``prev_hash`` is row ``n-1``'s hash,
or for the first row ``sha256("contest:<id>")``. Changing any row, dropping or inserting one,
breaks every hash after it: ``verify_chain`` recomputes an exported tally and says where.
A member's vote is their latest row, so a changed vote counts once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.contests.errors import VoteRefusedError
from bot.contests.models import Contest, Entry, EntryStatus, Vote, VoteKind, VoteReceipt
from bot.store.connections import Transaction
from bot.store.contest_votes import ContestVoteRepository
from bot.store.timestamps import to_db_time


def genesis(contest_id: int) -> str:
    """The ``prev_hash`` of a contest's first vote."""
    return hashlib.sha256(f"contest:{contest_id}".encode()).hexdigest()


def link(prev_hash: str, member_id: int, entry_id: int, cast_at: str, kind: str) -> str:
    """One row's hash; ``cast_at`` is the stored text of the time."""
    return hashlib.sha256(f"{prev_hash}|{member_id}|{entry_id}|{cast_at}|{kind}".encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class ChainRow:
    """A vote row as exported: enough to recompute its hash."""

    seq: int
    member_id: int
    entry_id: int
    cast_at: str
    kind: str
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class ChainCheck:
    ok: bool
    rows: int  # rows checked
    bad_seq: int | None = None  # the first row that does not fit
    problem: str | None = None


def verify_chain(contest_id: int, rows: Iterable[ChainRow]) -> ChainCheck:
    """Recompute every hash in order; the first row that does not link or hash right is named."""
    expected_prev = genesis(contest_id)
    count = 0
    for row in rows:
        count += 1
        if row.prev_hash != expected_prev:
            return ChainCheck(False, count, row.seq, "prev_hash is not the previous row's hash")
        if row.kind not in (VoteKind.CAST.value, VoteKind.CHANGE.value):
            return ChainCheck(False, count, row.seq, f"unknown kind {row.kind!r}")
        if link(row.prev_hash, row.member_id, row.entry_id, row.cast_at, row.kind) != row.hash:
            return ChainCheck(False, count, row.seq, "hash does not match the row")
        expected_prev = row.hash
    return ChainCheck(True, count)


def chain_row(vote: Vote) -> ChainRow:
    return ChainRow(vote.seq, vote.member_id, vote.entry_id, to_db_time(vote.cast_at), vote.kind.value,
                    vote.prev_hash, vote.hash)


def check_voter(contest: Contest, *, joined_at: datetime | None, role_ids: Collection[int]) -> None:
    """Only members who joined before the contest was created, holding its role when it has one."""
    if joined_at is None or joined_at >= contest.created_at:
        since = f" (you joined <t:{int(joined_at.timestamp())}:f>)" if joined_at is not None else ""
        raise VoteRefusedError(
            "🗳️ Only members who were in the server before this contest began "
            f"(<t:{int(contest.created_at.timestamp())}:f>) may vote in it{since}."
        )
    if contest.role_id is not None and contest.role_id not in role_ids:
        raise VoteRefusedError(f"🗳️ Voting in this contest needs the <@&{contest.role_id}> role.")


async def cast_in(
    tx: Transaction, repo: ContestVoteRepository, contest: Contest, entry: Entry, numbers: dict[int, int],
    member_id: int, now: datetime,
) -> VoteReceipt:
    """Record a member's vote for ``entry`` (a cast, or a change from their vote so far)."""
    if entry.status is not EntryStatus.ENTERED or entry.number is None:
        raise VoteRefusedError("❌ That entry is not in the vote.")
    if entry.member_id == member_id:
        raise VoteRefusedError("🙅 You cannot vote for your own entry.")
    current = await repo.current(tx, contest.id, member_id)
    if current is not None and current.entry_id == entry.id:
        return VoteReceipt(contest.id, entry.number, changed_from=None, unchanged=True)
    head = await repo.head(tx, contest.id)
    prev_hash = head.hash if head is not None else genesis(contest.id)
    kind = VoteKind.CAST if current is None else VoteKind.CHANGE
    digest = link(prev_hash, member_id, entry.id, to_db_time(now), kind.value)
    await repo.append(tx, contest.id, member_id, entry.id, kind, cast_at=now, prev_hash=prev_hash, hash_=digest)
    before = None if current is None else numbers.get(current.entry_id)
    return VoteReceipt(contest.id, entry.number, changed_from=before, unchanged=False)
