"""Promises to servers normalised per 30 days, against the wallet's budget for its tier."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.ledger import CycleKind, GuildSummary
from bot.ops.commitment import allowance_change, commitment, promised_per_30_days, tier_budget

END = datetime(2026, 6, 1, tzinfo=UTC)


def server(guild_id: int, allowance: int, kind: CycleKind) -> GuildSummary:
    return GuildSummary(guild_id, allowance, kind, END, allowance, 0, 0, 0)


def test_each_cycle_kind_is_normalised_to_30_days_and_rounded_up() -> None:
    assert promised_per_30_days([(100, CycleKind.DAILY)]) == 3000
    assert promised_per_30_days([(700, CycleKind.WEEKLY)]) == 3000
    assert promised_per_30_days([(100, CycleKind.WEEKLY)]) == 429  # 428.57...
    assert promised_per_30_days([(5000, CycleKind.MONTHLY), (5000, CycleKind.ROLLING_30D)]) == 10_000
    assert promised_per_30_days([(1, CycleKind.WEEKLY), (1, CycleKind.WEEKLY)]) == 9  # summed, then rounded
    assert promised_per_30_days([]) == 0


def test_tier_budgets() -> None:
    assert (tier_budget("pro"), tier_budget("Ultimate"), tier_budget("enterprise"), tier_budget(None)) == (
        15_000, 50_000, None, None
    )


def test_over_by_only_when_the_budget_is_known() -> None:
    servers = [server(1, 600, CycleKind.DAILY)]  # 18,000 per 30 days
    assert commitment(servers, "pro").over_by == 3000
    assert commitment(servers, "ultimate").over_by == 0
    assert commitment(servers, None).over_by == 0


def test_a_change_counts_the_servers_own_cycle_or_the_default_for_a_new_one() -> None:
    servers = [server(1, 100, CycleKind.DAILY), server(2, 1000, CycleKind.ROLLING_30D)]

    raised = allowance_change(servers, 1, 500, "pro", default_cycle=CycleKind.ROLLING_30D)
    new = allowance_change(servers, 3, 500, "pro", default_cycle=CycleKind.WEEKLY)

    assert (raised.before.promised, raised.after.promised, raised.over_commits) == (4000, 16_000, True)
    assert (new.after.promised, new.over_commits) == (4000 + 2143, False)


def test_lowering_while_over_is_not_an_over_commit() -> None:
    servers = [server(1, 20_000, CycleKind.ROLLING_30D)]

    change = allowance_change(servers, 1, 16_000, "pro", default_cycle=CycleKind.ROLLING_30D)

    assert (change.after.over_by, change.over_commits) == (1000, False)
