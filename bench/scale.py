"""Scale bench: how the bot's per-event costs grow with the size of what it serves.

One function per section; each returns rows and ``main`` prints a table per section.
Every figure is measured side by side with its baseline in the same run (time.perf_counter),
and nothing is asserted: read the ratios.

Run from the project root::

    python -m bench.scale                        # every section (about 6 minutes)
    python -m bench.scale --only autocomplete    # one section (repeatable)

Sections:
- ``autocomplete``: model autocomplete per keystroke over synthetic catalogs of 100 / 1,000 /
  5,000 models, the new ``ModelIndex`` (built once per catalog snapshot, build time shown apart)
  against a plain prefix filter over slugs and the old difflib search (``legacy_search`` below).
- ``queue``: picking the next job (``QueueIndex.next`` + the dispatcher's load of it) and telling
  a place (``QueueIndex.position``) at 1k / 10k / 50k queued, against one indexed row read.
- ``startup``: with 10,000 queued (and 20 renders left running), from ``services.start()`` to the
  first submit, and submits vs polls per second, against a one-job start.
- ``ack``: the real bot in SimCord; /imagine answered alone and 100 at once, with 0 and 10,000
  queued (the interactions emitted back to back, timed to their initial response).
- ``holds``: a hook for ``bench/holds.py`` (credit holds per second), run when it is present.
- ``edits``: status-message edits per result while a 1,000-job backlog drains through the real
  dispatcher, for the edit budget at several rates against the old per-message rule.
"""

from __future__ import annotations

import argparse
import asyncio
import difflib
import functools
import random
import re
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.catalog.search import (
    MAX_CHOICE_TEXT,
    MAX_CHOICES,
    ModelChoice,
    ModelIndex,
    model_label,
)
from bot.clock import system_clock
from bot.config import Settings
from bot.dispatch import Delivery, Pauses, Progress
from bot.generation import GenerationRequest
from bot.jobs import Job, JobStatus
from bot.polling import PollPlan
from bot.ratelimit import RateBudget
from bot.sandbox import SandboxServer, SandboxState
from bot.services import DispatchTuning, Services
from bot.tasks import TaskSupervisor
from bot.ui.delivery import MIN_EDIT_GAP, edit_priority
from bot.ui.edit_budget import TICK, EditBudget
from bot.vivix.models import ModelInfo

Row = list[str]


@dataclass(frozen=True, slots=True)
class Table:
    title: str
    headers: list[str]
    rows: list[Row]
    notes: list[str]


# -- autocomplete ---------------------------------------------------------------------------

VENDORS = [
    ("kling", "Kling AI"), ("wan", "Alibaba"), ("grok", "xAI"), ("flux", "Black Forest Labs"),
    ("veo", "Google"), ("sora", "OpenAI"), ("hailuo", "MiniMax"), ("seedance", "ByteDance"),
    ("luma", "Luma Labs"), ("runway", "Runway"), ("pika", "Pika Labs"), ("ideogram", "Ideogram"),
    ("recraft", "Recraft"), ("stable", "Stability AI"), ("echo", "Echo Labs"), ("clarity", "Clarity AI"),
    ("holo", "Holo"), ("vidu", "Shengshu"), ("hunyuan", "Tencent"), ("mochi", "Genmo"),
    ("ltx", "Lightricks"), ("imagen", "Google"), ("midas", "Midas Labs"), ("nova", "Amazon"),
    ("qwen", "Alibaba"), ("bria", "Bria AI"), ("eleven", "ElevenLabs"), ("suno", "Suno"),
    ("udio", "Udio"), ("tripo", "Tripo AI"), ("meshy", "Meshy"), ("krea", "Krea AI"),
    ("pixverse", "PixVerse"), ("magnific", "Magnific"), ("topaz", "Topaz Labs"), ("lumen", "Lumen"),
    ("aurora", "Aurora Labs"), ("zeta", "Zeta"), ("orbit", "Orbit AI"), ("prism", "Prism"),
]
FAMILIES = ["", "pro", "turbo", "lite", "master", "ultra", "fast", "quality", "dev", "max"]
VERSIONS = ["", "1", "1.5", "2", "2.1", "2.5", "2.7", "3", "3.5", "4"]
TASKS = [
    ("text-to-video", "video"), ("image-to-video", "video"), ("video-to-video", "video"),
    ("text-to-image", "image"), ("image-edit", "image"), ("image", "image"),
    ("upscaler", "utility"), ("background-removal", "utility"), ("text-to-speech", "audio"),
    ("sound-effects", "audio"), ("music", "audio"), ("text-to-3d", "3d"), ("image-to-3d", "3d"),
]


