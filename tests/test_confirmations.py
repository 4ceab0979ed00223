"""Requests waiting for their member's Confirm, in a real SQLite file: stored, taken once, expired."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.confirmations import (
    ConfirmationGoneError,
    Confirmations,
    NotYourConfirmationError,
    ThresholdInputError,
    parse_threshold,
)
from bot.generation import GenerationRequest, Reference
from bot.headroom import Headroom
from bot.store import Database

ALICE, BOB = 111_111_111_111_111_111, 222_222_222_222_222_222
REQUEST = GenerationRequest(
    guild_id=1, channel_id=2, member_id=ALICE, command="imagine", prompt="a fox", category="image",
    model="flux-2-flash", params={"seed": 7, "aspect_ratio": "1:1"}, options_text="steps=30",
    references=(Reference("reference_1", "https://cdn/x.png", "x.png", "image/png"),), role_ids=(5,),
)
LEFT = Headroom(amount=300, left=100, limit="day", bonus_left=0, near=True, fits=True)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 12, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def db(db_target: str | Path):  # type: ignore[no-untyped-def]
    async with await Database.open(db_target) as database:
        yield database


async def test_nothing_is_asked_until_admins_set_a_threshold(db: Database) -> None:
    confirmations = Confirmations(db, Clock())
    assert await confirmations.ask(REQUEST, "flux-2-flash", 300, LEFT) is None
    await confirmations.set_threshold(1, 300, by=BOB)
    assert await confirmations.ask(REQUEST, "flux-2-flash", 300, LEFT) is None  # not above it
    assert await confirmations.ask(REQUEST, "flux-2-flash", 301, LEFT) is not None
    await confirmations.set_threshold(1, None, by=BOB)
    assert await Confirmations(db, Clock()).threshold(1) is None  # off, and read back so


async def test_confirming_gives_the_request_back_once_marked_confirmed(db: Database) -> None:
    clock = Clock()
    await Confirmations(db, clock).set_threshold(1, 100, by=BOB)
    pending = await Confirmations(db, clock).ask(REQUEST, "flux-2-flash", 300, LEFT)
    assert pending is not None and pending.expires_at == clock.now + timedelta(seconds=60)

    after_restart = Confirmations(db, clock)  # a new process: only the database remembers it
    taken = await after_restart.take(pending.id, ALICE, (5, 6))

    assert taken == dataclasses.replace(REQUEST, confirmed=True, role_ids=(5, 6))
    with pytest.raises(ConfirmationGoneError):
        await after_restart.take(pending.id, ALICE, (5,))


async def test_of_two_clicks_at_once_exactly_one_gets_the_request(db: Database) -> None:
    confirmations = Confirmations(db, Clock())
    await confirmations.set_threshold(1, 100, by=BOB)
    pending = await confirmations.ask(REQUEST, "flux-2-flash", 300, LEFT)
    assert pending is not None

    outcomes = await asyncio.gather(*(confirmations.take(pending.id, ALICE, ()) for _ in range(5)),
                                    return_exceptions=True)

    assert sum(isinstance(o, GenerationRequest) for o in outcomes) == 1
    assert sum(isinstance(o, ConfirmationGoneError) for o in outcomes) == 4


async def test_only_the_member_who_asked_may_answer(db: Database) -> None:
    confirmations = Confirmations(db, Clock())
    await confirmations.set_threshold(1, 100, by=BOB)
    pending = await confirmations.ask(REQUEST, "flux-2-flash", 300, LEFT)
    assert pending is not None
    with pytest.raises(NotYourConfirmationError):
        await confirmations.take(pending.id, BOB, ())
    with pytest.raises(NotYourConfirmationError):
        await confirmations.decline(pending.id, BOB)
    await confirmations.decline(pending.id, ALICE)
    with pytest.raises(ConfirmationGoneError):
        await confirmations.take(pending.id, ALICE, ())


async def test_an_expired_request_cannot_be_confirmed_and_is_swept(db: Database) -> None:
    clock = Clock()
    confirmations = Confirmations(db, clock)
    await confirmations.set_threshold(1, 100, by=BOB)
    stale = await confirmations.ask(REQUEST, "flux-2-flash", 300, LEFT)
    assert stale is not None
    clock.now += timedelta(seconds=60)
    with pytest.raises(ConfirmationGoneError):
        await confirmations.take(stale.id, ALICE, ())

    unanswered = await confirmations.ask(REQUEST, "flux-2-flash", 300, LEFT)
    clock.now += timedelta(seconds=61)
    await confirmations.ask(REQUEST, "flux-2-flash", 300, LEFT)  # a new one sweeps the expired
    async with db.read() as conn:
        assert unanswered is not None and await confirmations.repo.get(conn, unanswered.id) is None
        assert await confirmations.repo.count(conn) == 1


@pytest.mark.parametrize(("given", "expected"), [("250", 250), ("1,000", 1000), (" OFF ", None), ("0", 0)])
def test_admins_give_a_threshold_in_credits_or_off(given: str, expected: int | None) -> None:
    assert parse_threshold(given) == expected


@pytest.mark.parametrize("given", ["-5", "ten", "1e3", "99999999999"])
def test_a_threshold_that_is_not_a_whole_number_is_refused(given: str) -> None:
    with pytest.raises(ThresholdInputError):
        parse_threshold(given)
