"""The Vote button under each anonymous entry of a contest's voting board.

A ``DynamicItem`` whose custom id carries the contest and the entry (``vx:vote:<contest>:<entry>``),
so the board keeps working after a restart. The engine decides everything (phase, eligibility,
no self-votes, one vote that may change); the answer is private, and says nothing of the counts.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord

from ..actions.errors import OutsideServerError
from ..contests import VoteReceipt
from .errors import reply_error, send_ephemeral

if TYPE_CHECKING:
    from ..client import VivixBot


def vote_id(contest_id: int, entry_id: int) -> str:
    return f"vx:vote:{contest_id}:{entry_id}"


def receipt_text(receipt: VoteReceipt) -> str:
    if receipt.unchanged:
        return f"🗳️ You already vote for entry #{receipt.entry_number}. Nothing changed."
    if receipt.changed_from is not None:
        return (f"🗳️ Your vote moved from entry #{receipt.changed_from} to entry #{receipt.entry_number}. "
                "It counts once.")
    return (f"🗳️ Your vote for entry #{receipt.entry_number} is in. You may change it until voting closes; "
            "the counts stay hidden until then.")


class VoteButton(discord.ui.DynamicItem[discord.ui.Button[Any]],
                 template=r"vx:vote:(?P<c>[0-9]{1,18}):(?P<e>[0-9]{1,18})"):
    def __init__(self, contest_id: int, entry_id: int, number: int | None = None) -> None:
        label = f"Vote for #{number}" if number is not None else "Vote"
        super().__init__(discord.ui.Button(label=label, emoji="🗳️", style=discord.ButtonStyle.primary,
                                           custom_id=vote_id(contest_id, entry_id)))
        self.contest_id = contest_id
        self.entry_id = entry_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> VoteButton:
        return cls(int(match["c"]), int(match["e"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            member = interaction.user
            if interaction.guild is None or not isinstance(member, discord.Member):
                raise OutsideServerError()
            bot: VivixBot = interaction.client  # type: ignore[assignment]  # the only client this runs in
            receipt = await bot.services.contests.vote(
                interaction.guild.id, self.entry_id, member.id, joined_at=member.joined_at,
                role_ids=[role.id for role in member.roles],
            )
            await send_ephemeral(interaction, receipt_text(receipt))
        except Exception as err:  # the one error handler answers it, privately
            await reply_error(interaction, err)