def synthetic_models(count: int, seed: int = 7) -> list[ModelInfo]:
    """``count`` distinct models shaped like the API's: ``vendor-family-2.7-text-to-video``."""
    rng = random.Random(seed)
    seen: set[str] = set()
    models: list[ModelInfo] = []
    while len(models) < count:
        (vendor, creator), family, version = rng.choice(VENDORS), rng.choice(FAMILIES), rng.choice(VERSIONS)
        task, category = rng.choice(TASKS)
        slug = "-".join(part for part in (vendor, family, version, task) if part)
        if slug in seen:
            continue
        seen.add(slug)
        words = [vendor.capitalize(), family.capitalize(), version, *task.replace("-", " ").title().split()]
        low = rng.choice([1, 10, 20, 30, 80, 100, 400])
        models.append(
            ModelInfo.model_validate(
                {
                    "slug": slug,
                    "name": " ".join(w for w in words if w).replace(" To ", " to "),
                    "category": category,
                    "creator": creator,
                    "params": {"prompt": {"type": "string", "required": True}},
                    "credits_band": {"min": low, "max": low * rng.choice([1, 2, 3, 4])},
                }
            )
        )
    return models


def keystroke_inputs(models: Sequence[ModelInfo], seed: int = 7) -> list[tuple[str, str, str | None]]:
    """(kind, query, category) a user types: every prefix of a slug and a name, words, typos, empty."""
    rng = random.Random(seed)
    slug = rng.choice(models).slug
    name = rng.choice(models).display_name
    inputs: list[tuple[str, str, str | None]] = [("empty", "", None), ("empty", "", "video")]
    inputs += [("prefix", slug[:n], None) for n in range(1, len(slug) + 1)]
    inputs += [("prefix", name[:n], "video") for n in range(1, min(len(name), 12) + 1)]
    inputs += [("word", q, None) for q in ("video", "upscaler", "alibaba", "speech", "pro", "2.7", "3d")]
    inputs += [("words", q, None) for q in ("kling video", "turbo image edit", "wan 2.7", "flux dev")]
    inputs += [
        ("typo", q, c)
        for q, c in (
            ("vidoe", None), ("klnig", None), ("upsclaer", None), ("txt to vdeo", None),
            ("seedanse", "video"), ("hailou", None), ("elevn labs", None), ("zzzzqqq", None),
            ("grk imgine", None), ("backgrund removl", "utility"),
        )
    ]
    return inputs


def prefix_baseline(models: Sequence[ModelInfo], query: str, category: str | None = None) -> list[ModelChoice]:
    """The simplest autocomplete: slugs starting with the query, in list order."""
    text = query.strip().casefold()
    wanted = category.casefold() if category else None
    found: list[ModelChoice] = []
    for m in models:
        if m.slug.casefold().startswith(text) and (wanted is None or m.category.casefold() == wanted):
            found.append(ModelChoice(m.slug, model_label(m)))
            if len(found) == MAX_CHOICES:
                break
    return found


def legacy_search(
    models: Iterable[ModelInfo], query: str, category: str | None = None, limit: int = MAX_CHOICES
) -> list[ModelChoice]:
    """The difflib search that ModelIndex replaced (bot/catalog/search.py before eba7b40), verbatim."""
    limit = max(0, min(limit, MAX_CHOICES))
    wanted = category.casefold() if category else None
    pool = [
        m
        for m in models
        if len(m.slug) <= MAX_CHOICE_TEXT and (wanted is None or m.category.casefold() == wanted)
    ]
    text = " ".join(query.casefold().split())
    if not text:
        pool.sort(key=lambda m: (m.category.casefold(), m.display_name.casefold(), m.slug))
        return [ModelChoice(m.slug, model_label(m)) for m in pool[:limit]]
    ranked: list[tuple[int, float, str, str, ModelInfo]] = []
    for model in pool:
        rank = _legacy_rank(model, text)
        if rank is not None:
            ranked.append((rank[0], -rank[1], model.display_name.casefold(), model.slug, model))
    ranked.sort(key=lambda r: r[:4])
    return [ModelChoice(r[4].slug, model_label(r[4])) for r in ranked[:limit]]


_WORD = re.compile(r"[^\W_]+")


def _legacy_rank(model: ModelInfo, text: str) -> tuple[int, float] | None:
    slug, name = model.slug.casefold(), model.display_name.casefold()
    fields = (slug, name, model.creator.casefold(), model.category.casefold())
    if slug.startswith(text) or name.startswith(text):
        return 0, 0.0
    words = [w for f in fields for w in _WORD.findall(f)]
    if any(f.startswith(text) for f in fields) or any(w.startswith(text) for w in words):
        return 1, 0.0
    haystack = " ".join(fields)
    if all(token in haystack for token in text.split()):
        return 2, 0.0
    score = _legacy_fuzzy_score(text[:60], (slug, name), words)
    return (3, score) if score >= 0.6 else None


def _legacy_fuzzy_score(text: str, targets: tuple[str, ...], words: list[str]) -> float:
    compact = text.replace(" ", "")
    best = 0.0
    for target in targets:
        if len(compact) >= 2 and _legacy_is_subsequence(compact, target):
            best = max(best, 0.7 + 0.3 * len(compact) / max(len(target), 1))
    for candidate in (*targets, *(w for w in words if len(w) >= 3)):
        matcher = difflib.SequenceMatcher(None, text, candidate)
        if matcher.quick_ratio() > best:
            best = max(best, matcher.ratio())
    return best


