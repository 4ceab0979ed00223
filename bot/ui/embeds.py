"""Embeds the bot shows: about, a job's status, its result."""

from __future__ import annotations

from collections import Counter

import discord

from ..dispatch import Progress
from ..dispatch.errors import pause_reason
from ..dispatch.eta import Eta
from ..headroom import Headroom
from ..jobs import Job, JobOutcome, JobStatus
from ..vivix.models import ModelsResponse
from .failures import failure_sentence

BRAND = discord.Colour.from_rgb(124, 92, 255)
MAX_PROMPT_SHOWN = 900


def about_embed(version: str, models: ModelsResponse | None, last_error: str | None) -> discord.Embed:
    embed = discord.Embed(
        title="Vivix bot",
        description="Make images, video and sound with `/imagine`, `/video`, `/audio` and `/generate`. "
        "Your server's admins decide who may spend how much: see `/credits`.",
        colour=BRAND,
    )
    embed.add_field(name="Version", value=version)
    if models is None:
        reason = f" ({last_error})" if last_error else ""
        embed.add_field(
            name="Generation API",
            value=f"Unreachable right now{reason}. Commands will work again once it answers.",
            inline=False,
        )
        return embed
    per_category = Counter(model.category for model in models.models)
    summary = ", ".join(f"{count} {category}" for category, count in sorted(per_category.items()))
    embed.add_field(name="API tier", value=models.tier)
    embed.add_field(name="Models", value=f"{len(models.models)}" + (f" ({summary})" if summary else ""))
    embed.add_field(
        name="Key limits",
        value=f"{models.rate_limit.calls_per_minute} calls/min, "
        f"{models.rate_limit.concurrent_jobs} jobs at once",
        inline=False,
    )
    return embed


def _prompt(job: Job) -> str:
    prompt = job.prompt
    shown = prompt if len(prompt) <= MAX_PROMPT_SHOWN else prompt[: MAX_PROMPT_SHOWN - 1] + "…"
    return f"||{shown.replace('|', '¦')}||" if job.spoiler and shown else shown  # the policy's sensitive mode


def job_footer(job: Job) -> str:
    """The marker on a result message: a restarted bot looks for it to know the result was posted."""
    return f"job {job.id}"


def status_footer(job: Job) -> str:
    """The live status message's footer: never mistaken for the result's marker."""
    return f"job {job.id} · live status"


def progress_bar(fraction: float, width: int = 12) -> str:
    filled = round(max(0.0, min(1.0, fraction)) * width)
    return "▰" * filled + "▱" * (width - filled)


