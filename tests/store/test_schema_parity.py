"""The PostgreSQL schema (migrations/postgres/) is the SQLite one (migrations/) in other words.

Both backends are migrated from empty, then read back from their catalogs and compared: tables,
columns in order (types normalised: INTEGER ~ BIGINT, TEXT, REAL ~ DOUBLE PRECISION), NOT NULL,
defaults, primary keys, UNIQUE constraints, foreign keys, named indexes with their columns,
uniqueness and WHERE clause, triggers, and the number of CHECK constraints per table.

Documented differences, and only these:
  * ``rowid``: SQLite's implicit column is a real, last, identity column on PostgreSQL for the
    tables whose queries order by it (ROWID_TABLES);
  * a SQLite PRIMARY KEY column of a rowid table may hold NULL unless declared NOT NULL (a legacy
    quirk); PostgreSQL's never can. Primary key columns count as NOT NULL on both sides;
  * an index on an expression lists ``<expr>`` for that column (IFNULL vs COALESCE);
  * sqlite_sequence is SQLite's own bookkeeping.

PostgreSQL needs a server: TEST_POSTGRES_URL (e.g. from ``python -m tests.pg_server start DIR``)
names it, and each test gets a database of its own, dropped afterwards.
"""

from __future__ import annotations

import re
import secrets
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from bot.store import Database
from bot.store.migrator import load_migrations
from tests.backends import with_database

ROWID_TABLES = {"jobs", "policy_term"}
BASELINE_VERSION = 12

_FK_ACTIONS = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}


Column = tuple[str, str, bool, str | None]  # name, normalised type, NOT NULL, default


@dataclass
class Table:
    columns: list[Column] = field(default_factory=list)
    primary_key: tuple[str, ...] = ()
    uniques: set[tuple[str, ...]] = field(default_factory=set)
    foreign_keys: set[tuple[tuple[str, ...], str, tuple[str, ...], str, str]] = field(default_factory=set)
    indexes: dict[str, tuple[tuple[str, ...], bool, str | None]] = field(default_factory=dict)  # cols, unique, where
    checks: int = 0
    triggers: set[str] = field(default_factory=set)


Schema = dict[str, Table]


# -- normalising --------------------------------------------------------------------------------


def _sqlite_type(declared: str) -> str:
    """SQLite's type affinity rules, reduced to the three kinds the schema uses."""
    upper = declared.upper()
    if "INT" in upper:
        return "integer"
    if any(word in upper for word in ("CHAR", "CLOB", "TEXT")):
        return "text"
    if any(word in upper for word in ("REAL", "FLOA", "DOUB")):
        return "real"
    return upper.lower()


def _pg_type(data_type: str) -> str:
    return {"bigint": "integer", "integer": "integer", "smallint": "integer", "text": "text",
            "double precision": "real", "real": "real"}.get(data_type, data_type)  # fmt: skip


def _expression(text: str | None) -> str | None:
    """A default or WHERE clause without PostgreSQL's casts and parentheses, lower case."""
    if text is None:
        return None
    text = re.sub(r"::[a-z ]+?(?=[\s),]|$)", "", text.strip())
    return " ".join(text.replace("(", " ").replace(")", " ").lower().split())


def _count_checks(create_sql: str) -> int:
    """CHECK constraints in a CREATE TABLE statement, leaving out comments and string literals."""
    code = re.sub(r"'(?:[^']|'')*'|--[^\n]*", " ", create_sql)
    return len(re.findall(r"\bCHECK\b", code, flags=re.IGNORECASE))


# -- SQLite ---------------------------------------------------------------------------------------


async def _sqlite_schema(path: Path) -> Schema:
    async with await Database.open(path):
        pass
    conn = sqlite3.connect(path)
    try:
        return _read_sqlite(conn)
    finally:
        conn.close()


