"""/operator: the bot's operator (OWNER_IDS) sets servers' allowances, reads the API wallet,
looks up any job's whole record and stops (or resumes) serving a server.

Hidden from everyone else: registered only in OPERATOR_GUILD_ID (else DEV_GUILD_ID)
for administrators, or, when neither is set, globally but usable only in DMs
with the bot. Every subcommand also checks the caller is in OWNER_IDS.
"""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import VivixBot
from bot.ledger import CycleKind
from bot.ops.commitment import OverCommitError, allowance_change, commitment
from bot.ops.job_record import MAX_SUGGESTIONS, MIN_PREFIX, JobRecords
from bot.ui.errors import NotOperatorError, send_ephemeral
from bot.ui.guild_quota import per_cycle
from bot.ui.names import server_name
from bot.ui.operator import commitment_text, servers_embed, wallet_embed
from bot.ui.operator_job import job_record_embed
from bot.ui.redaction import redact_embed

log = logging.getLogger(__name__)

MAX_SERVER_CHOICES = 25


async def _is_operator(interaction: discord.Interaction) -> bool:
    client = interaction.client
    if isinstance(client, VivixBot) and client.is_operator(interaction.user.id):
        return True
    raise NotOperatorError()


operator_only = app_commands.check(_is_operator)


def _parse_server_id(text: str) -> int | None:
    digits = text.strip().rsplit("(", 1)[-1].rstrip(")").strip()
    return int(digits) if digits.isdigit() and 0 < int(digits) < 2**63 else None


