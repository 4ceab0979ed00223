"""Repository for ``credit_member``: each member's bonus credits in a guild."""

from __future__ import annotations

from bot.store.connections import Reader, Transaction


class MemberCreditRepository:
    async def bonus(self, conn: Reader, guild_id: int, member_id: int) -> int:
        value = await conn.fetch_value(
            "SELECT bonus FROM credit_member WHERE guild_id = ? AND member_id = ?", (guild_id, member_id)
        )
        return int(value or 0)

    async def add_bonus(self, tx: Transaction, guild_id: int, member_id: int, delta: int) -> int:
        """Add ``delta`` (may be negative) to the member's bonus; returns the new balance."""
        changed = await tx.execute(
            "UPDATE credit_member SET bonus = bonus + ? WHERE guild_id = ? AND member_id = ?",
            (delta, guild_id, member_id),
        )
        if not changed:
            await tx.execute(
                "INSERT INTO credit_member (guild_id, member_id, bonus) VALUES (?, ?, ?)",
                (guild_id, member_id, delta),
            )
        return await self.bonus(tx, guild_id, member_id)

    async def total_bonus(self, conn: Reader, guild_id: int) -> int:
        value = await conn.fetch_value("SELECT SUM(bonus) FROM credit_member WHERE guild_id = ?", (guild_id,))
        return int(value or 0)
