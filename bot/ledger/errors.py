"""Errors the credit ledger raises. Each carries the facts a UI needs as attributes."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Literal

from bot.errors import BotError

if TYPE_CHECKING:
    from bot.store.credit_holds import CreditHold

RefusingLimit = Literal["guild_allowance", "member_day", "member_cycle", "in_flight"]
"""Which limit refused a hold: the guild's allowance, a member cap, or the in-flight cap.
(A cap *setting* is named by ``bot.store.credit_limits.LimitName``: day | cycle | in_flight.)"""


class CreditError(BotError):
    """Base of every error raised by ``bot.ledger``."""


class InvalidInputError(CreditError, ValueError):
    """An argument is out of range or of the wrong kind."""

    def __init__(self, field: str, value: object, reason: str) -> None:
        self.field = field
        self.value = value
        self.reason = reason
        super().__init__(f"{field}={value!r}: {reason}")


class InvalidAmountError(InvalidInputError):
    """A credit amount is negative, zero where it must be positive, or not an integer."""


class InvalidCycleError(InvalidInputError):
    """The cycle kind is not one of ``allowed``."""

    def __init__(self, kind: object, allowed: tuple[str, ...]) -> None:
        self.kind = kind
        self.allowed = allowed
        super().__init__("cycle", kind, f"must be one of {', '.join(allowed)}")


class QuotaExceededError(CreditError):
    """A hold was refused; nothing was held.

    ``limit`` names the limit that refused it. ``needed`` is what was asked and
    ``left`` the most that limit lets the member hold now (bonus included); for
    ``in_flight`` both count jobs. ``renews_at`` is when that limit resets
    (None for ``in_flight``, which frees up as jobs finish).
    """

    def __init__(self, limit: RefusingLimit, needed: int, left: int, renews_at: datetime | None) -> None:
        self.limit: RefusingLimit = limit
        self.needed = needed
        self.left = left
        self.renews_at = renews_at
        when = f", renews at {renews_at.isoformat()}" if renews_at else ""
        super().__init__(f"{limit}: needed {needed}, {left} left{when}")


class DuplicateHoldError(CreditError):
    """A hold already exists for ``job_id``; nothing changed. ``existing`` is that hold."""

    def __init__(self, job_id: str, existing: CreditHold) -> None:
        self.job_id = job_id
        self.existing = existing
        super().__init__(f"job {job_id} already has a hold ({existing.status}, {existing.amount} credits)")


class UnknownHoldError(CreditError):
    """No hold was ever made for ``job_id``."""

    def __init__(self, job_id: str) -> None:
        self.job_id = job_id
        super().__init__(f"no hold for job {job_id}")
