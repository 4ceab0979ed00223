"""Status edits stay within the bot's budget while a queue drains, and every member still ends
up seeing their job's final state."""

from __future__ import annotations

import pytest
import simcord

from bot.config import Settings

from .helpers import bot_of, run_for

JOBS = 30
SECONDS = 60


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={
        "default_max_in_flight": 100, "default_guild_allowance": 100_000, "status_edits_per_second": 1.0,
    })


def _edits(env: simcord.Env, since: int) -> list[str]:
    """Titles of the status-message edits (PATCH of a channel message) the bot sent."""
    titles = []
    for entry in env.http_requests[since:]:
        if entry.method == "PATCH" and "/channels/" in entry.path and "/messages/" in entry.path:
            embeds = (entry.json or {}).get("embeds") or [{}]
            titles.append(str(embeds[0].get("title", "")))
    return titles


async def test_a_draining_queue_edits_within_the_budget_and_finals_all_arrive(env: simcord.Env) -> None:
    guild = env.create_guild("Busy")
    channel = guild.create_text_channel("art")
    members = [guild.add_member(env.create_user(f"maker{n}")) for n in range(3)]
    since = len(env.http_requests)
    started = env.now()
    statuses = [
        await members[n % 3].slash(channel, "imagine", prompt=f"picture {n}", model="flux-2-flash")
        for n in range(JOBS)
    ]
    assert statuses[-1].response.embeds[0].title.startswith("⏳ Queued")

    await run_for(env, SECONDS)

    elapsed = (env.now() - started).total_seconds()
    async with bot_of(env).services.db.read() as conn:
        rows = await conn.fetch_all("SELECT status_message_id FROM jobs WHERE status = 'delivered'")
    delivered = len(rows)
    done_messages = {int(row[0]) for row in rows}
    titles = _edits(env, since)
    finals = [t for t in titles if t.startswith(("✅", "❌", "🚫"))]
    progress = len(titles) - len(finals)
    assert delivered >= 20, "the queue drained at the key's pace"
    assert len(finals) == delivered, "every delivered job's status message shows its end at once"
    budget = bot_of(env).settings.status_edits_per_second
    bucket = 2.0 * budget  # one tick's worth (bot/ui/edit_budget.py TICK)
    assert progress <= budget * elapsed + bucket, (progress, elapsed)
    assert progress > 0, "places and progress were still shown"
    shown_done = set()
    for status in statuses:
        assert status.response is not None
        if status.response.embeds[0].title.startswith("✅ Done"):
            shown_done.add(status.response.id)
    assert shown_done == done_messages, "each delivered job's own message says it is done"
