"""The audit log on Discord: each event as a compact embed in the server's log channel (member,
prompt, model, cost, status, jump link); a report comes with the moderators' buttons."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord

from ..moderation.audit import AuditKind
from ..store.audit import AuditEvent
from .places import messageable
from .redaction import redact_embed
from .report_buttons import report_view

if TYPE_CHECKING:
    from ..client import VivixBot

log = logging.getLogger(__name__)

LOOKS: dict[str, tuple[str, discord.Colour]] = {
    AuditKind.JOB_STARTED: ("▶️ Job started", discord.Colour.blurple()),
    AuditKind.REFUSED: ("⛔ Refused by the server's policy", discord.Colour.orange()),
    AuditKind.CANCELLED: ("✖️ Job cancelled", discord.Colour.light_grey()),
    AuditKind.DELETED: ("🗑️ Result deleted", discord.Colour.dark_grey()),
    AuditKind.ADMIN: ("⚙️ Admin change", discord.Colour.gold()),
    AuditKind.REPORTED: ("🚩 Result reported", discord.Colour.red()),
    AuditKind.BLOCKED: ("🔒 Member blocked", discord.Colour.dark_red()),
}


def jump_url(guild_id: int, channel_id: int, message_id: int) -> str:
    return f"https://discord.com/channels/{guild_id}/{channel_id}/{message_id}"


def _where(event: AuditEvent) -> str | None:
    channel_id, message_id = event.details.get("channel_id"), event.details.get("message_id")
    if isinstance(channel_id, int) and isinstance(message_id, int):
        return f"[jump]({jump_url(event.guild_id, channel_id, message_id)})"
    if isinstance(channel_id, int):
        return f"<#{channel_id}>"
    return None


def _options(options: Any) -> str:
    if not isinstance(options, dict) or not options:
        return ""
    return "\n" + "\n".join(f"`{name}`: {discord.utils.escape_markdown(str(value))}" for name, value in options.items())


def audit_embed(event: AuditEvent) -> discord.Embed:
    """One event, compact: who, what, which model, what it cost, its status, where."""
    title, colour = LOOKS.get(event.kind, (event.kind, discord.Colour.default()))
    details = event.details
    description = ""
    if event.kind == AuditKind.ADMIN:
        description = f"`{details.get('command', '?')}`{_options(details.get('options'))}"
    elif details.get("prompt"):
        description = "> " + discord.utils.escape_markdown(str(details["prompt"])).replace("\n", " ")
    embed = discord.Embed(title=title, description=description[:4000] or None, colour=colour, timestamp=event.at)
    if event.member_id is not None:
        embed.add_field(name="Member", value=f"<@{event.member_id}>")
    if event.actor_id and event.actor_id != event.member_id:
        embed.add_field(name="By", value=f"<@{event.actor_id}>")
    if details.get("model"):
        embed.add_field(name="Model", value=f"`{details['model']}`")
    if isinstance(details.get("cost"), int):
        embed.add_field(name="Cost", value=f"{details['cost']:,} cr")
    if details.get("status") and event.kind != AuditKind.ADMIN:
        embed.add_field(name="Status", value=str(details["status"])[:1024])
    where = _where(event)
    if where is not None:
        embed.add_field(name="Where", value=where)
    # Not a result's "job <id>" marker: a log post must never be taken for the result after a crash.
    embed.set_footer(text=f"{event.kind} · job {event.job_id}" if event.job_id else event.kind)
    return embed


class DiscordAuditSink:
    """The AuditLog's sink: posts in the log channel; a report gets Delete and Block author."""

    def __init__(self, bot: VivixBot) -> None:
        self.bot = bot

    async def post(self, channel_id: int, event: AuditEvent) -> None:
        try:
            await self._post(channel_id, event)
        except (discord.NotFound, discord.Forbidden) as err:  # the channel is gone, or closed to the bot
            log.warning("Could not post the %s event in log channel %s of server %s (%s)",
                        event.kind, channel_id, event.guild_id, err.status)

    async def _post(self, channel_id: int, event: AuditEvent) -> None:
        channel = await messageable(self.bot, channel_id)
        if channel is None:
            log.warning("The log channel %s of server %s is not a channel the bot can post in",
                        channel_id, event.guild_id)
            return
        view = None
        if event.kind == AuditKind.REPORTED and event.job_id is not None and event.member_id is not None:
            view = report_view(event.job_id, event.guild_id, event.member_id)
        embed = redact_embed(audit_embed(event))
        if view is None:
            await channel.send(embed=embed, allowed_mentions=discord.AllowedMentions.none())
        else:
            await channel.send(embed=embed, view=view, allowed_mentions=discord.AllowedMentions.none())