def _legacy_is_subsequence(needle: str, haystack: str) -> bool:
    chars = iter(haystack)
    return all(c in chars for c in needle)


def _time_calls(
    call: Callable[[str, str | None], object], inputs: Sequence[tuple[str, str, str | None]], repeat: int
) -> dict[str, list[float]]:
    """Milliseconds per call, by input kind, each input ``repeat`` times."""
    times: dict[str, list[float]] = {}
    for _ in range(repeat):
        for kind, query, category in inputs:
            start = time.perf_counter()
            call(query, category)
            times.setdefault(kind, []).append((time.perf_counter() - start) * 1000)
    return times


def _pct(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _all(times: dict[str, list[float]]) -> list[float]:
    return [t for ts in times.values() for t in ts]


def bench_autocomplete(
    sizes: Sequence[int] = (100, 1000, 5000), repeat: int = 30, legacy_repeat: int = 2, seed: int = 7
) -> list[Table]:
    """Per-keystroke model search: new index vs prefix filter vs legacy difflib, same inputs."""
    main_rows: list[Row] = []
    kind_rows: list[Row] = []
    for size in sizes:
        models = synthetic_models(size, seed)
        inputs = keystroke_inputs(models, seed)
        builds = []
        for _ in range(3):
            start = time.perf_counter()
            index = ModelIndex(models)
            builds.append((time.perf_counter() - start) * 1000)
        build_ms = statistics.median(builds)
        new = _time_calls(index.search, inputs, repeat)
        base = _time_calls(functools.partial(prefix_baseline, models), inputs, repeat)
        legacy = _time_calls(functools.partial(legacy_search, models), inputs, legacy_repeat)
        new_all, legacy_p50 = _all(new), statistics.median(_all(legacy))
        new_p50 = statistics.median(new_all)
        main_rows.append([
            f"{size:,}", f"{len(inputs)}", f"{new_p50:.3f}", f"{_pct(new_all, 0.99):.3f}", f"{max(new_all):.3f}",
            f"{statistics.median(_all(base)):.3f}", f"{legacy_p50:.2f}", f"{new_p50 / legacy_p50:.4f}",
            f"{build_ms:.1f}",
        ])
        for kind in new:
            kind_rows.append([
                f"{size:,}", kind, f"{len(new[kind]) // repeat}", f"{statistics.median(new[kind]):.3f}",
                f"{_pct(new[kind], 0.99):.3f}", f"{statistics.median(legacy[kind]):.2f}",
                f"{statistics.median(new[kind]) / statistics.median(legacy[kind]):.4f}",
            ])
    notes = [
        f"new: ModelIndex.search, each input x{repeat}; prefix: slugs starting with the query, x{repeat};"
        f" legacy: the old difflib search, x{legacy_repeat}.",
        "build ms: ModelIndex over the catalog (median of 3), paid once per snapshot (at refresh), not per keystroke.",
    ]
    return [
        Table(
            "autocomplete: ms per keystroke",
            ["models", "inputs", "p50 new", "p99 new", "max new", "p50 prefix", "p50 legacy", "new/legacy",
             "build ms"],
            main_rows,
            notes,
        ),
        Table(
            "autocomplete by input kind: ms per keystroke",
            ["models", "kind", "inputs", "p50 new", "p99 new", "p50 legacy", "new/legacy"],
            kind_rows,
            [],
        ),
    ]


# -- a world to measure in: sandbox, settings, the bot's own services --------------------------

BIG = 1_000_000_000
GRID_GUILDS = 50  # servers the pre-filled jobs come from (position() costs O(servers waiting))
BACKLOG_MODEL = ("grok-imagine-image-quality", {"resolution": "1K"})


class QuietNotifier:
    """A Notifier that tells nobody: for the sections that do not look at messages."""

    async def job_updated(self, job: Job, progress: Progress | None = None) -> None:
        return None

    async def deliver(self, job: Job) -> Delivery:
        return Delivery("channel", 1)

    async def find_delivery(self, job: Job) -> Delivery | None:
        return None

    async def close(self) -> None:
        return None


def bench_settings(base_url: str, key: str, database: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        discord_token="bench-token-not-used", vivix_api_key=key, vivix_base_url=base_url,
        database_path=database, default_guild_allowance=BIG, default_member_day_cap=None,
        default_member_cycle_cap=None, default_max_in_flight=BIG, owner_ids=frozenset({1}),
    )


def sandbox_state(*, time_scale: float = 1.0, concurrent: int = 5, clock: Callable[[], float] = time.monotonic,
                  seed: int = 7) -> tuple[SandboxState, str]:
    state = SandboxState(clock=clock, time_scale=time_scale, seed=seed, rate_window=60.0 * time_scale)
    key = f"vvx_bench_{uuid.uuid4().hex[:12]}"
    state.add_key(key, tier="pro", calls_per_minute=240, concurrent_jobs=concurrent, credits=BIG)
    return state, key


async def prefill(services: Services, count: int, *, guilds: int = GRID_GUILDS, first_member: int = 5_000_000,
                  model: tuple[str, dict[str, Any]] = BACKLOG_MODEL) -> float:
    """``count`` queued jobs through the real GenerationService (validated, held, stored, in line),
    with the dispatcher not started, so nothing is submitted. Returns the seconds it took."""
    if services.catalog.snapshot is None and not await services.catalog.refresh():
        raise RuntimeError(f"the sandbox model list could not be read: {services.catalog.last_error}")
    slug, params = model
    category = services.catalog.require(slug).category
    started = time.perf_counter()
    for n in range(count):
        guild = 100_000 + n % guilds
        await services.generation.create(GenerationRequest(
            guild_id=guild, channel_id=guild + 1, member_id=first_member + n, command=category,
            prompt=f"backlog #{n}", model=slug, params=dict(params),
        ))
    return time.perf_counter() - started


# -- queue: picking the next job and telling a place, against one indexed row read ----------


def _ms(seconds: Sequence[float]) -> tuple[float, float]:
    ms = [s * 1000 for s in seconds]
    return statistics.median(ms), _pct(ms, 0.99)


async def _queue_costs(size: int, samples: int, seed: int, tmp: Path) -> Row:
    rng = random.Random(seed)
    state, key = sandbox_state()
    with SandboxServer(state) as server:
        services = await Services.open(bench_settings(server.base_url, key, tmp / f"queue-{size}.sqlite3"),
                                       clock=system_clock, notifier=QuietNotifier())
        try:
            fill = await prefill(services, size)
            dispatcher, db = services.dispatcher, services.db
            queue = dispatcher.ctx.queue
            await dispatcher._rebuild_queue_index()  # as start() does: the pump's first pick finds it fresh
            ids = [job_id for _, job_id, _ in queue.in_order()]
            row_read, pick, position = [], [], []
            for _ in range(samples):  # interleaved, so load on the machine falls on all three alike
                job_id = rng.choice(ids)
                start = time.perf_counter()
                async with db.read() as conn:
                    await conn.fetch_value("SELECT id FROM jobs WHERE id = ?", (job_id,))
                row_read.append(time.perf_counter() - start)
                start = time.perf_counter()
                picked = await dispatcher._next_queued()  # QueueIndex.next + the job's load, as the pump does
                pick.append(time.perf_counter() - start)
                assert picked is not None
                queue.discard(picked.id)  # claimed: the next pick is another job
                ids_job = rng.choice(ids)
                start = time.perf_counter()
                queue.position(ids_job)
                position.append(time.perf_counter() - start)
                dispatcher.ctx.back_in_line(picked)  # keep the line at ``size``
        finally:
            await services.close()
    base_p50 = _ms(row_read)[0]
    pick_p50, pick_p99 = _ms(pick)
    pos_p50, pos_p99 = _ms(position)
    return [f"{size:,}", f"{GRID_GUILDS}", f"{base_p50:.3f}", f"{pick_p50:.3f}", f"{pick_p99:.3f}",
            f"{max(pick) * 1000:.3f}", f"{pick_p50 / base_p50:.2f}", f"{pos_p50:.4f}", f"{pos_p99:.4f}",
            f"{pos_p50 / base_p50:.3f}", f"{fill:.0f}"]


def bench_queue(sizes: Sequence[int] = (1000, 10_000, 50_000), samples: int = 300, seed: int = 7) -> list[Table]:
    async def run() -> list[Row]:
        with tempfile.TemporaryDirectory(prefix="bench-queue-") as tmp:
            return [await _queue_costs(size, samples, seed, Path(tmp)) for size in sizes]

    rows = asyncio.run(run())
    return [Table(
        "queue: ms to pick the next job and to tell a place, against one indexed row read",
        ["queued", "servers", "row p50", "pick p50", "pick p99", "pick max", "pick/row", "place p50", "place p99",
         "place/row", "fill s"],
        rows,
        [f"row: SELECT id FROM jobs WHERE id = ? (one indexed row); pick: Dispatcher._next_queued, i.e."
         f" QueueIndex.next + loading that job, as the pump does; place: QueueIndex.position of a random"
         f" waiting job. {samples} samples each, interleaved. Target: pick p99 under 5 ms at 50,000.",
         "fill s: seconds to queue the jobs through GenerationService.create (hold + insert + index)."],
    )]


# -- startup: a big queue and resumed renders must not delay or starve the first submit --------

RESUMED_MODEL = ("wan-2.7-text-to-video", {"duration": 5, "resolution": "720p"})  # ~90 s: still rendering


class FirstSubmits:
    """Checkpoint hook: when each submit went out and came back, from one instant."""

    def __init__(self) -> None:
        self.t0 = 0.0
        self.sent: list[float] = []
        self.accepted: list[float] = []

    async def __call__(self, point: str, job: Job) -> None:
        if point == "before_submit":
            self.sent.append(time.perf_counter() - self.t0)
        elif point == "submit_accepted":
            self.accepted.append(time.perf_counter() - self.t0)


async def _until(check: Callable[[], Any], within: float, step: float = 0.02) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if await check():
            return True
        await asyncio.sleep(step)
    return False


async def _startup_case(queued: int, running: int, window: float, tmp: Path) -> Row:
    state, key = sandbox_state(concurrent=running + 5)
    with SandboxServer(state) as server:
        settings = bench_settings(server.base_url, key, tmp / f"startup-{queued}-{running}.sqlite3")
        if running:  # a previous run left ``running`` jobs rendering at the API
            before = await Services.open(settings, clock=system_clock, notifier=QuietNotifier())
            try:
                await prefill(before, running, model=RESUMED_MODEL, first_member=9_000_000)
                await before.start()

                async def all_running() -> bool:
                    async with before.db.read() as conn:
                        counts = await before.jobs.count_by_status(conn)
                    return counts.get("running", 0) == running

                if not await _until(all_running, 60):
                    raise RuntimeError("the resumed jobs never all started rendering")
            finally:
                await before.close()  # stopped as a restart would: the renders go on at the API
        filler = await Services.open(settings, clock=system_clock, notifier=QuietNotifier())
        try:
            await prefill(filler, queued)
        finally:
            await filler.close()
        hook = FirstSubmits()
        services = await Services.open(settings, clock=system_clock, notifier=QuietNotifier(),
                                       tuning=DispatchTuning(checkpoint=hook.__call__))
        try:
            base = state.stats().requests_by_route
            counts: list[tuple[int, int]] = []
            hook.t0 = time.perf_counter()
            await services.start()
            started = time.perf_counter() - hook.t0
            for second in range(1, int(window) + 1):
                await asyncio.sleep(max(0.0, hook.t0 + second - time.perf_counter()))
                now = state.stats().requests_by_route
                counts.append((now["generate"] - base["generate"], now["generation"] - base["generation"]))
        finally:
            await services.close()
    first_sent = f"{hook.sent[0] * 1000:.0f}" if hook.sent else "none"
    first_back = f"{hook.accepted[0] * 1000:.0f}" if hook.accepted else "none"
    per_second = " ".join(f"{s}/{p}" for s, p in counts)
    return [f"{queued:,}", f"{running}", f"{started * 1000:.0f}", first_sent, first_back, per_second]


def bench_startup(window: float = 5.0) -> list[Table]:
    cases = ((1, 0), (10_000, 0), (10_000, 20))

    async def run() -> list[Row]:
        with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
            return [await _startup_case(queued, running, window, Path(tmp)) for queued, running in cases]

    rows = asyncio.run(run())
    return [Table(
        "startup: from services.start() to the first submit (ms)",
        ["queued", "resumed", "start() ms", "1st submit sent", "1st submit back", "submits/polls by second 1..N"],
        rows,
        ["The first row is the baseline (one job queued). Resumed: jobs left rendering by a previous run,"
         " followed again from the start. Key: pro limits (240 calls/min), resumed + 5 jobs at once.",
         "submits/polls by second: cumulative POST /generate / GET /generations/{id} the sandbox saw"
         " 1, 2, ... seconds after start() began. Target: first submit within 1 s with 10,000 queued."],
    )]


# -- edits: status-message edits per result while a 1,000-job backlog drains ------------------


class EditTally:
    """What one edit policy sent: every edit's instant (real seconds)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.at: list[float] = []

    def sender(self) -> Callable[[], Any]:
        async def send() -> None:
            self.at.append(time.monotonic())

        return send

    def peak(self, window: float) -> int:
        """The most edits inside any ``window`` seconds."""
        best, first = 0, 0
        for last, instant in enumerate(self.at):
            while instant - self.at[first] > window:
                first += 1
            best = max(best, last - first + 1)
        return best


class LegacyGapEdits:
    """The notifier's rule before the budget (bot/ui/delivery.py before 9e8ac9b), counting instead of
    editing: finals at once; progress at most once per ``gap`` per message, a change inside the gap
    shown when it ends; no limit for the bot as a whole."""

    def __init__(self, tally: EditTally, gap: float, tasks: TaskSupervisor) -> None:
        self.tally, self.gap, self.tasks = tally, gap, tasks
        self._last: dict[str, float] = {}
        self._trailing: dict[str, asyncio.Task[None]] = {}

    async def update(self, job_id: str, final: bool) -> None:
        if final:
            pending = self._trailing.pop(job_id, None)
            if pending is not None:
                pending.cancel()
            self._last.pop(job_id, None)
            await self.tally.sender()()
            return
        wait = self._last.get(job_id, -self.gap) + self.gap - time.monotonic()
        if wait <= 0:
            self._last[job_id] = time.monotonic()
            await self.tally.sender()()
        elif job_id not in self._trailing:
            self._trailing[job_id] = self.tasks.spawn(self._later(job_id, wait), "legacy edit later")

    async def _later(self, job_id: str, wait: float) -> None:
        await asyncio.sleep(wait)
        self._trailing.pop(job_id, None)
        self._last[job_id] = time.monotonic()
        await self.tally.sender()()


class FanOutNotifier:
    """The dispatcher's notifier for the edits section: every update goes, side by side, to the raw
    count (an edit per call), the old per-message rule, and one ``EditBudget`` per rate, each
    applying what DiscordNotifier applies (``edit_priority``, finals at once)."""

    def __init__(self, rates: Sequence[float], time_scale: float, expected: int) -> None:
        self.tasks = TaskSupervisor()
        self.raw = EditTally("every update (no rule)")
        self.legacy_tally = EditTally("old rule: 1 per 5 s per message")
        self.legacy = LegacyGapEdits(self.legacy_tally, MIN_EDIT_GAP * time_scale, self.tasks)
        self.budgets: list[tuple[EditTally, EditBudget]] = [
            (EditTally(f"budget {rate:g}/s"),
             EditBudget(rate / time_scale, tasks=self.tasks, min_gap=MIN_EDIT_GAP * time_scale,
                        tick=TICK * time_scale))
            for rate in rates
        ]
        self.results = 0
        self.finals = 0
        self.expected = expected
        self.done = asyncio.Event()

    def tallies(self) -> list[EditTally]:
        return [self.raw, self.legacy_tally, *(tally for tally, _ in self.budgets)]

    async def job_updated(self, job: Job, progress: Progress | None = None) -> None:
        final = job.status in (JobStatus.FINISHED, JobStatus.DELIVERED)
        await self.raw.sender()()
        await self.legacy.update(job.id, final)
        for tally, budget in self.budgets:
            if final:
                await budget.final(job.id, tally.sender())
            else:
                budget.offer(job.id, edit_priority(job, progress), tally.sender())
        if job.status is JobStatus.DELIVERED:
            self.finals += 1
            if self.finals >= self.expected:
                self.done.set()

    async def deliver(self, job: Job) -> Delivery:
        self.results += 1
        return Delivery("channel", self.results)

    async def find_delivery(self, job: Job) -> Delivery | None:
        return None

    async def close(self) -> None:
        for _, budget in self.budgets:
            await budget.close()
        await self.tasks.close()


def bench_edits(jobs: int = 1000, servers: int = 8, time_scale: float = 0.05,
                rates: Sequence[float] = (1.0, 2.0, 5.0, 10.0), seed: int = 7) -> list[Table]:
    async def run() -> tuple[FanOutNotifier, float, int]:
        state, key = sandbox_state(time_scale=time_scale, seed=seed)
        notifier = FanOutNotifier(rates, time_scale, jobs)
        with SandboxServer(state) as server, tempfile.TemporaryDirectory(prefix="bench-edits-") as tmp:
            services = await Services.open(
                bench_settings(server.base_url, key, Path(tmp) / "edits.sqlite3"), clock=system_clock,
                notifier=notifier, tuning=DispatchTuning(
                    poll_plan=PollPlan(rng=random.Random(seed), time_scale=time_scale),
                    budget=RateBudget(240, time_scale=time_scale), pauses=Pauses().scaled(time_scale),
                ),
            )
            try:
                await prefill(services, jobs, guilds=servers)
                started = time.monotonic()
                await services.dispatcher.start()
                allowed = jobs * 13.0 / 5 * 3 * time_scale + 60  # three times the key's pace, in real s
                try:
                    await asyncio.wait_for(notifier.done.wait(), allowed)
                except TimeoutError:
                    print(f"edits: only {notifier.finals} of {jobs} delivered in {allowed:.0f}s", file=sys.stderr)
                wall = time.monotonic() - started
                await services.dispatcher.close()
            finally:
                await services.close()
        return notifier, wall, notifier.results

    notifier, wall, results = asyncio.run(run())
    api_seconds = wall / time_scale
    rows = []
    for tally in notifier.tallies():
        edits = len(tally.at)
        rows.append([
            tally.name, f"{edits:,}", f"{results:,}", f"{edits / max(results, 1):.2f}",
            f"{edits / api_seconds:.2f}", f"{tally.peak(time_scale)}", f"{tally.peak(10 * time_scale) / 10:.1f}",
        ])
    return [Table(
        f"edits: status-message edits per result, {jobs:,}-job backlog from {servers} servers draining",
        ["policy", "edits", "results", "edits/result", "edits/s", "peak in 1 s", "peak /s over 10 s"],
        rows,
        [f"The real Dispatcher (announce rules: exact first 10 places, then bands) drains {jobs:,} grok image"
         f" jobs through a pro key (5 at once) on the sandbox at time scale {time_scale}; one run, every"
         " policy fed the same updates. Seconds are API seconds. Each result is one post besides these edits.",
         f"{api_seconds:.0f} API s ({wall:.0f} real s); {results / api_seconds:.2f} results/s."
         " Target: edits/result <= 3 at the default STATUS_EDITS_PER_SECOND (1)."],
    )]


# -- ack: how fast /imagine is answered, alone and in a burst, with and without a big queue ----


class FollowingClock:
    """The sandbox's clock: SimCord's virtual time once the env runs (as tests/e2e/conftest.py)."""

    def __init__(self) -> None:
        self.env: Any = None

    def __call__(self) -> float:
        return 0.0 if self.env is None else float(self.env.now().timestamp())


class CallbackStamps(list[Any]):
    """Stands in for SimCord's log of the bot's REST calls and stamps the instant each interaction's
    initial response (POST /interactions/{id}/{token}/callback) arrives."""

    def __init__(self, entries: Iterable[Any]) -> None:
        super().__init__(entries)
        self.at: dict[int, float] = {}
        self.waiting: set[int] = set()
        self.all_in = asyncio.Event()

    def append(self, entry: Any) -> None:
        super().append(entry)
        if entry.method == "POST" and entry.path.endswith("/callback"):
            interaction_id = int(entry.path.split("/")[2])
            self.at.setdefault(interaction_id, time.perf_counter())
            self.waiting.discard(interaction_id)
            if not self.waiting:
                self.all_in.set()


async def emit_commands(env: Any, channel: Any, members: Sequence[Any], stamps: CallbackStamps,
                        model: str) -> list[tuple[float, float | None, bool]]:
    """Emit one /imagine per member back to back, awaiting none of them (``member.slash`` settles
    the bot after each, and SimCord refuses overlapping ones), then wait until every one is
    answered. Returns (emitted, answered or None, accepted) per command, perf_counter seconds.

    Uses SimCord's own payload builders (simcord.actors / simcord.interactions, the steps of
    ``member.slash``) and ``backend.emit``: internal, so pinned with the simcord version."""
    from simcord import actors as sc_actors
    from simcord import interactions as sc_interactions
    from simcord.enums import AppCommandType, InteractionType

    backend = env.backend
    sent: list[tuple[int, float]] = []
    payloads = []
    for n, member in enumerate(members):
        root = sc_actors._resolve_visible_command(member, channel.id, "imagine", AppCommandType.CHAT_INPUT)
        leaf, nesting = sc_interactions.walk_to_subcommand(root, [])
        options, resolved = sc_interactions.build_options(
            member, "imagine", leaf, {"prompt": f"burst {n}", "model": model}, channel_id=channel.id)
        data: dict[str, Any] = {"id": root["id"], "name": root["name"], "type": root.get("type", 1),
                                "options": sc_interactions.nest_options(root, nesting, options)}
        if resolved:
            data["resolved"] = resolved
        record, payload = sc_interactions.base_payload(
            backend, type=InteractionType.APPLICATION_COMMAND, channel_id=channel.id, guild_id=member.guild.id,
            user_id=member.id, data=data)
        payloads.append((record.id, payload))
    stamps.all_in.clear()
    stamps.waiting = {interaction_id for interaction_id, _ in payloads}
    for interaction_id, payload in payloads:  # back to back: the bot sees a burst
        sent.append((interaction_id, time.perf_counter()))
        backend.emit("INTERACTION_CREATE", payload)
    try:
        await asyncio.wait_for(stamps.all_in.wait(), 120)
    except TimeoutError:
        print(f"ack: {len(stamps.waiting)} commands never answered", file=sys.stderr)
    return [(at, stamps.at.get(interaction_id), bool(backend.interactions[interaction_id].responded))
            for interaction_id, at in sent]


async def _ack_case(queued: int, burst: int, alone: int, tmp: Path) -> list[Row]:
    import simcord

    from bot import create_bot

    clock = FollowingClock()
    state, key = sandbox_state(clock=clock)
    with SandboxServer(state) as server:
        settings = bench_settings(server.base_url, key, tmp / f"ack-{queued}.sqlite3")
        if queued:
            filler = await Services.open(settings, clock=system_clock, notifier=QuietNotifier())
            try:
                await prefill(filler, queued)
            finally:
                await filler.close()
        bot = create_bot(settings)
        async with simcord.run(bot, settle_timeout=1.0) as env:
            clock.env = env
            guild = env.create_guild("Burst")
            channel = guild.create_text_channel("art")
            members = [guild.add_member(env.create_user(f"member{n}")) for n in range(burst + alone)]
            stamps = CallbackStamps(env.backend.http_requests)
            env.backend.http_requests = stamps
            model = BACKLOG_MODEL[0]
            singles = []
            for member in members[burst:]:  # one command alone, answered before the next
                singles += await emit_commands(env, channel, [member], stamps, model)
                await _settle(env)
            bursts = await emit_commands(env, channel, members[:burst], stamps, model)
            await _settle(env)
            async with bot.services.db.read() as conn:  # an answer may be a refusal: count the jobs made
                made = await conn.fetch_value("SELECT COUNT(*) FROM jobs WHERE guild_id = ?", (guild.id,))
            rows = [_ack_row(queued, "alone", singles), _ack_row(queued, f"{burst} at once", bursts)]
            rows[-1][-1] += f" ({made} jobs made of {burst + alone})"
            await bot.services.close()  # SimCord stops the bot without close(), as the e2e fixture says
    return rows


async def _settle(env: Any) -> None:
    """Let the bot finish what the commands started (start() after the answer); it may keep
    rendering past the settle budget, which is no failure here."""
    try:
        await env.settle(timeout=5.0)
    except TimeoutError:
        pass


def _ack_row(queued: int, shape: str, measured: list[tuple[float, float | None, bool]]) -> Row:
    waits = [(answered - emitted) * 1000 for emitted, answered, _ in measured if answered is not None]
    refused = sum(1 for _, answered, ok in measured if answered is None or not ok)
    over = sum(1 for w in waits if w > 3000)
    return [f"{queued:,}", shape, f"{len(measured)}", f"{statistics.median(waits):.0f}",
            f"{_pct(waits, 0.99):.0f}", f"{max(waits):.0f}", f"{over}", f"{refused}"]


def bench_ack(queued: int = 10_000, burst: int = 100, alone: int = 10) -> list[Table]:
    async def run() -> list[Row]:
        with tempfile.TemporaryDirectory(prefix="bench-ack-") as tmp:
            rows = []
            for size in (0, queued):
                rows += await _ack_case(size, burst, alone, Path(tmp))
            return rows

    rows = asyncio.run(run())
    return [Table(
        "ack: ms from the /imagine interaction to its initial response",
        ["queued", "commands", "n", "p50", "p99", "max", "over 3 s", "unanswered"],
        rows,
        ["The real bot in SimCord against the sandbox; the interactions are emitted back to back and the"
         " time runs from each emit to its POST .../callback (the job is validated, held and stored first).",
         "alone: one command at a time, each answered before the next (the baseline). Targets with 10,000"
         " queued: none over 3 s, p99 under 1 s."],
    )]


# -- holds: HOOK for bench/holds.py (credit holds per second), written separately ---------------


def _run_holds(args: argparse.Namespace) -> list[Table]:
    """Holds per second at 500 concurrent on one server: ``bench/holds.py``, three write paths side by side."""
    from bench.holds import bench_holds

    return list(bench_holds())


# -- driver ---------------------------------------------------------------------------------


def _run_autocomplete(args: argparse.Namespace) -> list[Table]:
    return bench_autocomplete(args.sizes, args.repeat, args.legacy_repeat, args.seed)


def _run_queue(args: argparse.Namespace) -> list[Table]:
    return bench_queue(args.queue_sizes, args.samples, args.seed)


SECTIONS: dict[str, Callable[[argparse.Namespace], list[Table]]] = {
    "autocomplete": _run_autocomplete,
    "queue": _run_queue,
    "startup": lambda args: bench_startup(),
    "ack": lambda args: bench_ack(args.ack_queued),
    "holds": _run_holds,
    "edits": lambda args: bench_edits(args.edit_jobs, time_scale=args.time_scale, seed=args.seed),
}


def print_table(table: Table) -> None:
    if not table.rows:
        print(f"\n{table.title}\n  (no rows)")
        return
    widths = [max(len(h), *(len(r[i]) for r in table.rows)) for i, h in enumerate(table.headers)]
    print(f"\n{table.title}")
    print("  ".join(h.rjust(w) for h, w in zip(table.headers, widths, strict=True)))
    for row in table.rows:
        print("  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)))
    for note in table.notes:
        print(f"  {note}")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", choices=sorted(SECTIONS), help="run this section (repeatable)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 5000], help="catalog sizes (autocomplete)")
    parser.add_argument("--repeat", type=int, default=30, help="timed passes over the inputs (autocomplete, new)")
    parser.add_argument("--legacy-repeat", type=int, default=2, help="timed passes for the slow legacy search")
    parser.add_argument("--queue-sizes", type=int, nargs="+", default=[1000, 10_000, 50_000],
                        help="queued jobs (queue)")
    parser.add_argument("--ack-queued", type=int, default=10_000, help="jobs queued before the burst (ack)")
    parser.add_argument("--edit-jobs", type=int, default=1000, help="backlog size (edits)")
    parser.add_argument("--time-scale", type=float, default=0.05, help="sandbox time scale (edits)")
    parser.add_argument("--samples", type=int, default=300, help="timed picks and places per size (queue)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    for name in args.only or list(SECTIONS):
        print(f"running {name} ...", file=sys.stderr, flush=True)
        for table in SECTIONS[name](args):
            print_table(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
