"""``ContestPosts``: what the bot posts in a contest's thread (the scheduler's announcer): the
anonymous voting board with a gallery, the results with the winners, entries, cancellations.

Every post carries a footer marker (``contest <id> · <what>``); before posting, the thread's recent
history is read for the marker, so an announcement made again after a crash (the scheduler's
at-least-once) is not posted twice. Images come from the result as posted (a Discord file) and
else from the API's link, fetched with the notifier's capped ``MediaFetcher``.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

import discord

from ..contests import Cancelled, Contest, ContestResults, Entry, VotingBoard
from ..contests.gallery import Tile, compose
from ..jobs import Job
from ..media import Media, MediaFetcher
from . import contests as text
from .contest_votes import VoteButton
from .places import messageable
from .reference_form import message_images
from .result_post import upload_limit

if TYPE_CHECKING:
    from ..client import VivixBot

log = logging.getLogger(__name__)

HISTORY_SCAN = 300  # recent messages read for our markers
GALLERY_FILE = "gallery.png"
NO_PINGS = discord.AllowedMentions.none()


class ContestPosts:
    def __init__(self, bot: VivixBot) -> None:
        self.bot = bot
        self._own_media: MediaFetcher | None = None

    @property
    def media(self) -> MediaFetcher:
        shared = getattr(self.bot.services.notifier, "media", None)
        if isinstance(shared, MediaFetcher):
            return shared
        if self._own_media is None:
            self._own_media = MediaFetcher()
        return self._own_media

    async def close(self) -> None:
        if self._own_media is not None:
            await self._own_media.aclose()

    # -- places --------------------------------------------------------------------------------

    async def channel(self, channel_id: int) -> discord.abc.Messageable | None:
        return await messageable(self.bot, channel_id)

    async def _thread(self, contest: Contest) -> discord.abc.Messageable | None:
        thread = await self.channel(contest.channel_id)
        if thread is None:
            log.warning("contest %d: its thread %d is gone; nothing posted", contest.id, contest.channel_id)
        return thread

    async def _markers(self, place: discord.abc.Messageable) -> set[str]:
        """The contest markers of the bot's recent posts here."""
        me = getattr(self.bot.user, "id", None)
        found: set[str] = set()
        async for message in place.history(limit=HISTORY_SCAN):
            if message.author.id == me:
                found.update(e.footer.text for e in message.embeds if e.footer.text)
        return found

    # -- images --------------------------------------------------------------------------------

    async def media_of(self, job: Job, max_bytes: int) -> Media | None:
        """The job's first output: the posted copy when it is still there, else the API's link."""
        urls: list[str] = []
        if job.delivered_via == "channel" and job.result_message_id is not None:
            place = await self.channel(job.channel_id)
            if place is not None:
                try:
                    urls += message_images(await place.fetch_message(job.result_message_id))[:1]
                except (discord.NotFound, discord.Forbidden):
                    pass
        urls += job.output_urls[:1]
        for url in urls:
            media = await self.media.fetch(url, job.category, max_bytes)
            if media is not None:
                return media
        return None

    def _limit(self, place: discord.abc.Messageable) -> int:
        return upload_limit(place, self.bot.settings.media_max_bytes)

    @staticmethod
    def _gallery(tiles: Sequence[Tile]) -> discord.File | None:
        if not tiles:
            return None
        return discord.File(io.BytesIO(compose(tiles)), filename=GALLERY_FILE)

    # -- the announcer -------------------------------------------------------------------------

    async def voting_opened(self, board: VotingBoard) -> None:
        """The entries, numbered and without authors, each with a Vote button; a gallery first."""
        contest = board.contest
        thread = await self._thread(contest)
        if thread is None:
            return
        done = await self._markers(thread)
        limit = self._limit(thread)
        shown: list[tuple[int, int, Job, Media | None]] = []
        for item in board.entries:
            media = await self.media_of(item.job, limit)
            shown.append((item.number, item.entry_id, item.job, media))
        if text.marker(contest.id, "voting") not in done:
            embed = discord.Embed(description=text.voting_header(contest, len(shown)), colour=text.COLOUR)
            embed.set_footer(text=text.marker(contest.id, "voting"))
            tiles = [Tile(n, m.data if m is not None and j.category == "image" else None) for n, _, j, m in shown]
            gallery = self._gallery(tiles)
            if gallery is not None:
                embed.set_image(url=f"attachment://{GALLERY_FILE}")
            await thread.send(embed=embed, files=[gallery] if gallery else [], allowed_mentions=NO_PINGS)
        for number, entry_id, job, media in shown:
            mark = text.marker(contest.id, f"entry #{number}")
            if mark in done:
                continue
            embed = discord.Embed(title=f"Entry #{number}", colour=text.COLOUR)
            embed.set_footer(text=mark)
            files = []
            if media is not None:
                files.append(discord.File(io.BytesIO(media.data), filename=f"entry-{number}-{media.filename}"))
                if job.category == "image":
                    embed.set_image(url=f"attachment://{files[0].filename}")
            elif job.output_urls:
                embed.description = job.output_urls[0]
            view = discord.ui.View(timeout=None)
            view.add_item(VoteButton(contest.id, entry_id, number))
            await thread.send(embed=embed, files=files, view=view, allowed_mentions=NO_PINGS)
        log.info("contest %d: voting board posted (%d entries)", contest.id, len(shown))

    async def results(self, results: ContestResults) -> None:
        """The standings with authors and votes, a gallery of the top entries, the winners mentioned."""
        contest = results.contest
        thread = await self._thread(contest)
        if thread is None or text.marker(contest.id, "results") in await self._markers(thread):
            return
        embed = text.results_embed(results)
        tiles: list[Tile] = []
        limit = self._limit(thread)
        for standing in results.standings[:text.TOP_SHOWN]:
            job = await self.bot.services.generation.get(standing.job_id)
            media = await self.media_of(job, limit) if job is not None and job.category == "image" else None
            votes = f"{standing.votes} vote{'s' if standing.votes != 1 else ''}"
            tiles.append(Tile(standing.number, media.data if media else None, votes))
        gallery = self._gallery(tiles)
        if gallery is not None:
            embed.set_image(url=f"attachment://{GALLERY_FILE}")
        winners = [discord.Object(s.member_id) for s in results.winners]
        await thread.send(text.winners_content(results), embed=embed, files=[gallery] if gallery else [],
                          allowed_mentions=discord.AllowedMentions(users=winners, roles=False, everyone=False))
        log.info("contest %d: results posted", contest.id)

    # -- entries and notices ---------------------------------------------------------------------

    async def entry_posted(self, contest: Contest, entry: Entry, job: Job, view: discord.ui.View) -> None:
        """A submitted result shown in the contest's thread, with its author's buttons."""
        thread = await self._thread(contest)
        if thread is None:
            return
        media = await self.media_of(job, self._limit(thread))
        embed = discord.Embed(description=f"🏆 New entry by <@{entry.member_id}>", colour=text.COLOUR)
        embed.set_footer(text=text.marker(contest.id, f"entry {entry.id}"))
        files = []
        if media is not None:
            files.append(discord.File(io.BytesIO(media.data), filename=media.filename))
            if job.category == "image":
                embed.set_image(url=f"attachment://{media.filename}")
        await thread.send(embed=embed, files=files, view=view, allowed_mentions=NO_PINGS)

    async def cancelled(self, cancelled: Cancelled) -> None:
        """Tell the entrants: in the thread, mentioning them; by DM when the thread is gone."""
        content = text.cancelled_content(cancelled)
        mentions = discord.AllowedMentions(users=[discord.Object(m) for m in cancelled.entrants], roles=False,
                                           everyone=False)
        thread = await self._thread(cancelled.contest)
        if thread is not None:
            try:
                await thread.send(content, allowed_mentions=mentions)
                return
            except (discord.Forbidden, discord.NotFound):
                log.info("contest %d: cannot post the cancellation in its thread; DMs", cancelled.contest.id)
        for member_id in cancelled.entrants:
            try:
                user = self.bot.get_user(member_id) or await self.bot.fetch_user(member_id)
                await user.send(content)
            except discord.HTTPException:
                log.info("contest %d: could not tell member %d of the cancellation", cancelled.contest.id,
                         member_id)