def _read_sqlite(conn: sqlite3.Connection) -> Schema:
    schema: Schema = {}
    tables = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall()
    for name, create_sql in tables:
        table = schema[name] = Table(checks=_count_checks(create_sql))
        info = conn.execute(f"PRAGMA table_info({name})").fetchall()
        pk = sorted((row[5], row[1]) for row in info if row[5])
        table.primary_key = tuple(column for _, column in pk)
        for _cid, column, declared, notnull, default, in_pk in info:
            table.columns.append((column, _sqlite_type(declared), bool(notnull or in_pk), _expression(default)))
        for _seq, index, unique, origin, partial in conn.execute(f"PRAGMA index_list({name})").fetchall():
            keys = conn.execute(f"PRAGMA index_xinfo({index})").fetchall()
            columns = tuple("<expr>" if cid == -2 else column for _, cid, column, *_, key in keys if key)
            if origin == "u":
                table.uniques.add(columns)
            elif origin == "c":
                (index_sql,) = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (index,)).fetchone()
                where = re.split(r"\bWHERE\b", index_sql, maxsplit=1, flags=re.IGNORECASE)[1] if partial else None
                table.indexes[index] = (columns, bool(unique), _expression(where))
        keys_by_id: dict[int, list[Any]] = {}
        for fk_id, _seq, target, source, to, on_update, on_delete, _match in conn.execute(
            f"PRAGMA foreign_key_list({name})"
        ).fetchall():
            keys_by_id.setdefault(fk_id, []).append((target, source, to, on_update, on_delete))
        for rows in keys_by_id.values():
            target, on_update, on_delete = rows[0][0], rows[0][3], rows[0][4]
            table.foreign_keys.add(
                (tuple(r[1] for r in rows), target, tuple(r[2] for r in rows), on_update, on_delete)
            )
    for trigger, table_name in conn.execute("SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'"):
        schema[table_name].triggers.add(trigger)
    return schema


# -- PostgreSQL -----------------------------------------------------------------------------------


@pytest.fixture
async def pg_url(postgres_server: str) -> AsyncIterator[str]:
    """A fresh, empty database (not the suite's migrated template); dropped afterwards."""
    name = f"t_{secrets.token_hex(6)}"
    admin = await asyncpg.connect(postgres_server)
    try:
        await admin.execute(f"CREATE DATABASE {name}")
        try:
            yield with_database(postgres_server, name)
        finally:
            await admin.execute(f"DROP DATABASE {name} WITH (FORCE)")
    finally:
        await admin.close()


async def _migrate_postgres(url: str) -> None:
    """The real migrator, from empty."""
    database = await Database.open(url)
    await database.close()


_PG_CONSTRAINTS = """
SELECT rel.relname AS table_name, con.contype::text AS contype,
       ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum ORDER BY k.ord) AS columns,
       target.relname AS target,
       ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum
             ORDER BY k.ord) AS target_columns,
       con.confupdtype::text AS confupdtype, con.confdeltype::text AS confdeltype
FROM pg_constraint con
JOIN pg_class rel ON rel.oid = con.conrelid
JOIN pg_namespace ns ON ns.oid = rel.relnamespace AND ns.nspname = 'public'
LEFT JOIN pg_class target ON target.oid = con.confrelid
"""

_PG_INDEXES = """
SELECT rel.relname AS table_name, idx.relname AS index_name, i.indisunique,
       pg_get_expr(i.indpred, i.indrelid) AS predicate,
       ARRAY(SELECT COALESCE(a.attname, '<expr>')
             FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
             LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
             WHERE k.ord <= i.indnkeyatts ORDER BY k.ord) AS columns
FROM pg_index i
JOIN pg_class idx ON idx.oid = i.indexrelid
JOIN pg_class rel ON rel.oid = i.indrelid
JOIN pg_namespace ns ON ns.oid = rel.relnamespace AND ns.nspname = 'public'
WHERE NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid)
"""


async def _postgres_schema(url: str) -> tuple[Schema, dict[str, Any]]:
    """The schema as compared, and the rowid columns taken out of it (name -> column facts)."""
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        schema: Schema = {}
        columns = await conn.fetch(
            "SELECT table_name, column_name, data_type, is_nullable, column_default, is_identity "
            "FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position"
        )
        for row in columns:
            table = schema.setdefault(row["table_name"], Table())
            table.columns.append(
                (row["column_name"], row["data_type"], row["is_nullable"] == "NO", _expression(row["column_default"]))
            )
        for row in await conn.fetch(_PG_CONSTRAINTS):
            table = schema[row["table_name"]]
            cols = tuple(row["columns"])
            if row["contype"] == "p":
                table.primary_key = cols
            elif row["contype"] == "u":
                table.uniques.add(cols)
            elif row["contype"] == "f":
                table.foreign_keys.add(
                    (cols, row["target"], tuple(row["target_columns"]),
                     _FK_ACTIONS[row["confupdtype"]], _FK_ACTIONS[row["confdeltype"]])
                )  # fmt: skip
            elif row["contype"] == "c":
                table.checks += 1
        for row in await conn.fetch(_PG_INDEXES):
            schema[row["table_name"]].indexes[row["index_name"]] = (
                tuple(row["columns"]), row["indisunique"], _expression(row["predicate"])
            )  # fmt: skip
        for row in await conn.fetch(
            "SELECT rel.relname, t.tgname FROM pg_trigger t JOIN pg_class rel ON rel.oid = t.tgrelid "
            "JOIN pg_namespace ns ON ns.oid = rel.relnamespace AND ns.nspname = 'public' WHERE NOT t.tgisinternal"
        ):
            schema[row["relname"]].triggers.add(row["tgname"])
        identity = {
            (r["table_name"], r["column_name"])
            for r in columns
            if r["is_identity"] == "YES"
        }
    finally:
        await conn.close()
    return _take_out_rowids(schema, identity)


