"""A whole contest through the service: 5 entrants, 8 voters, a restart between every phase,
the ledger's audit checked after every step."""

from __future__ import annotations

import csv

import pytest

from bot.contests import EntryStatus, Phase, PhaseChange
from bot.contests.errors import ContestFundsError, EntryRefusedError, ExportRefusedError
from bot.contests.export import read_votes_csv
from bot.contests.votes import verify_chain
from tests.contests.conftest import ADMIN, ALLOWANCE, GUILD, LONG_AGO, World, members, settings

ENTRANTS = members(4001, 5)
VOTERS = members(5001, 8)
JOB_COST = 10


async def test_a_contest_from_creation_to_prizes_across_restarts(world: World) -> None:
    contest = await world.contests.create(GUILD, ADMIN, settings())
    assert contest.phase is Phase.ENTRIES
    assert await world.allowance_left() == ALLOWANCE - 850  # the prizes are held at once
    await world.assert_audit()

    # Entries: each entrant submits one of their results made during the window.
    entries = {}
    for n, member in enumerate(ENTRANTS):
        job = await world.finished_job(member, f"a red fox under the moon, take {n}", cost=JOB_COST)
        entries[member] = await world.contests.submit(GUILD, contest.id, job.id, member)
        await world.assert_audit()
    assert all(e.status is EntryStatus.ENTERED for e in entries.values())
    second = await world.finished_job(ENTRANTS[0], "another fox", cost=JOB_COST)
    with pytest.raises(EntryRefusedError, match="one entry per member"):
        await world.contests.submit(GUILD, contest.id, second.id, ENTRANTS[0])

    await world.restart()
    world.clock.advance(hours=24, minutes=1)
    done = await world.contests.scheduler.run_due()
    assert [d.change for d in done] == [PhaseChange.OPEN_VOTING]
    board = world.posted.boards[-1]
    assert board.contest.phase is Phase.VOTING
    assert sorted(b.number for b in board.entries) == [1, 2, 3, 4, 5]
    assert {b.job.member_id for b in board.entries} == set(ENTRANTS)  # the jobs, for the pictures
    await world.assert_audit()

    # Votes: 3 + a changed vote for the first entrant, 2 for the second, 1 each for the third and
    # fourth, none for the fifth.
    await world.restart()
    world.clock.advance(hours=1)
    number_of = {b.job.member_id: b.entry_id for b in board.entries}
    plan = [ENTRANTS[0]] * 3 + [ENTRANTS[1]] * 2 + [ENTRANTS[2], ENTRANTS[3], ENTRANTS[4]]
    for voter, author in zip(VOTERS, plan, strict=True):
        receipt = await world.contests.vote(GUILD, number_of[author], voter, joined_at=LONG_AGO)
        assert not receipt.unchanged and receipt.changed_from is None
    changed = await world.contests.vote(GUILD, number_of[ENTRANTS[0]], VOTERS[7], joined_at=LONG_AGO)
    assert changed.changed_from is not None
    view = await world.contests.show(GUILD, contest.id, VOTERS[0])
    assert view.results is None  # counts stay hidden while voting runs
    assert view.my_vote == changed.entry_number
    with pytest.raises(ExportRefusedError, match="hidden until voting closes"):
        await world.contests.export_votes(GUILD, contest.id)

    await world.restart()
    world.clock.advance(hours=48)
    done = await world.contests.scheduler.run_due()
    assert [d.change for d in done] == [PhaseChange.CLOSE_VOTING, PhaseChange.PAY_PRIZES]
    await world.assert_audit()

    (results,) = world.posted.posted_results
    by_author = {s.member_id: s for s in results.standings}
    assert [(by_author[m].votes, by_author[m].place, by_author[m].prize) for m in ENTRANTS] == [
        (4, 1, 500), (2, 2, 250), (1, 3, 50), (1, 3, 50), (0, None, 0),
    ]
    assert results.voters == 8
    assert [await world.bonus(m) for m in ENTRANTS] == [500, 250, 50, 50, 0]
    assert results.prizes_released == 0
    # The allowance paid the five jobs and the prizes (now the winners' bonus), nothing more.
    assert await world.allowance_left() == ALLOWANCE - 6 * JOB_COST - 850
    closed = await world.contests.get(GUILD, contest.id)
    assert closed.phase is Phase.CLOSED and closed.settled_at is not None

    # Nothing runs twice: another pass, another restart.
    await world.restart()
    assert await world.contests.scheduler.run_due() == []
    assert [await world.bonus(m) for m in ENTRANTS] == [500, 250, 50, 50, 0]
    assert len(world.posted.posted_results) == 1
    await world.assert_audit()

    lines = [line async for line in await world.contests.export_votes(GUILD, contest.id)]
    rows = read_votes_csv(lines)
    assert [r.kind for r in rows] == ["cast"] * 8 + ["change"]
    assert verify_chain(contest.id, rows).ok
    exported = list(csv.DictReader([line async for line in await world.contests.export_entries(GUILD, contest.id)]))
    assert sorted(int(r["member_id"]) for r in exported) == ENTRANTS
    assert sorted(int(r["number"]) for r in exported) == [1, 2, 3, 4, 5]
    assert all(r["output_url"] == f"https://cdn.example/{r['job_id']}.png" for r in exported)


async def test_a_contest_the_allowance_cannot_cover_is_refused_with_the_figures(world: World) -> None:
    with pytest.raises(ContestFundsError) as refused:
        await world.contests.create(GUILD, ADMIN, settings(prizes=(3000, 2000, 1000)))
    assert (refused.value.needed, refused.value.left) == (6000, ALLOWANCE)
    assert "6,000" in refused.value.message and "5,000" in refused.value.message
    assert await world.contests.list(GUILD, include_finished=True) == []
    assert await world.allowance_left() == ALLOWANCE
    await world.assert_audit()


async def test_overdue_phases_catch_up_in_order_after_downtime(world: World) -> None:
    contest = await world.contests.create(GUILD, ADMIN, settings())
    job = await world.finished_job(ENTRANTS[0], "a fox")
    await world.contests.submit(GUILD, contest.id, job.id, ENTRANTS[0])
    await world.close()
    world.clock.advance(days=10)  # the bot was down through both windows
    await world.open()
    done = await world.contests.scheduler.run_due()
    assert [d.change for d in done] == [PhaseChange.OPEN_VOTING, PhaseChange.CLOSE_VOTING, PhaseChange.PAY_PRIZES]
    assert len(world.posted.boards) == 1 and len(world.posted.posted_results) == 1
    results = world.posted.posted_results[0]
    assert [(s.votes, s.place) for s in results.standings] == [(0, None)]
    assert results.prizes_released == 850
    assert await world.allowance_left() == ALLOWANCE - 10
    await world.assert_audit()


async def test_a_contest_without_entries_closes_when_entries_close(world: World) -> None:
    contest = await world.contests.create(GUILD, ADMIN, settings())
    closed = await world.contests.close_phase(GUILD, contest.id, ADMIN)
    assert closed.phase is Phase.CLOSED
    await world.contests.scheduler.run_due()
    assert world.posted.boards == []
    assert [r.standings for r in world.posted.posted_results] == [()]
    assert await world.allowance_left() == ALLOWANCE
    await world.assert_audit()
