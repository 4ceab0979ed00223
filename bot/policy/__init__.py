"""What a server allows: blocklist, channels, models, sensitive terms, blocked members; pure rules + storage."""

from .errors import (
    BlockedTermError,
    ChannelNotAllowedError,
    MemberBlockedError,
    ModelNotAllowedError,
    PolicyInputError,
    SensitiveDeniedError,
    ServerBlockedError,
)
from .rules import ChannelMode, Effect, Policy, SensitiveMode, TargetKind, Verdict, Where
from .service import PolicyService, Refusal, RefusalObserver
from .terms import Term, TermKind, TermList, TermSource

__all__ = [
    "BlockedTermError",
    "ChannelMode",
    "ChannelNotAllowedError",
    "Effect",
    "MemberBlockedError",
    "ModelNotAllowedError",
    "Policy",
    "PolicyInputError",
    "PolicyService",
    "Refusal",
    "RefusalObserver",
    "SensitiveDeniedError",
    "SensitiveMode",
    "ServerBlockedError",
    "TargetKind",
    "Term",
    "TermKind",
    "TermList",
    "TermSource",
    "Verdict",
    "Where",
]
