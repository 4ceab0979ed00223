"""Repository for the policy tables: modes, terms, channels, model rules, member and server blocks.

Every read and write names its guild; writes take the caller's transaction.
"""

from __future__ import annotations

from datetime import datetime

from ..policy.rules import (
    ChannelMode,
    Effect,
    MemberBlock,
    ModelRule,
    SensitiveMode,
    TargetKind,
)
from ..policy.terms import Term, TermKind, TermList
from .connections import Reader, Transaction
from .timestamps import from_db_time, to_db_time


class PolicyRepository:
    # -- modes -----------------------------------------------------------------------------

    async def modes(self, conn: Reader, guild_id: int) -> tuple[ChannelMode, SensitiveMode]:
        row = await conn.fetch_one(
            "SELECT channel_mode, sensitive_mode FROM policy_guild WHERE guild_id = ?", (guild_id,))
        if row is None:
            return ChannelMode.ANYWHERE, SensitiveMode.OFF
        return ChannelMode(row[0]), SensitiveMode(row[1])

    async def set_channel_mode(self, conn: Transaction, guild_id: int, mode: ChannelMode, at: datetime) -> None:
        await conn.execute(
            "INSERT INTO policy_guild (guild_id, channel_mode, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT (guild_id) DO UPDATE SET channel_mode = excluded.channel_mode, "
            "updated_at = excluded.updated_at",
            (guild_id, mode.value, to_db_time(at)),
        )

    async def set_sensitive_mode(self, conn: Transaction, guild_id: int, mode: SensitiveMode, at: datetime) -> None:
        await conn.execute(
            "INSERT INTO policy_guild (guild_id, sensitive_mode, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT (guild_id) DO UPDATE SET sensitive_mode = excluded.sensitive_mode, "
            "updated_at = excluded.updated_at",
            (guild_id, mode.value, to_db_time(at)),
        )

    # -- terms -----------------------------------------------------------------------------

    async def terms(self, conn: Reader, guild_id: int, which: TermList) -> list[Term]:
        rows = await conn.fetch_all(
            "SELECT kind, term FROM policy_term WHERE guild_id = ? AND list = ? ORDER BY added_at, rowid",
            (guild_id, which.value),
        )
        return [Term(TermKind(kind), str(term)) for kind, term in rows]

    async def add_term(
        self, conn: Transaction, guild_id: int, which: TermList, term: Term, by: int, at: datetime
    ) -> bool:
        """False when the server already has it."""
        changed = await conn.execute(
            "INSERT INTO policy_term (guild_id, list, kind, term, added_by, added_at) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            (guild_id, which.value, term.kind.value, term.text, by, to_db_time(at)),
        )
        return changed == 1

    async def remove_term(self, conn: Transaction, guild_id: int, which: TermList, text: str) -> int:
        """Remove the term (of any kind) spelled exactly ``text``; how many rows went."""
        return await conn.execute(
            "DELETE FROM policy_term WHERE guild_id = ? AND list = ? AND term = ?", (guild_id, which.value, text))

    # -- channels --------------------------------------------------------------------------

    async def channels(self, conn: Reader, guild_id: int) -> frozenset[int]:
        rows = await conn.fetch_all("SELECT channel_id FROM policy_channel WHERE guild_id = ?", (guild_id,))
        return frozenset(int(row[0]) for row in rows)

    async def add_channel(self, conn: Transaction, guild_id: int, channel_id: int, by: int, at: datetime) -> bool:
        changed = await conn.execute(
            "INSERT INTO policy_channel (guild_id, channel_id, added_by, added_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            (guild_id, channel_id, by, to_db_time(at)),
        )
        return changed == 1

    async def remove_channel(self, conn: Transaction, guild_id: int, channel_id: int) -> bool:
        changed = await conn.execute(
            "DELETE FROM policy_channel WHERE guild_id = ? AND channel_id = ?", (guild_id, channel_id))
        return changed == 1

    # -- model rules -----------------------------------------------------------------------

    async def model_rules(self, conn: Reader, guild_id: int) -> list[ModelRule]:
        rows = await conn.fetch_all(
            "SELECT id, effect, target, target_kind, channel_id, role_id FROM policy_model_rule "
            "WHERE guild_id = ? ORDER BY id",
            (guild_id,),
        )
        return [ModelRule(int(id_), Effect(effect), str(target), TargetKind(kind), channel_id, role_id)
                for id_, effect, target, kind, channel_id, role_id in rows]

    async def add_model_rule(self, conn: Transaction, guild_id: int, rule: ModelRule, by: int, at: datetime) -> int:
        """The new rule's id, or 0 when the same rule is already there."""
        sql = ("INSERT INTO policy_model_rule (guild_id, effect, target, target_kind, channel_id, role_id, added_by, "
               "added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")
        values = (guild_id, rule.effect.value, rule.target, rule.target_kind.value, rule.channel_id, rule.role_id,
                  by, to_db_time(at))
        if conn.dialect == "postgresql":
            return int(await conn.fetch_value(sql + " RETURNING id", values) or 0)
        if await conn.execute(sql, values) != 1:
            return 0
        return int(await conn.fetch_value("SELECT last_insert_rowid()"))

    async def remove_model_rule(self, conn: Transaction, guild_id: int, rule_id: int) -> bool:
        changed = await conn.execute(
            "DELETE FROM policy_model_rule WHERE guild_id = ? AND id = ?", (guild_id, rule_id))
        return changed == 1

    # -- member blocks ---------------------------------------------------------------------

    async def member_blocks(self, conn: Reader, guild_id: int) -> dict[int, MemberBlock]:
        rows = await conn.fetch_all(
            "SELECT member_id, until, reason, blocked_by, blocked_at FROM policy_member_block WHERE guild_id = ?",
            (guild_id,),
        )
        return {
            int(member): MemberBlock(int(member), from_db_time(until) if until else None, reason, int(by),
                                     from_db_time(at))
            for member, until, reason, by, at in rows
        }

    async def block_member(self, conn: Transaction, guild_id: int, block: MemberBlock) -> None:
        await conn.execute(
            "INSERT INTO policy_member_block (guild_id, member_id, until, reason, blocked_by, blocked_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (guild_id, member_id) DO UPDATE SET until = excluded.until, "
            "reason = excluded.reason, blocked_by = excluded.blocked_by, blocked_at = excluded.blocked_at",
            (guild_id, block.member_id, to_db_time(block.until) if block.until else None, block.reason, block.by,
             to_db_time(block.at)),
        )

    async def unblock_member(self, conn: Transaction, guild_id: int, member_id: int) -> bool:
        changed = await conn.execute(
            "DELETE FROM policy_member_block WHERE guild_id = ? AND member_id = ?", (guild_id, member_id))
        return changed == 1

    # -- the operator's server blocks ------------------------------------------------------

    async def server_blocked(self, conn: Reader, guild_id: int) -> bool:
        found = await conn.fetch_value("SELECT 1 FROM policy_blocked_guild WHERE guild_id = ?", (guild_id,))
        return found is not None

    async def block_server(self, conn: Transaction, guild_id: int, reason: str | None, by: int, at: datetime) -> bool:
        changed = await conn.execute(
            "INSERT INTO policy_blocked_guild (guild_id, reason, blocked_by, blocked_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            (guild_id, reason, by, to_db_time(at)),
        )
        return changed == 1

    async def unblock_server(self, conn: Transaction, guild_id: int) -> bool:
        return await conn.execute("DELETE FROM policy_blocked_guild WHERE guild_id = ?", (guild_id,)) == 1

    async def queued_job_ids(self, conn: Reader, guild_id: int, member_id: int | None = None) -> list[str]:
        """Waiting jobs of a server (of one member): what a block cancels."""
        if member_id is None:
            rows = await conn.fetch_all(
                "SELECT id FROM jobs WHERE guild_id = ? AND status = 'queued' ORDER BY created_at", (guild_id,))
        else:
            rows = await conn.fetch_all(
                "SELECT id FROM jobs WHERE guild_id = ? AND member_id = ? AND status = 'queued' ORDER BY created_at",
                (guild_id, member_id),
            )
        return [str(row[0]) for row in rows]
