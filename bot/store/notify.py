"""Telling the other bot processes that something changed, with PostgreSQL's ``NOTIFY``.

A notification sent inside a transaction is delivered when (and only if) it commits, so a
listener never hears of a job it cannot read yet. On SQLite there is one process and nothing
to tell: these do nothing.
"""

from __future__ import annotations

from bot.store.connections import Transaction

QUEUE = "vivix_queue"  # payload: a job id now queued (the leader puts it in line and wakes)
CONTROL = "vivix_control"  # payload: "pause" (the queue's pause state changed; every process re-reads it)
CATALOG = "vivix_catalog"  # payload: "" (the leader stored a new /models snapshot)


async def notify(tx: Transaction, channel: str, payload: str = "") -> None:
    if tx.dialect == "postgresql":
        await tx.execute("SELECT pg_notify(?, ?)", (channel, payload))
