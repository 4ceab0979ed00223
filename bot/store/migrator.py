"""Numbered schema migrations, shipped as ``bot/store/migrations/NNNN_name.sql``.

Files are numbered from 0001 without gaps; each is applied once, in order, in
its own transaction, and the applied versions are kept in ``schema_version``.
A feature adds a table family with its own next-numbered file. A migration
file holds plain statements separated by ``;`` (triggers allowed) and no
BEGIN/COMMIT: the migrator opens the transaction.

PostgreSQL has its own files in ``migrations/postgres/``, numbered like
SQLite's: the set starts with a baseline (``0012_baseline.sql``, the schema
SQLite reaches after 0001..0012, since no PostgreSQL database predates it),
then every later migration comes as a pair, one file per engine with the same
number. ``tests/store/test_schema_parity.py`` checks both give the same schema.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable

from bot.store.errors import MigrationError

_FILE_NAME = re.compile(r"^(\d{4})_([a-z0-9][a-z0-9_]*)\.sql$")

VERSION_TABLE_SQL = (
    "CREATE TABLE IF NOT EXISTS schema_version ("
    " version INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " applied_at TEXT NOT NULL)"
)


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def label(self) -> str:
        return f"{self.version:04d}_{self.name}"

    def statements(self) -> list[str]:
        return split_statements(self.sql, self.label)


def split_statements(sql: str, label: str = "<sql>") -> list[str]:
    """Split a script into single statements, using SQLite's own notion of completeness."""
    statements: list[str] = []
    start = 0
    for index, char in enumerate(sql):
        if char != ";":
            continue
        candidate = sql[start : index + 1]
        if sqlite3.complete_statement(candidate):
            if _has_code(candidate[:-1]):
                statements.append(candidate.strip())
            start = index + 1
    if _has_code(sql[start:]):
        raise MigrationError(label, "the script ends with an unterminated statement (missing ';')")
    return statements


def _has_code(text: str) -> bool:
    """True when ``text`` holds something besides whitespace and ``--`` comments."""
    for line in text.splitlines():
        code = line.split("--", 1)[0].strip()
        if code:
            return True
    return False


def load_migrations(package: str = "bot.store", folder: str = "migrations") -> tuple[Migration, ...]:
    """Read the migration files shipped as package data, checked and in order."""
    root = resources.files(package).joinpath(folder)
    return check_sequence(_read_folder(root))


def load_postgres_migrations() -> tuple[Migration, ...]:
    """PostgreSQL's files: a baseline first, then one per version, checked and in order."""
    root = resources.files("bot.store").joinpath("migrations").joinpath("postgres")
    return check_sequence(_read_folder(root), baseline=True)


def _read_folder(root: Traversable) -> list[Migration]:
    found: list[Migration] = []
    for entry in root.iterdir():
        if not entry.is_file() or not entry.name.endswith(".sql"):
            continue
        match = _FILE_NAME.match(entry.name)
        if match is None:
            raise MigrationError(entry.name, "file name must look like NNNN_name.sql")
        found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    return found


def check_sequence(migrations: list[Migration], *, baseline: bool = False) -> tuple[Migration, ...]:
    """Sort by version and insist on 1, 2, 3, ... (or, after a ``baseline``, its number on) with no
    duplicate or gap."""
    ordered = sorted(migrations, key=lambda m: m.version)
    first = ordered[0].version if baseline and ordered else 1
    for expected, migration in enumerate(ordered, start=first):
        if migration.version < expected:
            raise MigrationError(migration.label, f"version {migration.version} is used twice")
        if migration.version > expected:
            raise MigrationError(migration.label, f"versions must not skip: {expected:04d} is missing")
    return tuple(ordered)
