"""The in-memory queue index agrees with the reference round-robin rule, whatever happens to it."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.dispatch.order import round_robin
from bot.dispatch.queue_index import QueueIndex


def _reference(jobs: dict[str, tuple[int, str]], after: int | None) -> list[tuple[str, int]]:
    ordered = sorted(jobs.items(), key=lambda item: (item[1][1], item[0]))
    return round_robin([(job_id, guild) for job_id, (guild, _) in ordered], after_guild=after)


operations = st.lists(
    st.tuples(st.sampled_from(["add", "discard", "serve"]), st.integers(1, 5), st.integers(0, 40)),
    max_size=120,
)


@settings(max_examples=150, deadline=None)
@given(operations)
def test_order_next_and_positions_match_the_reference(ops: list[tuple[str, int, int]]) -> None:
    index = QueueIndex()
    jobs: dict[str, tuple[int, str]] = {}
    for number, (op, guild, stamp) in enumerate(ops):
        if op == "add":
            job_id = f"j{number:04d}"
            created = f"2026-12-01T12:00:{stamp:02d}.000000Z"
            index.add(job_id, guild, created)
            jobs[job_id] = (guild, created)
        elif op == "discard" and jobs:
            job_id = sorted(jobs)[stamp % len(jobs)]
            assert index.discard(job_id)
            del jobs[job_id]
        elif op == "serve":
            picked = index.next()
            if picked is not None:
                index.after_guild = picked[1]
                index.discard(picked[0])
                del jobs[picked[0]]
        expected = _reference(jobs, index.after_guild)
        assert [(job_id, guild) for _, job_id, guild in index.in_order()] == expected
        assert index.next() == (expected[0] if expected else None)
        for place, (job_id, _) in enumerate(expected, 1):
            assert index.position(job_id) == place


def test_a_burst_from_one_server_leaves_another_second_in_line() -> None:
    index = QueueIndex()
    for n in range(1000):
        index.add(f"a{n:04d}", 1, f"2026-12-01T12:00:00.{n:06d}Z")
    index.add("b", 2, "2026-12-01T12:00:01.000000Z")
    assert index.position("b") == 2
    assert index.position("a0999") == 1001
    assert len(index) == 1001


def test_one_servers_jobs_with_their_places() -> None:
    index = QueueIndex()
    rng = random.Random(3)
    for n in range(30):
        index.add(f"j{n:02d}", rng.choice([1, 2, 3]), f"2026-12-01T12:00:{n:02d}.000000Z")
    mine = list(index.in_order(guild_id=2))
    assert all(guild == 2 for _, _, guild in mine)
    assert [place for place, _, _ in mine] == [index.position(job_id) for _, job_id, _ in mine]
    assert list(index.in_order(limit=3, guild_id=2)) == mine[:3]


def test_unknown_and_discarded_jobs_have_no_place() -> None:
    index = QueueIndex()
    index.add("x", 1, "2026-12-01T12:00:00.000000Z")
    assert index.discard("x") and not index.discard("x")
    assert index.position("x") is None and index.next() is None
