"""Rows as the appliers build them, and the two ways they reach the tables.

An applier computes the row (or the changed columns) an event makes with a pure function, and
writes it either with one SQL statement (`insert`, `update`: the live projection, a catch-up)
or into a table held in memory (`fold.py`: a rebuild, written at the end with COPY). One set of
rules, two writers.
"""

from __future__ import annotations

from typing import Any

import asyncpg

from reporting.projections.tables import LIVE, PROJECTED

Row = dict[str, Any]
"""A table's row (or some of its columns) by column name."""


class Json(str):
    """A `jsonb` column's value, as JSON text (whatever codecs the connection has)."""

    __slots__ = ()


def _value(name: str, number: int, value: Any) -> str:
    return f"${number}::text::jsonb" if isinstance(value, Json) else f"${number}"


async def insert(
    conn: asyncpg.Connection, schema: str, table: str, row: Row, *, on_conflict: str = ""
) -> None:
    """Insert one row into `schema.table` (`on_conflict`: an `ON CONFLICT ...` clause)."""
    names = ", ".join(row)
    values = ", ".join(_value(k, n, v) for n, (k, v) in enumerate(row.items(), start=1))
    clause = f" {on_conflict}" if on_conflict else ""
    await conn.execute(
        f"INSERT INTO {schema}.{table} ({names}) VALUES ({values}){clause}", *row.values()
    )


async def update(conn: asyncpg.Connection, schema: str, table: str, key: Any, changes: Row) -> None:
    """Change some columns of the row of `key` (a one-column key); no row, no change."""
    (key_name,) = PROJECTED[table]
    sets = ", ".join(
        f"{k} = {_value(k, n, v)}" for n, (k, v) in enumerate(changes.items(), start=2)
    )
    await conn.execute(
        f"UPDATE {schema}.{table} SET {sets} WHERE {key_name} = $1", key, *changes.values()
    )


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
