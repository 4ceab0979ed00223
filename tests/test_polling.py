"""When a running job is polled: near its likely end, learned per model, jittered, slower when overdue."""

from __future__ import annotations

import random

import pytest

from bot.dispatch import Pauses
from bot.polling import MAX_INTERVAL, PollPlan


def plan(time_scale: float = 1.0) -> PollPlan:
    return PollPlan(rng=random.Random(7), time_scale=time_scale)


def test_an_unknown_model_starts_from_the_documented_typical_times() -> None:
    p = plan()

    assert p.expected("new-image-model", "image") == 12.0
    assert p.expected("new-video-model", "video") == 90.0
    # Just after the earliest likely end (0.8 of typical), most of an interval in.
    assert p.first_delay("new-image-model", "image") == pytest.approx(12.0 * 0.8 + 2.0 * 0.75)
    assert p.first_delay("new-video-model", "video") == pytest.approx(90.0 * 0.8 + 4.0 * 0.75)


def test_render_times_are_learned_per_model() -> None:
    p = plan()
    before = p.first_delay("slow-image", "image")

    for _ in range(20):
        p.observe("slow-image", 30.0)

    assert p.expected("slow-image", "image") == pytest.approx(30.0, abs=0.1)
    assert p.first_delay("slow-image", "image") > before + 10
    assert p.expected("other-image", "image") == 12.0  # another model keeps its own expectation


def test_a_nonsense_duration_teaches_nothing() -> None:
    p = plan()
    p.observe("m", 0.0)
    p.observe("m", -5.0)

    assert p.expected("m", "image") == 12.0


def test_polls_after_the_first_come_at_the_documented_interval_with_jitter() -> None:
    p = plan()

    delays = [p.next_delay("m", "image", elapsed) for elapsed in (11.0, 13.0, 15.0, 17.0, 19.0, 21.0)]

    assert all(2.0 * 0.85 <= d <= 2.0 * 1.15 for d in delays)
    assert len({round(d, 6) for d in delays}) > 1  # jittered, so jobs submitted together drift apart


def test_jobs_far_past_their_expectation_are_polled_less_often_but_never_dropped() -> None:
    p = plan()

    on_time = p.next_delay("m", "image", 13.0)
    overdue = p.next_delay("m", "image", 12.0 * 6)
    ancient = p.next_delay("m", "image", 12.0 * 10_000)

    assert overdue > 2 * on_time
    assert MAX_INTERVAL * 0.85 <= ancient <= MAX_INTERVAL * 1.15  # slow, but still polled


def test_a_job_polled_early_skips_ahead_when_its_model_turns_out_slower() -> None:
    p = plan()
    first = p.first_delay("m", "image")
    for _ in range(20):
        p.observe("m", 60.0)  # other jobs of the model took far longer meanwhile

    wait = p.next_delay("m", "image", first)

    assert first + wait == pytest.approx(p.first_delay("m", "image"))


def test_a_time_scaled_plan_learns_in_api_seconds() -> None:
    p = plan(time_scale=0.1)

    assert p.interval("image") == pytest.approx(0.2)
    assert p.first_delay("m", "image") == pytest.approx(0.1 * (12.0 * 0.8 + 2.0 * 0.75))
    for _ in range(20):
        p.observe("m", 2.0)  # 2 real seconds at a tenth of the speed: 20 API seconds

    assert p.expected("m", "image") == pytest.approx(2.0, abs=0.01)
    with pytest.raises(ValueError):
        PollPlan(time_scale=0)


def test_the_dispatchers_own_pauses_scale_together() -> None:
    pauses = Pauses()

    scaled = pauses.scaled(0.1)

    assert scaled.unnamed_backoff == pytest.approx(pauses.unnamed_backoff * 0.1)
    assert scaled.max_queue_pause == pytest.approx(30.0)
    assert scaled.progress_every == pytest.approx(pauses.progress_every * 0.1)
