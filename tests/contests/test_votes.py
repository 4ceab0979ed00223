"""Voting: who may vote, one vote each that may change, never for one's own entry, the chain."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from bot.contests import Contest, Phase
from bot.contests.errors import VoteRefusedError, WrongPhaseError
from bot.contests.export import read_votes_csv
from bot.contests.votes import verify_chain
from tests.contests.conftest import ADMIN, GUILD, LONG_AGO, World, settings

ALICE, BOB, CAROL = 4001, 4002, 4003
VOTER = 5001
ROLE = 7777


async def voting_contest(world: World, **overrides: object) -> tuple[Contest, dict[int, int]]:
    """A contest in its voting phase with entries by Alice, Bob and Carol: author -> entry id."""
    contest = await world.contests.create(GUILD, ADMIN, settings(**overrides))
    for author in (ALICE, BOB, CAROL):
        job = await world.finished_job(author, f"a fox by {author}")
        await world.contests.submit(GUILD, contest.id, job.id, author, role_ids=[ROLE])
    await world.contests.close_phase(GUILD, contest.id, ADMIN)
    board = await world.contests.board(contest.id)
    return contest, {b.job.member_id: b.entry_id for b in board.entries}


async def test_nobody_votes_for_their_own_entry(world: World) -> None:
    _, entry_of = await voting_contest(world)
    with pytest.raises(VoteRefusedError, match="your own entry"):
        await world.contests.vote(GUILD, entry_of[ALICE], ALICE, joined_at=LONG_AGO)
    receipt = await world.contests.vote(GUILD, entry_of[BOB], ALICE, joined_at=LONG_AGO)  # another's is fine
    assert not receipt.unchanged


async def test_a_changed_vote_counts_once_and_both_rows_stay_in_the_chain(world: World) -> None:
    contest, entry_of = await voting_contest(world)
    first = await world.contests.vote(GUILD, entry_of[ALICE], VOTER, joined_at=LONG_AGO)
    again = await world.contests.vote(GUILD, entry_of[ALICE], VOTER, joined_at=LONG_AGO)
    assert again.unchanged  # the same vote twice writes nothing
    world.clock.advance(minutes=5)
    changed = await world.contests.vote(GUILD, entry_of[BOB], VOTER, joined_at=LONG_AGO)
    assert changed.changed_from == first.entry_number
    await world.contests.close_phase(GUILD, contest.id, ADMIN)
    await world.contests.scheduler.run_due()
    results = await world.contests.results(contest.id)
    assert results is not None
    assert {s.member_id: s.votes for s in results.standings} == {ALICE: 0, BOB: 1, CAROL: 0}
    assert results.voters == 1
    rows = read_votes_csv([line async for line in await world.contests.export_votes(GUILD, contest.id)])
    assert [(r.kind, r.entry_id) for r in rows] == [("cast", entry_of[ALICE]), ("change", entry_of[BOB])]
    assert verify_chain(contest.id, rows).ok


async def test_a_tampered_export_fails_the_check_at_the_row_changed(world: World) -> None:
    contest, entry_of = await voting_contest(world)
    for voter in (VOTER, VOTER + 1, VOTER + 2):
        await world.contests.vote(GUILD, entry_of[CAROL], voter, joined_at=LONG_AGO)
    await world.contests.close_phase(GUILD, contest.id, ADMIN)
    rows = read_votes_csv([line async for line in await world.contests.export_votes(GUILD, contest.id)])
    assert verify_chain(contest.id, rows).ok
    moved = [*rows[:1], replace(rows[1], entry_id=entry_of[ALICE]), *rows[2:]]
    check = verify_chain(contest.id, moved)
    assert (check.ok, check.bad_seq) == (False, rows[1].seq)
    dropped = verify_chain(contest.id, [rows[0], rows[2]])
    assert (dropped.ok, dropped.bad_seq) == (False, rows[2].seq)
    assert not verify_chain(contest.id + 1, rows).ok  # a chain belongs to one contest


async def test_only_members_who_joined_before_the_contest_and_hold_its_role_may_vote(world: World) -> None:
    contest, entry_of = await voting_contest(world, role_id=ROLE)
    late = contest.created_at + timedelta(seconds=1)
    with pytest.raises(VoteRefusedError, match="before this contest began"):
        await world.contests.vote(GUILD, entry_of[ALICE], VOTER, joined_at=late, role_ids=[ROLE])
    with pytest.raises(VoteRefusedError, match="before this contest began"):
        await world.contests.vote(GUILD, entry_of[ALICE], VOTER, joined_at=None, role_ids=[ROLE])
    with pytest.raises(VoteRefusedError, match=f"<@&{ROLE}>"):
        await world.contests.vote(GUILD, entry_of[ALICE], VOTER, joined_at=LONG_AGO, role_ids=[1, 2])
    await world.contests.vote(GUILD, entry_of[ALICE], VOTER, joined_at=LONG_AGO, role_ids=[ROLE])
    await world.contests.close_phase(GUILD, contest.id, ADMIN)
    results = await world.contests.results(contest.id)
    assert results is not None and results.voters == 1


async def test_votes_are_taken_only_while_voting_runs(world: World) -> None:
    contest = await world.contests.create(GUILD, ADMIN, settings())
    job = await world.finished_job(ALICE, "a fox")
    entry = await world.contests.submit(GUILD, contest.id, job.id, ALICE)
    with pytest.raises(WrongPhaseError, match="opens"):
        await world.contests.vote(GUILD, entry.id, VOTER, joined_at=LONG_AGO)
    job = await world.finished_job(BOB, "a fox too")
    await world.contests.submit(GUILD, contest.id, job.id, BOB)
    await world.contests.close_phase(GUILD, contest.id, ADMIN)
    world.clock.set(contest.votes_close_at)  # due, but the timer has not run yet
    with pytest.raises(WrongPhaseError, match="has closed"):
        await world.contests.vote(GUILD, entry.id, VOTER, joined_at=LONG_AGO)
    await world.contests.scheduler.run_due()
    assert (await world.contests.get(GUILD, contest.id)).phase is Phase.CLOSED
    with pytest.raises(WrongPhaseError, match="has closed"):
        await world.contests.vote(GUILD, entry.id, VOTER, joined_at=LONG_AGO)
