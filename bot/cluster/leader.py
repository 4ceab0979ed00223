"""Leader election with a PostgreSQL session advisory lock.

Every process keeps one connection of its own and asks ``pg_try_advisory_lock`` every
``retry`` seconds; the one that gets it is the leader for as long as that connection lives.
When the leader dies, however it dies, the server ends its session and frees the lock, and
the next process to ask takes over (within ``retry`` seconds of PostgreSQL noticing; a killed
process's socket is closed by its kernel, so that is at once).

A leader that can no longer reach its lock connection cannot know whether it still leads, so
it stops at once (``on_lost``: the process exits, and its supervisor starts it again as a
follower). Between the connection breaking and the next liveness check (``check`` seconds) the
old leader may still finish a step it began; every step of a job is a conditional update of
its row (claim, submit, finish, deliver), so the new leader never repeats one.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable

import asyncpg

log = logging.getLogger(__name__)

LEADER_LOCK = 0x5669_7669_0002  # the advisory lock key: one dispatcher per database (and so per API key)
LOST_EXIT_CODE = 70


def exit_at_once() -> None:
    log.critical("Lost the leader's database connection: stopping this process so two leaders never overlap")
    logging.shutdown()
    os._exit(LOST_EXIT_CODE)


class LeaderElection:
    def __init__(
        self,
        url: str,
        on_elected: Callable[[], Awaitable[None]],
        *,
        retry: float = 1.0,
        check: float = 1.0,
        on_lost: Callable[[], None] = exit_at_once,
        name: str = "",
    ) -> None:
        self._url = url
        self._on_elected = on_elected
        self.retry = retry
        self.check = check
        self._on_lost = on_lost
        self._name = name or f"vivix-bot pid {os.getpid()}"
        self.is_leader = False
        self.elected = asyncio.Event()

    async def run(self) -> None:
        """Campaign until elected, then lead until the connection is lost (``on_lost``)."""
        conn = await self._campaign()
        self.is_leader = True
        self.elected.set()
        log.info("pid %d became the leader: this process now runs the dispatcher", os.getpid())
        try:
            await self._on_elected()
            await self._watch(conn)
        finally:
            await _close(conn)

    async def _campaign(self) -> asyncpg.Connection:
        while True:
            conn: asyncpg.Connection | None = None
            try:
                conn = await asyncpg.connect(self._url, server_settings={"application_name": self._name})
                while True:  # polling is the point: the lock is another process's until it dies
                    if await conn.fetchval("SELECT pg_try_advisory_lock($1)", LEADER_LOCK):
                        return conn
                    await asyncio.sleep(self.retry)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as err:
                log.warning("leader election: the database is unreachable (%s); trying again", type(err).__name__)
                if conn is not None:
                    await _close(conn)
                await asyncio.sleep(self.retry)

    async def _watch(self, conn: asyncpg.Connection) -> None:
        while True:
            await asyncio.sleep(self.check)
            try:
                await asyncio.wait_for(conn.fetchval("SELECT 1"), timeout=max(self.check * 3, 3.0))
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
                self.is_leader = False
                self._on_lost()
                return


async def _close(conn: asyncpg.Connection) -> None:
    try:
        await asyncio.wait_for(conn.close(), timeout=2.0)
    except Exception:  # already broken: nothing to close cleanly
        conn.terminate()
