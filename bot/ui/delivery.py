"""Posting results into the channel (or by DM when the channel is gone), and progress edits."""

from __future__ import annotations

import functools
import logging
from datetime import timedelta
from typing import TYPE_CHECKING

import discord

from ..dispatch import Delivery, Progress
from ..jobs import Job, JobOutcome, JobStatus
from ..media import MediaFetcher
from ..tasks import TaskSupervisor
from .contest_buttons import posted_result_view
from .edit_budget import EditBudget, EditPriority
from .embeds import job_footer, status_embed
from .places import messageable
from .redaction import redact_embed
from .reference_form import message_images
from .result_post import compose_result, upload_limit

if TYPE_CHECKING:
    from ..client import VivixBot

log = logging.getLogger(__name__)

HISTORY_SCAN = 500  # messages after the post began; more than a busy channel sees in minutes
MIN_EDIT_GAP = 5.0  # seconds between two progress edits of one message


class DiscordNotifier:
    """The dispatcher's ``Notifier``: results via ``channel.send``, never the interaction token."""

    def __init__(self, bot: VivixBot, tasks: TaskSupervisor, budget: EditBudget | None = None) -> None:
        self.bot = bot
        self.tasks = tasks
        self.media = MediaFetcher()
        self.budget = budget or EditBudget(
            bot.settings.status_edits_per_second, tasks=tasks, min_gap=MIN_EDIT_GAP
        )

    def _model_name(self, job: Job) -> str:
        model = self.bot.services.catalog.get(job.model)
        return model.display_name if model else job.model

    async def _channel(self, channel_id: int) -> discord.abc.Messageable | None:
        return await messageable(self.bot, channel_id)

    async def job_updated(self, job: Job, progress: Progress | None = None) -> None:
        """Edit the job's public status message: final states at once, progress through the
        bot's edit budget (latest state wins; at most once per MIN_EDIT_GAP per message)."""
        if job.status_message_id is None:
            return
        if job.status in (JobStatus.FINISHED, JobStatus.DELIVERED):
            await self.budget.final(job.id, functools.partial(self._edit, job, None))
            return
        self.budget.offer(job.id, edit_priority(job, progress), functools.partial(self._edit, job, progress))

    async def _edit(self, job: Job, progress: Progress | None) -> None:
        channel = await self._channel(job.channel_id)
        if channel is None or not hasattr(channel, "get_partial_message") or job.status_message_id is None:
            return
        message = channel.get_partial_message(job.status_message_id)
        try:
            embed = status_embed(job, progress=progress, model_name=self._model_name(job))
            await message.edit(embed=redact_embed(embed))
        except discord.HTTPException as err:
            log.debug("Could not edit the status of job %s: %s", job.short_id, err)

    async def close(self) -> None:
        """Drop pending progress edits; final states were sent at once."""
        await self.budget.close()
        await self.media.aclose()

    async def deliver(self, job: Job) -> Delivery:
        """Post in the job's channel, else DM the member. Raises on a transient failure (the
        dispatcher retries); ``Delivery("none")`` only when Discord refuses for good."""
        mentions = discord.AllowedMentions(users=[discord.Object(job.member_id)], roles=False, everyone=False)
        channel = await self._channel(job.channel_id)
        limit = self.bot.settings.media_max_bytes
        if channel is not None:
            post = await compose_result(job, self._model_name(job), self.media, upload_limit(channel, limit))
            try:
                message = await channel.send(post.content, embeds=post.embeds, files=post.files,
                                             allowed_mentions=mentions, view=await self._buttons(job))
                return Delivery("channel", message.id)
            except (discord.Forbidden, discord.NotFound) as err:
                log.info("Cannot post job %s in channel %s (%s); sending by DM",
                         job.short_id, job.channel_id, err.status)
        try:
            dm = await self._dm_channel(job.member_id)
            post = await compose_result(job, self._model_name(job), self.media, upload_limit(dm, limit))
            message = await dm.send(post.content + "\n(I could not post in the channel where you asked.)",
                                    embeds=post.embeds, files=post.files)
            return Delivery("dm", message.id)
        except (discord.Forbidden, discord.NotFound) as err:
            log.warning("Could not deliver job %s to member %s at all (%s)", job.short_id, job.member_id, err.status)
            return Delivery("none")

    async def current_image(self, source: str) -> str | None:
        channel_id, message_id, number = (int(part) for part in source.split(":"))
        channel = await self._channel(channel_id)
        if channel is None:
            return None
        try:
            message = await channel.fetch_message(message_id)
        except (discord.NotFound, discord.Forbidden):
            return None
        images = message_images(message)
        return images[number - 1] if 1 <= number <= len(images) else None

    async def _buttons(self, job: Job) -> discord.ui.View:
        """The result's action buttons (re-roll, vary, ... info, delete, and its contest buttons),
        for a post in a server; none for a cancelled job."""
        if job.outcome not in (JobOutcome.COMPLETED, JobOutcome.FAILED):
            return discord.ui.View(timeout=None)
        return await posted_result_view(self.bot, job)

    async def _dm_channel(self, user_id: int) -> discord.DMChannel:
        user = self.bot.get_user(user_id) or await self.bot.fetch_user(user_id)
        return user.dm_channel or await user.create_dm()

    async def find_delivery(self, job: Job) -> Delivery | None:
        """After a crash between posting and recording: find our own result message by its marker,
        in the channel and in the member's DMs, among messages sent since the post began."""
        marker = job_footer(job)
        after = (job.post_started_at or job.created_at) - timedelta(minutes=1)
        places: list[tuple[str, discord.abc.Messageable | None]] = [("channel", await self._channel(job.channel_id))]
        try:
            places.append(("dm", await self._dm_channel(job.member_id)))
        except discord.HTTPException:
            pass
        me = getattr(self.bot.user, "id", None)
        for via, place in places:
            if place is None:
                continue
            try:
                async for message in place.history(limit=HISTORY_SCAN, after=after, oldest_first=True):
                    if message.author.id == me and any(embed.footer.text == marker for embed in message.embeds):
                        return Delivery(via, message.id)
            except (discord.Forbidden, discord.NotFound):
                continue
        return None


def edit_priority(job: Job, progress: Progress | None) -> EditPriority:
    """Which waiting edit matters most to the member: a job that just started rendering (or is
    retried, or cancelled), then exact places near the front, then the rest."""
    if job.cancelled_by is not None or progress is None or progress.retrying:
        return EditPriority.STARTED
    if job.status is not JobStatus.QUEUED:
        return EditPriority.STARTED if not progress.elapsed else EditPriority.BACKGROUND
    if progress.position is not None and not progress.approximate:
        return EditPriority.NEAR
    return EditPriority.BACKGROUND
