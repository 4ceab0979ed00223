"""`python -m bot.migrate_db SOURCE TARGET`: copy the bot's SQLite database into an empty PostgreSQL
database in one transaction, verified (row counts, ledger balances and audit) before it commits."""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import aiosqlite
import asyncpg

from bot.ledger.balances import LedgerState, differences, ledger_state
from bot.store import Database, StoreError
from bot.store.connections import SqliteReader
from bot.store.postgres import Conn, PgReader, PostgresDatabase
from bot.store.postgres import redact as masked
from bot.store.transfer import (
    CHUNK_ROWS,
    SourceTable,
    TransferError,
    check_target_has,
    copy_table,
    count_rows,
    count_target_rows,
    reset_sequences,
    source_tables,
    tables_with_rows,
    target_tables,
)

REFUSED = 2
FAILED = 1

DESCRIPTION = """\
Copy the bot's SQLite database into an empty PostgreSQL database.

Stop the bot first. The source file must exist (it is never created); it is opened through the
bot's own Database, which first brings it to the current schema version (migrations are applied
to the SQLite file in place, as the bot itself would at start). The target is migrated to the
same version and must hold no rows (schema_version aside): a non-empty target is refused before
anything is written.

Every table is copied in ONE PostgreSQL transaction, parents before children, then identity
sequences are moved past the copied ids. Before COMMIT the copy is verified: row counts per
table, and per guild the stored balances, the sum of ledger rows and the ledger audit must equal
the source's. Any mismatch rolls everything back.

Exit status: 0 copied and verified; 1 failed or did not verify (nothing committed);
2 refused (bad arguments, missing source, non-empty target)."""


class Refused(Exception):
    """Nothing was done: the arguments or the target's state say no."""


class NotVerified(Exception):
    """The copy differs from the source; the transaction is rolled back."""


@dataclass
class Outcome:
    copied: dict[str, int] = field(default_factory=dict)
    sequences: list[str] = field(default_factory=list)
    source_problems: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(self.copied.values())


def sqlite_file(source: str) -> Path:
    """``sqlite:///abs/path``, ``sqlite://relative/path`` or a plain path; it must exist."""
    path = Path(source.removeprefix("sqlite://")) if source.startswith("sqlite://") else Path(source)
    if "://" in source and not source.startswith("sqlite://"):
        raise Refused(f"the source must be sqlite:///path/to/bot.sqlite3, not {masked(source)}")
    if not path.is_file():
        raise Refused(f"the source database {path.resolve()} does not exist (it is never created)")
    return path.resolve()


def postgres_url(target: str) -> str:
    if urlsplit(target).scheme not in ("postgresql", "postgres"):
        raise Refused(f"the target must be a postgresql:// URL, not {masked(target)}")
    return target


async def migrate(source: Path, target: str, *, chunk_rows: int = CHUNK_ROWS,
                  say: Callable[[str], None] = print) -> Outcome:
    """Bring both databases to the head, copy, verify and commit; raises Refused or NotVerified."""
    async with await Database.open(source) as db:
        version = db.version
    say(f"source: sqlite://{source} (schema version {version})")
    async with await Database.open(target) as pg_db:
        assert isinstance(pg_db, PostgresDatabase)
        say(f"target: {masked(target)} (schema version {pg_db.version})")
        if pg_db.version != version:
            raise TransferError(f"the source is at schema version {version}, the target at {pg_db.version}")
        async with pg_db.pool.acquire() as pg, _snapshot(source) as src:
            return await _copy_and_verify(src, pg, chunk_rows)


async def _copy_and_verify(src: aiosqlite.Connection, pg: Conn, chunk_rows: int) -> Outcome:
    tables = await source_tables(src)
    outcome = Outcome()
    async with pg.transaction():
        target = await target_tables(pg)
        filled = await tables_with_rows(pg, target)
        if filled:
            raise Refused(f"the target database is not empty (rows in {_some(filled)}); migrate into an empty one")
        check_target_has(tables, target)
        for table in tables:
            outcome.copied[table.name] = await copy_table(src, pg, table, target[table.name], chunk_rows=chunk_rows)
        outcome.sequences = await reset_sequences(pg, target)
        before = await ledger_state(SqliteReader(src))
        outcome.source_problems = before.problems
        await _verify(src, pg, tables, outcome, before)
    return outcome


def _some(names: Sequence[str], shown: int = 3) -> str:
    more = len(names) - shown
    return ", ".join(names[:shown]) + (f" and {more} more table{'s' if more > 1 else ''}" if more > 0 else "")


async def _verify(
    src: aiosqlite.Connection, pg: Conn, tables: Sequence[SourceTable], outcome: Outcome,
    before: LedgerState,
) -> None:
    mismatches: list[str] = []
    for table in tables:
        expected = await count_rows(src, table.name)
        found = await count_target_rows(pg, table.name)
        if expected != found or outcome.copied[table.name] != expected:
            mismatches.append(f"{table.name}: {expected} rows in the source, {found} in the target")
    after = await ledger_state(PgReader(pg))
    mismatches.extend(differences(before, after))
    if mismatches:
        raise NotVerified("; ".join(mismatches))


class _snapshot:
    """A read-only connection to the source inside one read transaction: one consistent view."""

    def __init__(self, path: Path) -> None:
        self._uri = path.as_uri() + "?mode=ro"
        self._conn: aiosqlite.Connection | None = None

    async def __aenter__(self) -> aiosqlite.Connection:
        self._conn = await aiosqlite.connect(self._uri, uri=True, isolation_level=None)
        self._conn.row_factory = aiosqlite.Row
        await self._conn.execute("BEGIN")
        return self._conn

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._conn is not None
        await self._conn.execute("ROLLBACK")
        await self._conn.close()


# -- the command -----------------------------------------------------------------------------------


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bot.migrate_db", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("source", help="the SQLite file: sqlite:///abs/path/bot.sqlite3 or a plain path")
    parser.add_argument("target", help="the PostgreSQL database: postgresql://user[:password]@host[:port]/db")
    parser.add_argument("--chunk-rows", type=int, default=CHUNK_ROWS, help="rows per COPY (default %(default)s)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    try:
        outcome = asyncio.run(migrate(sqlite_file(args.source), postgres_url(args.target),
                                      chunk_rows=max(1, args.chunk_rows)))
    except Refused as err:
        print(f"refused: {err}", file=sys.stderr)
        return REFUSED
    except NotVerified as err:
        print(f"not verified, rolled back: {err}", file=sys.stderr)
        return FAILED
    except (TransferError, StoreError, asyncpg.PostgresError, asyncpg.InterfaceError, sqlite3.Error, OSError) as err:
        print(f"failed, nothing committed: {err}", file=sys.stderr)
        return FAILED
    width = max(map(len, outcome.copied), default=0)
    for name, rows in outcome.copied.items():
        print(f"  {name:<{width}}  {rows:>9} rows")
    if outcome.sequences:
        print("sequences moved past the copied ids: " + ", ".join(outcome.sequences))
    for problem in outcome.source_problems:
        print(f"warning: the source's own ledger audit reports {problem} (copied as it is)", file=sys.stderr)
    print(f"verified: {len(outcome.copied)} tables, {outcome.rows} rows, ledger balances equal")
    return 0


if __name__ == "__main__":
    sys.exit(main())
