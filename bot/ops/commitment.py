"""Over-commitment: what the servers are promised, per 30 days, beside what the API wallet
gets per 30-day cycle for its tier (vivix-api.md: Pro 15,000, Ultimate 50,000).

Allowances renew on different cycles, so each is normalised to 30 days: daily x30,
weekly x30/7, monthly x1 (a calendar month, 28-31 days, counts as one cycle) and
every-30-days x1; the sum is rounded up to a whole credit.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from ..errors import BotError
from ..ledger import CycleKind, GuildSummary

PERIOD_DAYS = 30
TIER_BUDGETS: dict[str, int] = {"pro": 15_000, "ultimate": 50_000}
"""Credits per 30-day cycle the wallet gets, by API tier."""

PER_30_DAYS: dict[CycleKind, Fraction] = {
    CycleKind.DAILY: Fraction(PERIOD_DAYS),
    CycleKind.WEEKLY: Fraction(PERIOD_DAYS, 7),
    CycleKind.MONTHLY: Fraction(1),
    CycleKind.ROLLING_30D: Fraction(1),
}
NORMALISATION = "daily x30, weekly x30/7, monthly and 30-day x1, rounded up"


def tier_budget(tier: str | None) -> int | None:
    """Credits per 30 days for the tier, or None when the tier is unknown."""
    return TIER_BUDGETS.get((tier or "").strip().lower())


def promised_per_30_days(allowances: Iterable[tuple[int, CycleKind]]) -> int:
    """The sum of ``(allowance, cycle kind)`` normalised to 30 days, rounded up."""
    return math.ceil(sum((amount * PER_30_DAYS[kind] for amount, kind in allowances), Fraction(0)))


@dataclass(frozen=True, slots=True)
class Commitment:
    promised: int  # credits per 30 days, all servers
    tier: str | None
    budget: int | None  # the wallet's credits per 30 days; None when the tier is unknown

    @property
    def over_by(self) -> int:
        """How far promises exceed the budget (0 when within it or the budget is unknown)."""
        return max(0, self.promised - self.budget) if self.budget is not None else 0


def commitment(servers: Sequence[GuildSummary], tier: str | None) -> Commitment:
    promised = promised_per_30_days((s.allowance, s.cycle_kind) for s in servers)
    return Commitment(promised, tier, tier_budget(tier))


@dataclass(frozen=True, slots=True)
class AllowanceChange:
    before: Commitment
    after: Commitment

    @property
    def over_commits(self) -> bool:
        """The change raises promises above the budget (lowering them is never held back)."""
        return self.after.over_by > 0 and self.after.promised > self.before.promised


def allowance_change(
    servers: Sequence[GuildSummary], guild_id: int, amount: int, tier: str | None, *, default_cycle: CycleKind
) -> AllowanceChange:
    """Totals before and after setting ``guild_id``'s allowance to ``amount`` (a server the
    ledger does not know yet joins on ``default_cycle``)."""
    kind = next((s.cycle_kind for s in servers if s.guild_id == guild_id), default_cycle)
    others = [(s.allowance, s.cycle_kind) for s in servers if s.guild_id != guild_id]
    after = Commitment(promised_per_30_days([*others, (amount, kind)]), tier, tier_budget(tier))
    return AllowanceChange(commitment(servers, tier), after)


class OverCommitError(BotError):
    """An allowance change that would promise servers more than the wallet gets; applied only
    when the operator confirms."""

    def __init__(self, change: AllowanceChange) -> None:
        self.change = change
        before, after = change.before, change.after
        super().__init__(
            f"⚠️ That would promise servers **{after.promised:,}** credits per 30 days in all "
            f"(now **{before.promised:,}**), more than the **{after.tier}** wallet's "
            f"**{after.budget or 0:,}** per 30 days. Nothing was changed.\n"
            "To set it anyway, run the same `/operator allowance` with `confirm: True`.\n"
            f"-# Allowances per 30 days: {NORMALISATION}."
        )
