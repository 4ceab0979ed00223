"""What a member has left after a hold, and when that is near enough a cap to say so."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.headroom import headroom_after
from bot.ledger import Caps, MemberStatus

T0 = datetime(2026, 12, 1, tzinfo=UTC)


def _status(*, day: int | None = None, cycle: int | None = None, used: int = 0, server: int = 5000,
            bonus: int = 0, in_flight: int = 0, max_in_flight: int | None = 3) -> MemberStatus:
    remaining_day = None if day is None else day - used
    remaining_cycle = None if cycle is None else cycle - used
    rooms = [r for r in (remaining_day, remaining_cycle, server) if r is not None]
    return MemberStatus(
        guild_id=1, member_id=2, caps=Caps(day, cycle, max_in_flight), day_used=used, cycle_used=used,
        remaining_today=remaining_day, remaining_cycle=remaining_cycle, bonus=bonus, in_flight=in_flight,
        max_in_flight=max_in_flight, guild_remaining=server, spendable=min(rooms) + bonus, day_renews_at=T0,
        cycle_renews_at=T0,
    )


def test_a_day_cap_with_room_for_fewer_than_three_more_is_near() -> None:
    left = headroom_after(_status(day=600), 211)
    assert (left.left, left.limit, left.near, left.fits) == (389, "day", True, True)


def test_plenty_of_room_is_not_near() -> None:
    left = headroom_after(_status(day=4000), 211)
    assert (left.left, left.limit, left.near) == (3789, "day", False)
    assert not headroom_after(_status(), 211).near  # the server's 5,000 alone


def test_less_than_a_quarter_of_a_cap_left_is_near_even_for_small_holds() -> None:
    left = headroom_after(_status(cycle=1000, used=760), 10)
    assert (left.left, left.limit, left.near) == (230, "cycle", True)
    assert not headroom_after(_status(cycle=1000, used=740), 10).near  # 250 left: a quarter


def test_the_limit_that_runs_out_first_is_the_one_shown() -> None:
    left = headroom_after(_status(day=10_000, cycle=20_000, server=400), 100)
    assert (left.left, left.limit, left.near) == (300, "server", False)
    assert headroom_after(_status(day=10_000, server=250), 100).near


def test_a_hold_past_the_caps_spends_bonus_and_says_what_bonus_is_left() -> None:
    left = headroom_after(_status(day=100, used=50, bonus=80), 100)
    assert (left.left, left.bonus_left, left.fits) == (0, 30, True)


def test_a_hold_that_the_ledger_would_refuse_does_not_fit() -> None:
    assert not headroom_after(_status(day=100), 101).fits
    assert not headroom_after(_status(in_flight=3, max_in_flight=3), 10).fits
