"""``LISTEN`` on a connection of its own, reconnecting when it breaks.

Notifications sent while the connection was down are lost, so after every (re)connect
``on_connect`` runs: the leader then reads the queue from the database and misses nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping

import asyncpg

log = logging.getLogger(__name__)

Handler = Callable[[str], None]


class Listener:
    def __init__(
        self,
        url: str,
        handlers: Mapping[str, Handler],
        *,
        on_connect: Callable[[], Awaitable[None]],
        retry: float = 1.0,
        check: float = 5.0,
    ) -> None:
        self._url = url
        self._handlers = dict(handlers)
        self._on_connect = on_connect
        self.retry = retry
        self.check = check
        self.connected = asyncio.Event()

    async def run(self) -> None:
        while True:
            conn: asyncpg.Connection | None = None
            try:
                conn = await asyncpg.connect(self._url)
                for channel in self._handlers:
                    await conn.add_listener(channel, self._dispatch)
                self.connected.set()
                await self._on_connect()
                while True:  # notifications arrive by callback; this only watches the connection
                    await asyncio.sleep(self.check)
                    await asyncio.wait_for(conn.fetchval("SELECT 1"), timeout=self.check)
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as err:
                log.warning("LISTEN connection lost (%s); reconnecting", type(err).__name__)
            finally:
                self.connected.clear()
                if conn is not None:
                    conn.terminate()
            await asyncio.sleep(self.retry)

    def _dispatch(self, _conn: object, _pid: int, channel: str, payload: object) -> None:
        handler = self._handlers.get(channel)
        if handler is not None:
            handler(str(payload))
