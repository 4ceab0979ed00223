"""The queue's submit order: servers take turns, oldest first within a server."""

from __future__ import annotations

from bot.dispatch.order import round_robin


def ids(order: list[tuple[str, int]]) -> list[str]:
    return [job_id for job_id, _ in order]


def test_an_empty_queue_has_no_order() -> None:
    assert round_robin([]) == []


def test_one_server_is_first_come_first_served() -> None:
    assert ids(round_robin([("a1", 1), ("a2", 1), ("a3", 1)])) == ["a1", "a2", "a3"]


def test_servers_take_turns_one_job_each() -> None:
    queued = [("a1", 1), ("a2", 1), ("a3", 1), ("b1", 2), ("c1", 3), ("b2", 2)]
    assert ids(round_robin(queued)) == ["a1", "b1", "c1", "a2", "b2", "a3"]


def test_a_burst_from_one_server_does_not_delay_another() -> None:
    burst = [(f"a{n}", 1) for n in range(100)]
    assert ids(round_robin([*burst, ("b1", 2)]))[:2] == ["a0", "b1"]


def test_the_turn_starts_after_the_server_served_last() -> None:
    queued = [("a1", 1), ("b1", 2), ("c1", 3)]
    assert ids(round_robin(queued, after_guild=1)) == ["b1", "c1", "a1"]
    assert ids(round_robin(queued, after_guild=3)) == ["a1", "b1", "c1"]


def test_a_served_server_that_left_the_queue_still_sets_the_turn() -> None:
    assert ids(round_robin([("a1", 1), ("c1", 3)], after_guild=2)) == ["c1", "a1"]


def test_jobs_being_submitted_are_skipped() -> None:
    queued = [("a1", 1), ("a2", 1), ("b1", 2)]
    assert round_robin(queued, skip={"a1"}) == [("a2", 1), ("b1", 2)]
