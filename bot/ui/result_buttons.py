"""The buttons under every posted result, and what a click on one does.

Each button is a ``DynamicItem`` whose custom id carries the action and the job id
(``vx:act:<action>:<job id>[:<n>]``): nothing is kept in memory, so a result posted before a
restart works after it. The job is read from the database at click time. Every refusal goes
through the one error handler and is answered privately.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

import discord

from ..actions.errors import NoSuchActionError
from ..actions.requests import Action
from ..actions.service import ActionOffer
from ..jobs import Job, JobOutcome
from .action_forms import AnimateForm, RemixForm
from .actor import actor_of
from .errors import reply_error, send_ephemeral
from .job_info import job_info_embed
from .reference_form import message_images
from .report_buttons import ReportButton
from .start import answer_and_start

if TYPE_CHECKING:
    from ..client import VivixBot

log = logging.getLogger(__name__)

INFO, DELETE = "info", "delete"
LOOKS: dict[str, tuple[str, str, discord.ButtonStyle]] = {  # action -> (emoji, label, style)
    Action.REROLL: ("🔁", "Re-roll", discord.ButtonStyle.secondary),
    Action.VARY: ("🎲", "Vary", discord.ButtonStyle.secondary),
    Action.REMIX: ("✏️", "Remix", discord.ButtonStyle.secondary),
    Action.UPSCALE: ("⬆️", "Upscale", discord.ButtonStyle.secondary),
    Action.ANIMATE: ("🎬", "Animate", discord.ButtonStyle.secondary),
    Action.RETRY: ("🔄", "Retry", discord.ButtonStyle.primary),
    INFO: ("\u2139\ufe0f", "Info", discord.ButtonStyle.secondary),
    DELETE: ("🗑️", "Delete", discord.ButtonStyle.danger),
}
ROWS = {Action.REROLL: 0, Action.VARY: 0, Action.REMIX: 0, Action.RETRY: 0, Action.UPSCALE: 1,
        Action.ANIMATE: 2, INFO: 3, DELETE: 3}


def custom_id(action: str, job_id: str, n: int | None = None) -> str:
    return f"vx:act:{action}:{job_id}" + (f":{n}" if n is not None else "")


class ResultButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"vx:act:(?P<action>[a-z]+):(?P<job>[0-9a-f]{32})(?::(?P<n>[0-9]{1,2}))?",
):
    def __init__(self, action: str, job_id: str, n: int | None = None, *, label: str | None = None,
                 row: int | None = None) -> None:
        emoji, name, style = LOOKS.get(action, ("", action, discord.ButtonStyle.secondary))
        super().__init__(discord.ui.Button(
            label=(label or name)[:80], emoji=emoji or None, style=style, custom_id=custom_id(action, job_id, n),
            row=row,
        ))
        self.action = action
        self.job_id = job_id
        self.n = n

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ResultButton:
        n = match["n"]
        return cls(match["action"], match["job"], int(n) if n else None)

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            await run_click(interaction, self.action, self.job_id, self.n)
        except Exception as err:  # the one error handler answers it, privately
            await reply_error(interaction, err)


def result_view(job: Job, offers: list[ActionOffer]) -> discord.ui.View:
    """The buttons of a posted result: its actions with their costs, then Info, Report and Delete."""
    view = discord.ui.View(timeout=None)
    many = len(job.output_urls) > 1
    for offer in offers:
        name = LOOKS[offer.action][1]
        if offer.count is not None:
            name = f"{name} x{offer.count}"
        elif offer.index is not None and many:
            name = f"{name} {offer.index}"
        n = offer.count if offer.count is not None else offer.index
        view.add_item(ResultButton(offer.action, job.id, n, label=f"{name} · {offer.cost:,} cr",
                                   row=ROWS[offer.action]))
    view.add_item(ResultButton(INFO, job.id, row=ROWS[INFO]))
    if job.outcome is JobOutcome.COMPLETED:  # any member may flag it to the server's log channel
        view.add_item(ReportButton(job.id, row=ROWS[INFO]))
    if job.outcome in (JobOutcome.COMPLETED, JobOutcome.FAILED):
        view.add_item(ResultButton(DELETE, job.id, row=ROWS[DELETE]))
    return view


def _image(interaction: discord.Interaction, n: int | None) -> tuple[str | None, str | None]:
    """The clicked result's n-th image as posted (a Discord file, fresh at click time and
    outliving the API's link) and where it was posted, when the post carries it."""
    message = interaction.message
    images = message_images(message) if message is not None else []
    if message is None or n is None or not 1 <= n <= len(images):
        return None, None
    return images[n - 1], f"{message.channel.id}:{message.id}:{n}"


async def run_click(interaction: discord.Interaction, action: str, job_id: str, n: int | None) -> None:
    bot: VivixBot = interaction.client  # type: ignore[assignment]  # the only client this runs in
    services = bot.services
    actions = services.actions
    if action == INFO:
        job = await actions.source(job_id)
        await interaction.response.send_message(embed=job_info_embed(job, services.catalog), ephemeral=True,
                                                allowed_mentions=discord.AllowedMentions.none())
        return
    if action == DELETE:
        may_manage = bool(interaction.permissions.manage_messages)
        await actions.delete(job_id, interaction.user.id, may_manage=may_manage)
        if interaction.message is not None:
            await interaction.message.delete()
        await send_ephemeral(interaction, "🗑️ Deleted. What it cost stays spent.")
        return
    kind = Action(action)
    actor = actor_of(interaction)
    if kind is Action.REMIX:
        job = await actions.source(job_id)
        prompt, options = actions.remix_defaults(job)
        await interaction.response.send_modal(RemixForm(job_id, prompt, options))
        return
    if kind is Action.ANIMATE:
        await actions.source(job_id)
        model = actions.animator()
        if model is None:
            raise NoSuchActionError("The generation service offers no model that can animate an image now.")
        await interaction.response.send_modal(AnimateForm(job_id, n or 1, model, *_image(interaction, n)))
        return
    image_url, source = _image(interaction, n)
    queued = await actions.start(kind, job_id, actor, index=n, count=n, image_url=image_url,
                                     reference_source=source)
    await answer_and_start(interaction, services, queued)

