"""Contests: themed community contests whose entries are the bot's own generations, with
anonymous voting on a hash chain and prizes paid in bonus credits; phases run on database timers."""

from __future__ import annotations

from bot.contests.errors import ContestError
from bot.contests.models import (
    Cancelled,
    Contest,
    ContestResults,
    ContestSettings,
    ContestView,
    Entry,
    EntryCost,
    EntryStarted,
    EntryStatus,
    Phase,
    PhaseChange,
    Standing,
    VoteReceipt,
    VotingBoard,
)
from bot.contests.scheduler import ContestAnnouncer, ContestScheduler
from bot.contests.service import ContestService

__all__ = [
    "Cancelled",
    "Contest",
    "ContestAnnouncer",
    "ContestError",
    "ContestResults",
    "ContestScheduler",
    "ContestService",
    "ContestSettings",
    "ContestView",
    "Entry",
    "EntryCost",
    "EntryStarted",
    "EntryStatus",
    "Phase",
    "PhaseChange",
    "Standing",
    "VoteReceipt",
    "VotingBoard",
]
