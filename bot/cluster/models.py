"""Where the model list comes from in a cluster: the API for the leader, the database for the rest.

The leader fetches ``/models`` and stores the answer (``catalog_snapshot``), then tells the
others; a follower's catalog reads that row instead of calling the API, so the calls made
against the key do not multiply with the number of processes.
"""

from __future__ import annotations

from collections.abc import Callable

from ..catalog.catalog import ModelSource
from ..clock import Clock
from ..store.catalog_snapshot import CatalogSnapshotRepository
from ..store.database import Database
from ..store.notify import CATALOG, notify
from ..vivix.models import ModelsResponse


class NoStoredModelsError(Exception):
    """No leader has stored a model list yet."""

    def __init__(self) -> None:
        super().__init__("the leader has not stored a model list yet")


class ClusterModelSource:
    def __init__(self, api: ModelSource, db: Database, clock: Clock, is_leader: Callable[[], bool]) -> None:
        self._api = api
        self._db = db
        self._clock = clock
        self._is_leader = is_leader
        self._repo = CatalogSnapshotRepository()

    async def list_models(self) -> ModelsResponse:
        if not self._is_leader():
            async with self._db.read() as conn:
                stored = await self._repo.get(conn)
            if stored is None:
                raise NoStoredModelsError()
            return ModelsResponse.model_validate_json(stored[0])
        response = await self._api.list_models()
        async with self._db.transaction() as tx:
            await self._repo.put(tx, response.model_dump_json(), self._clock())
            await notify(tx, CATALOG)
        return response
