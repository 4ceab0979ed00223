"""Waiting on a cluster run from outside it: the channel's posts, the stored jobs, the model list.

Each polls what an operator could look at (the channel, the database) until it holds or a
deadline (``time.monotonic``) passes; the caller decides what a timeout means.
"""

from __future__ import annotations

import asyncio
import time

from bot.jobs import JobStatus
from bot.services import Services
from tests.cluster.channel_server import ChannelServer


async def until_posted(channel: ChannelServer, count: int, deadline: float) -> bool:
    """Until ``count`` jobs have a post in the channel."""
    while len(channel.posted_jobs()) < count:
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.02)
    return True


async def until_delivered(services: Services, count: int, deadline: float) -> bool:
    """Until ``count`` jobs are stored and every one is delivered. A post lands half-way through
    the bot's request, so the channel can show the last post before its job is marked delivered."""
    while True:
        async with services.db.read() as conn:
            jobs = await services.jobs.list_by_status(conn, *JobStatus)
        if len(jobs) >= count and all(job.status is JobStatus.DELIVERED for job in jobs):
            return True
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.05)


async def until_models_stored(front: Services, deadline: float) -> bool:
    """Until a process that does not lead has the model list the leader stored (told by NOTIFY)."""
    while front.catalog.snapshot is None:
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True
