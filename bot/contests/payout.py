"""Prizes: the ranking (ties share a place), each prize paid exactly once, then the rest released.

Ranking is standard competition ranking ("1224"): an entry's place is one more than the number
of entries with more votes. Entries tied at place ``p`` that are ``n`` together share the prizes of
places ``p`` to ``p+n-1`` evenly, rounded down (two tied for 1st with prizes 500/250/100 get
(500+250)//2 = 375 each, and the next entry is 3rd). An entry with no votes places nowhere. What
is not awarded (too few entries, the rounding) goes back to the allowance.

Paying: each (contest, place, member) row is marked paid in the transaction that writes its bonus
ledger rows, so a crash between two payouts leaves the paid ones paid and the rest due; running
the payout again skips what was paid. The last transaction releases what is left of the prize
pool and the budget and marks the contest settled.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from bot.clock import Clock
from bot.contests.models import MAX_PLACES, Contest, Payout, PhaseChange
from bot.ledger import CreditLedger
from bot.store.connections import Transaction
from bot.store.contest_votes import ContestVoteRepository
from bot.store.contests import ContestRepository
from bot.store.database import Database

log = logging.getLogger(__name__)

PayoutHook = Callable[[Payout], Awaitable[None]]
"""Called after each payout's transaction commits: a crash point for tests."""


@dataclass(frozen=True, slots=True)
class Ranked:
    entry_id: int
    member_id: int
    votes: int
    place: int | None
    prize: int


def rank(scores: Sequence[tuple[int, int, int]], prizes: Sequence[int]) -> list[Ranked]:
    """``scores``: (entry id, member id, votes), in display order (ties keep it). Most votes first."""
    ordered = sorted(scores, key=lambda s: -s[2])
    ranked: list[Ranked] = []
    start = 0
    while start < len(ordered):
        votes = ordered[start][2]
        end = start
        while end < len(ordered) and ordered[end][2] == votes:
            end += 1
        group = ordered[start:end]
        place = start + 1
        pool = sum(prizes[p - 1] for p in range(place, place + len(group)) if p <= len(prizes))
        share = pool // len(group) if votes > 0 else 0
        for entry_id, member_id, _ in group:
            ranked.append(Ranked(entry_id, member_id, votes, place if votes > 0 else None, share))
        start = end
    return ranked


def plan_payouts(contest_id: int, ranked: Sequence[Ranked]) -> list[Payout]:
    """One row per (place, member): a member with two entries at one place is paid their sum."""
    rows: dict[tuple[int, int], Payout] = {}
    for r in ranked:
        if r.place is None or r.prize <= 0:
            continue
        key = (r.place, r.member_id)
        before = rows.get(key)
        if before is None:
            rows[key] = Payout(contest_id, r.place, r.member_id, (r.entry_id,), r.votes, r.prize, None)
        else:
            rows[key] = Payout(contest_id, r.place, r.member_id, (*before.entry_ids, r.entry_id), r.votes,
                               before.amount + r.prize, None)
    return sorted(rows.values(), key=lambda p: (p.place, p.member_id))


def is_winner(place: int | None) -> bool:
    return place is not None and place <= MAX_PLACES


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


class PrizePayer:
    """Pays a closed contest's planned prizes exactly once and releases what is left."""

    def __init__(
        self, db: Database, ledger: CreditLedger, clock: Clock, *, after_payout: PayoutHook | None = None
    ) -> None:
        self._db = db
        self._ledger = ledger
        self._clock = clock
        self._contests = ContestRepository()
        self._votes = ContestVoteRepository()
        self.after_payout = after_payout

    async def pay(self, contest: Contest) -> bool:
        """Pay every due prize, then settle. True when this call settled the contest."""
        async with self._db.read() as conn:
            planned = await self._votes.payouts(conn, contest.id)
        for payout in planned:
            if payout.paid:
                continue
            async with self._db.transaction() as tx:
                if not await self._votes.mark_paid(tx, contest.id, payout.place, payout.member_id, self._clock()):
                    continue
                await self._ledger.pay_from_pool_in(
                    tx, contest.prizes_key, payout.member_id, payout.amount,
                    reason=f"prize, {ordinal(payout.place)} place in contest #{contest.id}",
                )
            log.info("contest %d: %d paid to member %d (%s place)", contest.id, payout.amount, payout.member_id,
                     ordinal(payout.place))
            if self.after_payout is not None:
                await self.after_payout(payout)
        return await self.settle(contest, PhaseChange.PAY_PRIZES)

    async def settle(self, contest: Contest, change: PhaseChange | None) -> bool:
        """Release both pools' rest and mark the contest settled, once; mark ``change``'s timer done.
        True when this call settled it."""
        now = self._clock()
        async with self._db.transaction() as tx:
            settled = await self._contests.mark_settled(tx, contest.id, now)
            if settled:
                await release_pools_in(tx, self._ledger, contest)
            if change is not None:
                await self._contests.finish_timer(tx, contest.id, change, now)
        return settled


async def release_pools_in(tx: Transaction, ledger: CreditLedger, contest: Contest) -> int:
    """Give back what the prize pool and the budget still hold; returns the credits released."""
    released = 0
    for key in (contest.prizes_key, contest.budget_key):
        if await ledger.pool_left(tx, key):
            released += (await ledger.release_in(tx, key)).released
    return released
