"""The scheduler as a background task: it runs what is due at start, and sleeps until the next
timer (or a kick) for the rest."""

from __future__ import annotations

import asyncio

from bot.contests import Phase, VotingBoard
from bot.contests.scheduler import MAX_SLEEP
from tests.contests.conftest import ADMIN, GUILD, World, settings


class Waited:
    """The sleep the task is given: records each wait and hands control back to the test."""

    def __init__(self) -> None:
        self.waits: asyncio.Queue[float] = asyncio.Queue()
        self.go_on = asyncio.Event()

    async def __call__(self, seconds: float) -> None:
        self.waits.put_nowait(seconds)
        await self.go_on.wait()
        self.go_on.clear()


async def test_the_task_runs_due_changes_and_sleeps_until_the_next_timer(world: World) -> None:
    contest = await world.contests.create(GUILD, ADMIN, settings(entry_hours=0.05, vote_hours=0.1))
    for member in (4001, 4002):
        job = await world.finished_job(member, "a fox")
        await world.contests.submit(GUILD, contest.id, job.id, member)
    opened = asyncio.Event()
    boards: list[VotingBoard] = []

    class Announcer:
        async def voting_opened(self, board: VotingBoard) -> None:
            boards.append(board)
            opened.set()

        async def results(self, results: object) -> None:
            return None

    world.contests.scheduler.announcer = Announcer()
    sleep = Waited()
    world.contests.scheduler.start(sleep)
    assert await asyncio.wait_for(sleep.waits.get(), 5) == 180.0  # nothing due: until entries close
    assert world.tasks.running("contest") == ["contest scheduler"]

    world.clock.advance(seconds=180)
    sleep.go_on.set()
    await asyncio.wait_for(opened.wait(), 5)
    assert [b.contest.phase for b in boards] == [Phase.VOTING]
    assert await asyncio.wait_for(sleep.waits.get(), 5) == 360.0  # then until voting closes
    assert boards[0].contest.id == contest.id
    await world.close()  # the task is cancelled with the others


async def test_a_far_timer_is_looked_at_again_within_ten_minutes(world: World) -> None:
    await world.contests.create(GUILD, ADMIN, settings(entry_hours=48))
    sleep = Waited()
    world.contests.scheduler.start(sleep)
    assert await asyncio.wait_for(sleep.waits.get(), 5) == MAX_SLEEP
