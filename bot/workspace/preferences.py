"""``Preferences``: members' generation preferences and their server's defaults, kept in the
database, set and read by /prefer and /quota defaults, and applied by ``GenerationService.create``.

Nothing is cached: every job reads its member's rows (one primary-key range), so a change takes
effect at once, in every process reading the same file, and after a restart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..catalog import Catalog, ModelChoice
from ..catalog.schema import normalize_name
from ..clock import Clock
from ..generation import GenerationRequest
from ..store.database import Database
from ..store.gallery import GalleryRepository
from ..store.preferences import SERVER, PreferenceRepository, StoredPreference
from . import names
from .errors import PreferenceNotSetError
from .filling import fill_request

USUAL_FROM_JOBS = 200  # a member's usual models: those of their latest jobs


@dataclass(frozen=True, slots=True)
class PreferenceSet:
    """What applies to one member in one server: theirs, and the server's defaults."""

    mine: dict[str, StoredPreference]
    server: dict[str, StoredPreference]

    def values(self, server: bool = False) -> dict[str, str]:
        return {name: pref.value for name, pref in (self.server if server else self.mine).items()}


class Preferences:
    def __init__(self, *, db: Database, catalog: Catalog, clock: Clock) -> None:
        self.db = db
        self.catalog = catalog
        self.clock = clock
        self.repo = PreferenceRepository()
        self.gallery = GalleryRepository()

    async def of(self, guild_id: int, member_id: int) -> PreferenceSet:
        async with self.db.read() as conn:
            rows = await self.repo.of(conn, guild_id, member_id)
        mine = {p.name: p for p in rows if p.member_id != SERVER}
        server = {p.name: p for p in rows if p.member_id == SERVER}
        return PreferenceSet(mine, server)

    async def fill(self, request: GenerationRequest) -> tuple[GenerationRequest, tuple[str, ...]]:
        """The request with what the member left empty filled from preferences, and notes on the
        preferences that did not fit the model (see ``bot.workspace.filling``)."""
        if request.source_job_id is not None:
            return request, ()
        found = await self.of(request.guild_id, request.member_id)
        return fill_request(request, self.catalog, found.values(), found.values(server=True))

    # -- changing them: ``member_id=None`` is the server's default -------------------------------

    async def set(self, guild_id: int, member_id: int | None, name: str, value: str, *, by: int) -> tuple[str, str]:
        """Check and store one preference; the stored name and value come back."""
        key, text = names.check(self.catalog, name, value)
        async with self.db.transaction() as tx:
            await self.repo.put(tx, guild_id, member_id or SERVER, key, text, by=by, at=self.clock())
        return key, text

    async def unset(self, guild_id: int, member_id: int | None, name: str) -> str:
        key = normalize_name(name).replace(" ", "")
        async with self.db.transaction() as tx:
            removed = await self.repo.delete(tx, guild_id, member_id or SERVER, key)
        if not removed:
            raise PreferenceNotSetError(name.strip(), server=member_id is None)
        return key

    async def clear(self, guild_id: int, member_id: int) -> int:
        """Remove every preference of the member in this server; how many there were."""
        async with self.db.transaction() as tx:
            return await self.repo.clear(tx, guild_id, member_id)

    # -- autocomplete ---------------------------------------------------------------------------

    async def usual_models(self, guild_id: int, member_id: int) -> list[str]:
        async with self.db.read() as conn:
            return await self.gallery.recent_models(conn, guild_id, member_id, jobs=USUAL_FROM_JOBS)

    async def name_choices(self, guild_id: int, member_id: int, query: str) -> list[ModelChoice]:
        return names.name_choices(self.catalog, query, await self.usual_models(guild_id, member_id))

    async def value_choices(self, guild_id: int, member_id: int, name: str, query: str) -> list[ModelChoice]:
        return names.value_choices(self.catalog, name, query, await self.usual_models(guild_id, member_id))

    async def set_choices(self, guild_id: int, member_id: int | None, query: str) -> list[ModelChoice]:
        """The names already set (for ``unset``), matching ``query``."""
        found = await self.of(guild_id, member_id or SERVER)
        stored: Sequence[StoredPreference] = list((found.mine if member_id else found.server).values())
        text = normalize_name(query)
        return [ModelChoice(p.name, names.cut(f"{p.name} = {p.value}")) for p in stored if text in p.name][:25]
