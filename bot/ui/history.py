"""/quota history: a page of ledger rows and the Previous/Next buttons that page it.

The buttons are ``DynamicItem``s whose custom id carries all their state
(``vx:hist:<guild>:<requester>:<offset>:<member or 0>:<p|n>``), so they keep
working after a restart without anything stored in memory.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any, cast

import discord

from ..ledger import LedgerEntry
from .embeds import BRAND
from .errors import send_ephemeral

if TYPE_CHECKING:
    from ..client import VivixBot
    from ..ledger import CreditLedger

log = logging.getLogger(__name__)

PAGE_SIZE = 10
MAX_REASON_SHOWN = 80

KIND_WORDS = {
    "grant": "allowance",
    "adjust": "adjustment",
    "bonus": "bonus",
    "hold": "held",
    "settle": "spent",
    "release": "returned",
}


def _amount(entry: LedgerEntry) -> str:
    if entry.kind == "hold":
        return f"-{entry.amount:,}"
    if entry.kind == "settle":
        return f"{entry.amount:,}"
    if entry.kind == "adjust" and entry.amount < 0:
        return f"-{-entry.amount:,}"
    return f"+{entry.amount:,}"


def entry_line(entry: LedgerEntry) -> str:
    parts = [
        f"`#{entry.id}` {discord.utils.format_dt(entry.created_at, 'f')}",
        f"**{KIND_WORDS.get(entry.kind, entry.kind)} {_amount(entry)}**",
    ]
    if entry.member_id is not None:
        parts.append(f"<@{entry.member_id}>")
    if entry.model:
        parts.append(f"`{entry.model}`")
    if entry.actor.isdigit():
        if entry.member_id is None or entry.actor != str(entry.member_id):
            parts.append(f"by <@{entry.actor}>")
    else:
        parts.append(f"by {entry.actor}")
    line = " · ".join(parts)
    reason = entry.reason.strip()
    if reason:
        shown = reason if len(reason) <= MAX_REASON_SHOWN else reason[: MAX_REASON_SHOWN - 1] + "…"
        line += f" — {discord.utils.escape_markdown(shown)}"
    return line


def history_embed(entries: list[LedgerEntry], offset: int, member_id: int | None) -> discord.Embed:
    page = offset // PAGE_SIZE + 1
    header = f"Only rows about <@{member_id}>.\n" if member_id is not None else ""
    body = "\n".join(entry_line(entry) for entry in entries) if entries else (
        "Nothing on this page." if offset else "No credit movements yet."
    )
    embed = discord.Embed(title="🧾 Credit history", description=header + body, colour=BRAND)
    embed.set_footer(text=f"Page {page} · newest first · {PAGE_SIZE} per page")
    return embed


class HistoryPageButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"vx:hist:(?P<guild>\d+):(?P<requester>\d+):(?P<offset>\d+):(?P<member>\d+):(?P<dir>[pn])",
):
    """Previous or Next: shows the page at ``offset``; only the admin who asked may press it."""

    def __init__(
        self, guild_id: int, requester_id: int, offset: int, member_id: int | None, direction: str,
        *, disabled: bool = False,
    ) -> None:
        self.guild_id = guild_id
        self.requester_id = requester_id
        self.offset = max(0, offset)
        self.member_id = member_id
        self.direction = direction
        previous = direction == "p"
        super().__init__(
            discord.ui.Button(
                label="Previous" if previous else "Next",
                emoji="◀️" if previous else "▶️",
                style=discord.ButtonStyle.secondary,
                disabled=disabled,
                custom_id=(
                    f"vx:hist:{guild_id}:{requester_id}:{self.offset}:{member_id or 0}:{direction}"
                ),
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> HistoryPageButton:
        member = int(match["member"])
        return cls(int(match["guild"]), int(match["requester"]), int(match["offset"]), member or None,
                   match["dir"])

    async def callback(self, interaction: discord.Interaction) -> None:
        if interaction.user.id != self.requester_id:
            await send_ephemeral(
                interaction,
                f"🔒 These buttons belong to <@{self.requester_id}>, who asked for this history. "
                "Run `/quota history` to page it yourself.",
            )
            return
        permissions = interaction.permissions
        if interaction.guild_id != self.guild_id or not permissions.manage_guild:
            await send_ephemeral(interaction, "🔒 You need the **Manage Server** permission in this server.")
            return
        bot = cast("VivixBot", interaction.client)
        embed, view = await history_page(
            bot.services.ledger, self.guild_id, self.requester_id, self.offset, self.member_id
        )
        await interaction.response.edit_message(embed=embed, view=view)


async def history_page(
    ledger: CreditLedger, guild_id: int, requester_id: int, offset: int, member_id: int | None
) -> tuple[discord.Embed, discord.ui.View]:
    """The embed and buttons for the page at ``offset`` (one row more is read to know if a next exists)."""
    rows = await ledger.history(guild_id, limit=PAGE_SIZE + 1, offset=offset, member_id=member_id)
    entries, has_next = rows[:PAGE_SIZE], len(rows) > PAGE_SIZE
    view = discord.ui.View(timeout=None)
    view.add_item(HistoryPageButton(guild_id, requester_id, offset - PAGE_SIZE, member_id, "p",
                                    disabled=offset == 0))
    view.add_item(HistoryPageButton(guild_id, requester_id, offset + PAGE_SIZE, member_id, "n",
                                    disabled=not has_next))
    return history_embed(entries, offset, member_id), view
