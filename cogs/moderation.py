"""/policy log-channel and /policy export (a server's admins set its log channel and export its jobs,
ledger or audit events); the Report and moderator buttons are registered here, and the audit log's
Discord sink attached.

The two subcommands join the /policy group, so only members with Manage Server see them, and each
checks the permission again. Admin changes (a /quota or /policy command that succeeded) are
recorded from ``on_app_command_completion``, so those cogs need no hook of their own.
"""

from __future__ import annotations

import io
import logging
from typing import Any, cast

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import VivixBot
from bot.errors import clip
from bot.moderation.errors import LogChannelUnusableError
from bot.moderation.export import ExportKind, export_range, file_name
from bot.moderation.service import Moderation
from bot.ui.audit_log import DiscordAuditSink
from bot.ui.errors import send_ephemeral
from bot.ui.report_buttons import ModBlockButton, ModDeleteButton, ReportButton

log = logging.getLogger(__name__)

manage_server = app_commands.checks.has_permissions(manage_guild=True)

AUDITED_GROUPS = frozenset({"quota", "policy"})
AUDITED_COMMANDS = frozenset({"contest create", "contest close", "contest cancel"})  # a contest's admin changes
READ_ONLY = frozenset({
    "quota show", "quota history", "quota usage", "quota defaults show", "policy export", "policy show",
    "policy blocklist list",
})
OPTION_LIMIT = 100  # characters of each option kept with an admin change
DYNAMIC_ITEMS = (ReportButton, ModDeleteButton, ModBlockButton)


def _shown(value: object) -> str:
    """An option's value as the log shows it: a mention for members, roles and channels."""
    mention = getattr(value, "mention", None)
    if isinstance(mention, str):
        return mention
    if isinstance(value, app_commands.Choice):
        return str(value.value)
    return clip(value, OPTION_LIMIT)


def _bot(interaction: discord.Interaction) -> VivixBot:
    return interaction.client  # type: ignore[return-value]  # the only client these commands run in


def _moderation(interaction: discord.Interaction) -> Moderation:
    return _bot(interaction).services.moderation


@app_commands.command(name="log-channel", description="Where job starts, refusals, cancels, deletes, admin "
                                                      "changes and reports are posted")
@app_commands.describe(channel="The log channel (empty: none; events are still kept for export)")
@manage_server
async def log_channel(interaction: discord.Interaction, channel: discord.TextChannel | None = None) -> None:
    guild = interaction.guild
    assert guild is not None
    if channel is not None:
        mine = channel.permissions_for(guild.me)
        needed = (("View Channel", mine.view_channel), ("Send Messages", mine.send_messages),
                  ("Embed Links", mine.embed_links))
        missing = [label for label, ok in needed if not ok]
        if missing:
            raise LogChannelUnusableError(channel.mention, ", ".join(missing))
    await _moderation(interaction).channels.set(guild.id, channel.id if channel else None, by=interaction.user.id)
    await send_ephemeral(interaction, (
        f"✅ Job starts, refusals, cancels, deletes, admin changes and reports are now posted in {channel.mention}."
        if channel is not None else
        "✅ No log channel: nothing is posted, reports are refused, and every event is still kept "
        "(`/policy export what: audit`)."
    ))

@app_commands.command(name="export", description="A CSV file of this server's jobs, ledger or audit events")
@app_commands.describe(since="From this date, UTC: 2026-11-01 or 2026-11-01 14:30 (empty: the first record)",
                       until="Up to this date, UTC; a date includes its whole day (empty: now)",
                       what="What to export (default: jobs)")
@app_commands.choices(what=[app_commands.Choice(name=kind.value, value=kind.value) for kind in ExportKind])
@manage_server
async def export(interaction: discord.Interaction, since: str | None = None, until: str | None = None,
                 what: app_commands.Choice[str] | None = None) -> None:
    guild = interaction.guild
    assert guild is not None
    kind = ExportKind(what.value if what else ExportKind.JOBS)
    start, end = export_range(since, until, _bot(interaction).clock())
    await interaction.response.defer(ephemeral=True, thinking=True)
    exported = await _moderation(interaction).exports.export(kind, guild.id, start, end, max_bytes=guild.filesize_limit)
    try:
        name = file_name(kind, guild.id, start, end, exported.gzipped)
        note = " (gzipped: it is large)" if exported.gzipped else ""
        upload = discord.File(cast(io.BufferedIOBase, exported.file), filename=name)  # a spooled file is IOBase
        await interaction.followup.send(f"📄 {exported.rows:,} {kind.value} rows{note}.", file=upload,
                                        ephemeral=True)
    finally:
        exported.close()


POLICY_SUBCOMMANDS: tuple[app_commands.Command[Any, ..., None], ...] = (log_channel, export)


class ModerationCog(commands.Cog):
    """The report buttons, the log channel's sink, the admin-change listener, and /policy's
    log-channel and export subcommands (added to the /policy group, which holds its permissions)."""

    def __init__(self, bot: VivixBot) -> None:
        self.bot = bot

    @property
    def moderation(self) -> Moderation:
        return self.bot.services.moderation

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*DYNAMIC_ITEMS)
        self.moderation.audit.sink = DiscordAuditSink(self.bot)
        group = self.bot.tree.get_command("policy")  # cogs.policy loads first (bot/client.py EXTENSIONS)
        assert isinstance(group, app_commands.Group), "the /policy group must be loaded before moderation"
        for command in POLICY_SUBCOMMANDS:
            group.add_command(command)

    async def cog_unload(self) -> None:
        self.moderation.audit.sink = None
        self.bot.remove_dynamic_items(*DYNAMIC_ITEMS)
        group = self.bot.tree.get_command("policy")
        if isinstance(group, app_commands.Group):
            for command in POLICY_SUBCOMMANDS:
                group.remove_command(command.name)

    @commands.Cog.listener()
    async def on_app_command_completion(
        self, interaction: discord.Interaction, command: app_commands.Command[Any, ..., Any] | app_commands.ContextMenu
    ) -> None:
        """Every admin change that succeeded: who ran which command with which options."""
        name = command.qualified_name
        audited = name.split(" ", 1)[0] in AUDITED_GROUPS or name in AUDITED_COMMANDS
        if interaction.guild is None or not audited or name in READ_ONLY:
            return
        options = {option: _shown(value) for option, value in interaction.namespace}
        await self.moderation.audit.admin_change(interaction.guild.id, interaction.user.id, f"/{name}", options)


async def setup(bot: VivixBot) -> None:
    await bot.add_cog(ModerationCog(bot))
