"""The queue's start and finish estimates: a slot forecast over the line, rounded to show."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.dispatch.eta import DETECTION_SHARE, EXACT_WALK, Eta, QueueEta, SlotForecast
from bot.dispatch.queue_index import QueueIndex
from bot.jobs import Job, JobStatus
from bot.polling import INTERVAL_SECONDS, TYPICAL_SECONDS, PollPlan

T0 = datetime(2026, 12, 1, 12, 0, 0, tzinfo=UTC)
IMAGE = TYPICAL_SECONDS["image"] + INTERVAL_SECONDS["image"] * DETECTION_SHARE  # one image job's slot time
VIDEO = TYPICAL_SECONDS["video"] + INTERVAL_SECONDS["video"] * DETECTION_SHARE


def _job(job_id: str, guild_id: int, category: str = "image") -> Job:
    return Job(id=job_id, guild_id=guild_id, channel_id=1, member_id=2, command="imagine", model=f"m-{category}",
               category=category, request={}, idempotency_key=job_id, held=10, status=JobStatus.QUEUED,
               created_at=T0)


class Line:
    """A queue index, an estimator over it, and the jobs rendering now (started at loop time 0)."""

    def __init__(self, concurrency: int, *, now: float = 0.0) -> None:
        self.queue = QueueIndex()
        self.running: list[tuple[Job, float]] = []
        self.now = now
        self.concurrency = concurrency
        self.eta = QueueEta(self.queue, PollPlan(), running=lambda: self.running,
                            concurrency=lambda: self.concurrency, loop_now=lambda: self.now, clock=lambda: T0)

    def wait(self, job: Job, second: int = 0, *, register: bool = True) -> None:
        self.queue.add(job.id, job.guild_id, f"2026-12-01T12:00:{second:02d}.000000Z")
        if register:
            self.eta.register(job)


def test_a_slot_goes_to_the_next_job_as_soon_as_one_frees_up() -> None:
    slots = SlotForecast([5.0], concurrency=2)
    assert [slots.take(10.0) for _ in range(4)] == [0.0, 5.0, 10.0, 15.0]


def test_more_running_than_slots_waits_for_enough_of_them_to_end() -> None:
    slots = SlotForecast([3.0, 1.0, 2.0], concurrency=2)  # the key's limit fell to 2 with 3 rendering
    assert slots.take(10.0) == 2.0


def test_the_first_in_line_starts_when_the_running_job_is_seen_finished() -> None:
    line = Line(concurrency=1, now=4.0)
    line.running.append((_job("r", 1), 0.0))  # rendering for 4 s of its expected 12
    line.wait(_job("a", 2))
    line.wait(_job("b", 3), 1)

    first, second = line.eta.of("a"), line.eta.of("b")

    assert first is not None and second is not None
    assert first.starts_in == IMAGE - 4.0
    assert (second.starts_in, second.ends_in) == (IMAGE * 2 - 4.0, IMAGE * 3 - 4.0)


def test_each_job_ahead_counts_with_its_own_models_time() -> None:
    line = Line(concurrency=1)
    line.wait(_job("video", 1, "video"))
    line.wait(_job("image", 1, "image"), 1)
    line.wait(_job("last", 1, "image"), 2)

    last = line.eta.of("last")

    assert last is not None and last.starts_in == VIDEO + IMAGE


def test_far_back_the_estimate_matches_a_job_by_job_forecast_of_a_uniform_line() -> None:
    jobs = 3 * EXACT_WALK
    line = Line(concurrency=5)
    for n in range(jobs):
        line.wait(_job(f"j{n:03d}", 1 + n % 7), n % 60)
    slots = SlotForecast([], 5)
    by_hand = {job_id: slots.take(IMAGE) for _, job_id, _ in line.queue.in_order()}

    along = {job_id: eta.starts_in for _, job_id, eta in line.eta.along(line.queue.in_order())}

    assert along.keys() == by_hand.keys()
    for job_id, start in by_hand.items():
        assert abs(along[job_id] - start) < 1e-9, job_id
        single = line.eta.of(job_id)
        assert single is not None and abs(single.starts_in - start) < 1e-9


def test_a_job_of_unknown_model_counts_as_the_jobs_before_it() -> None:
    line = Line(concurrency=1)
    line.wait(_job("video", 1, "video"))
    line.wait(_job("unknown", 1), 1, register=False)  # queued before a restart: its model is not known yet
    line.wait(_job("last", 1), 2)

    last = line.eta.of("last")

    assert last is not None and last.starts_in == 2 * VIDEO


def test_shown_times_round_up_to_a_step_that_grows_with_the_distance() -> None:
    soon = Eta(T0, starts_in=5.0, ends_in=70.0)
    assert soon.shown() == (int(T0.timestamp()) + 60, int(T0.timestamp()) + 120)
    later = Eta(T0, starts_in=20 * 60 + 1, ends_in=3 * 3600 + 1)
    start, end = later.shown()
    assert start % 300 == 0 and 20 * 60 < start - T0.timestamp() <= 25 * 60
    assert end % 900 == 0 and 3 * 3600 < end - T0.timestamp() <= 3 * 3600 + 900
    # A later estimate of the same moment shows the same times: the message is not edited.
    assert Eta(T0.replace(second=30), starts_in=20 * 60 - 29, ends_in=3 * 3600 - 29).shown() == (start, end)
