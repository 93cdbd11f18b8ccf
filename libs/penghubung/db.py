"""PostgreSQL connections: one pool per process, JSON codecs set on every connection."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg


async def _init_connection(conn: asyncpg.Connection) -> None:
    for name in ("json", "jsonb"):
        await conn.set_type_codec(
            name, encoder=_dumps, decoder=json.loads, schema="pg_catalog", format="text"
        )


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


async def connect(url: str) -> asyncpg.Connection:
    """One connection with the JSON codecs (for the relay's lock, LISTEN and tools)."""
    conn = await asyncpg.connect(url)
    await _init_connection(conn)
    return conn


@asynccontextmanager
async def create_pool(url: str, *, size: int = 10) -> AsyncIterator[asyncpg.Pool]:
    """A pool for the lifetime of the block."""
    pool = await asyncpg.create_pool(
        url, min_size=1, max_size=size, init=_init_connection, command_timeout=60
    )
    try:
        yield pool
    finally:
        await pool.close()
