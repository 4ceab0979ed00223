"""A contest's rules as pure checks: the settings an admin gives, and whether a member, a prompt,
a model or a finished job may enter. Each failure is a ``ContestError`` naming the rule."""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import replace
from datetime import datetime

from bot.contests.errors import ContestSettingsError, EntryRefusedError, entries_closed
from bot.contests.models import MAX_PLACES, Contest, ContestSettings, EntryCost, Phase
from bot.errors import clip
from bot.jobs import Job, JobOutcome

MAX_HOURS = 24 * 30
MAX_ENTRIES = 10
MAX_WORDS = 5
MAX_PRIZE = 1_000_000


def parse_prizes(text: str | None) -> tuple[int, ...]:
    """``"500,250,100"`` -> (500, 250, 100): at most three, each a whole number, none above the one before."""
    if text is None or not text.strip():
        return ()
    prizes: list[int] = []
    for part in text.replace(";", ",").split(","):
        part = part.strip().replace("_", "")
        if not part.isdigit():
            raise ContestSettingsError(
                "prizes", f"`{clip(part, 20)}` is not a whole number of credits (try `500,250,100`)."
            )
        prizes.append(int(part))
    return tuple(prizes)


def parse_words(text: str | None) -> tuple[str, ...]:
    """``"fox, moon"`` -> ("fox", "moon")."""
    if text is None:
        return ()
    return tuple(word.strip() for word in text.split(",") if word.strip())


def checked_settings(settings: ContestSettings) -> ContestSettings:
    """The settings with text trimmed, or ContestSettingsError naming the first bad one."""
    title, theme = settings.title.strip(), settings.theme.strip()
    if not 1 <= len(title) <= 100:
        raise ContestSettingsError("title", "give a title of 1 to 100 characters.")
    if not 1 <= len(theme) <= 500:
        raise ContestSettingsError("theme", "give a theme of 1 to 500 characters.")
    for name, hours in (("entry_hours", settings.entry_hours), ("vote_hours", settings.vote_hours)):
        if not math.isfinite(hours) or not 0 < hours <= MAX_HOURS:
            raise ContestSettingsError(name, f"must be more than 0 and at most {MAX_HOURS} hours (30 days).")
    if not 1 <= settings.max_entries <= MAX_ENTRIES:
        raise ContestSettingsError("max_entries", f"must be from 1 to {MAX_ENTRIES}.")
    if len(settings.prizes) > MAX_PLACES:
        raise ContestSettingsError("prizes", f"give at most {MAX_PLACES} prizes: 1st, 2nd and 3rd.")
    for place, (prize, before) in enumerate(zip(settings.prizes, (MAX_PRIZE, *settings.prizes), strict=False), 1):
        if not 0 <= prize <= before:
            raise ContestSettingsError(
                "prizes", f"prize {place} must be 0 to {before:,} (no more than the one before)."
            )
    if settings.entry_cost is EntryCost.SPONSORED and settings.budget <= 0:
        raise ContestSettingsError("budget", "a sponsored contest needs a budget of credits for its entries.")
    if settings.entry_cost is EntryCost.MEMBER and settings.budget:
        raise ContestSettingsError("budget", "a budget is for sponsored contests; entrants pay their own here.")
    if not 0 <= settings.budget <= MAX_PRIZE:
        raise ContestSettingsError("budget", f"must be from 0 to {MAX_PRIZE:,} credits.")
    words = tuple(word.strip() for word in settings.required_words if word.strip())
    if len(words) > MAX_WORDS or any(len(word) > 40 for word in words):
        raise ContestSettingsError("required_words", f"give at most {MAX_WORDS} words, each up to 40 characters.")
    models = tuple(dict.fromkeys(slug.strip() for slug in settings.models if slug.strip()))
    return replace(settings, title=title, theme=theme, required_words=words, models=models)


def check_window(contest: Contest, member_id: int, role_ids: Collection[int], now: datetime) -> None:
    """The contest takes entries now, from this member."""
    if contest.phase is not Phase.ENTRIES or now >= contest.entries_close_at:
        raise entries_closed(contest.title, contest.entries_close_at)
    if contest.role_id is not None and contest.role_id not in role_ids:
        raise EntryRefusedError(f"❌ Entering this contest needs the <@&{contest.role_id}> role.")


def check_prompt(contest: Contest, prompt: str) -> None:
    folded = prompt.casefold()
    missing = [word for word in contest.required_words if word.casefold() not in folded]
    if missing:
        listed = ", ".join(f"`{clip(word, 40)}`" for word in missing)
        raise EntryRefusedError(f"❌ This contest's prompts must contain {listed}. Nothing was charged.")


def check_model(contest: Contest, slug: str, category: str) -> None:
    if contest.category is not None and category != contest.category:
        raise EntryRefusedError(
            f"❌ This contest takes {contest.category} entries; `{clip(slug, 60)}` makes {category}."
        )
    if contest.models and slug not in contest.models:
        allowed = ", ".join(f"`{m}`" for m in contest.models)
        raise EntryRefusedError(f"❌ This contest takes entries from {allowed} only.")


def check_job(contest: Contest, job: Job | None, member_id: int) -> None:
    """A finished job of the member's, made in this server during the entry window, under the rules."""
    if job is None or job.guild_id != contest.guild_id:
        raise EntryRefusedError("❌ That result is not one of this server's.")
    if job.member_id != member_id:
        raise EntryRefusedError("❌ Only the member who made a result can enter it.")
    if job.outcome is not JobOutcome.COMPLETED or not job.output_urls:
        raise EntryRefusedError("❌ Only a finished result can be entered.")
    if job.deleted_by is not None:
        raise EntryRefusedError("❌ That result was deleted.")
    if not contest.created_at <= job.created_at < contest.entries_close_at:
        raise EntryRefusedError("❌ Only results made while the contest takes entries can be entered.")
    check_model(contest, job.model, job.category)
    check_prompt(contest, job.prompt)
