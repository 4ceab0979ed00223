"""``Gallery``: a member's own posted results in one server, newest first, a page at a time, with
filters by model, kind and prompt text; and the check before one of them is shared publicly."""

from __future__ import annotations

from dataclasses import dataclass

from ..clock import Clock
from ..errors import clip
from ..jobs import Job, JobOutcome, JobStatus
from ..store.database import Database
from ..store.gallery import GalleryFilters, GalleryRepository
from ..store.jobs import JobRepository
from .errors import GalleryGoneError, NotShareableError

PAGE_SIZE = 5
CONTAINS_MAX = 100
MODEL_CHOICES = 25


@dataclass(frozen=True, slots=True)
class GalleryPage:
    guild_id: int
    member_id: int
    query_id: int  # 0: no filters
    filters: GalleryFilters
    entries: list[Job]
    offset: int
    total: int

    @property
    def number(self) -> int:
        return self.offset // PAGE_SIZE + 1

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))

    @property
    def has_next(self) -> bool:
        return self.offset + PAGE_SIZE < self.total


def make_filters(model: str | None, category: str | None, contains: str | None) -> GalleryFilters:
    """Filters as a member typed them: trimmed; the kind in lower case; the text one line, clipped."""
    text = " ".join((contains or "").split())[:CONTAINS_MAX]
    return GalleryFilters((model or "").strip(), (category or "").strip().lower(), text)


class Gallery:
    def __init__(self, *, db: Database, jobs: JobRepository, clock: Clock) -> None:
        self.db = db
        self.jobs = jobs
        self.clock = clock
        self.repo = GalleryRepository()

    async def open(self, guild_id: int, member_id: int, filters: GalleryFilters) -> GalleryPage:
        """The first page; filters are stored (once per distinct query) for the page buttons."""
        query_id = 0
        if filters.any:
            async with self.db.transaction() as tx:
                query_id = await self.repo.save_query(tx, guild_id, member_id, filters, self.clock())
        return await self._page(guild_id, member_id, query_id, filters, 0)

    async def page(self, guild_id: int, member_id: int, query_id: int, offset: int) -> GalleryPage:
        """The page at ``offset`` of a gallery opened before (a button, maybe after a restart)."""
        filters = GalleryFilters()
        if query_id:
            async with self.db.read() as conn:
                stored = await self.repo.query(conn, query_id, guild_id, member_id)
            if stored is None:
                raise GalleryGoneError()
            filters = stored
        return await self._page(guild_id, member_id, query_id, filters, offset)

    async def _page(
        self, guild_id: int, member_id: int, query_id: int, filters: GalleryFilters, offset: int
    ) -> GalleryPage:
        async with self.db.read() as conn:
            total = await self.repo.count(conn, guild_id, member_id, filters)
            last = max(0, (total - 1) // PAGE_SIZE * PAGE_SIZE)
            offset = min(max(0, offset), last)  # results deleted since: the last page that has any
            entries = await self.repo.page(conn, guild_id, member_id, filters, offset=offset, limit=PAGE_SIZE)
        return GalleryPage(guild_id, member_id, query_id, filters, entries, offset, total)

    async def recent(self, guild_id: int, member_id: int, contains: str, limit: int = 25) -> list[Job]:
        """The member's newest results whose prompt holds ``contains``: /mine share's choices (nothing stored)."""
        async with self.db.read() as conn:
            return await self.repo.page(conn, guild_id, member_id, make_filters(None, None, contains),
                                        offset=0, limit=limit)

    async def models(self, guild_id: int, member_id: int, query: str) -> list[tuple[str, str]]:
        """(model, category) of the member's results whose slug holds ``query``: the model filter's choices."""
        async with self.db.read() as conn:
            found = await self.repo.models(conn, guild_id, member_id, limit=200)
        text = query.strip().casefold()
        return [(m, c) for m, c in found if text in m.casefold()][:MODEL_CHOICES]

    async def shareable(self, guild_id: int, member_id: int, job_id: str) -> Job:
        """The member's own posted result in this server, to post publicly."""
        async with self.db.read() as conn:
            job = await self.jobs.get(conn, job_id)
        if job is None or job.guild_id != guild_id:
            raise NotShareableError(f"No result `{clip(job_id[:8], 12)}` of yours in this server.")
        if job.member_id != member_id:
            raise NotShareableError("Only the member who made a result can share it from their gallery.")
        if job.deleted_by is not None:
            raise NotShareableError("That result was deleted.")
        if job.status is not JobStatus.DELIVERED or job.outcome is not JobOutcome.COMPLETED:
            raise NotShareableError("Only finished, posted results can be shared.")
        return job
