"""The ``commands.Bot`` subclass: opens the services, loads the cogs, syncs commands."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from .clock import Clock
from .config import Settings
from .ops.health import HealthChecks, database_write_probe
from .ops.server import HealthServer, start_health_server
from .services import Services
from .tasks import TaskSupervisor
from .ui.alerts import DiscordAlertSink
from .ui.delivery import DiscordNotifier
from .ui.errors import reply_error

log = logging.getLogger(__name__)

# The bot never joins voice: no start-up warning about voice libraries it does not need.
discord.VoiceClient.warn_nacl = False
discord.VoiceClient.warn_dave = False

EXTENSIONS: tuple[str, ...] = (
    "cogs.about",
    "cogs.generate",
    "cogs.queue",
    "cogs.credits",
    "cogs.quota",
    "cogs.operator",
    "cogs.actions",
    "cogs.references",
    "cogs.mine",
    "cogs.prefer",
    "cogs.contests",
    "cogs.policy",
    "cogs.moderation",
)


class BotCommandTree(app_commands.CommandTree[Any]):
    """Every slash command's errors go to the one handler (bot/ui/errors.py)."""

    async def on_error(self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError) -> None:
        await reply_error(interaction, error)


class VivixBot(commands.Bot):
    """Typed access to the services for cogs: ``bot.services.ledger`` and so on."""

    services: Services

    def __init__(self, settings: Settings, *, clock: Clock | None = None, **shards: Any) -> None:
        """``shards``: ``shard_id``/``shard_count`` for one shard of several, or (in ShardedVivixBot)
        ``shard_ids``/``shard_count``; see ``build_bot``."""
        intents = discord.Intents.default()
        intents.typing = False
        intents.presences = False
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            help_command=None,
            allowed_mentions=discord.AllowedMentions(everyone=False, roles=False, users=True),
            tree_cls=BotCommandTree,
            **shards,
        )
        self.settings = settings
        # discord.utils.utcnow is the real time in production and the simulated
        # time under SimCord, so the services follow whichever Discord they see.
        self.clock: Clock = clock or discord.utils.utcnow

    async def setup_hook(self) -> None:
        tasks = TaskSupervisor()
        self.services = await Services.open(
            self.settings, clock=self.clock, notifier=DiscordNotifier(self, tasks), tasks=tasks,
            alert_sink=DiscordAlertSink(self),
        )
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        await self.sync_commands()
        await self.services.start()
        self.health = await self._start_health()

    async def _start_health(self) -> HealthServer | None:
        """GET /healthz and /metrics, when HEALTH_PORT is set."""
        services, settings = self.services, self.settings
        checks = HealthChecks(
            gateway_connected=self.gateway_connected,
            database_writable=lambda: database_write_probe(services.db),
            last_api_success=services.metrics.last_api_success,
            clock=self.clock,
            api_max_age=timedelta(seconds=settings.health_api_max_age),
        )
        return await start_health_server(settings.health_port, settings.health_host, checks, services.metrics)

    def gateway_connected(self) -> bool:
        """Connected to Discord's gateway now (not merely logged in once: a reconnect says no)."""
        if isinstance(self, discord.AutoShardedClient):
            return self.is_ready() and not self.is_closed() and all(
                not shard.is_closed() for shard in self.shards.values())
        return self.is_ready() and not self.is_closed() and self.ws is not None and self.ws.open

    async def sync_commands(self) -> None:
        guild_id = self.settings.dev_guild_id
        if guild_id is not None:
            guild = discord.Object(id=guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("Synced %d commands to the development server %s", len(synced), guild_id)
        else:
            synced = await self.tree.sync()
            log.info("Synced %d commands globally", len(synced))
        operator_guild_id = self.settings.operator_guild_id
        if operator_guild_id is not None and operator_guild_id != guild_id:
            synced = await self.tree.sync(guild=discord.Object(id=operator_guild_id))
            log.info("Synced %d commands to the operator's server %s", len(synced), operator_guild_id)

    async def close(self) -> None:
        health = getattr(self, "health", None)
        if health is not None:
            await health.close()
        services = getattr(self, "services", None)
        if services is not None:
            await services.close()
        await super().close()

    def is_operator(self, user_id: int) -> bool:
        return user_id in self.settings.owner_ids

    async def on_ready(self) -> None:
        log.info("Logged in as %s (%s) in %d servers", self.user, getattr(self.user, "id", "?"),
                 len(self.guilds))




class ShardedVivixBot(VivixBot, commands.AutoShardedBot):
    """The bot running several gateway shards in one process (SHARD_IDS lists more than one, or
    SHARD_COUNT is set without SHARD_IDS: every shard here)."""


def build_bot(settings: Settings, *, clock: Clock | None = None) -> VivixBot:
    """The bot for this process's share of the gateway (SHARD_COUNT, SHARD_IDS): one shard on a
    plain client, several on an auto-sharded one, none set: the one shard Discord gives a bot."""
    count, ids = settings.shard_count, settings.shard_ids
    if count is None:
        return VivixBot(settings, clock=clock)
    if ids is not None and len(ids) == 1:
        return VivixBot(settings, clock=clock, shard_id=ids[0], shard_count=count)
    return ShardedVivixBot(settings, clock=clock, shard_count=count,
                           shard_ids=list(ids) if ids is not None else None)
