"""/mine's gallery: a page of a member's results with Re-roll, Info and Share per entry, and the
Previous/Next buttons that page it.

Every button is a ``DynamicItem``. Re-roll and Info are the result buttons themselves
(``vx:act:...``, bot/ui/result_buttons.py): they charge the clicker and refuse a deleted result
like under the posted result. Paging carries its whole state
(``vx:mine:<guild>:<member>:<offset>:<query id or 0>:<p|n>``; filters are a stored query, since a
prompt filter may hold any character), and Share the job (``vx:mine:share:<job id>``), so both
work after a restart.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any, cast

import discord

from ..actions.requests import Action
from ..errors import clip
from ..jobs import Job
from ..store.gallery import GalleryFilters
from ..workspace.errors import NotYourGalleryError
from ..workspace.gallery import PAGE_SIZE, GalleryPage
from .embeds import BRAND
from .errors import reply_error
from .result_buttons import DELETE, INFO, ResultButton, result_view

if TYPE_CHECKING:
    from ..client import VivixBot
    from ..services import Services

log = logging.getLogger(__name__)

PROMPT_SHOWN = 300
ROW_REROLL, ROW_INFO, ROW_SHARE, ROW_PAGES = 0, 1, 2, 3


def jump_url(job: Job) -> str | None:
    if job.delivered_via == "channel" and job.result_message_id is not None:
        return f"https://discord.com/channels/{job.guild_id}/{job.channel_id}/{job.result_message_id}"
    return None


def _where(job: Job) -> str:
    url = jump_url(job)
    if url is not None:
        return f"[Jump to the post]({url})"
    return "sent to you by DM" if job.delivered_via == "dm" else "not posted"


def entry_embed(number: int, job: Job, model_name: str) -> discord.Embed:
    embed = discord.Embed(title=f"{number}. {clip(model_name, 200)}", description=clip(job.prompt, PROMPT_SHOWN),
                          colour=BRAND, url=jump_url(job))
    embed.add_field(name="Cost", value=f"{job.credits_used or 0:,} credits")
    made = job.created_at
    embed.add_field(name="Made", value=f"{discord.utils.format_dt(made, 'f')} ({discord.utils.format_dt(made, 'R')})")
    embed.add_field(name="Result", value=_where(job))
    if job.category == "image" and job.output_urls:
        embed.set_thumbnail(url=job.output_urls[0])
    embed.set_footer(text=f"{job.category} · job {job.short_id}")
    return embed


def describe_filters(filters: GalleryFilters) -> str:
    parts = []
    if filters.model:
        parts.append(f"model `{clip(filters.model, 60)}`")
    if filters.category:
        parts.append(f"kind `{clip(filters.category, 20)}`")
    if filters.contains:
        parts.append(f"prompt holds “{discord.utils.escape_markdown(filters.contains)}”")
    return ", ".join(parts)


def gallery_content(page: GalleryPage) -> str:
    shown = describe_filters(page.filters)
    head = "🖼️ **Your results in this server**" + (f" · {shown}" if shown else "")
    if page.total == 0:
        why = "Nothing matches these filters." if shown else "Nothing yet: make something with `/imagine`."
        return f"{head}\n{why}"
    count = f"{page.total:,} result" + ("" if page.total == 1 else "s")
    return f"{head}\n{count} · page {page.number} of {page.pages} · newest first · {PAGE_SIZE} per page"


def gallery_message(page: GalleryPage, services: Services) -> tuple[str, list[discord.Embed], discord.ui.View]:
    """The content, one embed per entry, and the buttons of a gallery page."""
    view = discord.ui.View(timeout=None)
    embeds = []
    for number, job in enumerate(page.entries, start=page.offset + 1):
        model = services.catalog.get(job.model)
        embeds.append(entry_embed(number, job, model.display_name if model else job.model))
        cost = next((o.cost for o in services.actions.offers(job) if o.action is Action.REROLL), None)
        label = f"Re-roll {number}" + (f" · {cost:,} cr" if cost is not None else "")
        view.add_item(ResultButton(Action.REROLL, job.id, label=label, row=ROW_REROLL))
        view.add_item(ResultButton(INFO, job.id, label=f"Info {number}", row=ROW_INFO))
        view.add_item(ShareButton(job.id, number, row=ROW_SHARE))
    if page.total > PAGE_SIZE:
        for direction, offset, disabled in (("p", page.offset - PAGE_SIZE, page.offset == 0),
                                            ("n", page.offset + PAGE_SIZE, not page.has_next)):
            view.add_item(GalleryPageButton(page.guild_id, page.member_id, offset, page.query_id, direction,
                                            disabled=disabled))
    return gallery_content(page), embeds, view


class GalleryPageButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"vx:mine:(?P<guild>\d+):(?P<member>\d+):(?P<offset>\d+):(?P<query>\d+):(?P<dir>[pn])",
):
    """Previous or Next: the gallery's page at ``offset``; only its member may press it."""

    def __init__(self, guild_id: int, member_id: int, offset: int, query_id: int, direction: str,
                 *, disabled: bool = False) -> None:
        self.guild_id, self.member_id, self.query_id, self.direction = guild_id, member_id, query_id, direction
        self.offset = max(0, offset)
        previous = direction == "p"
        super().__init__(discord.ui.Button(
            label="Previous" if previous else "Next", emoji="◀️" if previous else "▶️",
            style=discord.ButtonStyle.secondary, disabled=disabled, row=ROW_PAGES,
            custom_id=f"vx:mine:{guild_id}:{member_id}:{self.offset}:{query_id}:{direction}",
        ))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> GalleryPageButton:
        return cls(int(match["guild"]), int(match["member"]), int(match["offset"]), int(match["query"]), match["dir"])

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            if interaction.user.id != self.member_id or interaction.guild_id != self.guild_id:
                raise NotYourGalleryError(self.member_id)
            services = cast("VivixBot", interaction.client).services
            page = await services.gallery.page(self.guild_id, self.member_id, self.query_id, self.offset)
            content, embeds, view = gallery_message(page, services)
            await interaction.response.edit_message(content=content, embeds=embeds, view=view,
                                                    allowed_mentions=discord.AllowedMentions.none())
        except Exception as err:  # the one error handler answers it, privately
            await reply_error(interaction, err)


class ShareButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"vx:mine:share:(?P<job>[0-9a-f]{32})",
):
    """Posts one of the member's results publicly in this channel, with its result buttons."""

    def __init__(self, job_id: str, number: int | None = None, *, row: int | None = None) -> None:
        self.job_id = job_id
        super().__init__(discord.ui.Button(
            label=f"Share {number}" if number is not None else "Share", emoji="📣",
            style=discord.ButtonStyle.primary, custom_id=f"vx:mine:share:{job_id}", row=row,
        ))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ShareButton:
        return cls(match["job"])

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            await share(interaction, self.job_id)
        except Exception as err:  # the one error handler answers it, privately
            await reply_error(interaction, err)


def share_embed(job: Job, model_name: str) -> discord.Embed:
    embed = discord.Embed(description=clip(job.prompt, 900), colour=BRAND, url=jump_url(job))
    embed.add_field(name="Model", value=model_name)
    embed.add_field(name="Credits", value=f"{job.credits_used or 0:,}")
    embed.add_field(name="Made", value=discord.utils.format_dt(job.created_at, "f"))
    url = jump_url(job)
    if url is not None:
        embed.add_field(name="Original", value=f"[Jump to the post]({url})", inline=False)
    urls = job.output_urls
    if job.category == "image" and urls:
        embed.set_image(url=urls[0])
    elif urls:
        embed.add_field(name="Files", value="\n".join(urls[:4])[:1024], inline=False)
    embed.set_footer(text=f"shared from job {job.short_id}")  # not the result's marker: never taken for it
    return embed


async def share(interaction: discord.Interaction, job_id: str) -> None:
    """Post the member's result publicly, with its action buttons (not Delete: that is the post's)."""
    services = cast("VivixBot", interaction.client).services
    job = await services.gallery.shareable(interaction.guild_id or 0, interaction.user.id, job_id)
    model = services.catalog.get(job.model)
    view = result_view(job, services.actions.offers(job))
    for item in list(view.children):
        if isinstance(item, ResultButton) and item.action == DELETE:
            view.remove_item(item)
    embed = share_embed(job, model.display_name if model else job.model)
    await interaction.response.send_message(content=f"📣 <@{job.member_id}> shares a result", embed=embed, view=view,
                                            allowed_mentions=discord.AllowedMentions.none())
