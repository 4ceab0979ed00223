"""The key's one call budget: under the limit, submits never starved by polls, the service believed."""

from __future__ import annotations

from bot.ratelimit import RateBudget


class Now:
    def __init__(self) -> None:
        self.value = 1000.0

    def __call__(self) -> float:
        return self.value


def test_calls_stay_under_the_limit_with_a_margin() -> None:
    now = Now()
    budget = RateBudget(240, now=now)

    granted = sum(budget.try_acquire("submit") for _ in range(300))

    assert granted == int(240 * 0.9)
    assert budget.wait_time("submit") == 60.0
    now.value += 60.0
    assert budget.try_acquire("submit")


def test_polls_leave_a_reserve_for_submits() -> None:
    budget = RateBudget(100, now=Now())

    polls = sum(budget.try_acquire("poll") for _ in range(200))

    assert polls == int(100 * 0.9 * 0.8)
    assert not budget.try_acquire("poll")
    submits = sum(budget.try_acquire("submit") for _ in range(200))
    assert submits == int(100 * 0.9) - polls > 0


def test_the_service_remaining_count_is_believed_when_lower() -> None:
    budget = RateBudget(240, now=Now())
    budget.try_acquire("poll")

    budget.observe_remaining(10)  # another process is spending the same key

    assert budget.used >= 230
    assert not budget.try_acquire("poll")


def test_a_429_blocks_every_call_for_its_retry_after() -> None:
    now = Now()
    budget = RateBudget(240, now=now)

    budget.block_for(7)

    assert budget.wait_time("submit") == 7
    now.value += 7
    assert budget.try_acquire("submit")