@app_commands.default_permissions(administrator=True)
class Operator(commands.GroupCog, group_name="operator", group_description="The bot's operator only"):
    def __init__(self, bot: VivixBot) -> None:
        self.bot = bot

    @app_commands.command(name="allowance", description="Set a server's allowance per cycle")
    @app_commands.describe(server="The server's id (type to pick one the bot is in)",
                           amount="Credits per cycle, 0 or more",
                           confirm="Set it even if servers would be promised more than the API wallet gets")
    @operator_only
    async def allowance(
        self, interaction: discord.Interaction, server: str, amount: int, confirm: bool = False
    ) -> None:
        guild_id = _parse_server_id(server)
        if guild_id is None:
            await send_ephemeral(interaction, f"❌ `{server[:40]}` is not a server id. Nothing was changed.")
            return
        services = self.bot.services
        change = allowance_change(
            await services.ledger.list_guilds(), guild_id, amount, services.catalog.tier,
            default_cycle=CycleKind(services.ledger.defaults.cycle),
        )
        if change.over_commits and not confirm:
            raise OverCommitError(change)
        status = await services.ledger.set_allowance(guild_id, amount, actor=interaction.user.id)
        name = server_name(self.bot, guild_id)
        where = f"**{discord.utils.escape_markdown(name)}**" if name else "Server"
        note = "" if name else "\nThe bot is not in that server (yet); the setting waits for it."
        if change.after.over_by:  # confirmed, or lowered but still over
            note += "\n" + commitment_text(change.after)
        elif change.after.budget is None:
            note += f"\n-# {commitment_text(change.after)}"
        await send_ephemeral(
            interaction,
            f"✅ {where} (`{guild_id}`) now gets **{status.allowance:,}** credits per "
            f"{per_cycle(status.cycle_kind)}; **{status.allowance_remaining:,}** left this cycle.{note}",
        )

    @app_commands.command(name="block-server", description="Stop serving a server; its waiting jobs are refunded")
    @app_commands.describe(server="The server's id (type to pick one the bot is in)", reason="Why, for the log")
    @operator_only
    async def block_server(self, interaction: discord.Interaction, server: str,
                           reason: app_commands.Range[str, 1, 300] | None = None) -> None:
        guild_id = _parse_server_id(server)
        if guild_id is None:
            await send_ephemeral(interaction, f"❌ `{server[:40]}` is not a server id. Nothing was changed.")
            return
        cancelled = await self.bot.services.policy.block_server(guild_id, reason=reason, by=interaction.user.id)
        log.info("Operator %s stopped the bot in server %s", interaction.user.id, guild_id)
        name = server_name(self.bot, guild_id) or "That server"
        await send_ephemeral(interaction, (
            f"🚫 {discord.utils.escape_markdown(name)} (`{guild_id}`) is no longer served: every request there is "
            f"refused; {cancelled} waiting job(s) were cancelled and refunded. `/operator unblock-server` undoes it."))

    @app_commands.command(name="unblock-server", description="Serve a blocked server again")
    @app_commands.describe(server="The server's id")
    @operator_only
    async def unblock_server(self, interaction: discord.Interaction, server: str) -> None:
        guild_id = _parse_server_id(server)
        if guild_id is None:
            await send_ephemeral(interaction, f"❌ `{server[:40]}` is not a server id. Nothing was changed.")
            return
        removed = await self.bot.services.policy.unblock_server(guild_id)
        await send_ephemeral(interaction, f"✅ Server `{guild_id}` is served again." if removed
                             else f"Server `{guild_id}` was not blocked.")

    @allowance.autocomplete("server")
    @block_server.autocomplete("server")
    @unblock_server.autocomplete("server")
    async def _server_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if not self.bot.is_operator(interaction.user.id):
            return []
        typed = current.strip().lower()
        choices = [
            app_commands.Choice(name=f"{guild.name} ({guild.id})"[:100], value=str(guild.id))
            for guild in sorted(self.bot.guilds, key=lambda g: g.name.lower())
            if typed in guild.name.lower() or typed in str(guild.id)
        ]
        return choices[:MAX_SERVER_CHOICES]

    @app_commands.command(name="wallet", description="The API wallet's balance and tier, asked now")
    @operator_only
    async def wallet(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        services = self.bot.services
        refreshed = await services.catalog.refresh()
        servers = await services.ledger.list_guilds()
        embed = wallet_embed(
            services.catalog.snapshot,
            services.vivix.credits_balance,
            fetched_at=services.catalog.fetched_at,
            error=None if refreshed else (services.catalog.last_error or "no answer"),
            servers=servers,
        )
        await interaction.followup.send(embed=redact_embed(embed), ephemeral=True)

    @app_commands.command(name="servers", description="Every server's allowance and spend this cycle")
    @operator_only
    async def servers(self, interaction: discord.Interaction) -> None:
        services = self.bot.services
        servers = await services.ledger.list_guilds()
        names = {server.guild_id: server_name(self.bot, server.guild_id) for server in servers}
        embed = servers_embed(servers, names, commitment(servers, services.catalog.tier))
        await interaction.response.send_message(embed=redact_embed(embed), ephemeral=True)

    @app_commands.command(name="pause", description="Stop submitting jobs (running ones finish); members are told")
    @app_commands.describe(reason="Why, for the log and the other operators")
    @operator_only
    async def pause(self, interaction: discord.Interaction,
                    reason: app_commands.Range[str, 1, 300] = "paused by the operator") -> None:
        paused = await self.bot.services.dispatcher.pause(reason, by=interaction.user.id)
        await send_ephemeral(interaction, (
            f"⏸️ The queue is paused since {discord.utils.format_dt(paused.since, 'T')}. Waiting jobs keep their "
            "place and their held credits; rendering jobs finish and are posted; new requests are refused. "
            "`/operator resume` starts it again."))

    @app_commands.command(name="resume", description="Start submitting jobs again after a pause")
    @operator_only
    async def resume(self, interaction: discord.Interaction) -> None:
        await self.bot.services.dispatcher.resume(by=interaction.user.id)
        waiting = len(self.bot.services.dispatcher.ctx.queue)
        await send_ephemeral(interaction, f"▶️ The queue is running again; {waiting} waiting jobs go out in turn.")

    @app_commands.command(name="job", description="A job's whole record: request, API answers, timings, ledger")
    @app_commands.rename(job_ref="id")
    @app_commands.describe(job_ref=f"The job's id, or at least its first {MIN_PREFIX} characters")
    @operator_only
    async def job(self, interaction: discord.Interaction, job_ref: str) -> None:
        record = await self._records().find(job_ref)
        embed = job_record_embed(record, server_name(self.bot, record.job.guild_id))
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @job.autocomplete("job_ref")
    async def _job_choices(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        if not self.bot.is_operator(interaction.user.id):
            return []
        return [
            app_commands.Choice(name=f"{job_id} · {model} · {state}"[:100], value=job_id)
            for job_id, model, state in await self._records().suggest(current)
        ][:MAX_SUGGESTIONS]

    def _records(self) -> JobRecords:
        services = self.bot.services
        return JobRecords(services.db, services.jobs, services.ledger)


async def setup(bot: VivixBot) -> None:
    cog = Operator(bot)
    guild_id = bot.settings.operator_guild
    if guild_id is not None:
        await bot.add_cog(cog, guild=discord.Object(id=guild_id))
        log.info("/operator is registered in server %s only", guild_id)
        return
    group = cog.app_command
    assert group is not None
    group.allowed_contexts = app_commands.AppCommandContext(
        guild=False, dm_channel=True, private_channel=False
    )
    await bot.add_cog(cog)
    log.info("/operator is registered globally, usable only in DMs with the bot")
