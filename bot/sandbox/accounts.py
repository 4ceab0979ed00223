"""Sandbox accounts: one API key each, with a tier, limits, a wallet and a model allowlist."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from bot.sandbox.catalog import IMAGE_MODELS

TIER_DEFAULTS: dict[str, tuple[int, int, int]] = {
    # tier: (calls per minute, concurrent jobs, credits per cycle)
    "free": (0, 0, 500),
    "standard": (0, 0, 3000),
    "pro": (240, 5, 15000),
    "ultimate": (600, 20, 50000),
}
LOCKED_TIERS = frozenset({"free", "standard"})
"""Tiers without API access: every call answers 403 TIER_LOCKED."""


@dataclass
class Account:
    key: str
    tier: str
    calls_per_minute: int
    concurrent_jobs: int
    credits: int
    allowlist: frozenset[str] | None = None
    """Slugs this key may see and call; ``None`` means every model."""
    api_access: bool = True
    """Whether the tier has API access at all (Free and Standard do not)."""
    revoked: bool = False
    """A revoked key answers 401 KEY_INVALID everywhere; restoring it brings the account back."""
    tier_locked: bool = False
    """Set by the operator controls: 403 TIER_LOCKED everywhere, as if downgraded, until unlocked."""
    price_factor: float = 1.0
    """A per-account pricing override (vivix-api.md): estimates and charges times this, while
    /models keeps publishing the list price band, as the real service does."""
    calls: deque[float] = field(default_factory=deque, repr=False)
    """Clock times of the calls inside the sliding rate-limit window."""

    def allows(self, slug: str) -> bool:
        return self.allowlist is None or slug in self.allowlist

    @property
    def locked(self) -> bool:
        """Whether calls answer 403 TIER_LOCKED: by tier, or by the lock control."""
        return not self.api_access or self.tier_locked

    def to_json(self, in_flight: int) -> dict[str, object]:
        """What the admin route ``GET /_sandbox/keys/{key}`` shows."""
        return {
            "key": self.key,
            "tier": self.tier,
            "credits": self.credits,
            "in_flight": in_flight,
            "revoked": self.revoked,
            "tier_locked": self.locked,
            "calls_per_minute": self.calls_per_minute,
            "concurrent_jobs": self.concurrent_jobs,
        }


def make_account(
    key: str,
    *,
    tier: str = "pro",
    calls_per_minute: int | None = None,
    concurrent_jobs: int | None = None,
    credits: int | None = None,
    allowlist: frozenset[str] | set[str] | list[str] | tuple[str, ...] | None = None,
    api_access: bool | None = None,
) -> Account:
    """An account with the tier's defaults for every limit not given."""
    rpm, jobs, wallet = TIER_DEFAULTS.get(tier, TIER_DEFAULTS["pro"])
    return Account(
        key=key,
        tier=tier,
        calls_per_minute=rpm if calls_per_minute is None else calls_per_minute,
        concurrent_jobs=jobs if concurrent_jobs is None else concurrent_jobs,
        credits=wallet if credits is None else credits,
        allowlist=None if allowlist is None else frozenset(allowlist),
        api_access=(tier not in LOCKED_TIERS) if api_access is None else api_access,
    )


def builtin_accounts() -> list[Account]:
    return [
        make_account("vvx_sandbox_pro", tier="pro"),
        make_account("vvx_sandbox_ultimate", tier="ultimate"),
        make_account("vvx_sandbox_standard", tier="standard"),
        make_account("vvx_sandbox_limited", tier="pro", allowlist=IMAGE_MODELS),
    ]


BUILTIN_KEYS: tuple[str, ...] = tuple(a.key for a in builtin_accounts())
