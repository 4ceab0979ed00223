"""Repository for ``bot_state``: small named values the bot keeps across restarts."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.store.connections import Reader, Transaction
from bot.store.timestamps import to_db_time


class BotStateRepository:
    async def get(self, conn: Reader, key: str) -> dict[str, Any] | None:
        text = await conn.fetch_value("SELECT value_json FROM bot_state WHERE key = ?", (key,))
        if text is None:
            return None
        value = json.loads(text)
        return value if isinstance(value, dict) else None

    async def put(self, conn: Transaction, key: str, value: dict[str, Any], at: datetime) -> None:
        await conn.execute(
            "INSERT INTO bot_state (key, value_json, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value_json = excluded.value_json, updated_at = excluded.updated_at",
            (key, json.dumps(value, sort_keys=True), to_db_time(at)),
        )

    async def delete(self, conn: Transaction, key: str) -> bool:
        return await conn.execute("DELETE FROM bot_state WHERE key = ?", (key,)) == 1
