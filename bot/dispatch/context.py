"""What every part of the dispatcher shares: storage, the API, the clock, the notifier, the tasks."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from ..catalog import Catalog
from ..clock import Clock
from ..jobs import Job
from ..ledger import CreditLedger
from ..moderation.audit import AuditLog
from ..ops.alerts import Alerts
from ..ops.metrics import BotMetrics
from ..ops.wallet import WalletWatch
from ..polling import PollPlan
from ..ratelimit import RateBudget
from ..store.database import Database
from ..store.jobs import JobRepository
from ..store.timestamps import to_db_time
from ..tasks import TaskSupervisor
from ..vivix.client import VivixClient
from .queue_index import QueueIndex
from .types import Checkpoint, Notifier, Pauses


@dataclass
class DispatchContext:
    db: Database
    jobs: JobRepository
    ledger: CreditLedger
    api: VivixClient
    catalog: Catalog
    clock: Clock
    notifier: Notifier
    tasks: TaskSupervisor
    plan: PollPlan
    budget: RateBudget
    alerts: Alerts
    wallet: WalletWatch
    metrics: BotMetrics
    queue: QueueIndex = field(default_factory=QueueIndex)
    pauses: Pauses = field(default_factory=Pauses)
    checkpoint: Checkpoint | None = None
    audit: AuditLog | None = None  # cancels go to the server's audit log (bot/services.py sets it)
    closed: bool = False

    def now(self) -> float:
        """Seconds on the event loop's clock: for waits, never stored."""
        return asyncio.get_running_loop().time()

    async def mark(self, point: str, job: Job) -> None:
        """A named crash point: the test hook may stop the job here, as a crash would."""
        if self.checkpoint is not None:
            await self.checkpoint(point, job)

    async def observe_wallet(self) -> None:
        """The balance the API reported last (``X-Credits-Balance`` or /models), to the wallet watch."""
        await self.wallet.observe(self.api.credits_balance, self.catalog.tier)

    def back_in_line(self, job: Job) -> None:
        """The job is QUEUED again (a retry, a deferred submit): its old place in its server's line."""
        self.queue.add(job.id, job.guild_id, to_db_time(job.created_at))

    async def load(self, job_id: str) -> Job | None:
        async with self.db.read() as conn:
            return await self.jobs.get(conn, job_id)
