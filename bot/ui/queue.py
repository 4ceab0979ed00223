"""The /queue view of a server's waiting and rendering jobs."""

from __future__ import annotations

from datetime import datetime

import discord

from ..jobs import Job
from .embeds import BRAND, clock_text

MAX_LINES = 15


def _line(job: Job, tail: str) -> str:
    prompt = job.prompt if len(job.prompt) <= 40 else job.prompt[:39] + "…"
    return f"<@{job.member_id}> · `{job.model}` · “{prompt}” · {tail} · `{job.short_id}`"


def queue_embed(waiting: list[tuple[int, Job]], running: list[Job], now: datetime) -> discord.Embed:
    embed = discord.Embed(title="Generation queue", colour=BRAND)
    if not waiting and not running:
        embed.description = "Nothing is waiting or rendering in this server."
        return embed
    if running:
        lines = [_line(job, _rendering(job, now)) for job in running[:MAX_LINES]]
        embed.add_field(name=f"Rendering ({len(running)})", value="\n".join(lines), inline=False)
    if waiting:
        lines = [_line(job, f"#{position}" if position else "waiting") for position, job in waiting[:MAX_LINES]]
        if len(waiting) > MAX_LINES:
            lines.append(f"…and {len(waiting) - MAX_LINES} more")
        embed.add_field(name=f"Waiting ({len(waiting)})", value="\n".join(lines), inline=False)
    embed.set_footer(text="Positions count every server sharing the bot. /queue cancel cancels a waiting job of yours "
                         "(admins: any job).")
    return embed


def _rendering(job: Job, now: datetime) -> str:
    if job.cancelled_by is not None:
        return "cancelled, the service is finishing it"
    return f"rendering {clock_text((now - job.submitted_at).total_seconds())}" if job.submitted_at else "rendering"
