"""Every guild's stored balances, ledger sums and audit, read from one database to compare with another's."""

from __future__ import annotations

from dataclasses import dataclass

from bot.ledger.models import AuditReport
from bot.ledger.reports import audit
from bot.store.connections import Reader


@dataclass(frozen=True, slots=True)
class GuildBalances:
    """A guild's stored standing beside the sum and count of its ledger rows."""

    guild_id: int
    available: int
    held: int
    spent: int
    bonus_pool: int
    ledger_sum: int
    ledger_rows: int


@dataclass(frozen=True, slots=True)
class LedgerState:
    balances: dict[int, GuildBalances]
    audits: dict[int, AuditReport]

    @property
    def problems(self) -> list[str]:
        """The audit's findings, one line per problem, prefixed with the guild."""
        return [f"guild {g}: {p}" for g, report in sorted(self.audits.items()) for p in report.problems]


async def ledger_state(conn: Reader) -> LedgerState:
    """Balances and the audit of every guild with a credit row or a ledger row."""
    stored = {
        int(row[0]): (int(row[1]), int(row[2]), int(row[3]), int(row[4]))
        for row in await conn.fetch_all("SELECT guild_id, available, held, spent, bonus_pool FROM credit_guild")
    }
    sums = {
        int(row[0]): (int(row[1]), int(row[2]))
        for row in await conn.fetch_all(
            "SELECT guild_id, COALESCE(SUM(amount), 0), COUNT(*) FROM credit_ledger GROUP BY guild_id"
        )
    }
    balances: dict[int, GuildBalances] = {}
    audits: dict[int, AuditReport] = {}
    for guild_id in sorted(stored.keys() | sums.keys()):
        available, held, spent, bonus_pool = stored.get(guild_id, (0, 0, 0, 0))
        ledger_sum, ledger_rows = sums.get(guild_id, (0, 0))
        balances[guild_id] = GuildBalances(guild_id, available, held, spent, bonus_pool, ledger_sum, ledger_rows)
        audits[guild_id] = await audit(conn, guild_id)
    return LedgerState(balances, audits)


def differences(source: LedgerState, target: LedgerState) -> list[str]:
    """What differs between two databases' ledgers, one line each; empty when they agree."""
    lines: list[str] = []
    for guild_id in sorted(source.balances.keys() | target.balances.keys()):
        before, after = source.balances.get(guild_id), target.balances.get(guild_id)
        if before != after:
            lines.append(f"guild {guild_id}: balances {_show(before)} in the source, {_show(after)} in the target")
        if source.audits.get(guild_id) != target.audits.get(guild_id):
            lines.append(f"guild {guild_id}: the ledger audit differs between source and target")
    return lines


def _show(balances: GuildBalances | None) -> str:
    if balances is None:
        return "missing"
    return (
        f"available={balances.available} held={balances.held} spent={balances.spent} "
        f"bonus_pool={balances.bonus_pool} ledger_sum={balances.ledger_sum} ledger_rows={balances.ledger_rows}"
    )
