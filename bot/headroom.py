"""What a member has left after one hold, under the limit that runs out first, and whether that
is near enough to the end to tell them ("holding 211 cr · 389 left today").

"Near" (README, "Exact cost before spending"): fewer than ``NEAR_HOLDS`` more holds of the same
size fit under the limit, or less than ``NEAR_SHARE`` of a member cap is left. The server's
allowance counts as a limit too (the first rule only: members do not own it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .ledger import MemberStatus

NEAR_HOLDS = 3
NEAR_SHARE = 0.25

LimitName = Literal["day", "cycle", "server"]


@dataclass(frozen=True, slots=True)
class Headroom:
    amount: int  # the hold
    left: int  # credits left under ``limit`` after it (bonus apart)
    limit: LimitName  # the limit that runs out first: the member's day or cycle cap, or the server's allowance
    bonus_left: int  # the member's bonus after it (a hold spills into bonus once the caps run out)
    near: bool
    fits: bool  # the hold would be allowed now (else the hold itself refuses it, naming the limit)


def headroom_after(status: MemberStatus, amount: int) -> Headroom:
    """The member's standing once ``amount`` is held, from their standing before it."""
    limits: list[tuple[LimitName, int, int | None]] = []
    if status.remaining_today is not None:
        limits.append(("day", status.remaining_today, status.caps.day))
    if status.remaining_cycle is not None:
        limits.append(("cycle", status.remaining_cycle, status.caps.cycle))
    limits.append(("server", status.guild_remaining, None))
    name, room, cap = min(limits, key=lambda limit: limit[1])  # a tie keeps the first: the member's own
    from_caps = min(amount, room)
    left = room - from_caps
    near = left < NEAR_HOLDS * amount or (cap is not None and left < cap * NEAR_SHARE)
    slots = status.max_in_flight is None or status.in_flight < status.max_in_flight
    fits = amount <= status.spendable and slots
    return Headroom(amount, left, name, max(0, status.bonus - (amount - from_caps)), near, fits)
