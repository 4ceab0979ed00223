"""Entering with the Submit button and withdrawing: only the member's own finished results from
the entry window, under the contest's rules, each job once in one contest."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.contests import EntryStatus
from bot.contests.errors import ContestSettingsError, EntryRefusedError, WrongPhaseError
from bot.contests.rules import parse_prizes
from bot.jobs import JobOutcome
from tests.contests.conftest import ADMIN, GUILD, World, settings

ALICE, BOB = 4001, 4002
ROLE = 7777


async def test_only_ones_own_finished_results_under_the_rules_can_be_submitted(world: World) -> None:
    before = await world.finished_job(ALICE, "a fox made before the contest")
    world.clock.advance(minutes=1)
    contest = await world.contests.create(GUILD, ADMIN, settings(models=("flux-2-flash",)))
    other = await world.contests.create(GUILD, ADMIN, settings(title="Moons", required_words=("moon",)))
    cases = [
        (await world.finished_job(BOB, "a fox of Bob's"), "the member who made"),
        (await world.finished_job(ALICE, "a wolf"), "must contain `fox`"),
        (await world.finished_job(ALICE, "a fox", outcome=JobOutcome.FAILED), "finished result"),
        (await world.finished_job(ALICE, "a fox", model="grok-imagine-image-quality"), "`flux-2-flash` only"),
        (await world.finished_job(ALICE, "a fox", model="wan-2.7-text-to-video", category="video"),
         "takes image entries"),
        (before, "while the contest takes entries"),
    ]
    for job, reason in cases:
        with pytest.raises(EntryRefusedError, match=reason):
            await world.contests.submit(GUILD, contest.id, job.id, ALICE)

    fox_and_moon = await world.finished_job(ALICE, "a Fox under the MOON")
    assert [c.id for c in await world.contests.submittable(GUILD, fox_and_moon.id, ALICE)] == [other.id, contest.id]
    entry = await world.contests.submit(GUILD, contest.id, fox_and_moon.id, ALICE)
    assert entry.status is EntryStatus.ENTERED
    with pytest.raises(EntryRefusedError, match=f"already entered in contest #{contest.id}"):
        await world.contests.submit(GUILD, other.id, fox_and_moon.id, ALICE)
    assert await world.contests.submittable(GUILD, fox_and_moon.id, ALICE) == []
    await world.assert_audit()


async def test_a_role_is_needed_to_enter_when_the_contest_names_one(world: World) -> None:
    contest = await world.contests.create(GUILD, ADMIN, settings(role_id=ROLE))
    job = await world.finished_job(ALICE, "a fox")
    with pytest.raises(EntryRefusedError, match=f"<@&{ROLE}>"):
        await world.contests.submit(GUILD, contest.id, job.id, ALICE, role_ids=[1])
    await world.contests.submit(GUILD, contest.id, job.id, ALICE, role_ids=[ROLE])


async def test_withdrawing_frees_the_place_but_not_the_job_nor_the_credits(world: World) -> None:
    contest = await world.contests.create(GUILD, ADMIN, settings())
    job = await world.finished_job(ALICE, "a fox")
    entry = await world.contests.submit(GUILD, contest.id, job.id, ALICE)
    with pytest.raises(EntryRefusedError, match="Only its author"):
        await world.contests.withdraw(GUILD, entry.id, BOB)
    spent = await world.allowance_left()
    withdrawn = await world.contests.withdraw(GUILD, entry.id, ALICE)
    assert withdrawn.status is EntryStatus.WITHDRAWN
    assert await world.allowance_left() == spent  # no refund
    with pytest.raises(EntryRefusedError, match="already entered"):
        await world.contests.submit(GUILD, contest.id, job.id, ALICE)
    again = await world.finished_job(ALICE, "another fox")
    await world.contests.submit(GUILD, contest.id, again.id, ALICE)  # the place is free again
    third = await world.finished_job(BOB, "a fox of Bob's")
    bobs = await world.contests.submit(GUILD, contest.id, third.id, BOB)
    await world.contests.close_phase(GUILD, contest.id, ADMIN)
    with pytest.raises(EntryRefusedError, match="no longer be withdrawn"):
        await world.contests.withdraw(GUILD, bobs.id, BOB)
    board = await world.contests.board(contest.id)
    assert sorted(b.job.id for b in board.entries) == sorted([again.id, third.id])
    await world.assert_audit()


async def test_entries_close_on_time_even_before_the_timer_runs(world: World) -> None:
    contest = await world.contests.create(GUILD, ADMIN, settings(entry_hours=2))
    world.clock.advance(hours=1, minutes=59)
    job = await world.finished_job(ALICE, "a fox")
    world.clock.advance(minutes=1)
    with pytest.raises(WrongPhaseError, match="closed"):
        await world.contests.submit(GUILD, contest.id, job.id, ALICE)
    assert contest.entries_close_at == contest.created_at + timedelta(hours=2)


async def test_settings_out_of_range_are_refused_naming_the_option(world: World) -> None:
    assert parse_prizes("500, 250,100") == (500, 250, 100)
    with pytest.raises(ContestSettingsError, match="`prizes`"):
        parse_prizes("500,lots")
    for bad, field in [
        ({"prizes": (100, 200)}, "prizes"), ({"prizes": (1, 1, 1, 1)}, "prizes"), ({"entry_hours": 0.0}, "entry_hours"),
        ({"max_entries": 0}, "max_entries"), ({"budget": 100}, "budget"), ({"title": "  "}, "title"),
    ]:
        with pytest.raises(ContestSettingsError, match=f"`{field}`"):
            await world.contests.create(GUILD, ADMIN, settings(**bad))
    assert await world.contests.list(GUILD, include_finished=True) == []
