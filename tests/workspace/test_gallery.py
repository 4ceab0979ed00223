"""The gallery's reads on a real SQLite file: a member's posted results only, filtered in SQL
behind the gallery index; stored queries; what may be shared."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.jobs import Job, JobOutcome, JobStatus
from bot.store import Database
from bot.store.gallery import GalleryFilters, GalleryRepository
from bot.store.jobs import JobRepository
from bot.workspace.errors import GalleryGoneError, NotShareableError
from bot.workspace.gallery import Gallery, make_filters

from .conftest import T0

GUILD, ALICE, BOB = 10, 1, 2
ANY = GalleryFilters()
jobs = JobRepository()


async def _job(db: Database, n: int, *, member: int = ALICE, guild: int = GUILD, prompt: str = "a red fox",
               model: str = "flux-2-flash", category: str = "image", outcome: JobOutcome = JobOutcome.COMPLETED,
               delivered: bool = True, deleted: bool = False) -> str:
    job_id = f"{n:032x}"
    at = T0 + timedelta(minutes=n)
    async with db.transaction() as tx:
        await jobs.insert(tx, Job(
            id=job_id, guild_id=guild, channel_id=5, member_id=member, command="imagine", model=model,
            category=category, request={"model": model, "prompt": prompt}, idempotency_key=f"k{n}", held=12,
            status=JobStatus.QUEUED, created_at=at,
        ))
        await jobs.claim_for_submit(tx, job_id)
        await jobs.mark_submitted(tx, job_id, f"gen-{n}", 12, at)
        await jobs.mark_finished(tx, job_id, outcome=outcome, credits_used=8, at=at,
                                 result={"status": "completed", "output_url": f"https://x/{n}.png"})
        if delivered:
            await jobs.mark_delivered(tx, job_id, via="channel", message_id=1000 + n, at=at)
        if deleted:
            await jobs.mark_deleted(tx, job_id, by=member, at=at)
    return job_id


async def _page(db: Database, filters: GalleryFilters = ANY, offset: int = 0) -> list[str]:
    async with db.read() as conn:
        return [job.prompt for job in await GalleryRepository().page(conn, GUILD, ALICE, filters, offset=offset,
                                                                     limit=5)]


async def test_only_the_members_posted_completed_undeleted_results_newest_first(db: Database) -> None:
    for n in range(1, 8):
        await _job(db, n, prompt=f"fox {n}")
    await _job(db, 20, prompt="failed", outcome=JobOutcome.FAILED)
    await _job(db, 21, prompt="not posted yet", delivered=False)
    await _job(db, 22, prompt="deleted", deleted=True)
    await _job(db, 23, prompt="bob's", member=BOB)
    await _job(db, 24, prompt="elsewhere", guild=GUILD + 1)

    assert await _page(db) == ["fox 7", "fox 6", "fox 5", "fox 4", "fox 3"]
    assert await _page(db, offset=5) == ["fox 2", "fox 1"]
    async with db.read() as conn:
        assert await GalleryRepository().count(conn, GUILD, ALICE, GalleryFilters()) == 7


async def test_filters_by_model_kind_and_prompt_text_in_any_ascii_case(db: Database) -> None:
    await _job(db, 1, prompt="A Red FOX at dusk")
    await _job(db, 2, prompt="a whale", model="grok-imagine-image-quality")
    await _job(db, 3, prompt="a fox song", model="stable-audio-2.5", category="audio")
    await _job(db, 4, prompt='100% "fox_like"')

    assert await _page(db, GalleryFilters(contains="red fox")) == ["A Red FOX at dusk"]
    assert await _page(db, GalleryFilters(contains="fox")) == ['100% "fox_like"', "a fox song", "A Red FOX at dusk"]
    assert await _page(db, GalleryFilters(contains="0% \"fox_")) == ['100% "fox_like"']  # no LIKE wildcards
    assert await _page(db, GalleryFilters(model="grok-imagine-image-quality")) == ["a whale"]
    assert await _page(db, GalleryFilters(category="audio")) == ["a fox song"]
    assert await _page(db, GalleryFilters(category="image", contains="FOX")) == ['100% "fox_like"',
                                                                                   "A Red FOX at dusk"]


async def test_every_gallery_read_goes_through_the_gallery_index(tmp_path: Path) -> None:
    """INDEXED BY makes SQLite refuse the statement rather than scan; the plan shows the range.
    (SQLite's planner hint and plan format, so SQLite only; PostgreSQL's planner chooses on its own.)"""
    db = await Database.open(tmp_path / "plan.sqlite3")
    async with db.read() as conn:
        plan = await conn.fetch_all(
            "EXPLAIN QUERY PLAN SELECT id FROM jobs INDEXED BY jobs_gallery WHERE guild_id = ? AND member_id = ? "
            "AND status = 'delivered' AND outcome = 'completed' AND deleted_by IS NULL "
            "AND instr(lower(json_extract(request_json, '$.prompt')), lower(?)) > 0 ORDER BY created_at DESC",
            (GUILD, ALICE, "fox"),
        )
    await db.close()
    details = " ".join(str(row[-1]) for row in plan)
    assert "USING INDEX jobs_gallery (guild_id=? AND member_id=?)" in details and "TEMP B-TREE" not in details


async def test_a_query_is_stored_once_and_read_only_by_its_member(db: Database) -> None:
    gallery = Gallery(db=db, jobs=jobs, clock=lambda: T0)
    await _job(db, 1, prompt="a fox")
    first = await gallery.open(GUILD, ALICE, make_filters(None, " Image ", "  a   FOX "))
    again = await gallery.open(GUILD, ALICE, make_filters(None, "image", "a FOX"))
    assert first.query_id == again.query_id > 0
    assert first.filters == GalleryFilters("", "image", "a FOX") and [j.prompt for j in first.entries] == ["a fox"]
    assert (await gallery.open(GUILD, ALICE, make_filters(None, None, None))).query_id == 0  # nothing to store
    assert (await gallery.page(GUILD, ALICE, first.query_id, 0)).filters == first.filters
    with pytest.raises(GalleryGoneError):
        await gallery.page(GUILD, BOB, first.query_id, 0)


async def test_a_page_past_the_end_shows_the_last_page(db: Database) -> None:
    gallery = Gallery(db=db, jobs=jobs, clock=lambda: T0)
    for n in range(1, 7):
        await _job(db, n, prompt=f"fox {n}")
    page = await gallery.page(GUILD, ALICE, 0, 25)  # results deleted since the button was drawn
    assert (page.offset, page.number, page.pages, [j.prompt for j in page.entries]) == (5, 2, 2, ["fox 1"])


async def test_only_ones_own_posted_result_may_be_shared(db: Database) -> None:
    gallery = Gallery(db=db, jobs=jobs, clock=lambda: T0)
    mine = await _job(db, 1)
    bobs = await _job(db, 2, member=BOB)
    gone = await _job(db, 3, deleted=True)
    failed = await _job(db, 4, outcome=JobOutcome.FAILED)
    assert (await gallery.shareable(GUILD, ALICE, mine)).id == mine
    for job_id, why in ((bobs, "Only the member who made"), (gone, "was deleted"), (failed, "Only finished"),
                        (mine, "No result")):
        guild = GUILD + 1 if job_id == mine else GUILD
        with pytest.raises(NotShareableError) as refused:
            await gallery.shareable(guild, ALICE, job_id)
        assert why in refused.value.message
