"""Typed values the credit ledger takes and returns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Final, TypeAlias

from bot.ledger.cycles import CycleKind, parse_cycle
from bot.ledger.errors import InvalidInputError
from bot.store.credit_holds import HoldStatus
from bot.store.credit_limits import LimitScope


class Inherit(Enum):
    """A cap not set at this scope: it falls through to roles, the guild default, the bot default."""

    INHERIT = "inherit"


class Unchanged(Enum):
    """Leave this cap as it is (the default of every cap-setting argument)."""

    UNCHANGED = "unchanged"


INHERIT: Final = Inherit.INHERIT
UNCHANGED: Final = Unchanged.UNCHANGED

CapValue: TypeAlias = int | Inherit | None
"""A cap at one scope: a number, None for unlimited, or INHERIT for not set here."""



@dataclass(frozen=True, slots=True)
class LedgerDefaults:
    """What a guild gets on first use (allowance, cycle) and the caps it inherits unless set."""

    guild_allowance: int = 5000
    cycle: CycleKind | str = CycleKind.ROLLING_30D
    member_day_cap: int | None = None  # None: no cap
    member_cycle_cap: int | None = None
    max_in_flight: int | None = 3

    def __post_init__(self) -> None:
        object.__setattr__(self, "cycle", parse_cycle(self.cycle))
        _check_count("guild_allowance", self.guild_allowance)
        for name in ("member_day_cap", "member_cycle_cap", "max_in_flight"):
            value = getattr(self, name)
            if value is not None:
                _check_count(name, value)

    @property
    def cycle_kind(self) -> CycleKind:
        return CycleKind(self.cycle)

    @property
    def caps(self) -> Caps:
        return Caps(self.member_day_cap, self.member_cycle_cap, self.max_in_flight)


def _check_count(name: str, value: object) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidInputError(name, value, "must be a whole number, 0 or more")


@dataclass(frozen=True, slots=True)
class Caps:
    """Effective limits for a member (or a guild's defaults). None means unlimited."""

    day: int | None
    cycle: int | None
    max_in_flight: int | None


@dataclass(frozen=True, slots=True)
class ScopedCaps:
    """The caps set explicitly at one scope (the guild default, a role, a member)."""

    scope: LimitScope
    target_id: int | None  # role or member id; None for the guild default
    day: CapValue
    cycle: CapValue
    max_in_flight: CapValue


@dataclass(frozen=True, slots=True)
class HoldOutcome:
    """How a hold ended. ``already_closed`` is True when this call changed nothing."""

    job_id: str
    guild_id: int
    member_id: int
    status: HoldStatus
    held: int
    charged: int
    released: int
    already_closed: bool


@dataclass(frozen=True, slots=True)
class MemberStatus:
    guild_id: int
    member_id: int
    caps: Caps
    day_used: int
    cycle_used: int
    remaining_today: int | None  # None: no day cap
    remaining_cycle: int | None  # None: no cycle cap
    bonus: int
    in_flight: int
    max_in_flight: int | None
    guild_remaining: int  # the guild's allowance left this cycle (members' bonus not included)
    spendable: int  # the most one hold could take now (caps, guild allowance and bonus together)
    day_renews_at: datetime
    cycle_renews_at: datetime


@dataclass(frozen=True, slots=True)
class GuildStatus:
    guild_id: int
    allowance: int
    cycle_kind: CycleKind
    cycle_start: datetime
    cycle_end: datetime
    available: int  # allowance left + members' unheld bonus
    allowance_remaining: int
    bonus_pool: int
    held: int
    spent_this_cycle: int
    spent_total: int
    default_caps: Caps  # the guild default, bot defaults filled in
    role_caps: tuple[ScopedCaps, ...]
    member_caps: tuple[ScopedCaps, ...]


@dataclass(frozen=True, slots=True)
class MemberSpend:
    member_id: int
    spent: int
    jobs: int


@dataclass(frozen=True, slots=True)
class ModelSpend:
    model: str | None
    spent: int
    jobs: int


@dataclass(frozen=True, slots=True)
class UsageReport:
    guild_id: int
    cycle_start: datetime
    cycle_end: datetime
    spent: int
    held: int
    top_members: tuple[MemberSpend, ...]
    by_model: tuple[ModelSpend, ...]


@dataclass(frozen=True, slots=True)
class GuildSummary:
    guild_id: int
    allowance: int
    cycle_kind: CycleKind
    cycle_end: datetime
    available: int
    held: int
    spent_this_cycle: int
    spent_total: int


@dataclass(frozen=True, slots=True)
class AuditReport:
    """Balances rebuilt from the ledger rows beside the stored ones; ``problems`` lists mismatches."""

    guild_id: int
    granted: int
    adjusted: int
    bonuses: int
    held_rows: int
    settled_rows: int
    released_rows: int
    available: int
    held: int
    spent: int
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems
