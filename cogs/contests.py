"""/contest: themed contests on the bot's own generations, each in its own thread (or forum post).

Members: ``enter``, ``withdraw``, ``list``, ``show``. Admins (Manage Server, checked on every call):
``create``, ``close``, ``cancel``, ``export``. Discord hides whole commands by default permissions,
not single subcommands, so the admin ones are visible to members and refused when they try.
The posts in the thread (voting board, results) are made by ``bot/ui/contest_posts.py``, which the
scheduler calls as its announcer.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import replace
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import VivixBot
from bot.contests import ContestError, ContestSettings, EntryCost, EntryStarted, Phase
from bot.contests.errors import ContestSettingsError, EntryRefusedError
from bot.contests.models import LIVE_ENTRY
from bot.contests.rules import checked_settings, parse_prizes, parse_words
from bot.errors import clip
from bot.generation import GenerationRequest
from bot.ui.contest_buttons import SubmitButton, WithdrawButton, posts_of
from bot.ui.contest_export import export_files
from bot.ui.contest_posts import ContestPosts
from bot.ui.contest_votes import VoteButton
from bot.ui.contests import list_embed, rules_embed, show_embeds
from bot.ui.embeds import status_embed
from bot.ui.errors import send_ephemeral
from bot.ui.start import answer_and_start

log = logging.getLogger(__name__)

manage_server = app_commands.checks.has_permissions(manage_guild=True)
Choices = list[app_commands.Choice[int]]
StrChoices = list[app_commands.Choice[str]]
ANY = "any"
DYNAMIC_ITEMS = (VoteButton, SubmitButton, WithdrawButton)


def _member(interaction: discord.Interaction) -> discord.Member:
    assert isinstance(interaction.user, discord.Member)  # guild_only: always a member
    return interaction.user


@app_commands.guild_only()
class Contests(commands.GroupCog, group_name="contest", group_description="Themed contests with votes and prizes"):
    def __init__(self, bot: VivixBot) -> None:
        self.bot = bot
        self.posts = ContestPosts(bot)

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*DYNAMIC_ITEMS)
        self.bot.services.contests.scheduler.announcer = self.posts

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*DYNAMIC_ITEMS)
        self.bot.services.contests.scheduler.announcer = None
        await self.posts.close()

    # -- autocomplete --------------------------------------------------------------------------

    async def _contest_choices(self, interaction: discord.Interaction, current: str, *, taking: bool) -> Choices:
        if interaction.guild_id is None:
            return []
        found = await self.bot.services.contests.list(interaction.guild_id, include_finished=not taking)
        if taking:
            found = [c for c in found if c.phase is Phase.ENTRIES]
        text = current.strip().casefold().lstrip("#")
        return [app_commands.Choice(name=clip(f"#{c.id} · {c.title} ({c.phase.value})", 100), value=c.id)
                for c in found if text in f"{c.id} {c.title}".casefold()][:25]

    async def open_contests(self, interaction: discord.Interaction, current: str) -> Choices:
        return await self._contest_choices(interaction, current, taking=True)

    async def any_contest(self, interaction: discord.Interaction, current: str) -> Choices:
        return await self._contest_choices(interaction, current, taking=False)

    async def contest_models(self, interaction: discord.Interaction, current: str) -> StrChoices:
        """The contest's models, or its category's; nothing else would be accepted."""
        contest_id = getattr(interaction.namespace, "contest", None)
        if interaction.guild_id is None or not isinstance(contest_id, int):
            return []
        try:
            contest = await self.bot.services.contests.get(interaction.guild_id, contest_id)
        except ContestError:
            return []
        catalog = self.bot.services.catalog
        choices = [c for c in catalog.search(current, contest.category)
                   if not contest.models or c.value in contest.models]
        if contest.models and not choices:
            text = current.casefold()
            return [app_commands.Choice(name=m, value=m) for m in contest.models if text in m.casefold()][:25]
        return [app_commands.Choice(name=c.label, value=c.value) for c in choices][:25]

    async def categories(self, interaction: discord.Interaction, current: str) -> StrChoices:
        text = current.strip().casefold()
        kinds = [*self.bot.services.catalog.categories(), ANY]
        return [app_commands.Choice(name=k, value=k) for k in kinds if text in k.casefold()][:25]

    # -- admins --------------------------------------------------------------------------------

    @app_commands.command(name="create", description="Open a contest in its own thread (Manage Server)")
    @app_commands.describe(
        title="The contest's name", theme="What entrants should make", entry_hours="How long entries are taken",
        vote_hours="How long voting runs after entries close", max_entries="Entries per member (default 1)",
        models="Only these models: comma-separated slugs", category="The kind of entry (default image; any: all)",
        required_words="Words every entry's prompt must contain, comma-separated",
        entry_cost="Who pays for /contest enter generations (default: the member)",
        budget="Sponsored: the credits set aside for entries", prizes="Bonus credits for 1st,2nd,3rd e.g. 500,250,100",
        role="Only members with this role may enter and vote", channel="Where its thread goes (default: here)",
    )
    @app_commands.autocomplete(category=categories)
    @manage_server
    async def create(
        self, interaction: discord.Interaction, title: app_commands.Range[str, 1, 100],
        theme: app_commands.Range[str, 1, 500], entry_hours: app_commands.Range[float, 0.01, 720.0],
        vote_hours: app_commands.Range[float, 0.01, 720.0], max_entries: app_commands.Range[int, 1, 10] = 1,
        models: str | None = None, category: str = "image", required_words: str | None = None,
        entry_cost: Literal["member", "sponsored"] = "member",
        budget: app_commands.Range[int, 0, 1_000_000] = 0, prizes: str | None = None,
        role: discord.Role | None = None, channel: discord.TextChannel | discord.ForumChannel | None = None,
    ) -> None:
        assert interaction.guild is not None
        services = self.bot.services
        settings = checked_settings(ContestSettings(
            title=title, theme=theme, channel_id=0, entry_hours=entry_hours, vote_hours=vote_hours,
            max_entries=max_entries, category=None if category == ANY else category,
            models=parse_words(models), required_words=parse_words(required_words),
            entry_cost=EntryCost(entry_cost), budget=budget, prizes=parse_prizes(prizes),
            role_id=role.id if role else None,
        ))
        for slug in settings.models:  # refused before any thread is made
            services.generation.resolve_model(slug, settings.category)
        where = channel or interaction.channel
        if isinstance(where, discord.Thread):
            where = where.parent
        if not isinstance(where, discord.TextChannel | discord.ForumChannel):
            raise ContestSettingsError("channel", "pick a text or forum channel for the contest's thread.")
        await interaction.response.defer(ephemeral=True, thinking=True)
        thread, starter = await self._open_thread(where, settings.title)
        try:
            contest = await services.contests.create(interaction.guild.id, interaction.user.id,
                                                     replace(settings, channel_id=thread.id))
        except BaseException:
            with contextlib.suppress(discord.HTTPException):
                await thread.delete()
            raise
        embed = rules_embed(contest, services.clock(), budget_left=contest.budget if contest.sponsored else None)
        if starter is not None:
            await starter.edit(content=None, embed=embed)
        else:
            await thread.send(embed=embed)
        await interaction.followup.send(
            f"🏆 Contest #{contest.id} **{clip(contest.title)}** is open in {thread.mention}. "
            f"{contest.prize_pool + contest.budget:,} credits are set aside from the allowance.", ephemeral=True)

    @staticmethod
    async def _open_thread(
        where: discord.TextChannel | discord.ForumChannel, title: str
    ) -> tuple[discord.Thread, discord.Message | None]:
        name = clip(f"🏆 {title}", 100)
        try:
            if isinstance(where, discord.ForumChannel):
                made = await where.create_thread(name=name, content="🏆 Setting up the contest…")
                return made.thread, made.message
            thread = await where.create_thread(name=name, type=discord.ChannelType.public_thread,
                                               auto_archive_duration=10080)
            return thread, None
        except discord.Forbidden as err:
            raise ContestSettingsError(
                "channel", f"I may not open a thread in {where.mention}; give me Create Public Threads there."
            ) from err

    @app_commands.command(name="close", description="End the current phase now (Manage Server)")
    @app_commands.describe(contest="The contest")
    @app_commands.autocomplete(contest=any_contest)
    @manage_server
    async def close(self, interaction: discord.Interaction, contest: int) -> None:
        assert interaction.guild_id is not None
        before = await self.bot.services.contests.get(interaction.guild_id, contest)
        after = await self.bot.services.contests.close_phase(interaction.guild_id, contest, interaction.user.id)
        ended = "Entries" if before.phase is Phase.ENTRIES else "Voting"
        await send_ephemeral(interaction, f"⏹️ {ended} for **{clip(after.title)}** closed now; "
                                          f"the thread <#{after.channel_id}> shows what follows.")

    @app_commands.command(name="cancel", description="Cancel a contest: everything held goes back (Manage Server)")
    @app_commands.describe(contest="The contest")
    @app_commands.autocomplete(contest=any_contest)
    @manage_server
    async def cancel(self, interaction: discord.Interaction, contest: int) -> None:
        assert interaction.guild_id is not None
        cancelled = await self.bot.services.contests.cancel(interaction.guild_id, contest, interaction.user.id)
        await send_ephemeral(interaction, f"🚫 **{clip(cancelled.contest.title)}** is cancelled; "
                                          f"{cancelled.released:,} credits went back to the allowance. "
                                          f"{len(cancelled.entrants)} entrants are told.")
        await posts_of(self.bot).cancelled(cancelled)

    @app_commands.command(name="export", description="Entries and votes (with the hash chain) as CSV (Manage Server)")
    @app_commands.describe(contest="The contest")
    @app_commands.autocomplete(contest=any_contest)
    @manage_server
    async def export(self, interaction: discord.Interaction, contest: int) -> None:
        assert interaction.guild_id is not None
        files, note = await export_files(self.bot.services.contests, interaction.guild_id, contest)
        await interaction.response.send_message(note, files=files, ephemeral=True)

    # -- members -------------------------------------------------------------------------------

    @app_commands.command(name="enter", description="Make an entry for a contest under its rules")
    @app_commands.describe(contest="An open contest", prompt="What to make",
                           model="Which model (the contest's own); empty picks a default",
                           options="More model options as name=value pairs")
    @app_commands.autocomplete(contest=open_contests)
    @app_commands.autocomplete(model=contest_models)
    async def enter(
        self, interaction: discord.Interaction, contest: int, prompt: app_commands.Range[str, 1, 4000],
        model: str | None = None, options: str | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        member = _member(interaction)
        services = self.bot.services
        target = await services.contests.get(interaction.guild_id, contest)
        request = GenerationRequest(
            guild_id=interaction.guild_id, channel_id=target.channel_id, member_id=member.id, command="contest",
            prompt=prompt, category=target.category, model=model, options_text=options,
            role_ids=[role.id for role in member.roles],
        )
        started = await services.contests.enter(contest, request)  # refusals reach the one error handler
        if interaction.channel_id == target.channel_id:
            await answer_and_start(interaction, services, started.queued)
        else:
            await self._start_in_thread(interaction, started)

    async def _start_in_thread(self, interaction: discord.Interaction, started: EntryStarted) -> None:
        """Entered from elsewhere: the status and the result go to the contest's thread."""
        services, job = self.bot.services, started.job
        thread_id = started.job.channel_id
        message_id: int | None = None
        try:
            paid = " The contest's budget pays for it." if started.from_budget else ""
            notes = "".join(f"\n📝 {note}" for note in started.queued.notes)
            await send_ephemeral(interaction, f"🏆 Your entry is rendering in <#{thread_id}>; it shows there "
                                              f"when done.{paid}{notes}")
            thread = await self.posts.channel(thread_id)
            if thread is not None:
                model = services.catalog.get(job.model)
                embed = status_embed(job, progress=started.queued.shown,
                                     model_name=model.display_name if model else None)
                message_id = (await thread.send(embed=embed)).id
        except discord.HTTPException as err:
            log.warning("Could not show the status of entry job %s (%s); it runs anyway", job.short_id, err)
        finally:
            await services.generation.start(job.id, message_id)

    @app_commands.command(name="withdraw", description="Take your entry out of a contest before voting opens")
    @app_commands.describe(contest="The contest",
                           entry="Which of your entries (see /contest show); default: your only one")
    @app_commands.autocomplete(contest=open_contests)
    async def withdraw(self, interaction: discord.Interaction, contest: int, entry: int | None = None) -> None:
        assert interaction.guild_id is not None
        contests = self.bot.services.contests
        view = await contests.show(interaction.guild_id, contest, interaction.user.id)
        live = [e for e in view.my_entries if e.status in LIVE_ENTRY]
        if entry is None:
            if len(live) != 1:
                few = "no entry" if not live else f"{len(live)} entries: say which (see `/contest show`)"
                raise EntryRefusedError(f"❌ You have {few} in **{clip(view.contest.title)}**.")
            entry = live[0].id
        await contests.withdraw(interaction.guild_id, entry, interaction.user.id)
        await send_ephemeral(interaction, "↩️ Your entry was withdrawn from the contest. What it cost stays spent.")

    @app_commands.command(name="list", description="This server's contests")
    @app_commands.describe(finished="Also the finished and cancelled ones")
    async def list_contests(self, interaction: discord.Interaction, finished: bool = False) -> None:
        assert interaction.guild_id is not None
        found = await self.bot.services.contests.list(interaction.guild_id, include_finished=finished)
        await interaction.response.send_message(embed=list_embed(found, self.bot.services.clock(), finished=finished),
                                                ephemeral=True)

    @app_commands.command(name="show", description="A contest's rules, phase, time left and, at the end, results")
    @app_commands.describe(contest="The contest")
    @app_commands.autocomplete(contest=any_contest)
    async def show(self, interaction: discord.Interaction, contest: int) -> None:
        assert interaction.guild_id is not None
        view = await self.bot.services.contests.show(interaction.guild_id, contest, interaction.user.id)
        await interaction.response.send_message(embeds=show_embeds(view, self.bot.services.clock()), ephemeral=True,
                                                allowed_mentions=discord.AllowedMentions.none())


async def setup(bot: VivixBot) -> None:
    await bot.add_cog(Contests(bot))