def _take_out_rowids(schema: Schema, identity: set[tuple[str, str]]) -> tuple[Schema, dict[str, Any]]:
    rowids: dict[str, Any] = {}
    for name, table in schema.items():
        names = [column[0] for column in table.columns]
        if "rowid" not in names:
            continue
        column = table.columns.pop(names.index("rowid"))
        rowids[name] = {
            "last": names[-1] == "rowid",
            "type": column[1],
            "not_null": column[2],
            "identity": (name, "rowid") in identity,
            "unique": ("rowid",) in table.uniques,
        }
        table.uniques.discard(("rowid",))
    return schema, rowids


def _normalise_pg_types(schema: Schema) -> Schema:
    for table in schema.values():
        table.columns = [(n, _pg_type(t), nn, d) for n, t, nn, d in table.columns]
    return schema


# -- comparing ------------------------------------------------------------------------------------


def _column_differences(lite: list[Column], pg: list[Column]) -> list[str]:
    found = [f"column {c[0]} only on SQLite" for c in lite if c[0] not in {p[0] for p in pg}]
    found += [f"column {c[0]} only on PostgreSQL" for c in pg if c[0] not in {s[0] for s in lite}]
    facts = {c[0]: c[1:] for c in pg}
    for column, *kept in lite:
        if column in facts and tuple(kept) != facts[column]:
            found.append(f"column {column} (type, NOT NULL, default): SQLite {tuple(kept)} != {facts[column]}")
    if not found and lite != pg:
        found.append(f"column order: SQLite {[c[0] for c in lite]} != PostgreSQL {[c[0] for c in pg]}")
    return found


def differences(sqlite: Schema, postgres: Schema) -> list[str]:
    """What an operator would need to know: every way the two schemas disagree, one line each."""
    found = [f"table {t} only on SQLite" for t in sorted(sqlite.keys() - postgres.keys())]
    found += [f"table {t} only on PostgreSQL" for t in sorted(postgres.keys() - sqlite.keys())]
    for name in sorted(sqlite.keys() & postgres.keys()):
        lite, pg = sqlite[name], postgres[name]
        found += [f"{name}: {line}" for line in _column_differences(lite.columns, pg.columns)]
        for aspect in ("primary_key", "uniques", "foreign_keys", "checks", "triggers"):
            if getattr(lite, aspect) != getattr(pg, aspect):
                found.append(f"{name}: {aspect} SQLite {getattr(lite, aspect)} != PostgreSQL {getattr(pg, aspect)}")
        for index in sorted(lite.indexes.keys() | pg.indexes.keys()):
            if lite.indexes.get(index) != pg.indexes.get(index):
                found.append(f"{name}: index {index} SQLite {lite.indexes.get(index)} != {pg.indexes.get(index)}")
    return found


# -- tests ----------------------------------------------------------------------------------------


def test_postgres_migrations_pair_with_sqlite_ones() -> None:
    """The PostgreSQL set is the baseline, then the same NNNN_name files as SQLite's."""
    folder = resources.files("bot.store").joinpath("migrations", "postgres")
    labels = sorted(entry.name.removesuffix(".sql") for entry in folder.iterdir() if entry.name.endswith(".sql"))
    sqlite_labels = [migration.label for migration in load_migrations()]
    assert labels[0] == f"{BASELINE_VERSION:04d}_baseline"
    assert labels[1:] == sqlite_labels[BASELINE_VERSION:]