def clock_text(seconds: float) -> str:
    seconds = int(max(0, seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def _place(progress: Progress) -> str:
    if not progress.position:
        return ""
    if progress.approximate:
        return f" · about {progress.position:,} ahead"
    return f" · position {progress.position}"


LIMIT_WORDS = {"day": "today", "cycle": "this cycle", "server": "in the server's allowance"}


def headroom_text(headroom: Headroom) -> str:
    """What a member has left after a hold: "389 left today", "+ 50 bonus" when they have some."""
    text = f"{headroom.left:,} left {LIMIT_WORDS[headroom.limit]}"
    return text + (f" (+{headroom.bonus_left:,} bonus)" if headroom.bonus_left else "")


def eta_text(eta: Eta) -> str:
    """Discord shows these times live in each reader's terms ("in 3 minutes")."""
    start, end = eta.shown()
    return f"starts <t:{start}:R> · done <t:{end}:R>"


def status_embed(
    job: Job, *, progress: Progress | None = None, model_name: str | None = None
) -> discord.Embed:
    """The public message answering the command, edited as the job moves."""
    progress = progress or Progress()
    if job.status is JobStatus.QUEUED and progress.paused:
        state = "⏸️ Paused" + _place(progress)
        colour = discord.Colour.orange()
    elif job.status is JobStatus.QUEUED:
        state = "⏳ Queued" + _place(progress)
        if progress.retrying or job.retries:
            state += " · retrying after a passing failure"
        colour = discord.Colour.light_grey()
    elif job.status is JobStatus.RUNNING and job.cancelled_by is not None:
        state, colour = "🚫 Cancelled · finishing at the service, will not be posted", discord.Colour.dark_grey()
    elif job.status is JobStatus.RUNNING:
        state, colour = "🎨 Rendering" + (" · retrying after a passing failure" if job.retries else ""), BRAND
    elif job.outcome is JobOutcome.COMPLETED:
        state, colour = "✅ Done", discord.Colour.green()
    elif job.outcome is JobOutcome.CANCELLED:
        state, colour = "🚫 Cancelled, credits returned", discord.Colour.dark_grey()
    else:
        state, colour = "❌ Failed, credits returned", discord.Colour.red()
    embed = discord.Embed(title=state, description=_prompt(job), colour=colour)
    if job.status is JobStatus.QUEUED and progress.paused:
        embed.add_field(name="Why it waits", inline=False, value=(
            f"The bot is paused: {pause_reason(progress.paused)}. The operator has been told. Your job keeps "
            "its place and its held credits, and starts when the bot resumes; cancel it with `/queue cancel` "
            "for a full refund."))
    embed.add_field(name="Model", value=model_name or job.model)
    if job.credits_used is not None and job.status in (JobStatus.FINISHED, JobStatus.DELIVERED):
        embed.add_field(name="Credits", value=f"{job.credits_used} used")
    elif job.status is JobStatus.QUEUED and progress.headroom is not None:
        embed.add_field(name="Credits", value=f"{job.held} held · {headroom_text(progress.headroom)}")
    else:
        embed.add_field(name="Credits", value=f"{job.held} held")
    if job.status is JobStatus.QUEUED and progress.eta is not None and not progress.paused:
        embed.add_field(name="Estimate", value=eta_text(progress.eta), inline=False)
    if job.status is JobStatus.RUNNING and progress.elapsed is not None and progress.expected:
        fraction = progress.elapsed / progress.expected
        if fraction < 1:
            text = f"{progress_bar(fraction * 0.95)} ~{int(fraction * 95)}%"
        else:
            text = f"{progress_bar(0.97)} taking longer than usual"
        text += f"\n{clock_text(progress.elapsed)} of about {clock_text(progress.expected)}"
        embed.add_field(name="Progress", value=text, inline=False)
    embed.set_footer(text=status_footer(job))
    return embed


def result_content(job: Job, *, attached: bool = False) -> str:
    """The text of the result message: mention, and links for sound and video (unless attached)."""
    mention = f"<@{job.member_id}>"
    if job.outcome is JobOutcome.COMPLETED:
        urls = job.output_urls
        if (job.category == "image" and urls) or attached:
            return f"{mention} your {job.category} is ready."
        links = "\n".join(urls) if urls else "(the service returned no file)"
        return f"{mention} your {job.category} is ready:\n{links}"
    if job.outcome is JobOutcome.CANCELLED:
        who = "" if job.cancelled_by in (None, job.member_id) else " by a server admin"
        return f"{mention} your job was cancelled{who}; {job.held} credits were returned."
    return f"{mention} your generation failed: {failure_sentence(job)} Your {job.held} held credits were returned."


def result_embeds(job: Job, model_name: str | None = None, attachments: list[str] | None = None) -> list[discord.Embed]:
    """One embed per image (up to 10), showing the attached copies when ``attachments`` names
    them (they outlive the API's links); one summary embed otherwise."""
    seed = job.request.get("seed")
    details = f"{model_name or job.model}"
    if seed is not None:
        details += f" · seed {seed}"
    if job.outcome is JobOutcome.COMPLETED:
        details += f" · {job.credits_used or 0} credits"
    urls = job.output_urls if job.category == "image" and job.outcome is JobOutcome.COMPLETED else []
    if not urls:
        embed = discord.Embed(description=_prompt(job), colour=_colour(job))
        embed.add_field(name="Details", value=details)
        embed.set_footer(text=job_footer(job))
        return [embed]
    embeds = []
    for index, url in enumerate(urls[:10]):
        embed = discord.Embed(url=urls[0], colour=_colour(job))
        if index == 0:
            embed.description = _prompt(job)
            embed.add_field(name="Details", value=details)
        shown = f"attachment://{attachments[index]}" if attachments and index < len(attachments) else url
        embed.set_image(url=shown)
        embed.set_footer(text=job_footer(job))
        embeds.append(embed)
    return embeds


def _colour(job: Job) -> discord.Colour:
    return discord.Colour.green() if job.outcome is JobOutcome.COMPLETED else discord.Colour.red()
