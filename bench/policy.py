"""What the policy check costs a request, side by side in one run: an empty policy (the
baseline), a full one (200 words and phrases, 20 regex terms), and a pathological regex meeting a
pathological prompt, which the regex engine's timeout bounds.

    python -m bench.policy [--rounds N]

Prints p50/p99 per case in milliseconds and each case's p50 as a ratio of the baseline's. The
pathological case's p99 should sit near the regex timeout (REGEX_TIMEOUT), far below Discord's
3 s interaction deadline; the exit status is 1 when it does not stay under 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bot.errors import PolicyError
from bot.policy import PolicyService, TermKind, TermList
from bot.policy.terms import REGEX_TIMEOUT
from bot.store import Database
from bot.store.policy import PolicyRepository

NOW = datetime(2026, 12, 1, tzinfo=UTC)
PROMPT = "a quiet harbour at dawn, fishing boats, soft fog, oil painting, warm light, 35mm"
PATHOLOGICAL_PROMPT = "a" * 60 + "!"
DEADLINE = 1.0  # seconds: the pathological case's p99 must stay under this


@dataclass(frozen=True)
class Request:
    guild_id: int
    prompt: str
    channel_id: int = 10
    member_id: int = 100
    role_ids: tuple[int, ...] = ()
    parent_channel_id: int | None = None
    age_restricted: bool = False
    command: str = "imagine"
    params: dict[str, object] = field(default_factory=lambda: {"negative_prompt": "blurry, low quality"})
    options_text: str | None = 'style="oil paint" steps=30'


async def timed(policy: PolicyService, request: Request, rounds: int) -> list[float]:
    seconds = []
    for _ in range(rounds):
        start = time.perf_counter()
        try:
            await policy.check(request, "flux-2-flash", "image")
        except PolicyError:
            pass
        seconds.append(time.perf_counter() - start)
    return seconds


async def run_cases(db: Database, rounds: int) -> list[tuple[str, list[float]]]:
    policy = PolicyService(db=db, repo=PolicyRepository(), clock=lambda: NOW)
    for n in range(160):
        await policy.add_term(2, TermList.BLOCK, TermKind.WORD, f"forbidden{n}", 1)
    for n in range(20):
        await policy.add_term(2, TermList.BLOCK, TermKind.PHRASE, f"bad thing {n}", 1)
        await policy.add_term(2, TermList.BLOCK, TermKind.REGEX, rf"\bx{n}y+z\b", 1)
    await policy.add_term(3, TermList.BLOCK, TermKind.REGEX, r"(a|aa)+$", 1)
    cases = [("empty policy (baseline)", Request(1, PROMPT), rounds),
             ("200 terms, 20 regex", Request(2, PROMPT), rounds),
             ("pathological regex and prompt", Request(3, PATHOLOGICAL_PROMPT), max(5, rounds // 50))]
    for _, request, _ in cases:
        await policy.policy(request.guild_id)  # loaded once; what follows is the per-request cost
    return [(name, await timed(policy, request, n)) for name, request, n in cases]


async def main(rounds: int) -> int:
    with tempfile.TemporaryDirectory() as folder:
        db = await Database.open(Path(folder) / "bench.sqlite3")
        try:
            results = await run_cases(db, rounds)
        finally:
            await db.close()
    base = statistics.median(results[0][1])
    print(f"{'case':32} {'p50 ms':>9} {'p99 ms':>9} {'p50 / baseline':>15}")
    for name, seconds in results:
        p99 = statistics.quantiles(seconds, n=100)[98] if len(seconds) >= 2 else seconds[0]
        print(f"{name:32} {statistics.median(seconds) * 1000:9.3f} {p99 * 1000:9.3f} "
              f"{statistics.median(seconds) / base:15.1f}")
    worst = max(results[2][1])
    print(f"regex timeout {REGEX_TIMEOUT * 1000:.0f} ms; pathological worst {worst * 1000:.1f} ms "
          f"(target < {DEADLINE * 1000:.0f} ms)")
    return 0 if worst < DEADLINE else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=2000)
    sys.exit(asyncio.run(main(parser.parse_args().rounds)))
