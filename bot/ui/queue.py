"""The /queue view of a server's waiting and rendering jobs."""

from __future__ import annotations

from datetime import datetime

import discord

from ..generation import ActiveJobs
from ..jobs import Job
from .embeds import BRAND, clock_text

MAX_LINES = 15


def _line(job: Job, tail: str) -> str:
    prompt = job.prompt if len(job.prompt) <= 40 else job.prompt[:39] + "…"
    return f"<@{job.member_id}> · `{job.model}` · “{prompt}” · {tail} · `{job.short_id}`"


def queue_embed(active: ActiveJobs, now: datetime) -> discord.Embed:
    embed = discord.Embed(title="Generation queue", colour=BRAND)
    running, waiting = active.running, active.waiting
    if not active.waiting_total and not running:
        embed.description = "Nothing is waiting or rendering in this server."
        return embed
    if running:
        lines = [_line(job, _rendering(job, now)) for job in running[:MAX_LINES]]
        embed.add_field(name=f"Rendering ({len(running)})", value="\n".join(lines), inline=False)
    if active.waiting_total:
        lines = [_line(job, f"#{position}") for position, job in waiting[:MAX_LINES]]
        if not lines:
            lines = [f"Page {active.page + 1} is past the end: there are {active.pages} pages."]
        name = f"Waiting ({active.waiting_total})"
        if active.pages > 1:
            name += f" · page {min(active.page + 1, active.pages)} of {active.pages} (`/queue show page:`)"
        embed.add_field(name=name, value="\n".join(lines), inline=False)
    embed.set_footer(text="Positions count every server sharing the bot. /queue cancel cancels a waiting job of yours "
                         "(admins: any job).")
    return embed


def _rendering(job: Job, now: datetime) -> str:
    if job.cancelled_by is not None:
        return "cancelled, the service is finishing it"
    return f"rendering {clock_text((now - job.submitted_at).total_seconds())}" if job.submitted_at else "rendering"
