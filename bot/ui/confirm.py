"""The private "confirm the cost" prompt and its Confirm / Cancel buttons.

Each button is a ``DynamicItem`` whose custom id carries the waiting request's id
(``vx:confirm:<yes|no>:<id>``); the request itself is in the database, so a prompt shown before
a restart still works after it, within its minute. Every refusal (expired, already answered,
someone else's) goes through the one error handler.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

import discord

from ..confirmations import AwaitingConfirmation
from .embeds import headroom_text
from .errors import reply_error

if TYPE_CHECKING:
    from ..client import VivixBot

log = logging.getLogger(__name__)

YES, NO = "yes", "no"


def custom_id(answer: str, pending_id: str) -> str:
    return f"vx:confirm:{answer}:{pending_id}"


class ConfirmButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"vx:confirm:(?P<answer>yes|no):(?P<id>[0-9a-f]{32})",
):
    def __init__(self, answer: str, pending_id: str, *, label: str | None = None) -> None:
        confirm = answer == YES
        super().__init__(discord.ui.Button(
            label=(label or ("Confirm" if confirm else "Cancel"))[:80], emoji="✅" if confirm else "✖️",
            style=discord.ButtonStyle.success if confirm else discord.ButtonStyle.secondary,
            custom_id=custom_id(answer, pending_id),
        ))
        self.answer = answer
        self.pending_id = pending_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ConfirmButton:
        return cls(match["answer"], match["id"])

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            await answer_prompt(interaction, self.answer, self.pending_id)
        except Exception as err:  # the one error handler answers it, privately
            await reply_error(interaction, err)


def confirmation_prompt(pending: AwaitingConfirmation, model_name: str) -> tuple[str, discord.ui.View]:
    """The private question: the exact hold, what is left after it, and until when it waits."""
    expires = discord.utils.format_dt(pending.expires_at, "R")
    content = (
        f"💳 This holds **{pending.amount:,} credits** for `{discord.utils.escape_markdown(model_name)}` "
        f"(you pay what it really costs, at most that). After it: **{headroom_text(pending.headroom)}**.\n"
        f"Nothing is held until you confirm; this request expires {expires}."
    )
    view = discord.ui.View(timeout=None)
    view.add_item(ConfirmButton(YES, pending.id, label=f"Confirm · {pending.amount:,} cr"))
    view.add_item(ConfirmButton(NO, pending.id))
    return content, view


async def answer_prompt(interaction: discord.Interaction, answer: str, pending_id: str) -> None:
    bot: VivixBot = interaction.client  # type: ignore[assignment]  # the only client this runs in
    services = bot.services
    member = interaction.user
    if answer == NO:
        await services.confirmations.decline(pending_id, member.id)
        await interaction.response.edit_message(content="✖️ Cancelled. Nothing was held.", view=None)
        return
    roles = tuple(role.id for role in member.roles) if isinstance(member, discord.Member) else ()
    request = await services.confirmations.take(pending_id, member.id, roles)
    started = await services.generation.create(request)  # checked afresh: schema, policy, caps
    await interaction.response.edit_message(content="✅ Confirmed.", view=None)
    from .start import answer_and_start  # start.py shows this module's prompt: imported here, not above

    await answer_and_start(interaction, services, started)
