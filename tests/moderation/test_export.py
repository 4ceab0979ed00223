"""Exports: every row in the range, oldest first, across pages; gzip past the threshold; dates read
as UTC with a bare `until` date including its day."""

from __future__ import annotations

import csv
import gzip
import io
from datetime import UTC, datetime, timedelta

import pytest

from bot.ledger import CreditLedger, LedgerDefaults
from bot.moderation.errors import ExportRangeError, ExportTooLargeError
from bot.moderation.export import ExportFile, ExportKind, export_lines, export_range, file_name, spool
from bot.moderation.service import Moderation
from bot.store import Database

from .conftest import ALICE, BOB, GUILD, MOD, OTHER_GUILD, T0, StepClock, make_job, store_job


def _rows(exported: ExportFile) -> list[dict[str, str]]:
    data = exported.file.read()
    text = (gzip.decompress(data) if exported.gzipped else data).decode("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


async def _seven_jobs(db: Database) -> list[str]:
    """Seven jobs an hour apart in GUILD (two with the same time), one in another server."""
    ids = []
    for hour in (0, 1, 2, 2, 3, 4, 5):
        job = await store_job(db, make_job(created_at=T0 + timedelta(hours=hour), prompt=f'hour {hour}, "quoted"'))
        ids.append(job.id)
    await store_job(db, make_job(guild_id=OTHER_GUILD, created_at=T0 + timedelta(hours=1)))
    return ids


async def test_jobs_come_out_oldest_first_across_pages(db: Database) -> None:
    ids = await _seven_jobs(db)
    lines = [line async for line in export_lines(db, ExportKind.JOBS, GUILD, T0, T0 + timedelta(days=1), page=3)]
    rows = list(csv.DictReader(io.StringIO("".join(lines))))
    assert sorted(r["job_id"] for r in rows) == sorted(ids) and len(rows) == 7
    assert [r["created_at"] for r in rows] == sorted(r["created_at"] for r in rows)
    assert rows[0]["prompt"] == 'hour 0, "quoted"' and rows[0]["outcome"] == "completed"
    assert rows[0]["credits_used"] == "30" and rows[0]["member_id"] == str(ALICE)


async def test_the_range_is_half_open(db: Database) -> None:
    await _seven_jobs(db)
    exported = await spool(export_lines(db, ExportKind.JOBS, GUILD, T0 + timedelta(hours=2), T0 + timedelta(hours=4)))
    assert [r["prompt"] for r in _rows(exported)] == ['hour 2, "quoted"'] * 2 + ['hour 3, "quoted"']
    assert exported.rows == 3 and not exported.gzipped


async def test_a_large_export_is_gzipped_and_holds_the_same_rows(db: Database, moderation: Moderation) -> None:
    await _seven_jobs(db)
    until = T0 + timedelta(days=1)
    plain = await moderation.exports.export(ExportKind.JOBS, GUILD, T0, until)
    packed = await moderation.exports.export(ExportKind.JOBS, GUILD, T0, until, gzip_above=500)
    assert not plain.gzipped and packed.gzipped
    assert packed.file.read(2) == b"\x1f\x8b"  # a gzip stream
    packed.file.seek(0)
    assert _rows(packed) == _rows(plain) and packed.rows == plain.rows == 7


async def test_an_export_over_the_upload_limit_is_refused(db: Database, moderation: Moderation) -> None:
    await _seven_jobs(db)
    with pytest.raises(ExportTooLargeError) as refused:
        await moderation.exports.export(ExportKind.JOBS, GUILD, T0, T0 + timedelta(days=1), max_bytes=100)
    assert refused.value.limit == 100 and refused.value.size > 100


async def test_ledger_and_audit_exports(db: Database, moderation: Moderation, clock: StepClock) -> None:
    ledger = CreditLedger(db, clock, LedgerDefaults(guild_allowance=1000))
    await ledger.grant_bonus(GUILD, BOB, 250, "contest prize", actor=MOD)
    await moderation.audit.admin_change(GUILD, MOD, "/quota grant", {"amount": "250"})

    until = T0 + timedelta(minutes=1)
    entries = _rows(await moderation.exports.export(ExportKind.LEDGER, GUILD, T0, until))
    assert [(r["kind"], r["amount"]) for r in entries] == [("grant", "1000"), ("bonus", "250")]
    assert entries[1]["member_id"] == str(BOB) and entries[1]["reason"] == "contest prize"
    events = _rows(await moderation.exports.export(ExportKind.AUDIT, GUILD, T0, until))
    assert [(r["kind"], r["actor_id"]) for r in events] == [("admin", str(MOD))]
    assert '"command": "/quota grant"' in events[0]["details"]
    assert _rows(await moderation.exports.export(ExportKind.AUDIT, GUILD, until, until + timedelta(days=1))) == []


def test_dates_are_read_as_utc_and_until_includes_its_day() -> None:
    now = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    assert export_range("2026-11-01", "2026-11-30", now) == (
        datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))
    assert export_range("2026-11-01 14:30", None, now) == (datetime(2026, 11, 1, 14, 30, tzinfo=UTC), now)
    since, until = export_range(None, None, now)
    assert since.year == 2000 and until == now
    assert file_name(ExportKind.JOBS, GUILD, since, datetime(2026, 12, 1, tzinfo=UTC), True) == \
        f"jobs-{GUILD}-start-20261130.csv.gz"


@pytest.mark.parametrize(("since", "until"), [("yesterday", None), ("2026-12-02", "2026-12-01"), (None, "13/01/2026")])
def test_bad_dates_are_refused_naming_the_option(since: str | None, until: str | None) -> None:
    with pytest.raises(ExportRangeError):
        export_range(since, until, datetime(2026, 12, 1, tzinfo=UTC))
