"""Copying every table of a SQLite database into an empty PostgreSQL one: tables found in
``sqlite_master``, copied parents before children, in chunks with COPY, each value converted to
its target column's type; SQLite's rowid kept where the target has a ``rowid`` column; identity
sequences moved past the copied ids. The caller owns the PostgreSQL transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import aiosqlite

from bot.store.postgres import Conn
from bot.store.timestamps import from_db_time

CHUNK_ROWS = 2000
ROWID = "rowid"
_SKIPPED = ("schema_version",)


class TransferError(Exception):
    """The copy cannot go on: the message names the table, column or value."""


@dataclass(frozen=True, slots=True)
class SourceTable:
    name: str
    columns: tuple[str, ...]
    parents: frozenset[str]  # tables its foreign keys point at


@dataclass(frozen=True, slots=True)
class TargetColumn:
    name: str
    data_type: str  # information_schema.columns.data_type
    generated: bool  # identity or serial: has a sequence to move on


Converter = Callable[[Any], Any]


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# -- the source ------------------------------------------------------------------------------------


async def source_tables(conn: aiosqlite.Connection) -> list[SourceTable]:
    """The tables to copy (not ``schema_version`` nor SQLite's own), parents before children."""
    tables: list[SourceTable] = []
    names = await conn.execute_fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
        "ORDER BY name"
    )
    for (name,) in names:
        if name in _SKIPPED:
            continue
        columns = await conn.execute_fetchall(f"PRAGMA table_info({quote(name)})")
        keys = await conn.execute_fetchall(f"PRAGMA foreign_key_list({quote(name)})")
        tables.append(SourceTable(
            name=name,
            columns=tuple(str(row[1]) for row in columns),
            parents=frozenset(str(row[2]) for row in keys if row[2] != name),
        ))
    return in_dependency_order(tables)


def in_dependency_order(tables: Iterable[SourceTable]) -> list[SourceTable]:
    """Each table after every table it references (a stable topological sort); a cycle is an error."""
    pending = {t.name: t for t in tables}
    ordered: list[SourceTable] = []
    while pending:
        ready = [t for t in pending.values() if not t.parents & pending.keys()]
        if not ready:
            raise TransferError(f"foreign keys form a cycle among {', '.join(sorted(pending))}")
        for table in sorted(ready, key=lambda t: t.name):
            ordered.append(table)
            del pending[table.name]
    return ordered


async def count_rows(conn: aiosqlite.Connection, table: str) -> int:
    rows = await conn.execute_fetchall(f"SELECT COUNT(*) FROM {quote(table)}")
    return int(next(iter(rows))[0])


# -- the target ------------------------------------------------------------------------------------


async def target_tables(pg: Conn) -> dict[str, dict[str, TargetColumn]]:
    """Every base table of the current schema with its columns, in column order."""
    rows = await pg.fetch(
        "SELECT c.table_name, c.column_name, c.data_type, "
        "(c.is_identity = 'YES' OR c.column_default LIKE 'nextval(%') AS generated "
        "FROM information_schema.columns c JOIN information_schema.tables t "
        "ON t.table_schema = c.table_schema AND t.table_name = c.table_name "
        "WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' "
        "ORDER BY c.table_name, c.ordinal_position"
    )
    tables: dict[str, dict[str, TargetColumn]] = {}
    for row in rows:
        column = TargetColumn(row["column_name"], row["data_type"], bool(row["generated"]))
        tables.setdefault(row["table_name"], {})[column.name] = column
    return tables


async def tables_with_rows(pg: Conn, tables: Iterable[str]) -> list[str]:
    """Which of ``tables`` hold at least one row (``schema_version`` is not asked about)."""
    found = []
    for table in sorted(tables):
        if table not in _SKIPPED and await pg.fetchval(f"SELECT EXISTS (SELECT 1 FROM {quote(table)})"):
            found.append(table)
    return found


