"""Rows as the appliers build them, and the two ways they reach the tables.

An applier computes the row (or the changed columns) an event makes with a pure function, and
writes it either with one SQL statement (`insert`, `update`: the live projection, a catch-up)
or into a table held in memory (`fold.py`: a rebuild, written at the end with COPY). One set of
rules, two writers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import asyncpg

from reporting.projections.tables import LIVE, PROJECTED

Row = dict[str, Any]
"""A table's row (or some of its columns) by column name."""


class Json(str):
    """A `jsonb` column's value, as JSON text (whatever codecs the connection has)."""

    __slots__ = ()


def _value(number: int, value: Any) -> str:
    return f"${number}::text::jsonb" if isinstance(value, Json) else f"${number}"


@dataclass(frozen=True)
class Insert:
    """One row to insert (`on_conflict`: an `ON CONFLICT ...` clause)."""

    table: str
    row: Row
    on_conflict: str = ""

    def sql(self, schema: str, first: int) -> tuple[str, list[Any]]:
        """The statement, its parameters numbered from `first`."""
        names = ", ".join(self.row)
        values = ", ".join(_value(n, v) for n, v in enumerate(self.row.values(), start=first))
        clause = f" {self.on_conflict}" if self.on_conflict else ""
        return f"INSERT INTO {schema}.{self.table} ({names}) VALUES ({values}){clause}", list(
            self.row.values()
        )


@dataclass(frozen=True)
class Update:
    """Some columns of the row of `key` (a table with a one-column key); no row, no change."""

    table: str
    key: Any
    changes: Row

    def sql(self, schema: str, first: int) -> tuple[str, list[Any]]:
        """The statement, its parameters numbered from `first`."""
        (key_name,) = PROJECTED[self.table]
        values = list(self.changes.values())
        sets = ", ".join(
            f"{k} = {_value(n, v)}" for n, (k, v) in enumerate(self.changes.items(), start=first)
        )
        where = f"{key_name} = ${first + len(values)}"
        return f"UPDATE {schema}.{self.table} SET {sets} WHERE {where}", [*values, self.key]


class Write(Protocol):
    """One insert or update, as SQL with its parameters numbered from `first`."""

    def sql(self, schema: str, first: int) -> tuple[str, list[Any]]: ...


async def write(conn: asyncpg.Connection, schema: str, *writes: Write) -> None:
    """The writes in one statement (one round trip): all but the last as data-modifying CTEs.
    They see the tables as they were before the statement, so each must touch other rows."""
    parts: list[str] = []
    args: list[Any] = []
    for n, each in enumerate(writes):
        text, values = each.sql(schema, len(args) + 1)
        args.extend(values)
        parts.append(text if n == len(writes) - 1 else f"w{n} AS ({text})")
    prefix = f"WITH {', '.join(parts[:-1])} " if len(parts) > 1 else ""
    await conn.execute(prefix + parts[-1], *args)


async def insert(
    conn: asyncpg.Connection, schema: str, table: str, row: Row, *, on_conflict: str = ""
) -> None:
    """Insert one row into `schema.table` (`on_conflict`: an `ON CONFLICT ...` clause)."""
    await write(conn, schema, Insert(table, row, on_conflict))


async def update(conn: asyncpg.Connection, schema: str, table: str, key: Any, changes: Row) -> None:
    """Change some columns of the row of `key` (a one-column key); no row, no change."""
    await write(conn, schema, Update(table, key, changes))


_COLUMNS = (
    "SELECT attname FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0"
    " AND NOT attisdropped ORDER BY attnum"
)


async def columns(conn: asyncpg.Connection, table: str) -> list[str]:
    """The live table's columns, in their order."""
    return [r["attname"] for r in await conn.fetch(_COLUMNS, f"{LIVE}.{table}")]


_DEFAULTS = (
    "SELECT attname, pg_get_expr(d.adbin, d.adrelid) AS expression FROM pg_attribute a"
    " JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
    " WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped"
    " ORDER BY a.attnum"
)


async def defaults(conn: asyncpg.Connection, table: str) -> Row:
    """The live table's column defaults, evaluated (what an INSERT that leaves a column out
    writes there): for rows written by COPY, which writes every column it names."""
    found = await conn.fetch(_DEFAULTS, f"{LIVE}.{table}")
    if not found:
        return {}
    values = ", ".join(f'{r["expression"]} AS "{r["attname"]}"' for r in found)
    evaluated = await conn.fetchrow(f"SELECT {values}")
    assert evaluated is not None
    return dict(evaluated)
