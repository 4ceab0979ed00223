"""The bot-wide status-edit budget: priority, coalescing, rate, finals first; on a fake clock."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import pytest

from bot.dispatch import Progress
from bot.jobs import Job, JobStatus
from bot.tasks import TaskSupervisor
from bot.ui.delivery import edit_priority
from bot.ui.edit_budget import EditBudget, EditPriority, EditQueue


class Sent:
    """Records which edit went out, in order."""

    def __init__(self) -> None:
        self.log: list[str] = []
        self.arrived: asyncio.Queue[str] = asyncio.Queue()

    def edit(self, label: str) -> Callable[[], Awaitable[None]]:
        async def send() -> None:
            self.log.append(label)
            self.arrived.put_nowait(label)

        return send


def drain(queue: EditQueue, now: float) -> list[Callable[[], Awaitable[None]]]:
    taken = []
    while (next_edit := queue.take(now)) is not None:
        taken.append(next_edit[1])
    return taken


async def run_all(sends: list[Callable[[], Awaitable[None]]]) -> None:
    for send in sends:
        await send()


async def test_waiting_edits_go_by_priority_then_by_age() -> None:
    sent = Sent()
    queue = EditQueue(1.0, capacity=1.0)
    assert queue.take(0.0) is None  # nothing waits
    queue.offer("far-1", EditPriority.BACKGROUND, sent.edit("far-1"))
    queue.offer("near-1", EditPriority.NEAR, sent.edit("near-1"))
    queue.offer("far-2", EditPriority.BACKGROUND, sent.edit("far-2"))
    queue.offer("started", EditPriority.STARTED, sent.edit("started"))
    queue.offer("near-2", EditPriority.NEAR, sent.edit("near-2"))

    for second in range(5):
        await run_all(drain(queue, float(second)))

    assert sent.log == ["started", "near-1", "near-2", "far-1", "far-2"]


async def test_a_message_keeps_only_its_latest_state_and_its_turn() -> None:
    sent = Sent()
    queue = EditQueue(1.0, capacity=1.0)
    queue.offer("a", EditPriority.BACKGROUND, sent.edit("a: place 900"))
    queue.offer("b", EditPriority.BACKGROUND, sent.edit("b: place 950"))
    queue.offer("a", EditPriority.BACKGROUND, sent.edit("a: place 800"))
    queue.offer("a", EditPriority.NEAR, sent.edit("a: place 9"))
    assert len(queue) == 2

    for second in range(4):
        await run_all(drain(queue, float(second)))

    assert sent.log == ["a: place 9", "b: place 950"]


def test_the_bucket_holds_the_rate_over_time() -> None:
    queue = EditQueue(2.0, capacity=4.0)
    for n in range(100):
        queue.offer(f"m{n}", EditPriority.BACKGROUND, Sent().edit(str(n)))

    at_once = len(drain(queue, 0.0))
    later = sum(len(drain(queue, step / 10)) for step in range(1, 101))  # 10 s in 0.1 s steps

    assert at_once == 4  # a full bucket
    assert later == 20  # 2 a second for 10 s
    assert queue.wait_time(10.0) == pytest.approx(0.5)


def test_one_message_is_edited_at_most_once_per_gap() -> None:
    queue = EditQueue(10.0, capacity=10.0, min_gap=5.0)
    queue.offer("a", EditPriority.STARTED, Sent().edit("1"))
    assert queue.take(0.0) is not None
    queue.offer("a", EditPriority.STARTED, Sent().edit("2"))
    queue.offer("b", EditPriority.BACKGROUND, Sent().edit("b"))

    assert queue.take(1.0) is not None  # b goes; a waits out its gap although it ranks higher
    assert queue.take(1.0) is None
    assert queue.wait_time(1.0) == pytest.approx(4.0)
    assert queue.take(5.0) is not None


def test_finals_are_charged_and_slow_the_progress_edits_after_them() -> None:
    queue = EditQueue(1.0, capacity=2.0)
    queue.offer("a", EditPriority.BACKGROUND, Sent().edit("a"))
    queue.offer("b", EditPriority.BACKGROUND, Sent().edit("b"))
    for key in ("x", "y", "z", "w", "v"):
        queue.final(key, 0.0)  # five results delivered at once: never held back

    assert queue.finals == 5
    assert queue.take(0.0) is None
    assert queue.wait_time(0.0) == pytest.approx(3.0)  # the debt is capped at one bucketful (2)
    assert len(drain(queue, 3.0)) == 1


def test_a_final_state_drops_the_pending_edit_of_its_message() -> None:
    queue = EditQueue(1.0)
    queue.offer("a", EditPriority.BACKGROUND, Sent().edit("a"))
    queue.final("a", 0.0)
    assert len(queue) == 0
    assert queue.wait_time(0.0) is None


class FakeTime:
    """A monotonic clock and a sleep that only the test moves forward."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleepers: list[tuple[float, asyncio.Future[None]]] = []
        self.slept = asyncio.Event()

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future = asyncio.get_running_loop().create_future()
        self.sleepers.append((self.now + seconds, future))
        self.slept.set()
        await future

    async def until_asleep(self) -> None:
        await self.slept.wait()
        self.slept.clear()

    def advance(self, seconds: float) -> None:
        self.now += seconds
        due = [(at, f) for at, f in self.sleepers if at <= self.now]
        self.sleepers = [(at, f) for at, f in self.sleepers if at > self.now]
        for _, future in due:
            if not future.done():
                future.set_result(None)


