"""The Info button: everything about how a result was made, for anyone who asks, privately."""

from __future__ import annotations

import json
from datetime import datetime

import discord

from ..catalog import Catalog
from ..jobs import Job
from .embeds import BRAND

REQUEST_SHOWN = 900
ACTION_WORDS = {"reroll": "a re-roll", "vary": "a variation", "remix": "a remix", "upscale": "an upscale",
                "animate": "an animation", "retry": "a retry", "reference": "made from an image"}


def _when(moment: datetime | None) -> str:
    return discord.utils.format_dt(moment, "T") if moment is not None else "—"


def _seconds(start: datetime | None, end: datetime | None) -> str:
    return f" ({(end - start).total_seconds():.0f} s)" if start is not None and end is not None else ""


def job_info_embed(job: Job, catalog: Catalog) -> discord.Embed:
    model = catalog.get(job.model)
    embed = discord.Embed(title="\u2139\ufe0f How this was made", colour=BRAND)
    embed.add_field(name="Model", value=f"{model.display_name if model else job.model} (`{job.model}`)")
    seed = job.request.get("seed")
    embed.add_field(name="Seed", value=f"`{seed}`" if seed is not None else "chosen by the service")
    embed.add_field(name="Made by", value=f"<@{job.member_id}>")
    used = f"{job.credits_used:,} used" if job.credits_used is not None else "not charged yet"
    embed.add_field(name="Credits", value=f"{job.held:,} held · {used}")
    embed.add_field(name="Timings", inline=False, value=(
        f"asked {_when(job.created_at)} · started {_when(job.submitted_at)}{_seconds(job.created_at, job.submitted_at)}"
        f" · done {_when(job.finished_at)}{_seconds(job.submitted_at, job.finished_at)}"))
    request = json.dumps(job.request, ensure_ascii=False, indent=1, sort_keys=True)
    if len(request) > REQUEST_SHOWN:
        request = request[: REQUEST_SHOWN - 1] + "…"
    embed.add_field(name="Request", value=f"```json\n{request}\n```", inline=False)
    if job.source_job_id is not None:
        what = ACTION_WORDS.get(job.action or "", "made from another result")
        embed.add_field(name="Made from", value=f"{what} of job `{job.source_job_id}`", inline=False)
    embed.set_footer(text=f"job {job.id} · {job.outcome or job.status}")
    return embed
