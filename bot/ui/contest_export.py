"""``/contest export``: the entries and, once voting has closed, the vote chain as CSV attachments,
gzipped when large. The votes file can be checked with ``bot.contests.votes.verify_chain``."""

from __future__ import annotations

import gzip
import io
from collections.abc import AsyncIterator

import discord

from ..contests import ContestService
from ..contests.errors import ExportRefusedError

GZIP_ABOVE = 1024 * 1024  # bytes of CSV; Discord previews small CSVs, large ones travel better zipped


async def _collect(lines: AsyncIterator[str]) -> bytes:
    out = io.StringIO()
    async for line in lines:
        out.write(line)
    return out.getvalue().encode()


def _file(data: bytes, name: str) -> discord.File:
    if len(data) > GZIP_ABOVE:
        return discord.File(io.BytesIO(gzip.compress(data)), filename=f"{name}.gz")
    return discord.File(io.BytesIO(data), filename=name)


async def export_files(contests: ContestService, guild_id: int, contest_id: int) -> tuple[list[discord.File], str]:
    """The files and a line saying what they are."""
    contest = await contests.get(guild_id, contest_id)
    prefix = f"contest-{contest.id}"
    files = [_file(await _collect(await contests.export_entries(guild_id, contest_id)), f"{prefix}-entries.csv")]
    try:
        votes = await contests.export_votes(guild_id, contest_id)
    except ExportRefusedError as refused:
        return files, f"📄 The entries of contest #{contest.id}. {refused.message}"
    files.append(_file(await _collect(votes), f"{prefix}-votes.csv"))
    return files, (f"📄 The entries and every vote of contest #{contest.id}. Each vote row's `hash` is "
                   "sha256 of `prev_hash|member_id|entry_id|cast_at|kind`: the chain shows any row changed.")