def check_target_has(tables: Iterable[SourceTable], target: Mapping[str, Mapping[str, TargetColumn]]) -> None:
    """Every source table and column must exist on the target; else one error naming all that lack."""
    missing: list[str] = []
    for table in tables:
        columns = target.get(table.name)
        if columns is None:
            missing.append(f"table {table.name}")
            continue
        missing.extend(f"column {table.name}.{c}" for c in table.columns if c not in columns)
    if missing:
        raise TransferError("the target schema lacks " + ", ".join(missing))


async def copy_table(
    source: aiosqlite.Connection, pg: Conn, table: SourceTable,
    target: Mapping[str, TargetColumn], *, chunk_rows: int = CHUNK_ROWS,
) -> int:
    """Copy one table's rows in chunks; returns how many were copied."""
    columns = list(table.columns)
    selected = [quote(c) for c in columns]
    if ROWID in target and ROWID not in table.columns:  # keep SQLite's insertion order
        columns.append(ROWID)
        selected.append("rowid")
    convert = [converter(target[c], f"{table.name}.{c}") for c in columns]
    copied = 0
    async with source.execute(f"SELECT {', '.join(selected)} FROM {quote(table.name)}") as cursor:
        while rows := await cursor.fetchmany(chunk_rows):
            records = [tuple(fn(value) for fn, value in zip(convert, row, strict=True)) for row in rows]
            await pg.copy_records_to_table(table.name, records=records, columns=columns)
            copied += len(records)
    return copied


async def reset_sequences(pg: Conn, tables: Mapping[str, Mapping[str, TargetColumn]]) -> list[str]:
    """Move every identity (or serial) sequence past its column's largest value; ``table.column = n`` each."""
    moved: list[str] = []
    for table, columns in sorted(tables.items()):
        for column in columns.values():
            if not column.generated:
                continue
            top = await pg.fetchval(f"SELECT MAX({quote(column.name)}) FROM {quote(table)}")
            if top is None:
                continue  # empty: the sequence still starts at its start
            await pg.execute(
                "SELECT setval(pg_get_serial_sequence(format('%I.%I', current_schema(), $1::text), $2), $3, true)",
                table, column.name, int(top),
            )
            moved.append(f"{table}.{column.name} = {top}")
    return moved


async def count_target_rows(pg: Conn, table: str) -> int:
    return int(await pg.fetchval(f"SELECT COUNT(*) FROM {quote(table)}"))


# -- values ----------------------------------------------------------------------------------------


def converter(column: TargetColumn, label: str) -> Converter:
    """How a SQLite value becomes one the PostgreSQL column's binary COPY accepts (None stays None)."""
    make = _CONVERTERS.get(column.data_type)
    if make is None:
        raise TransferError(f"{label}: no conversion into PostgreSQL type {column.data_type!r}")

    def convert(value: Any) -> Any:
        if value is None:
            return None
        try:
            return make(value)
        except (TypeError, ValueError, ArithmeticError) as err:
            raise TransferError(f"{label}: cannot store {value!r} as {column.data_type} ({err})") from err

    return convert


def _integer(value: Any) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError("not a whole number")
        return int(value)
    if isinstance(value, str):
        return int(value.strip())
    raise TypeError(f"{type(value).__name__} is not a number")


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, str):
        return value
    return str(value)


def _boolean(value: Any) -> bool:
    if isinstance(value, str):
        return {"0": False, "1": True, "false": False, "true": True}[value.strip().lower()]
    return bool(_integer(value))


def _real(value: Any) -> float:
    return float(value)


def _numeric(value: Any) -> Decimal:
    return Decimal(str(value))


def _bytes(value: Any) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else bytes(value)


def _timestamp(value: Any) -> datetime:
    if isinstance(value, str):
        return from_db_time(value)
    raise TypeError(f"{type(value).__name__} is not a stored time")


_CONVERTERS: dict[str, Converter] = {
    "bigint": _integer,
    "integer": _integer,
    "smallint": _integer,
    "text": _text,
    "character varying": _text,
    "character": _text,
    "json": _text,
    "jsonb": _text,
    "boolean": _boolean,
    "double precision": _real,
    "real": _real,
    "numeric": _numeric,
    "bytea": _bytes,
    "timestamp with time zone": _timestamp,
}