async def test_the_worker_sends_within_the_budget_and_stops_on_close() -> None:
    tasks = TaskSupervisor()
    fake = FakeTime()
    sent = Sent()
    budget = EditBudget(1.0, tasks=tasks, tick=2.0, clock=fake, sleep=fake.sleep)
    for n in range(5):
        budget.offer(f"m{n}", EditPriority.BACKGROUND, sent.edit(f"m{n}"))
    budget.offer("s", EditPriority.STARTED, sent.edit("s"))
    assert tasks.running() == ["status edits"]

    assert [await sent.arrived.get(), await sent.arrived.get()] == ["s", "m0"]  # a full bucket: 2
    await fake.until_asleep()
    assert sent.arrived.empty()
    await budget.final("m9", sent.edit("final m9"))  # at once, and charged
    assert await sent.arrived.get() == "final m9"
    fake.advance(2.0)  # two tokens accrue; the final took one
    assert await sent.arrived.get() == "m1"
    await fake.until_asleep()
    assert sent.arrived.empty()

    await budget.close()
    assert tasks.running() == []
    budget.offer("late", EditPriority.STARTED, sent.edit("late"))
    assert tasks.running() == []
    assert sent.log == ["s", "m0", "final m9", "m1"]


async def test_an_urgent_edit_wakes_a_worker_asleep_on_a_messages_gap() -> None:
    tasks = TaskSupervisor()
    fake = FakeTime()
    sent = Sent()
    budget = EditBudget(1.0, tasks=tasks, min_gap=5.0, tick=2.0, clock=fake, sleep=fake.sleep)
    budget.offer("a", EditPriority.BACKGROUND, sent.edit("a1"))
    assert await sent.arrived.get() == "a1"
    budget.offer("a", EditPriority.BACKGROUND, sent.edit("a2"))  # must wait out a's 5 s gap
    await fake.until_asleep()
    fake.advance(1.0)

    budget.offer("b", EditPriority.STARTED, sent.edit("b"))  # a token is there: it goes now, not in 4 s

    # (the timeout only keeps a broken worker from hanging the suite; no time passes here)
    assert await asyncio.wait_for(sent.arrived.get(), 10) == "b"
    assert fake.now == 1.0
    await fake.until_asleep()
    fake.advance(4.0)
    assert await asyncio.wait_for(sent.arrived.get(), 10) == "a2"
    await budget.close()
    await tasks.close()


def _job(status: JobStatus, cancelled_by: int | None = None) -> Job:
    return Job(
        id="j" * 32, guild_id=1, channel_id=2, member_id=3, command="imagine", model="m", category="image",
        request={}, idempotency_key="k", held=10, status=status, created_at=datetime(2026, 1, 1, tzinfo=UTC),
        status_message_id=4, cancelled_by=cancelled_by,
    )


@pytest.mark.parametrize(
    ("status", "progress", "cancelled_by", "expected"),
    [
        (JobStatus.RUNNING, Progress(elapsed=0.0, expected=12.0), None, EditPriority.STARTED),
        (JobStatus.RUNNING, Progress(elapsed=6.0, expected=12.0), None, EditPriority.BACKGROUND),
        (JobStatus.RUNNING, None, 99, EditPriority.STARTED),
        (JobStatus.QUEUED, Progress(retrying=True), None, EditPriority.STARTED),
        (JobStatus.QUEUED, Progress(position=3), None, EditPriority.NEAR),
        (JobStatus.QUEUED, Progress(position=50, approximate=True), None, EditPriority.BACKGROUND),
    ],
)
def test_what_the_member_waits_for_ranks_first(
    status: JobStatus, progress: Progress | None, cancelled_by: int | None, expected: EditPriority
) -> None:
    assert edit_priority(_job(status, cancelled_by), progress) is expected


async def test_a_final_state_lands_after_a_progress_edit_of_its_message_already_under_way() -> None:
    tasks = TaskSupervisor()
    fake = FakeTime()
    order: list[str] = []
    release = asyncio.Event()
    progress_started = asyncio.Event()

    async def slow_progress() -> None:
        progress_started.set()
        await release.wait()  # Discord is slow to answer this edit
        order.append("rendering")

    async def final() -> None:
        order.append("done")

    budget = EditBudget(1.0, tasks=tasks, clock=fake, sleep=fake.sleep)
    budget.offer("a", EditPriority.STARTED, slow_progress)
    await progress_started.wait()
    finishing = asyncio.ensure_future(budget.final("a", final))
    await asyncio.sleep(0)
    assert order == []  # the final edit waits for the one under way
    release.set()
    await finishing

    assert order == ["rendering", "done"]
    await budget.close()
    await tasks.close()
