"""Everything the cogs use, opened and closed together; knows nothing of discord."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from .catalog import Catalog
from .clock import Clock
from .config import Settings
from .dispatch import Dispatcher
from .generation import GenerationService
from .ledger import CreditLedger, LedgerDefaults
from .store.database import Database
from .vivix.client import VivixClient

log = logging.getLogger(__name__)

CATALOG_REFRESH_SECONDS = 600.0


@dataclass
class Services:
    settings: Settings
    clock: Clock
    db: Database
    vivix: VivixClient
    catalog: Catalog
    ledger: CreditLedger
    dispatcher: Dispatcher
    generation: GenerationService
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    @classmethod
    async def open(cls, settings: Settings, *, clock: Clock) -> Services:
        db = await Database.open(settings.database_path)
        vivix = VivixClient(settings.vivix_base_url, settings.vivix_api_key.get_secret_value())
        catalog = Catalog(vivix, clock=clock)
        ledger = CreditLedger(db, clock, ledger_defaults(settings))
        dispatcher = Dispatcher(db=db, ledger=ledger, api=vivix, catalog=catalog, clock=clock)
        generation = GenerationService(
            db=db, ledger=ledger, catalog=catalog, dispatcher=dispatcher, clock=clock
        )
        return cls(settings, clock, db, vivix, catalog, ledger, dispatcher, generation)

    async def start(self) -> None:
        """Load the model list (a failure is logged, not fatal) and resume unfinished jobs."""
        if not await self.catalog.refresh():
            log.warning("Starting without a model list; /about will say why. Retrying in the background.")
        await self.dispatcher.start()
        self._tasks.append(asyncio.ensure_future(self._refresh_catalog_forever()))

    async def _refresh_catalog_forever(self) -> None:
        while True:
            delay = CATALOG_REFRESH_SECONDS if self.catalog.snapshot is not None else 30.0
            await asyncio.sleep(delay)
            await self.catalog.refresh()

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.dispatcher.close()
        await self.catalog.aclose()
        await self.vivix.aclose()
        await self.db.close()


def ledger_defaults(settings: Settings) -> LedgerDefaults:
    return LedgerDefaults(
        guild_allowance=settings.default_guild_allowance,
        member_day_cap=settings.default_member_day_cap,
        member_cycle_cap=settings.default_member_cycle_cap,
        max_in_flight=settings.default_max_in_flight,
    )
