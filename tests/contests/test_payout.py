"""Prizes: the ranking with shared places, each prize paid exactly once (even across a crash in
the middle of the payout), and cancelling releasing everything held."""

from __future__ import annotations

import pytest

from bot.contests.errors import WrongPhaseError
from bot.contests.models import EntryCost, Payout, Phase
from bot.contests.payout import plan_payouts, rank
from tests.contests.conftest import ADMIN, ALLOWANCE, GUILD, LONG_AGO, World, settings

PRIZES = (500, 250, 100)
AUTHORS = [4001, 4002, 4003, 4004]


def places(votes: list[int], prizes: tuple[int, ...] = PRIZES) -> list[tuple[int | None, int]]:
    """(place, prize) per entry, entries given in display order with their votes."""
    ranked = {r.entry_id: r for r in rank([(n, 100 + n, v) for n, v in enumerate(votes)], prizes)}
    return [(ranked[n].place, ranked[n].prize) for n in range(len(votes))]


def test_two_tied_for_first_share_first_and_second_and_the_next_is_third() -> None:
    assert places([5, 5, 3, 1]) == [(1, 375), (1, 375), (3, 100), (4, 0)]


def test_three_tied_for_second_share_second_and_third_rounded_down() -> None:
    assert places([9, 4, 4, 4]) == [(1, 500), (2, 116), (2, 116), (2, 116)]


def test_four_tied_for_first_share_every_prize() -> None:
    assert places([2, 2, 2, 2]) == [(1, 212)] * 4  # 850 // 4; the 2 left over go back


def test_fewer_entries_than_prizes_leave_the_rest_unawarded() -> None:
    assert places([3]) == [(1, 500)]


def test_an_entry_without_votes_places_nowhere() -> None:
    assert places([0, 0]) == [(None, 0), (None, 0)]
    assert places([1, 0, 0]) == [(1, 500), (None, 0), (None, 0)]


def test_ranking_is_stable_for_equal_votes() -> None:
    ranked = rank([(7, 1, 2), (3, 2, 2), (5, 3, 9)], PRIZES)
    assert [r.entry_id for r in ranked] == [5, 7, 3]


def test_a_member_with_two_entries_tied_at_one_place_gets_one_payout_of_both_shares() -> None:
    ranked = rank([(1, 42, 3), (2, 42, 3), (3, 43, 1)], PRIZES)
    assert plan_payouts(9, ranked) == [
        Payout(9, 1, 42, (1, 2), 3, 750, None),
        Payout(9, 3, 43, (3,), 1, 100, None),
    ]


async def contest_with_votes(world: World, votes: list[int], **overrides: object) -> int:
    """A contest whose entries (by AUTHORS, in order) got ``votes`` each, voting just closed."""
    contest = await world.contests.create(GUILD, ADMIN, settings(**overrides))
    for author in AUTHORS[:len(votes)]:
        job = await world.finished_job(author, "a fox")
        await world.contests.submit(GUILD, contest.id, job.id, author)
    await world.contests.close_phase(GUILD, contest.id, ADMIN)
    entry_of = {b.job.member_id: b.entry_id for b in (await world.contests.board(contest.id)).entries}
    voter = 6000
    for author, count in zip(AUTHORS, votes, strict=False):
        for _ in range(count):
            voter += 1
            await world.contests.vote(GUILD, entry_of[author], voter, joined_at=LONG_AGO)
    await world.contests.close_phase(GUILD, contest.id, ADMIN)
    return contest.id


async def test_a_tie_pays_the_shares_and_releases_the_rounding(world: World) -> None:
    contest_id = await contest_with_votes(world, [2, 2, 1], prizes=(500, 250, 101))
    await world.contests.scheduler.run_due()
    assert [await world.bonus(a) for a in AUTHORS[:3]] == [375, 375, 101]
    results = await world.contests.results(contest_id)
    assert results is not None
    assert [(s.place, s.prize) for s in results.standings] == [(1, 375), (1, 375), (3, 101)]
    assert results.prizes_released == 0
    await world.assert_audit()


async def test_a_crash_in_the_middle_of_the_payout_pays_each_prize_once(world: World) -> None:
    class Crash(Exception):
        pass

    async def crash_after_the_first(payout: Payout) -> None:
        raise Crash(f"the bot died after paying place {payout.place}")

    world.after_payout = crash_after_the_first
    await world.restart()
    contest_id = await contest_with_votes(world, [3, 2, 1, 0])
    await world.contests.scheduler.run_due()  # the payout stops after the first prize
    assert [await world.bonus(a) for a in AUTHORS] == [500, 0, 0, 0]
    assert (await world.contests.get(GUILD, contest_id)).settled_at is None
    await world.assert_audit()

    world.after_payout = None
    await world.restart()
    await world.contests.scheduler.run_due()  # the timer is still due: the rest is paid
    assert [await world.bonus(a) for a in AUTHORS] == [500, 250, 100, 0]
    assert (await world.contests.get(GUILD, contest_id)).settled_at is not None
    bonus_rows = [e for e in await world.ledger.history(GUILD, limit=100) if e.kind == "bonus"]
    assert sorted(e.amount for e in bonus_rows) == [100, 250, 500]
    await world.assert_audit()

    await world.restart()
    await world.contests.scheduler.run_due()
    await world.contests.runner.pay_prizes(contest_id)  # even asked directly, nothing is paid twice
    assert [await world.bonus(a) for a in AUTHORS] == [500, 250, 100, 0]
    await world.assert_audit()


async def test_cancelling_releases_the_prizes_and_the_budget_and_names_the_entrants(world: World) -> None:
    contest = await world.contests.create(
        GUILD, ADMIN, settings(entry_cost=EntryCost.SPONSORED, budget=300, prizes=(200, 100))
    )
    assert await world.allowance_left() == ALLOWANCE - 600
    job = await world.finished_job(AUTHORS[0], "a fox", cost=10)
    await world.contests.submit(GUILD, contest.id, job.id, AUTHORS[0])
    cancelled = await world.contests.cancel(GUILD, contest.id, ADMIN)
    assert cancelled.contest.phase is Phase.CANCELLED and cancelled.contest.cancelled_by == ADMIN
    assert cancelled.entrants == (AUTHORS[0],)
    assert cancelled.released == 600
    assert await world.allowance_left() == ALLOWANCE - 10  # what the entrant spent stays spent
    await world.assert_audit()

    world.clock.advance(days=5)  # its timers fall due: nothing happens
    await world.restart()
    assert await world.contests.scheduler.run_due() == []
    assert world.posted.boards == [] and world.posted.posted_results == []
    with pytest.raises(WrongPhaseError, match="cancelled"):
        await world.contests.cancel(GUILD, contest.id, ADMIN)
    with pytest.raises(WrongPhaseError, match="cancelled"):
        await world.contests.close_phase(GUILD, contest.id, ADMIN)
    await world.assert_audit()
