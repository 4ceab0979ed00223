"""Reading what a member sees, and the ledger behind it, in end-to-end tests."""

from __future__ import annotations

import asyncio

import discord
import simcord

from bot.client import VivixBot
from bot.jobs import Job


def bot_of(env: simcord.Env) -> VivixBot:
    return env.bot  # type: ignore[return-value]


def results_for(channel: simcord.ChannelHandle, job_id: str) -> list[discord.Message]:
    """Result messages (not the status message) carrying this job's marker."""
    found = []
    for message in channel.history():
        if message.interaction_metadata is not None:
            continue  # the command's own answer, edited as the job moves
        if any(embed.footer.text == f"job {job_id}" for embed in message.embeds):
            found.append(message)
    return found


async def only_job_id(env: simcord.Env) -> str:
    async with bot_of(env).services.db.read() as conn:
        rows = await conn.fetch_all("SELECT id FROM jobs")
    assert len(rows) == 1, rows
    return str(rows[0][0])


async def assert_nothing_spent(env: simcord.Env, guild_id: int, sandbox_stats: object) -> None:
    """No credits held or spent, no ledger row but the first grant, and no job sent to the API."""
    ledger = bot_of(env).services.ledger
    status = await ledger.guild_status(guild_id)
    assert (status.held, status.spent_total) == (0, 0)
    rows = await ledger.history(guild_id, limit=50)
    assert [row.kind for row in rows] in ([], ["grant"])
    assert sandbox_stats.requests_by_route["generate"] == 0  # type: ignore[attr-defined]
    async with bot_of(env).services.db.read() as conn:
        assert await conn.fetch_value("SELECT COUNT(*) FROM jobs") == 0


def png_bytes() -> bytes:
    """A real 1x1 PNG for reference-image attachments."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x88\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


async def run_for(env: simcord.Env, seconds: float, step: float = 5.0) -> None:
    """Advance virtual time in steps: each advance_time call has one real-time settle budget."""
    while seconds > 0:
        await env.advance_time(min(step, seconds))
        seconds -= step


def assert_refused(env: simcord.Env, kind: type[BaseException]) -> BaseException:
    """The latest interaction was refused with ``kind`` through the one error handler (SimCord
    records every error that reaches it; reading them acknowledges them)."""
    errors = env.errors
    assert errors, f"expected a {kind.__name__} refusal, but no error reached the handler"
    last = errors[-1]
    original = getattr(last, "original", last)
    assert isinstance(original, kind), f"expected {kind.__name__}, got {original!r}"
    return original


class FreezeAt:
    """A checkpoint hook that stops the job's task forever at ``point``, as a crash there would,
    and remembers that it did (a renamed or skipped checkpoint must fail the test)."""

    def __init__(self, env: simcord.Env, point: str) -> None:
        self.env = env
        self.point = point
        self.frozen: list[str] = []

    async def __call__(self, name: str, job: Job) -> None:
        if name == self.point:
            self.frozen.append(job.id)
            never = asyncio.get_running_loop().create_future()
            await self.env.external_wait(never, reason=f"simulated crash at {self.point}")
