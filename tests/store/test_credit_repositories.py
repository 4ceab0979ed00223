from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.store import Database
from bot.store.credit_holds import CreditHold, CreditHoldRepository
from bot.store.credit_limits import CreditLimitRepository
from bot.store.guild_credits import GuildCredit, GuildCreditRepository
from bot.store.ledger_entries import LedgerEntryRepository
from bot.store.member_credits import MemberCreditRepository
from bot.store.timestamps import from_db_time, to_db_time
from tests.backends import INTEGRITY_ERRORS

NOW = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)

guilds = GuildCreditRepository()
holds = CreditHoldRepository()
entries = LedgerEntryRepository()
members = MemberCreditRepository()
limits = CreditLimitRepository()


def _guild(guild_id: int = 7) -> GuildCredit:
    return GuildCredit(
        guild_id=guild_id, allowance=100, cycle_kind="daily", cycle_anchor=NOW, cycle_no=1,
        cycle_start=NOW, cycle_end=NOW + timedelta(days=1), available=100, held=0, spent=0,
        bonus_pool=0, created_at=NOW, updated_at=NOW,
    )


def _hold(job_id: str = "job-1") -> CreditHold:
    return CreditHold(
        job_id=job_id, guild_id=7, member_id=9, model="flux", amount=30, from_caps=30, from_bonus=0,
        status="held", charged=0, caps_used=30, bonus_used=0, cycle_no=1, created_at=NOW, closed_at=None,
    )


@pytest.fixture
async def db(db_target: str | Path):
    database = await Database.open(db_target)
    yield database
    await database.close()


def test_times_round_trip_in_text_order() -> None:
    assert from_db_time(to_db_time(NOW)) == NOW
    assert to_db_time(NOW) < to_db_time(NOW + timedelta(microseconds=1))
    with pytest.raises(ValueError, match="naive"):
        to_db_time(datetime(2024, 1, 1))


async def test_repositories_compose_in_one_transaction(db: Database) -> None:
    async with db.transaction() as tx:
        await guilds.insert(tx, _guild())
        await holds.insert(tx, _hold())
        await members.add_bonus(tx, 7, 9, 5)
        await limits.put(tx, 7, "member", 9, "day", 50, actor="1", now=NOW)
        await entries.append(
            tx, guild_id=7, kind="hold", amount=30, cycle_no=1, actor="9", reason="r", now=NOW,
            member_id=9, job_id="job-1", model="flux",
        )
    async with db.read() as conn:
        assert await guilds.get(conn, 7) == _guild()
        assert await holds.get(conn, "job-1") == _hold()
        assert await members.bonus(conn, 7, 9) == 5
        [setting] = await limits.for_member(conn, 7, 9, [])
        assert (setting.scope, setting.name, setting.value) == ("member", "day", 50)
        [entry] = await entries.for_job(conn, "job-1")
        assert (entry.kind, entry.amount, entry.model, entry.member_id) == ("hold", 30, "flux", 9)


async def test_failed_composition_leaves_nothing(db: Database) -> None:
    with pytest.raises(INTEGRITY_ERRORS):
        async with db.transaction() as tx:
            await guilds.insert(tx, _guild())
            await holds.insert(tx, _hold())
            await holds.insert(tx, _hold())  # same job id
    async with db.read() as conn:
        assert await guilds.get(conn, 7) is None
        assert await holds.get(conn, "job-1") is None


async def test_schema_refuses_broken_balances(db: Database) -> None:
    async with db.transaction() as tx:
        await guilds.insert(tx, _guild())
    for bad in (
        dataclasses.replace(_guild(), available=-1),
        dataclasses.replace(_guild(), bonus_pool=101),
    ):
        with pytest.raises(INTEGRITY_ERRORS):
            async with db.transaction() as tx:
                await guilds.update(tx, bad)
    with pytest.raises(INTEGRITY_ERRORS):  # unknown guild: foreign key
        async with db.transaction() as tx:
            await holds.insert(tx, dataclasses.replace(_hold(), guild_id=999))


async def test_ledger_is_append_only(db: Database) -> None:
    async with db.transaction() as tx:
        await guilds.insert(tx, _guild())
        await entries.append(tx, guild_id=7, kind="grant", amount=100, cycle_no=1, actor="system",
                             reason="", now=NOW)
    for statement in ("UPDATE credit_ledger SET amount = 1", "DELETE FROM credit_ledger"):
        with pytest.raises(INTEGRITY_ERRORS, match="append-only"):
            async with db.transaction() as tx:
                await tx.execute(statement)
    with pytest.raises(INTEGRITY_ERRORS):  # only adjust may be negative
        async with db.transaction() as tx:
            await entries.append(tx, guild_id=7, kind="grant", amount=-1, cycle_no=1, actor="system",
                                 reason="", now=NOW)


async def test_hold_closes_once(db: Database) -> None:
    async with db.transaction() as tx:
        await guilds.insert(tx, _guild())
        await holds.insert(tx, _hold())
        first = await holds.close(tx, "job-1", status="settled", charged=10, caps_used=10, bonus_used=0,
                                  now=NOW)
        second = await holds.close(tx, "job-1", status="released", charged=0, caps_used=0, bonus_used=0,
                                   now=NOW)
    assert (first, second) == (True, False)
    async with db.read() as conn:
        hold = await holds.get(conn, "job-1")
    assert hold is not None and (hold.status, hold.charged, hold.closed_at) == ("settled", 10, NOW)
