"""Everything the cogs use, built once from settings, opened and closed together: the one
factory, used by the bot and the bench alike. Knows nothing of discord."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from .actions.service import ResultActions
from .catalog import Catalog
from .clock import Clock
from .cluster import Cluster
from .cluster.models import ClusterModelSource
from .config import Settings
from .confirmations import Confirmations
from .contests import ContestService
from .contests.linked import disqualify_in
from .dispatch import Checkpoint, Notifier, Pauses
from .dispatch.dispatcher import Dispatcher
from .generation import GenerationService
from .ledger import CreditLedger, LedgerDefaults
from .moderation.audit import RefusalsToAudit
from .moderation.service import Moderation
from .ops.alerts import Alerts, AlertSink, LogOnlySink
from .ops.metrics import BotMetrics, QueueSnapshot
from .ops.wallet import WalletWatch
from .policy import PolicyService
from .policy.operator_list import load_blocklist
from .polling import PollPlan
from .ratelimit import RateBudget
from .store.database import Database
from .store.jobs import JobRepository
from .store.policy import PolicyRepository
from .tasks import TaskSupervisor
from .vivix.client import VivixClient
from .workspace.gallery import Gallery
from .workspace.preferences import Preferences

log = logging.getLogger(__name__)

CATALOG_REFRESH_SECONDS = 300.0  # also keeps /healthz's "a recent API success" true on an idle bot
CATALOG_RETRY_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class DispatchTuning:
    """How the dispatcher polls and paces itself; the defaults are production's, the bench
    passes a faster-than-life schedule and a crash-point recorder."""

    poll_plan: PollPlan | None = None
    budget: RateBudget | None = None
    pauses: Pauses | None = None
    checkpoint: Checkpoint | None = None


@dataclass
class Services:
    settings: Settings
    clock: Clock
    tasks: TaskSupervisor
    db: Database
    vivix: VivixClient
    catalog: Catalog
    ledger: CreditLedger
    jobs: JobRepository
    dispatcher: Dispatcher
    generation: GenerationService
    actions: ResultActions
    notifier: Notifier
    alerts: Alerts
    wallet: WalletWatch
    metrics: BotMetrics
    preferences: Preferences
    gallery: Gallery
    confirmations: Confirmations
    contests: ContestService
    policy: PolicyService
    moderation: Moderation
    cluster: Cluster | None = None  # on PostgreSQL: the leader election and NOTIFY listener

    @classmethod
    async def open(
        cls,
        settings: Settings,
        *,
        clock: Clock,
        notifier: Notifier,
        tasks: TaskSupervisor | None = None,
        alert_sink: AlertSink | None = None,
        tuning: DispatchTuning | None = None,
        elect: bool = True,
    ) -> Services:
        """``tasks`` is shared with the notifier when it has background work of its own;
        ``alert_sink`` tells the operators (default: the log line alone). On PostgreSQL the
        process joins the leader election unless ``elect`` is False (it then only takes commands)."""
        tuning = tuning or DispatchTuning()
        tasks = tasks or TaskSupervisor()
        db = await Database.open(settings.database_target)
        metrics = BotMetrics(clock=clock)
        vivix = VivixClient(settings.vivix_base_url, settings.vivix_api_key.get_secret_value(),
                            observer=metrics.api_call)
        leading: list[Cluster] = []  # filled below on PostgreSQL; the model source asks it who leads
        source = vivix if db.dialect == "sqlite" else ClusterModelSource(
            vivix, db, clock, is_leader=lambda: bool(leading) and leading[0].is_leader)
        catalog = Catalog(source, clock=clock, tasks=tasks)
        ledger = CreditLedger(db, clock, ledger_defaults(settings))
        jobs = JobRepository()
        alerts = Alerts(alert_sink or LogOnlySink())
        wallet = WalletWatch(db, clock, alerts, threshold=settings.wallet_alert_below, metrics=metrics)
        dispatcher = Dispatcher(
            db=db, jobs=jobs, ledger=ledger, api=vivix, catalog=catalog, clock=clock, notifier=notifier,
            tasks=tasks, alerts=alerts, wallet=wallet, metrics=metrics, poll_plan=tuning.poll_plan,
            budget=tuning.budget, pauses=tuning.pauses, checkpoint=tuning.checkpoint,
        )
        preferences = Preferences(db=db, catalog=catalog, clock=clock)
        confirmations = Confirmations(db, clock)
        policy = PolicyService(db=db, repo=PolicyRepository(), clock=clock,
                               operator_terms=load_blocklist(settings.blocklist_file), cancel=dispatcher.cancel)
        moderation = Moderation.build(db, clock, tasks)
        dispatcher.ctx.audit = moderation.audit
        policy.subscribe(RefusalsToAudit(moderation.audit))  # refusals go to the audit log and its channel
        generation = GenerationService(db=db, jobs=jobs, ledger=ledger, catalog=catalog, dispatcher=dispatcher,
                                       clock=clock, preferences=preferences, confirmations=confirmations,
                                       policy=policy, audit=moderation.audit)
        actions = ResultActions(db=db, jobs=jobs, catalog=catalog, generation=generation, clock=clock,
                                audit=moderation.audit)
        contests = ContestService(db=db, ledger=ledger, clock=clock, tasks=tasks, generation=generation)
        actions.delete_hooks.append(disqualify_in)  # a deleted entry leaves its contest
        services = cls(settings, clock, tasks, db, vivix, catalog, ledger, jobs, dispatcher, generation, actions,
                       notifier, alerts, wallet, metrics, preferences, Gallery(db=db, jobs=jobs, clock=clock),
                       confirmations, contests, policy, moderation)
        metrics.set_queue_source(services.queue_snapshot)
        if db.dialect == "postgresql":
            assert settings.database_url is not None
            services.cluster = Cluster(settings.database_url.get_secret_value(), tasks=tasks, dispatcher=dispatcher,
                                       catalog=catalog, lead=services._lead, elect=elect)
            leading.append(services.cluster)
        return services

    async def queue_snapshot(self) -> QueueSnapshot:
        """Job counts for /metrics, read at scrape time."""
        async with self.db.read() as conn:
            counts = await self.jobs.count_by_status(conn)
        return QueueSnapshot(jobs_by_status=counts, queue_length=counts.get("queued", 0))

    async def start(self) -> None:
        """Load the model list (a failure is logged, not fatal), resume unfinished jobs and the
        contests' phase timers (overdue changes run at once). On PostgreSQL that is the leader's
        part, started when this process is elected; until then it takes commands, with the
        model list and the queue's pause state the leader stored."""
        if self.cluster is None:
            await self._lead()
        else:
            if not await self.catalog.refresh():
                log.info("No model list stored by a leader yet; it will come with the leader's first refresh")
            await self.dispatcher.pause_control.sync()
            await self.cluster.start()
        self.tasks.spawn(self._refresh_catalog_forever(), "catalog refresh loop")

    async def _lead(self) -> None:
        if not await self.catalog.refresh():
            log.warning("Starting without a model list; /about will say why. Retrying in the background.")
        await self._observe_wallet()
        await self.dispatcher.start()
        self.contests.scheduler.start()

    @property
    def leads(self) -> bool:
        """This process runs the queue: always on SQLite, the elected leader on PostgreSQL."""
        return self.cluster is None or self.cluster.is_leader

    async def _refresh_catalog_forever(self) -> None:
        while True:
            delay = CATALOG_REFRESH_SECONDS if self.catalog.snapshot is not None else CATALOG_RETRY_SECONDS
            await asyncio.sleep(delay)
            if await self.catalog.refresh() and self.leads:
                await self._observe_wallet()

    async def _observe_wallet(self) -> None:
        snapshot = self.catalog.snapshot
        if snapshot is not None:
            await self.wallet.observe(snapshot.credits_balance, snapshot.tier)

    async def close(self) -> None:
        await self.dispatcher.close()
        await self.notifier.close()
        await self.tasks.close()
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
