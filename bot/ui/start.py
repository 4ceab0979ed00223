"""The public "Queued" answer to anything that starts a job (a command, a button, a form), and the
start that must follow it whatever happens to the answer."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from ..generation import Queued
from .embeds import status_embed
from .errors import send_ephemeral

if TYPE_CHECKING:
    from ..services import Services

log = logging.getLogger(__name__)


async def answer_and_start(interaction: discord.Interaction, services: Services, queued: Queued) -> None:
    """The job is held and stored: answer publicly with its status, then start it. If the answer
    fails the job still runs (its result is posted in the channel either way)."""
    job = queued.job
    message_id: int | None = None
    try:
        model = services.catalog.get(job.model)
        embed = status_embed(job, progress=queued.shown, model_name=model.display_name if model else None)
        await interaction.response.send_message(embed=embed)
        message_id = (await interaction.original_response()).id
        if queued.notes:  # to the member alone, and kept: the status embed is redrawn at every progress edit
            await send_ephemeral(interaction, "\n".join(f"📝 {note}" for note in queued.notes))
    except discord.HTTPException as err:
        log.warning("Could not show the status of job %s (%s); it runs anyway", job.short_id, err)
    finally:
        await services.generation.start(job.id, message_id)
