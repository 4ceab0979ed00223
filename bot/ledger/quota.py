"""A member's room to hold credits now, and how a hold splits between caps and bonus."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from bot.ledger.caps import resolve_caps
from bot.ledger.cycles import day_bounds
from bot.ledger.errors import QuotaExceededError, RefusingLimit
from bot.ledger.models import Caps
from bot.store.connections import Reader
from bot.store.credit_holds import CreditHoldRepository
from bot.store.credit_limits import CreditLimitRepository
from bot.store.guild_credits import GuildCredit
from bot.store.member_credits import MemberCreditRepository

_holds = CreditHoldRepository()
_limits = CreditLimitRepository()
_members = MemberCreditRepository()


@dataclass(frozen=True, slots=True)
class MemberQuota:
    caps: Caps
    day_used: int  # cap-counted credits held or spent today (UTC)
    cycle_used: int  # the same, this cycle
    bonus: int
    in_flight: int
    allowance_left: int  # the guild's allowance left this cycle
    day_renews_at: datetime
    cycle_renews_at: datetime

    @property
    def remaining_today(self) -> int | None:
        return None if self.caps.day is None else max(0, self.caps.day - self.day_used)

    @property
    def remaining_cycle(self) -> int | None:
        return None if self.caps.cycle is None else max(0, self.caps.cycle - self.cycle_used)

    @property
    def cap_room(self) -> int:
        """What can be held without touching bonus: the tightest of caps and guild allowance."""
        rooms = (self.remaining_today, self.remaining_cycle, self.allowance_left)
        return min(room for room in rooms if room is not None)

    @property
    def spendable(self) -> int:
        return self.cap_room + self.bonus

    def split(self, amount: int) -> tuple[int, int]:
        """(from caps, from bonus) for a hold of ``amount``, or QuotaExceededError."""
        limit = self.caps.max_in_flight
        if limit is not None and self.in_flight >= limit:
            raise QuotaExceededError("in_flight", 1, max(0, limit - self.in_flight), None)
        from_caps = min(amount, self.cap_room)
        from_bonus = amount - from_caps
        if from_bonus > self.bonus:
            raise self._refusal(amount)
        return from_caps, from_bonus

    def _refusal(self, amount: int) -> QuotaExceededError:
        # On a tie, name the limit that renews last: nothing helps before it does.
        candidates: list[tuple[RefusingLimit, int | None, datetime]] = [
            ("guild_allowance", self.allowance_left, self.cycle_renews_at),
            ("member_cycle", self.remaining_cycle, self.cycle_renews_at),
            ("member_day", self.remaining_today, self.day_renews_at),
        ]
        limit, room, renews_at = min(
            ((name, room, at) for name, room, at in candidates if room is not None), key=lambda c: c[1]
        )
        assert room is not None
        return QuotaExceededError(limit, amount, room + self.bonus, renews_at)


async def load_member_quota(
    conn: Reader,
    guild: GuildCredit,
    member_id: int,
    role_ids: Collection[int],
    now: datetime,
    fallback: Caps,
) -> MemberQuota:
    """Everything a hold is checked against. ``guild`` must already be renewed for ``now``."""
    settings = await _limits.for_member(conn, guild.guild_id, member_id, role_ids)
    day_start, day_end = day_bounds(now)
    return MemberQuota(
        caps=resolve_caps(settings, member_id, role_ids, fallback),
        day_used=await _holds.caps_used_since(conn, guild.guild_id, member_id, day_start),
        cycle_used=await _holds.caps_used_in_cycle(conn, guild.guild_id, member_id, guild.cycle_no),
        bonus=await _members.bonus(conn, guild.guild_id, member_id),
        in_flight=await _holds.count_open(conn, guild.guild_id, member_id),
        allowance_left=guild.allowance_left,
        day_renews_at=day_end,
        cycle_renews_at=guild.cycle_end,
    )
