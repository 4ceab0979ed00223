"""Typed values the contest engine takes and returns: a contest, its entries, votes, payouts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from bot.jobs import Job

if TYPE_CHECKING:
    from bot.generation import Queued

MAX_PLACES = 3  # prizes for 1st, 2nd and 3rd


class Phase(StrEnum):
    ENTRIES = "entries"  # members enter; nobody votes yet
    VOTING = "voting"  # entries are numbered and shown without names; members vote
    CLOSED = "closed"  # results decided; prizes paid (settled_at) soon after
    CANCELLED = "cancelled"  # an admin stopped it: everything held went back


class EntryCost(StrEnum):
    MEMBER = "member"  # the entrant pays for the generation, as for any other
    SPONSORED = "sponsored"  # a budget held at creation pays for /contest enter generations


class EntryStatus(StrEnum):
    PENDING = "pending"  # its generation is still running
    ENTERED = "entered"  # a completed job, in the contest
    WITHDRAWN = "withdrawn"  # its author took it out before voting opened (credits stay spent)
    FAILED = "failed"  # its generation failed or was cancelled
    LATE = "late"  # its generation had not finished when entries closed


LIVE_ENTRY = (EntryStatus.PENDING, EntryStatus.ENTERED)


class PhaseChange(StrEnum):
    OPEN_VOTING = "open_voting"  # entries close, voting opens
    CLOSE_VOTING = "close_voting"  # voting closes, the results are decided
    PAY_PRIZES = "pay_prizes"  # prizes paid, what is left released


class VoteKind(StrEnum):
    CAST = "cast"
    CHANGE = "change"


@dataclass(frozen=True, slots=True)
class ContestSettings:
    """What an admin gives ``/contest create``; checked by ``ContestService.create``."""

    title: str
    theme: str
    channel_id: int
    entry_hours: float
    vote_hours: float
    max_entries: int = 1
    category: str | None = "image"  # None: any kind of model
    models: tuple[str, ...] = ()  # empty: any model of the category
    required_words: tuple[str, ...] = ()
    entry_cost: EntryCost = EntryCost.MEMBER
    budget: int = 0  # sponsored only: credits held for entries
    prizes: tuple[int, ...] = ()  # 1st, 2nd, 3rd (bonus credits)
    role_id: int | None = None  # needed to enter and to vote, when set


@dataclass(frozen=True, slots=True)
class Contest:
    id: int
    guild_id: int
    channel_id: int
    created_by: int
    title: str
    theme: str
    phase: Phase
    created_at: datetime
    entries_close_at: datetime
    votes_close_at: datetime
    max_entries: int
    category: str | None
    models: tuple[str, ...]
    required_words: tuple[str, ...]
    entry_cost: EntryCost
    budget: int
    prizes: tuple[int, ...]
    role_id: int | None
    voting_opened_at: datetime | None = None
    closed_at: datetime | None = None
    settled_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancelled_by: int | None = None

    @property
    def prize_pool(self) -> int:
        return sum(self.prizes)

    @property
    def prizes_key(self) -> str:
        """The ledger key of the prize pool."""
        return f"contest:{self.id}:prizes"

    @property
    def budget_key(self) -> str:
        """The ledger key of the sponsored budget."""
        return f"contest:{self.id}:budget"

    @property
    def sponsored(self) -> bool:
        return self.entry_cost is EntryCost.SPONSORED

    @property
    def is_open(self) -> bool:
        return self.phase in (Phase.ENTRIES, Phase.VOTING)


@dataclass(frozen=True, slots=True)
class Entry:
    id: int
    contest_id: int
    job_id: str
    member_id: int
    status: EntryStatus
    drawn: int  # credits its generation drew from the contest's budget
    number: int | None  # its number while voting (None before)
    created_at: datetime
    ended_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Vote:
    """One row of the vote chain: a cast or a change of one member's vote."""

    seq: int
    contest_id: int
    member_id: int
    entry_id: int
    kind: VoteKind
    cast_at: datetime
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class Payout:
    contest_id: int
    place: int
    member_id: int
    entry_ids: tuple[int, ...]
    votes: int
    amount: int
    paid_at: datetime | None

    @property
    def paid(self) -> bool:
        return self.paid_at is not None


@dataclass(frozen=True, slots=True)
class Timer:
    contest_id: int
    change: PhaseChange
    due_at: datetime
    done_at: datetime | None
    announced_at: datetime | None


# -- what the service returns ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EntryStarted:
    """``/contest enter``: the entry (pending) and the job generating it."""

    entry: Entry
    queued: Queued  # the job and its first status, for the public "Queued" answer
    from_budget: bool  # True when the contest's budget paid for it

    @property
    def job(self) -> Job:
        return self.queued.job


@dataclass(frozen=True, slots=True)
class VoteReceipt:
    contest_id: int
    entry_number: int
    changed_from: int | None  # the number voted for before, when this was a change
    unchanged: bool  # the member voted for this entry already: nothing was written


@dataclass(frozen=True, slots=True)
class BoardEntry:
    """An entry as the voting post shows it: a number and the job's result, no author."""

    number: int
    entry_id: int
    job: Job


@dataclass(frozen=True, slots=True)
class VotingBoard:
    contest: Contest
    entries: tuple[BoardEntry, ...]  # by number


@dataclass(frozen=True, slots=True)
class Standing:
    """An entry's result: authors revealed."""

    entry_id: int
    number: int
    member_id: int
    job_id: str
    votes: int
    place: int | None  # None: placed after the prizes or no votes
    prize: int  # this entry's share of its place's prizes


@dataclass(frozen=True, slots=True)
class ContestResults:
    contest: Contest
    standings: tuple[Standing, ...]  # most votes first
    payouts: tuple[Payout, ...]
    voters: int
    prizes_released: int  # prize credits not awarded (too few entries, ties' rounding)
    budget_released: int  # sponsored budget not used

    @property
    def winners(self) -> tuple[Standing, ...]:
        return tuple(s for s in self.standings if s.place is not None)


@dataclass(frozen=True, slots=True)
class ContestView:
    """``/contest show``: the contest, what the viewer may know of it, results once closed."""

    contest: Contest
    entries: int  # entries in the contest (pending or entered)
    entrants: int
    budget_left: int
    my_entries: tuple[Entry, ...]
    my_vote: int | None  # the entry number the viewer voted for
    results: ContestResults | None  # only once closed


@dataclass(frozen=True, slots=True)
class Cancelled:
    contest: Contest
    entrants: tuple[int, ...]  # to tell
    released: int  # credits back in the allowance (prizes and budget)


@dataclass(frozen=True, slots=True)
class ChangeDone:
    """What a phase change did, for the scheduler to announce."""

    contest_id: int
    change: PhaseChange
    applied: bool  # False: it had been done already, or the contest had moved on
    notes: tuple[str, ...] = field(default=())
