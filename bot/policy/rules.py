"""What a server allows, as data, and the pure rules that decide a request against it.

``decide`` runs the rules in a fixed order: the operator's server block, the member's block, the
channel, the model rules, the blocklist, the sensitive terms. The first rule that refuses raises
its ``PolicyError``; a request that passes gets a ``Verdict`` (post the result as a spoiler or
not). No I/O here: the service loads the ``Policy`` and reports refusals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from .errors import (
    BlockedTermError,
    ChannelNotAllowedError,
    MemberBlockedError,
    ModelNotAllowedError,
    SensitiveDeniedError,
    ServerBlockedError,
)
from .terms import Match, Term, TermKind, TermMatcher, TermSource

# The built-in sensitive list: admins extend it with `/policy sensitive add`.
BUILT_IN_SENSITIVE: tuple[Term, ...] = tuple(
    Term(TermKind.WORD, word, TermSource.BUILT_IN)
    for word in ("nsfw", "nude", "nudes", "nudity", "naked", "topless", "porn", "porno", "pornographic",
                 "hentai", "explicit", "erotic", "sexual", "sexy", "lingerie", "gore", "gory", "bloody",
                 "dismembered", "decapitated", "corpse", "mutilated")
)


class ChannelMode(StrEnum):
    ANYWHERE = "anywhere"
    LISTED = "listed"


class SensitiveMode(StrEnum):
    OFF = "off"
    SPOILER = "spoiler"
    DENY = "deny"


class Effect(StrEnum):
    ALLOW = "allow"  # the target only where some allow rule of it matches
    DENY = "deny"  # never where a deny rule of it matches


class TargetKind(StrEnum):
    MODEL = "model"
    CATEGORY = "category"


@dataclass(frozen=True, slots=True)
class ModelRule:
    id: int
    effect: Effect
    target: str  # a model slug or a category, folded
    target_kind: TargetKind
    channel_id: int | None = None
    role_id: int | None = None

    def covers(self, slug: str, category: str) -> bool:
        wanted = category if self.target_kind is TargetKind.CATEGORY else slug
        return self.target == wanted.casefold()

    def applies(self, where: Where) -> bool:
        in_channel = self.channel_id is None or self.channel_id in (where.channel_id, where.parent_channel_id)
        has_role = self.role_id is None or self.role_id in where.role_ids
        return in_channel and has_role

    @property
    def subject(self) -> str:
        return f"{self.target} models" if self.target_kind is TargetKind.CATEGORY else f"`{self.target}`"

    @property
    def scope(self) -> str:
        parts = []
        if self.channel_id is not None:
            parts.append(f"in <#{self.channel_id}>")
        if self.role_id is not None:
            parts.append(f"for <@&{self.role_id}>")
        return " ".join(parts) or "in this server"

    def describe(self) -> str:
        """The rule in words, as `/policy show` lists it."""
        verb = "allowed only" if self.effect is Effect.ALLOW else "not allowed"
        return f"{self.subject} {verb} {self.scope}"


@dataclass(frozen=True, slots=True)
class MemberBlock:
    member_id: int
    until: datetime | None
    reason: str | None
    by: int
    at: datetime

    def active(self, now: datetime) -> bool:
        return self.until is None or self.until > now


@dataclass(frozen=True, slots=True)
class Where:
    """Who asks, and where: what the rules look at besides the request itself."""

    guild_id: int
    channel_id: int
    member_id: int
    role_ids: tuple[int, ...] = ()
    parent_channel_id: int | None = None  # a thread's channel: threads follow their parent
    age_restricted: bool = False


@dataclass(frozen=True, slots=True)
class Verdict:
    spoiler: bool = False


@dataclass
class Policy:
    """One server's policy as loaded, with the operator's parts folded in."""

    guild_id: int
    channel_mode: ChannelMode = ChannelMode.ANYWHERE
    channels: frozenset[int] = frozenset()
    sensitive_mode: SensitiveMode = SensitiveMode.OFF
    block_terms: tuple[Term, ...] = ()  # the server's, then the operator's
    sensitive_terms: tuple[Term, ...] = ()  # the server's additions (the built-in list comes on top)
    model_rules: tuple[ModelRule, ...] = ()
    member_blocks: dict[int, MemberBlock] = field(default_factory=dict)
    server_blocked: bool = False
    blocklist: TermMatcher = field(init=False)
    sensitive: TermMatcher = field(init=False)

    def __post_init__(self) -> None:
        self.blocklist = TermMatcher.of(self.block_terms)
        self.sensitive = TermMatcher.of((*self.sensitive_terms, *BUILT_IN_SENSITIVE))


def check_access(policy: Policy, where: Where, now: datetime) -> None:
    """The rules about who and where, before any model or text is looked at."""
    if policy.server_blocked:
        raise ServerBlockedError()
    block = policy.member_blocks.get(where.member_id)
    if block is not None and block.active(now):
        raise MemberBlockedError(block.until)
    if policy.channel_mode is ChannelMode.LISTED and not (
        where.channel_id in policy.channels or where.parent_channel_id in policy.channels
    ):
        raise ChannelNotAllowedError(tuple(sorted(policy.channels)))


def check_model(policy: Policy, where: Where, slug: str, category: str) -> None:
    """Deny rules refuse where they apply; a target with allow rules is allowed only where one applies."""
    rules = [rule for rule in policy.model_rules if rule.covers(slug, category)]
    for rule in rules:
        if rule.effect is Effect.DENY and rule.applies(where):
            raise ModelNotAllowedError(rule.describe()[0].upper() + rule.describe()[1:])
    for kind in (TargetKind.MODEL, TargetKind.CATEGORY):
        allows = [r for r in rules if r.effect is Effect.ALLOW and r.target_kind is kind]
        if allows and not any(rule.applies(where) for rule in allows):
            scopes = " or ".join(rule.scope for rule in allows)
            text = f"{allows[0].subject} allowed only {scopes}"
            raise ModelNotAllowedError(text[0].upper() + text[1:])


def model_allowed(policy: Policy, where: Where, slug: str, category: str, now: datetime) -> bool:
    """Whether a model may be offered here (autocomplete): access and model rules, no texts."""
    try:
        check_access(policy, where, now)
        check_model(policy, where, slug, category)
    except (ServerBlockedError, MemberBlockedError, ChannelNotAllowedError, ModelNotAllowedError):
        return False
    return True


@dataclass(frozen=True, slots=True)
class Decision:
    """A verdict, or the match that refused (for the refusal hook; the member never sees it)."""

    verdict: Verdict
    match: Match | None = None


def check_texts(policy: Policy, where: Where, texts: Sequence[str]) -> Decision:
    """The blocklist refuses; a sensitive match is a spoiler or a refusal, except where age-restricted."""
    found = policy.blocklist.find(texts)
    if found is not None:
        raise TextRefused(BlockedTermError(), found)
    if policy.sensitive_mode is SensitiveMode.OFF or where.age_restricted:
        return Decision(Verdict())
    found = policy.sensitive.find(texts)
    if found is None:
        return Decision(Verdict())
    if policy.sensitive_mode is SensitiveMode.DENY:
        raise TextRefused(SensitiveDeniedError(), found)
    return Decision(Verdict(spoiler=True), found)


class TextRefused(Exception):
    """Carries a text refusal with the match that caused it, up to the service."""

    def __init__(self, error: BlockedTermError | SensitiveDeniedError, match: Match) -> None:
        super().__init__(type(error).__name__)
        self.error = error
        self.match = match


def decide(policy: Policy, where: Where, slug: str, category: str, texts: Sequence[str], now: datetime) -> Decision:
    """Every rule, in order. Raises the first refusal (a ``PolicyError``; a text refusal comes
    wrapped in ``TextRefused`` with its match)."""
    check_access(policy, where, now)
    check_model(policy, where, slug, category)
    return check_texts(policy, where, texts)


