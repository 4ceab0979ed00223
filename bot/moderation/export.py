"""``/policy export``: a server's jobs, ledger or audit events as CSV, streamed from the
database a page at a time (keyset, never OFFSET), spooled to a temporary file that stays in memory
while small and moves to disk when large, and gzipped once it grows past a threshold. A year of
jobs never sits in memory as rows or as one string.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from typing import IO

from ..store.audit import AuditRepository
from ..store.database import Database
from ..store.exports import JOB_COLUMNS, LEDGER_COLUMNS, ExportRepository
from ..store.timestamps import to_db_time
from .errors import ExportRangeError, ExportTooLargeError

PAGE = 500
GZIP_ABOVE = 1 << 20  # plain CSV bytes past which the file is gzipped
IN_MEMORY = 1 << 20  # spooled bytes kept in memory before the spool moves to a temporary file
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)

AUDIT_COLUMNS = ("event_id", "at", "kind", "actor_id", "member_id", "job_id", "details")


class ExportKind(StrEnum):
    JOBS = "jobs"
    LEDGER = "ledger"
    AUDIT = "audit"


def _line(values: Iterable[object]) -> str:
    out = io.StringIO()
    csv.writer(out).writerow(["" if value is None else value for value in values])
    return out.getvalue()


def parse_moment(option: str, text: str, *, end_of_day: bool) -> datetime:
    """``2026-11-01`` (midnight UTC, or the next midnight for an ``until``), ``2026-11-01 14:30`` or
    full ISO 8601; a time without an offset is UTC."""
    shown = text.strip()
    try:
        moment = datetime.fromisoformat(shown)
    except ValueError:
        raise ExportRangeError(
            f"❌ `{option}` must be a date like `2026-11-01` or `2026-11-01 14:30` (UTC); got `{shown[:40]}`."
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if end_of_day and len(shown) <= 10 and moment.time() == time(0):
        moment += timedelta(days=1)  # a bare date as `until` includes that day
    return moment


def export_range(since: str | None, until: str | None, now: datetime) -> tuple[datetime, datetime]:
    """The half-open range ``[since, until)``; empty options mean from the first record, up to now."""
    start = parse_moment("since", since, end_of_day=False) if since else EARLIEST
    end = parse_moment("until", until, end_of_day=True) if until else now
    if start >= end:
        raise ExportRangeError("❌ `since` must come before `until`. Nothing was exported.")
    return start, end


async def export_lines(db: Database, kind: ExportKind, guild_id: int, since: datetime, until: datetime, *,
                       page: int = PAGE) -> AsyncIterator[str]:
    """The header, then one CSV line per row, oldest first; one read connection per page."""
    if kind is ExportKind.JOBS:
        lines = _jobs(db, guild_id, since, until, page)
    elif kind is ExportKind.LEDGER:
        lines = _ledger(db, guild_id, since, until, page)
    else:
        lines = _audit(db, guild_id, since, until, page)
    async for line in lines:
        yield line


async def _jobs(db: Database, guild_id: int, since: datetime, until: datetime, page: int) -> AsyncIterator[str]:
    repo = ExportRepository()
    yield _line(JOB_COLUMNS)
    after: tuple[str, int] | None = None
    while True:
        async with db.read() as conn:
            rows = await repo.jobs_page(conn, guild_id, since=since, until=until, after=after, limit=page)
        for values, _ in rows:
            yield _line(values)
        if len(rows) < page:
            return
        after = rows[-1][1]


async def _ledger(db: Database, guild_id: int, since: datetime, until: datetime, page: int) -> AsyncIterator[str]:
    repo = ExportRepository()
    yield _line(LEDGER_COLUMNS)
    after = 0
    while True:
        async with db.read() as conn:
            rows = await repo.ledger_page(conn, guild_id, since=since, until=until, after=after, limit=page)
        for values in rows:
            yield _line(values)
        if len(rows) < page:
            return
        after = int(rows[-1][0])


async def _audit(db: Database, guild_id: int, since: datetime, until: datetime, page: int) -> AsyncIterator[str]:
    repo = AuditRepository()
    yield _line(AUDIT_COLUMNS)
    after: tuple[str, int] | None = None
    while True:
        async with db.read() as conn:
            events = await repo.page(conn, guild_id, since=since, until=until, after=after, limit=page)
        for event in events:
            yield _line((event.id, to_db_time(event.at), event.kind, event.actor_id, event.member_id, event.job_id,
                         json.dumps(event.details, sort_keys=True)))
        if len(events) < page:
            return
        last = events[-1]
        after = (to_db_time(last.at), last.id or 0)


@dataclass
class ExportFile:
    """A finished export, positioned at its start; close it once sent."""

    file: IO[bytes]
    gzipped: bool
    rows: int  # data rows, the header not counted
    size: int  # bytes of ``file``

    def close(self) -> None:
        self.file.close()


class CsvSpool:
    """Collects CSV lines into a spooled temporary file; past ``gzip_above`` plain bytes it
    compresses what it has and gzips the rest as it comes."""

    def __init__(self, *, gzip_above: int = GZIP_ABOVE, in_memory: int = IN_MEMORY) -> None:
        self.gzip_above = gzip_above
        self.in_memory = in_memory
        self._file: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=in_memory)
        self._gzip: gzip.GzipFile | None = None
        self._plain = 0
        self.lines = 0

    def write(self, line: str) -> None:
        data = line.encode("utf-8")
        self.lines += 1
        self._plain += len(data)
        if self._gzip is None and self._plain > self.gzip_above:
            self._start_gzip()
        (self._gzip or self._file).write(data)

    def _start_gzip(self) -> None:
        plain = self._file
        self._file = tempfile.SpooledTemporaryFile(max_size=self.in_memory)
        self._gzip = gzip.GzipFile(fileobj=self._file, mode="wb", mtime=0)
        plain.seek(0)
        shutil.copyfileobj(plain, self._gzip)
        plain.close()

    def finish(self) -> ExportFile:
        if self._gzip is not None:
            self._gzip.close()  # writes the trailer; the file underneath stays open
        size = self._file.tell()
        self._file.seek(0)
        return ExportFile(self._file, self._gzip is not None, max(self.lines - 1, 0), size)


async def spool(lines: AsyncIterator[str], *, gzip_above: int = GZIP_ABOVE, in_memory: int = IN_MEMORY
                ) -> ExportFile:
    """All of ``lines`` (a header first) in an ExportFile."""
    out = CsvSpool(gzip_above=gzip_above, in_memory=in_memory)
    async for line in lines:
        out.write(line)
    return out.finish()


class Exports:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def export(self, kind: ExportKind, guild_id: int, since: datetime, until: datetime, *,
                     max_bytes: int | None = None, gzip_above: int = GZIP_ABOVE) -> ExportFile:
        """The export as a file; ExportTooLargeError when it ends up over ``max_bytes`` (an upload limit)."""
        exported = await spool(export_lines(self.db, kind, guild_id, since, until), gzip_above=gzip_above)
        if max_bytes is not None and exported.size > max_bytes:
            exported.close()
            raise ExportTooLargeError(exported.size, max_bytes)
        return exported


def file_name(kind: ExportKind, guild_id: int, since: datetime, until: datetime, gzipped: bool) -> str:
    first = "start" if since <= EARLIEST else f"{since:%Y%m%d}"
    last = until - timedelta(microseconds=1)
    return f"{kind.value}-{guild_id}-{first}-{last:%Y%m%d}.csv" + (".gz" if gzipped else "")
