"""Repository for a contest's vote chain (append-only) and its payouts (each paid once)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from bot.contests.models import Payout, Vote, VoteKind
from bot.store.connections import Reader, Row, Transaction
from bot.store.timestamps import from_db_time, to_db_time

_VOTE_COLUMNS = "seq, contest_id, member_id, entry_id, kind, cast_at, prev_hash, hash"
_PAYOUT_COLUMNS = "contest_id, place, member_id, entry_ids, votes, amount, paid_at"


def _vote(row: Row) -> Vote:
    return Vote(
        seq=row["seq"], contest_id=row["contest_id"], member_id=row["member_id"], entry_id=row["entry_id"],
        kind=VoteKind(row["kind"]), cast_at=from_db_time(row["cast_at"]), prev_hash=row["prev_hash"],
        hash=row["hash"],
    )


def _payout(row: Row) -> Payout:
    return Payout(
        contest_id=row["contest_id"], place=row["place"], member_id=row["member_id"],
        entry_ids=tuple(int(n) for n in str(row["entry_ids"]).split(",") if n), votes=row["votes"],
        amount=row["amount"], paid_at=None if row["paid_at"] is None else from_db_time(row["paid_at"]),
    )


class ContestVoteRepository:
    # -- the vote chain ----------------------------------------------------------------------------

    async def head(self, conn: Reader, contest_id: int) -> Vote | None:
        """The contest's latest vote row: the next row links to its hash."""
        row = await conn.fetch_one(
            f"SELECT {_VOTE_COLUMNS} FROM contest_votes WHERE contest_id = ? ORDER BY seq DESC LIMIT 1",
            (contest_id,),
        )
        return None if row is None else _vote(row)

    async def current(self, conn: Reader, contest_id: int, member_id: int) -> Vote | None:
        """The member's vote as it stands: their latest row."""
        row = await conn.fetch_one(
            f"SELECT {_VOTE_COLUMNS} FROM contest_votes WHERE contest_id = ? AND member_id = ? "
            "ORDER BY seq DESC LIMIT 1",
            (contest_id, member_id),
        )
        return None if row is None else _vote(row)

    async def append(
        self, tx: Transaction, contest_id: int, member_id: int, entry_id: int, kind: VoteKind, *,
        cast_at: datetime, prev_hash: str, hash_: str,
    ) -> Vote:
        seq = await tx.insert(
            "INSERT INTO contest_votes (contest_id, member_id, entry_id, kind, cast_at, prev_hash, hash) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (contest_id, member_id, entry_id, kind.value, to_db_time(cast_at), prev_hash, hash_),
            key="seq",
        )
        return Vote(seq, contest_id, member_id, entry_id, kind, cast_at, prev_hash, hash_)

    async def tally(self, conn: Reader, contest_id: int) -> dict[int, int]:
        """Entry id -> votes, counting each member's latest row only."""
        rows = await conn.fetch_all(
            "SELECT entry_id, COUNT(*) FROM contest_votes AS v WHERE contest_id = ? AND seq = "
            "(SELECT MAX(seq) FROM contest_votes WHERE contest_id = v.contest_id AND member_id = v.member_id) "
            "GROUP BY entry_id",
            (contest_id,),
        )
        return {int(entry_id): int(count) for entry_id, count in rows}

    async def voters(self, conn: Reader, contest_id: int) -> int:
        value = await conn.fetch_value(
            "SELECT COUNT(DISTINCT member_id) FROM contest_votes WHERE contest_id = ?", (contest_id,)
        )
        return int(value or 0)

    async def page(self, conn: Reader, contest_id: int, *, after_seq: int, limit: int) -> list[Vote]:
        """Rows in chain order, after ``after_seq``."""
        rows = await conn.fetch_all(
            f"SELECT {_VOTE_COLUMNS} FROM contest_votes WHERE contest_id = ? AND seq > ? ORDER BY seq LIMIT ?",
            (contest_id, after_seq, limit),
        )
        return [_vote(row) for row in rows]

    # -- payouts ---------------------------------------------------------------------------------

    async def plan(self, tx: Transaction, payouts: Iterable[Payout]) -> None:
        """Record the prizes decided at the close (a second plan for the contest changes nothing)."""
        for p in payouts:
            await tx.execute(
                "INSERT INTO contest_payouts (contest_id, place, member_id, entry_ids, votes, amount) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (p.contest_id, p.place, p.member_id, ",".join(str(e) for e in p.entry_ids), p.votes, p.amount),
            )

    async def payouts(self, conn: Reader, contest_id: int) -> list[Payout]:
        rows = await conn.fetch_all(
            f"SELECT {_PAYOUT_COLUMNS} FROM contest_payouts WHERE contest_id = ? ORDER BY place, member_id",
            (contest_id,),
        )
        return [_payout(row) for row in rows]

    async def mark_paid(self, tx: Transaction, contest_id: int, place: int, member_id: int, at: datetime) -> bool:
        """Paid once: False when it was paid already."""
        changed = await tx.execute(
            "UPDATE contest_payouts SET paid_at = ? WHERE contest_id = ? AND place = ? AND member_id = ? "
            "AND paid_at IS NULL",
            (to_db_time(at), contest_id, place, member_id),
        )
        return changed == 1
