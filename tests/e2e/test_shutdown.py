"""Closing the bot (what SIGINT/SIGTERM lead to) closes the database, the API client and the queue."""

from __future__ import annotations

import pytest

from bot.store.database import Database
from bot.store.errors import DatabaseClosedError

from .conftest import World
from .helpers import bot_of, only_job_id


async def test_close_releases_everything_and_keeps_the_queue(world: World) -> None:
    await world.alice.slash(world.channel, "video", prompt="long render", model="wan-2.7-text-to-video")
    job_id = await only_job_id(world.env)
    bot = bot_of(world.env)
    services = bot.services
    assert services.dispatcher.in_flight == 1

    await bot.close()

    assert services.dispatcher.in_flight == 0
    assert services.vivix._http.is_closed
    with pytest.raises(DatabaseClosedError):
        await services.db.fetch_one("SELECT 1")
    # The job is still in the database, to be resumed on the next start.
    db = await Database.open(services.db.path)
    try:
        row = await db.fetch_one("SELECT status FROM jobs WHERE id = ?", (job_id,))
    finally:
        await db.close()
    assert row is not None and row[0] == "running"
