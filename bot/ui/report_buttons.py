"""The 🚩 Report button under every result, and the moderators' buttons on a report in the log
channel: Delete (the result's post) and Block author.

All three are ``DynamicItem``s whose custom ids carry what they act on (``vx:report:<job>``,
``vx:mod:delete:<job>``, ``vx:mod:block:<guild>:<member>``), so they work after a restart. Every
refusal goes through the one error handler and is answered privately.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any, cast

import discord

from ..actions.errors import OutsideServerError
from ..jobs import Job
from ..moderation.errors import NotModeratorError, ReportedResultGoneError
from .actor import actor_of
from .errors import reply_error, send_ephemeral

if TYPE_CHECKING:
    from ..client import VivixBot

log = logging.getLogger(__name__)

JOB = r"[0-9a-f]{32}"
SNOWFLAKE = r"[0-9]{1,20}"


def report_id(job_id: str) -> str:
    return f"vx:report:{job_id}"


def mod_delete_id(job_id: str) -> str:
    return f"vx:mod:delete:{job_id}"


def mod_block_id(guild_id: int, member_id: int) -> str:
    return f"vx:mod:block:{guild_id}:{member_id}"


def _bot(interaction: discord.Interaction) -> VivixBot:
    return cast("VivixBot", interaction.client)


def _moderator(interaction: discord.Interaction) -> tuple[discord.Guild, discord.Member]:
    guild, member = interaction.guild, interaction.user
    if guild is None or not isinstance(member, discord.Member):
        raise OutsideServerError()
    return guild, member


class ReportButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=rf"vx:report:(?P<job>{JOB})"):
    def __init__(self, job_id: str, *, row: int | None = None) -> None:
        super().__init__(discord.ui.Button(label="Report", emoji="🚩", style=discord.ButtonStyle.secondary,
                                           custom_id=report_id(job_id), row=row))
        self.job_id = job_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ReportButton:
        return cls(match["job"])

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            actor = actor_of(interaction)
            await _bot(interaction).services.moderation.reports.report(actor.guild_id, self.job_id, actor.member_id)
            await send_ephemeral(interaction, "🚩 Thank you: this server's moderators have your report.")
        except Exception as err:  # the one error handler answers it, privately
            await reply_error(interaction, err)


class ModDeleteButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=rf"vx:mod:delete:(?P<job>{JOB})"):
    def __init__(self, job_id: str) -> None:
        super().__init__(discord.ui.Button(label="Delete", emoji="🗑️", style=discord.ButtonStyle.danger,
                                           custom_id=mod_delete_id(job_id)))
        self.job_id = job_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ModDeleteButton:
        return cls(match["job"])

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            await moderator_delete(interaction, self.job_id)
        except Exception as err:
            await reply_error(interaction, err)


class ModBlockButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=rf"vx:mod:block:(?P<guild>{SNOWFLAKE}):(?P<member>{SNOWFLAKE})",
):
    def __init__(self, guild_id: int, member_id: int) -> None:
        super().__init__(discord.ui.Button(label="Block author", emoji="🔒", style=discord.ButtonStyle.secondary,
                                           custom_id=mod_block_id(guild_id, member_id)))
        self.guild_id = guild_id
        self.member_id = member_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ModBlockButton:
        return cls(int(match["guild"]), int(match["member"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            await moderator_block(interaction, self.guild_id, self.member_id)
        except Exception as err:
            await reply_error(interaction, err)


def report_view(job_id: str, guild_id: int, author_id: int) -> discord.ui.View:
    """The moderators' buttons on a report in the log channel."""
    view = discord.ui.View(timeout=None)
    view.add_item(ModDeleteButton(job_id))
    view.add_item(ModBlockButton(guild_id, author_id))
    return view


async def moderator_delete(interaction: discord.Interaction, job_id: str) -> None:
    """Delete a reported result, as the result's own Delete does for someone who may manage
    messages where it was posted: ``deleted_by`` recorded, the post removed, the ledger untouched."""
    guild, member = _moderator(interaction)
    services = _bot(interaction).services
    job = await services.actions.source(job_id)  # refused when it was already deleted
    if job.guild_id != guild.id:
        raise ReportedResultGoneError()
    where = guild.get_channel(job.channel_id)
    permissions = where.permissions_for(member) if where is not None else member.guild_permissions
    if not permissions.manage_messages:
        raise NotModeratorError("Manage Messages")
    await services.actions.delete(job_id, member.id, may_manage=True)
    await _remove_post(_bot(interaction), job)
    await send_ephemeral(interaction, f"🗑️ Deleted <@{job.member_id}>'s result. What it cost stays spent.",
                         allowed_mentions=discord.AllowedMentions.none())


async def _remove_post(bot: VivixBot, job: Job) -> None:
    if job.delivered_via != "channel" or job.result_message_id is None:
        return
    try:
        channel = bot.get_channel(job.channel_id) or await bot.fetch_channel(job.channel_id)
        if isinstance(channel, discord.abc.Messageable) and hasattr(channel, "get_partial_message"):
            await channel.get_partial_message(job.result_message_id).delete()
    except discord.NotFound:
        pass  # someone removed it by hand already
    except discord.HTTPException as err:
        log.warning("Could not remove the post of deleted job %s (%s)", job.short_id, err.status)


async def moderator_block(interaction: discord.Interaction, guild_id: int, member_id: int) -> None:
    """Block a reported result's author from generating here, through the policy's member blocks
    (their waiting jobs are cancelled with a full refund; `/policy unblock` undoes it)."""
    guild, member = _moderator(interaction)
    if guild.id != guild_id:
        raise ReportedResultGoneError()
    if not member.guild_permissions.manage_guild:
        raise NotModeratorError("Manage Server")
    services = _bot(interaction).services
    await services.policy.block_member(guild_id, member_id, until=None, reason="a reported result", by=member.id)
    await services.moderation.audit.member_blocked(guild_id, member_id, member.id)
    await send_ephemeral(interaction, f"🔒 <@{member_id}> may no longer generate in this server (`/policy` undoes it).",
                         allowed_mentions=discord.AllowedMentions.none())
