from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.ledger import INHERIT, Caps, CreditLedger, QuotaExceededError
from bot.ledger.caps import resolve_caps
from bot.store.credit_limits import LimitSetting

from .conftest import ALICE, GUILD

NOW = datetime(2024, 1, 1, tzinfo=UTC)
BOT_DEFAULT = Caps(day=None, cycle=None, max_in_flight=3)
MOD, VIP, ARTIST = 11, 12, 13


def setting(scope: str, target: int, name: str, value: int | None) -> LimitSetting:
    return LimitSetting(GUILD, scope, target, name, value, "admin", NOW)  # type: ignore[arg-type]


def test_bot_default_when_nothing_is_set() -> None:
    assert resolve_caps([], ALICE, set(), BOT_DEFAULT) == BOT_DEFAULT


def test_guild_default_beats_bot_default() -> None:
    settings = [setting("default", 0, "day", 100), setting("default", 0, "in_flight", None)]
    assert resolve_caps(settings, ALICE, set(), BOT_DEFAULT) == Caps(100, None, None)


def test_most_generous_role_wins_and_unlimited_beats_numbers() -> None:
    settings = [
        setting("default", 0, "day", 100),
        setting("role", MOD, "day", 300),
        setting("role", VIP, "day", 200),
        setting("role", VIP, "cycle", 1000),
        setting("role", ARTIST, "cycle", None),
    ]
    assert resolve_caps(settings, ALICE, {VIP}, BOT_DEFAULT).day == 200
    assert resolve_caps(settings, ALICE, {MOD, VIP}, BOT_DEFAULT).day == 300
    assert resolve_caps(settings, ALICE, {VIP}, BOT_DEFAULT).cycle == 1000
    assert resolve_caps(settings, ALICE, {VIP, ARTIST}, BOT_DEFAULT).cycle is None
    # a role that sets nothing for a limit does not hide the guild default
    assert resolve_caps(settings, ALICE, {ARTIST}, BOT_DEFAULT).day == 100


def test_explicit_member_cap_wins_even_when_stricter() -> None:
    settings = [
        setting("role", MOD, "day", None),
        setting("member", ALICE, "day", 5),
        setting("member", ALICE + 1, "day", 1),
    ]
    assert resolve_caps(settings, ALICE, {MOD}, BOT_DEFAULT).day == 5
    assert resolve_caps(settings, ALICE + 2, {MOD}, BOT_DEFAULT).day is None


async def test_precedence_through_the_service(ledger: CreditLedger) -> None:
    await ledger.set_member_caps(GUILD, None, day=50, actor="admin")
    await ledger.set_role_caps(GUILD, VIP, day=80, actor="admin")
    await ledger.set_role_caps(GUILD, MOD, day=None, actor="admin")
    assert (await ledger.member_status(GUILD, ALICE)).caps.day == 50
    assert (await ledger.member_status(GUILD, ALICE, [VIP])).caps.day == 80
    assert (await ledger.member_status(GUILD, ALICE, [VIP, MOD])).caps.day is None
    scoped = await ledger.set_member_caps(GUILD, ALICE, day=10, actor="admin")
    assert (scoped.scope, scoped.target_id, scoped.day, scoped.cycle) == ("member", ALICE, 10, INHERIT)
    assert (await ledger.member_status(GUILD, ALICE, [VIP, MOD])).caps.day == 10
    await ledger.set_member_caps(GUILD, ALICE, day=INHERIT, actor="admin")
    assert (await ledger.member_status(GUILD, ALICE, [VIP])).caps.day == 80


async def test_in_flight_follows_the_same_precedence(ledger: CreditLedger) -> None:
    await ledger.set_max_in_flight(GUILD, 1, actor="admin")
    await ledger.set_max_in_flight(GUILD, 2, role_id=VIP, actor="admin")
    assert (await ledger.member_status(GUILD, ALICE)).max_in_flight == 1
    assert (await ledger.member_status(GUILD, ALICE, [VIP])).max_in_flight == 2
    await ledger.set_max_in_flight(GUILD, None, member_id=ALICE, actor="admin")
    assert (await ledger.member_status(GUILD, ALICE)).max_in_flight is None
    await ledger.set_max_in_flight(GUILD, INHERIT, member_id=ALICE, actor="admin")
    await ledger.hold(GUILD, ALICE, 1, "a1", role_ids=[VIP])
    await ledger.hold(GUILD, ALICE, 1, "a2", role_ids=[VIP])
    with pytest.raises(QuotaExceededError) as caught:
        await ledger.hold(GUILD, ALICE, 1, "a3", role_ids=[VIP])
    err = caught.value
    assert (err.limit, err.needed, err.left, err.renews_at) == ("in_flight", 1, 0, None)
    await ledger.release("a1")
    await ledger.hold(GUILD, ALICE, 1, "a3", role_ids=[VIP])
