"""The public "Queued" answer to anything that starts a job (a command, a button, a form), and the
start that must follow it whatever happens to the answer; or, above the server's threshold, the
private prompt to confirm the cost first."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from ..confirmations import AwaitingConfirmation
from ..generation import Queued
from .confirm import confirmation_prompt
from .embeds import status_embed
from .errors import send_ephemeral

if TYPE_CHECKING:
    from ..services import Services

log = logging.getLogger(__name__)


async def answer_and_start(
    interaction: discord.Interaction, services: Services, queued: Queued | AwaitingConfirmation
) -> None:
    """The job is held and stored: answer publicly with its status, then start it. If the answer
    fails the job still runs (its result is posted in the channel either way). A request waiting
    for its member's Confirm is answered privately with the prompt instead."""
    if isinstance(queued, AwaitingConfirmation):
        model = services.catalog.get(queued.model)
        content, view = confirmation_prompt(queued, model.display_name if model else queued.model)
        if interaction.response.is_done():
            await interaction.followup.send(content, view=view, ephemeral=True)
        else:
            await interaction.response.send_message(content, view=view, ephemeral=True)
        return
    job = queued.job
    message_id: int | None = None
    try:
        model = services.catalog.get(job.model)
        embed = status_embed(job, progress=queued.shown, model_name=model.display_name if model else None)
        if interaction.response.is_done():  # a Confirm click answered its prompt first
            message_id = (await interaction.followup.send(embed=embed, wait=True)).id
        else:
            await interaction.response.send_message(embed=embed)
            message_id = (await interaction.original_response()).id
        if queued.notes:  # to the member alone, and kept: the status embed is redrawn at every progress edit
            await send_ephemeral(interaction, "\n".join(f"📝 {note}" for note in queued.notes))
    except discord.HTTPException as err:
        log.warning("Could not show the status of job %s (%s); it runs anyway", job.short_id, err)
    finally:
        await services.generation.start(job.id, message_id)
