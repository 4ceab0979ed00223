"""A result's contest buttons: **Submit to contest** on a member's result that an open contest
would take, and **Withdraw** on an entry while entries are open.

Which buttons a result gets is computed when it is posted (``posted_result_view``), and every
click asks the engine again, so a button that has gone stale is refused with the reason. Custom
ids: ``vx:csub:<contest>:<job>`` and ``vx:cwd:<entry>``.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

import discord

from ..contests import Contest, Entry, Phase
from ..contests.linked import entry_for_job
from ..contests.models import LIVE_ENTRY
from ..errors import clip
from ..jobs import Job, JobOutcome
from .actor import actor_of
from .contest_posts import ContestPosts
from .errors import reply_error, send_ephemeral
from .result_buttons import DELETE, ResultButton, result_view

if TYPE_CHECKING:
    from ..client import VivixBot

log = logging.getLogger(__name__)

ROW = 4  # the result's own buttons use rows 0 to 3
MAX_SUBMIT_BUTTONS = 5


def _bot(interaction: discord.Interaction) -> VivixBot:
    return interaction.client  # type: ignore[return-value]  # the only client these run in


def posts_of(bot: VivixBot) -> ContestPosts:
    """The scheduler's announcer (the cog sets it), or a fresh one."""
    announcer = bot.services.contests.scheduler.announcer
    return announcer if isinstance(announcer, ContestPosts) else ContestPosts(bot)


class SubmitButton(discord.ui.DynamicItem[discord.ui.Button[Any]],
                   template=r"vx:csub:(?P<c>[0-9]{1,18}):(?P<job>[0-9a-f]{32})"):
    def __init__(self, contest_id: int, job_id: str, title: str | None = None) -> None:
        label = f"Submit to {clip(title, 50)}" if title else "Submit to contest"
        super().__init__(discord.ui.Button(label=label[:80], emoji="🏆", style=discord.ButtonStyle.success,
                                           custom_id=f"vx:csub:{contest_id}:{job_id}", row=ROW))
        self.contest_id = contest_id
        self.job_id = job_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> SubmitButton:
        return cls(int(match["c"]), match["job"])

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            await submit_click(interaction, self.contest_id, self.job_id)
        except Exception as err:  # the one error handler answers it, privately
            await reply_error(interaction, err)


class WithdrawButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"vx:cwd:(?P<e>[0-9]{1,18})"):
    def __init__(self, entry_id: int) -> None:
        super().__init__(discord.ui.Button(label="Withdraw entry", emoji="↩️", style=discord.ButtonStyle.secondary,
                                           custom_id=f"vx:cwd:{entry_id}", row=ROW))
        self.entry_id = entry_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> WithdrawButton:
        return cls(int(match["e"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            await withdraw_click(interaction, self.entry_id)
        except Exception as err:  # the one error handler answers it, privately
            await reply_error(interaction, err)


# -- what a posted result offers -----------------------------------------------------------------


async def _member_roles(bot: VivixBot, guild_id: int, member_id: int) -> tuple[int, ...]:
    guild = bot.get_guild(guild_id)
    if guild is None:
        return ()
    member = guild.get_member(member_id)
    if member is None:
        try:
            member = await guild.fetch_member(member_id)
        except discord.HTTPException:
            return ()
    return tuple(role.id for role in member.roles)


async def contest_items(bot: VivixBot, job: Job) -> list[discord.ui.Item[Any]]:
    """Withdraw for a live entry while entries are open; else Submit for each open contest that
    would take this result now."""
    if job.outcome is not JobOutcome.COMPLETED or job.deleted_by is not None:
        return []
    contests = bot.services.contests
    entry = await entry_for_job(bot.services.db, job.id)
    if entry is not None:
        if entry.status in LIVE_ENTRY and await _takes_entries(bot, job.guild_id, entry.contest_id):
            return [WithdrawButton(entry.id)]
        return []
    taking = [c for c in await contests.list(job.guild_id) if c.phase is Phase.ENTRIES]
    if not taking:
        return []
    roles = await _member_roles(bot, job.guild_id, job.member_id) if any(c.role_id for c in taking) else ()
    fits = await contests.submittable(job.guild_id, job.id, job.member_id, roles)
    return [SubmitButton(c.id, job.id, c.title) for c in fits[:MAX_SUBMIT_BUTTONS]]


async def _takes_entries(bot: VivixBot, guild_id: int, contest_id: int) -> bool:
    contest = await bot.services.contests.get(guild_id, contest_id)
    return contest.phase is Phase.ENTRIES and bot.services.clock() < contest.entries_close_at


async def posted_result_view(bot: VivixBot, job: Job) -> discord.ui.View:
    """A posted result's buttons: its actions, Info and Delete, then its contest buttons."""
    view = result_view(job, bot.services.actions.offers(job))
    try:
        for item in await contest_items(bot, job):
            view.add_item(item)
    except Exception:  # a result is posted even when the contest lookup fails
        log.exception("Could not work out the contest buttons of job %s", job.short_id)
    return view


def entry_view(entry: Entry, job: Job) -> discord.ui.View:
    """A submitted entry's post in the thread: its author may withdraw it; Delete disqualifies it."""
    view = discord.ui.View(timeout=None)
    view.add_item(WithdrawButton(entry.id))
    view.add_item(ResultButton(DELETE, job.id, row=ROW))
    return view


# -- clicks -----------------------------------------------------------------------------------------


async def submit_click(interaction: discord.Interaction, contest_id: int, job_id: str) -> None:
    bot = _bot(interaction)
    services = bot.services
    actor = actor_of(interaction)
    entry = await services.contests.submit(actor.guild_id, contest_id, job_id, actor.member_id, actor.role_ids)
    contest = await services.contests.get(actor.guild_id, contest_id)
    await send_ephemeral(interaction, entered_text(contest))
    job = await services.actions.source(job_id)
    if interaction.message is not None:
        try:
            await interaction.message.edit(view=await posted_result_view(bot, job))
        except discord.HTTPException as err:
            log.info("Could not refresh the buttons of job %s: %s", job.short_id, err)
    await posts_of(bot).entry_posted(contest, entry, job, entry_view(entry, job))


def entered_text(contest: Contest) -> str:
    return (f"🏆 Entered in **{clip(contest.title)}**; it shows in <#{contest.channel_id}>. You may withdraw it "
            f"until entries close <t:{int(contest.entries_close_at.timestamp())}:R>.")


async def withdraw_click(interaction: discord.Interaction, entry_id: int) -> None:
    actor = actor_of(interaction)
    await _bot(interaction).services.contests.withdraw(actor.guild_id, entry_id, actor.member_id)
    await send_ephemeral(interaction, WITHDRAWN)
    message = interaction.message
    if message is not None:
        view = discord.ui.View.from_message(message, timeout=None)
        for item in list(view.children):
            if getattr(item, "custom_id", None) == f"vx:cwd:{entry_id}":
                view.remove_item(item)
        try:
            await message.edit(view=view)
        except discord.HTTPException as err:
            log.info("Could not drop the Withdraw button of entry %d: %s", entry_id, err)


WITHDRAWN = "↩️ Your entry was withdrawn from the contest. What it cost stays spent."
