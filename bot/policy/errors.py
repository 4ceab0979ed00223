"""Why the server's policy (or the operator's) refuses a request, in the member's or admin's words.

A refusal by the blocklist never repeats the term: it says the request cannot be made here, and
nothing else, so the list cannot be probed by trial and error.
"""

from __future__ import annotations

from datetime import datetime

from ..errors import InputError, PolicyError

NOTHING_CHARGED = "Nothing was charged."


class ServerBlockedError(PolicyError):
    def __init__(self) -> None:
        super().__init__("🚫 The bot's operator has stopped the bot in this server. " + NOTHING_CHARGED)


class MemberBlockedError(PolicyError):
    def __init__(self, until: datetime | None) -> None:
        self.until = until
        when = f" until <t:{int(until.timestamp())}:f>" if until is not None else ""
        super().__init__(f"🚫 This server's admins have blocked you from using the bot here{when}. "
                         + NOTHING_CHARGED)


class ChannelNotAllowedError(PolicyError):
    def __init__(self, channel_ids: tuple[int, ...]) -> None:
        self.channel_ids = channel_ids
        where = ", ".join(f"<#{c}>" for c in channel_ids[:10]) or "no channel yet"
        super().__init__(f"🚫 In this server the bot makes things only in: {where}. " + NOTHING_CHARGED)


class ModelNotAllowedError(PolicyError):
    """A model rule refused: ``rule`` says which, in words (the refusal names the rule)."""

    def __init__(self, rule: str) -> None:
        self.rule = rule
        super().__init__(f"🚫 {rule} (a rule of this server). " + NOTHING_CHARGED)


class BlockedTermError(PolicyError):
    """The request matched the blocklist; the message is neutral and names no term."""

    def __init__(self) -> None:
        super().__init__("🚫 That request can't be made in this server. " + NOTHING_CHARGED)


class SensitiveDeniedError(PolicyError):
    def __init__(self) -> None:
        super().__init__("🚫 This server does not allow sensitive requests outside age-restricted channels. "
                         + NOTHING_CHARGED)


class PolicyInputError(InputError):
    """An admin's policy change could not be made as typed; ``message`` says why."""


class PolicyNotFoundError(PolicyError):
    """A policy entry to remove is not there."""