async def test_postgres_schema_matches_sqlite(tmp_path: Path, pg_url: str) -> None:
    sqlite = await _sqlite_schema(tmp_path / "parity.sqlite3")
    await _migrate_postgres(pg_url)
    postgres, rowids = await _postgres_schema(pg_url)
    sqlite.pop("schema_version", None)
    version_table = postgres.pop("schema_version", None)
    assert version_table is not None, "the migrator keeps schema_version on PostgreSQL too"

    # Discord ids are 64-bit: no 32-bit integer column may hold one.
    narrow = [(t, c[0]) for t, table in postgres.items() for c in table.columns if c[1] in ("integer", "smallint")]
    assert narrow == [], "INTEGER on PostgreSQL must be BIGINT"

    assert rowids == {
        name: {"last": True, "type": "bigint", "not_null": True, "identity": True, "unique": True}
        for name in ROWID_TABLES
    }
    problems = differences(sqlite, _normalise_pg_types(postgres))
    assert not problems, "\n".join(problems)
    assert len(sqlite) == len(postgres) >= 26


# The translated CHECKs and triggers refuse and accept the same rows (same literal SQL on both).
_GUILD = (
    "INSERT INTO credit_guild (guild_id, allowance, cycle_kind, cycle_anchor, cycle_no, cycle_start, cycle_end, "
    "available, held, spent, bonus_pool, created_at, updated_at) VALUES (1, 10, 'daily', 'a', 1, 'a', 'b', 10, 0, 0, "
    "0, 'a', 'a')"
)
_LEDGER = (
    "INSERT INTO credit_ledger (guild_id, kind, amount, cycle_no, actor, created_at) "
    "VALUES (1, 'grant', 10, 1, 'bot', 'a')"
)


def _audit(at: str, details: str) -> str:
    columns = "guild_id, kind, actor_id, details_json, at"
    return f"INSERT INTO audit_event ({columns}) VALUES (1, 'x', 0, '{details}', '{at}')"


_CASES = {
    "good event": ([_audit("2026-05-01T12:00:00.123456Z", '{"a": 1}')], True),
    "time with a space": ([_audit("2026-05-01 12:00:00.123456Z", "{}")], False),
    "time without the dot": ([_audit("2026-05-01T12:00:00x123456Z", "{}")], False),
    "time with milliseconds": ([_audit("2026-05-01T12:00:00.123Z", "{}")], False),
    "broken JSON": ([_audit("2026-05-01T12:00:00.123456Z", "{")], False),
    "ledger row": ([_GUILD, _LEDGER], True),
    "ledger update": ([_GUILD, _LEDGER, "UPDATE credit_ledger SET amount = 11"], False),
    "ledger delete": ([_GUILD, _LEDGER, "DELETE FROM credit_ledger"], False),
    "same model rule twice": (
        ["INSERT INTO policy_model_rule (guild_id, effect, target, target_kind, added_by, added_at) "
         "VALUES (1, 'deny', 'm', 'model', 0, 'a')"] * 2,
        False,
    ),
    "second catalog row": (
        ["INSERT INTO catalog_snapshot VALUES (1, 'a', '{}')", "INSERT INTO catalog_snapshot VALUES (2, 'a', '{}')"],
        False,
    ),
}


@pytest.mark.parametrize("case", list(_CASES))
async def test_constraints_decide_alike(case: str, tmp_path: Path, pg_url: str) -> None:
    import asyncpg

    statements, accepted = _CASES[case]
    path = tmp_path / "alike.sqlite3"
    async with await Database.open(path):
        pass
    lite = sqlite3.connect(path)
    try:
        lite.execute("PRAGMA foreign_keys = ON")
        for sql in statements:
            lite.execute(sql)
        lite_ok = True
    except sqlite3.DatabaseError:
        lite_ok = False
    finally:
        lite.close()

    await _migrate_postgres(pg_url)
    conn = await asyncpg.connect(pg_url)
    try:
        for sql in statements:
            await conn.execute(sql)
        pg_ok = True
    except asyncpg.PostgresError:
        pg_ok = False
    finally:
        await conn.close()
    verdict = {True: "accepted", False: "refused"}
    assert (lite_ok, pg_ok) == (accepted, accepted), (
        f"{case}: SQLite {verdict[lite_ok]}, PostgreSQL {verdict[pg_ok]}; both should have {verdict[accepted]}"
    )
