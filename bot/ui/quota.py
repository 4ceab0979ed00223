"""Words for credit refusals and renewals, shared by /imagine, /credits and /quota."""

from __future__ import annotations

from datetime import datetime

import discord

from ..ledger.errors import QuotaExceededError
from ..ledger.models import CapValue, Inherit


def when(moment: datetime | None) -> str:
    """A Discord timestamp that each reader sees in their own time zone, with 'in 3 hours'."""
    if moment is None:
        return "when one of your jobs finishes"
    return f"{discord.utils.format_dt(moment, 'f')} ({discord.utils.format_dt(moment, 'R')})"


def describe_quota_refusal(err: QuotaExceededError) -> str:
    if err.limit == "in_flight":
        return (
            "⏳ You already have as many jobs queued or rendering as you may have at once. "
            "Try again when one finishes. Nothing was charged."
        )
    what = {
        "guild_allowance": "This server's credit allowance",
        "member_day": "Your daily credit limit",
        "member_cycle": "Your credit limit for this cycle",
    }.get(err.limit, "A credit limit")
    return (
        f"💳 {what} does not cover this: it needs **{err.needed}** credits and **{err.left}** are left. "
        f"It renews {when(err.renews_at)}. Nothing was charged."
    )


def limit_text(value: CapValue, unit: str = "") -> str:
    """A limit as words: a number, 'unlimited', or 'inherited' (not set at this scope)."""
    if value is None:
        return "unlimited"
    if isinstance(value, Inherit):
        return "inherited"
    return f"{value:,}{' ' + unit if unit else ''}"
