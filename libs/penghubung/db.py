"""PostgreSQL connections: one pool per process, JSON codecs and the service's role on each."""

from __future__ import annotations

import functools
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg


async def _init_connection(conn: asyncpg.Connection, *, role: str | None = None) -> None:
    for name in ("json", "jsonb"):
        await conn.set_type_codec(
            name, encoder=_dumps, decoder=json.loads, schema="pg_catalog", format="text"
        )
    if role:
        # SET ROLE for the session; asyncpg's reset of a released connection (RESET ALL) keeps it.
        await conn.execute("SELECT set_config('role', $1, false)", role)


@asynccontextmanager
async def plain_jsonb(conn: asyncpg.Connection) -> AsyncIterator[asyncpg.Connection]:
    """The connection with asyncpg's own `jsonb` codec (JSON text, binary-capable) for the block:
    what `copy_records_to_table` needs; the JSON codecs are set again after it."""
    await conn.reset_type_codec("jsonb", schema="pg_catalog")
    try:
        yield conn
    finally:
        await conn.set_type_codec(
            "jsonb", encoder=_dumps, decoder=json.loads, schema="pg_catalog", format="text"
        )


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


async def connect(url: str, *, role: str | None = None) -> asyncpg.Connection:
    """One connection with the JSON codecs (for the relay's lock, LISTEN and tools).

    With `role`, the connection works as that database role (`SET ROLE`) from the start.
    """
    conn = await asyncpg.connect(url)
    try:
        await _init_connection(conn, role=role)
    except BaseException:
        await conn.close()
        raise
    return conn


@asynccontextmanager
async def create_pool(
    url: str, *, size: int = 10, role: str | None = None
) -> AsyncIterator[asyncpg.Pool]:
    """A pool for the lifetime of the block; with `role`, every connection works as that role."""
    pool = await asyncpg.create_pool(
        url,
        min_size=1,
        max_size=size,
        init=functools.partial(_init_connection, role=role),
        command_timeout=60,
    )
    try:
        yield pool
    finally:
        await pool.close()
