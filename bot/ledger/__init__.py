"""Credits: per-guild allowance and cycles, member and role caps, bonus, holds that settle or refund."""

from __future__ import annotations

from bot.ledger.checks import Actor
from bot.ledger.cycles import CycleKind
from bot.ledger.errors import (
    CreditError,
    DuplicateHoldError,
    InvalidAmountError,
    InvalidCycleError,
    InvalidInputError,
    QuotaExceededError,
    RefusingLimit,
    UnknownHoldError,
)
from bot.ledger.models import (
    INHERIT,
    UNCHANGED,
    AuditReport,
    Caps,
    CapValue,
    GuildStatus,
    GuildSummary,
    HoldOutcome,
    Inherit,
    LedgerDefaults,
    MemberSpend,
    MemberStatus,
    ModelSpend,
    ScopedCaps,
    Unchanged,
    UsageReport,
)
from bot.ledger.pools import POOL_MEMBER, PoolExhaustedError
from bot.ledger.service import CreditLedger
from bot.store.credit_holds import CreditHold
from bot.store.ledger_entries import LedgerEntry

__all__ = [
    "INHERIT",
    "POOL_MEMBER",
    "UNCHANGED",
    "Actor",
    "AuditReport",
    "CapValue",
    "Caps",
    "CreditError",
    "CreditHold",
    "CreditLedger",
    "CycleKind",
    "DuplicateHoldError",
    "GuildStatus",
    "GuildSummary",
    "HoldOutcome",
    "Inherit",
    "InvalidAmountError",
    "InvalidCycleError",
    "InvalidInputError",
    "LedgerDefaults",
    "LedgerEntry",
    "MemberSpend",
    "MemberStatus",
    "ModelSpend",
    "PoolExhaustedError",
    "QuotaExceededError",
    "RefusingLimit",
    "ScopedCaps",
    "Unchanged",
    "UnknownHoldError",
    "UsageReport",
]
