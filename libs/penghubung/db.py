"""PostgreSQL connections: one pool per process, JSON codecs and the service's role on each.

A connection given back to the pool is reset (asyncpg's `RESET ALL`, `UNLISTEN *`, the advisory
locks and cursors let go) only when its session was changed: a round trip saved on nearly every
release. What changes a session is seen on the way in: `LISTEN` through `add_listener`, and any
statement that sets, resets or listens, takes a session-level advisory lock or declares a
cursor. A connection given back inside a transaction is always rolled back (asyncpg does it
before the reset is asked).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg

_SESSION_CHANGE = re.compile(
    r"(?:^|;)\s*(?:SET\s+(?!LOCAL\b)|RESET\b|LISTEN\b|DECLARE\b|DISCARD\b|LOAD\b)"
    r"|\bset_config\s*\(|\bpg_(?:try_)?advisory_lock(?:_shared)?\s*\(",
    re.IGNORECASE,
)


@functools.lru_cache(maxsize=4096)
def changes_session(query: str) -> bool:
    """Whether a statement may leave state in the session (settings, LISTEN, locks, cursors)."""
    return _SESSION_CHANGE.search(query) is not None


class PooledConnection(asyncpg.Connection):  # type: ignore[misc]
    """A pool's connection that remembers whether its session was changed since its last reset."""

    __slots__ = ("session_changed",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.session_changed = False

    def _note(self, query: str) -> None:
        if not self.session_changed and changes_session(query):
            self.session_changed = True

    async def add_listener(self, channel: str, callback: Any) -> None:
        """LISTEN on the channel; the session is reset (UNLISTEN) when the pool gets it back."""
        self.session_changed = True
        await super().add_listener(channel, callback)

    async def execute(self, query: str, *args: Any, **kwargs: Any) -> str:
        """As asyncpg's, noting a statement that changes the session."""
        self._note(query)
        status: str = await super().execute(query, *args, **kwargs)
        return status

    async def executemany(self, command: str, args: Any, **kwargs: Any) -> None:
        """As asyncpg's, noting a statement that changes the session."""
        self._note(command)
        await super().executemany(command, args, **kwargs)

    async def fetch(self, query: str, *args: Any, **kwargs: Any) -> list[Any]:
        """As asyncpg's, noting a statement that changes the session."""
        self._note(query)
        rows: list[Any] = await super().fetch(query, *args, **kwargs)
        return rows

    async def fetchval(self, query: str, *args: Any, **kwargs: Any) -> Any:
        """As asyncpg's, noting a statement that changes the session."""
        self._note(query)
        return await super().fetchval(query, *args, **kwargs)

    async def fetchrow(self, query: str, *args: Any, **kwargs: Any) -> Any:
        """As asyncpg's, noting a statement that changes the session."""
        self._note(query)
        return await super().fetchrow(query, *args, **kwargs)

    async def fetchmany(self, query: str, args: Any, **kwargs: Any) -> list[Any]:
        """As asyncpg's, noting a statement that changes the session."""
        self._note(query)
        rows: list[Any] = await super().fetchmany(query, args, **kwargs)
        return rows

    async def prepare(self, query: str, **kwargs: Any) -> Any:
        """As asyncpg's, noting a statement that changes the session."""
        self._note(query)
        return await super().prepare(query, **kwargs)

    def cursor(self, query: str, *args: Any, **kwargs: Any) -> Any:
        """As asyncpg's, noting a statement that changes the session."""
        self._note(query)
        return super().cursor(query, *args, **kwargs)


def _pooled(conn: asyncpg.Connection) -> PooledConnection | None:
    """The connection as a `PooledConnection`, if it is one (asyncpg's isinstance says yes to any
    connection: its metaclass answers for the class and the pool's proxy alike)."""
    return conn if issubclass(type(conn), PooledConnection) else None


async def _reset_if_changed(conn: asyncpg.Connection) -> None:
    """The pool's reset, after asyncpg rolled back any open transaction: only what was changed."""
    pooled = _pooled(conn)
    if pooled is None or pooled.session_changed:
        query = conn.get_reset_query()
        if query:
            await conn.execute(query)
        if pooled is not None:
            pooled.session_changed = False


async def _init_connection(conn: asyncpg.Connection, *, role: str | None = None) -> None:
    for name in ("json", "jsonb"):
        await conn.set_type_codec(
            name, encoder=_dumps, decoder=json.loads, schema="pg_catalog", format="text"
        )
    if role:
        # SET ROLE for the session; asyncpg's reset of a released connection (RESET ALL) keeps it.
        await conn.execute("SELECT set_config('role', $1, false)", role)
    pooled = _pooled(conn)
    if pooled is not None:
        pooled.session_changed = False  # the role is the session's starting point, never reset


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
        connection_class=PooledConnection,
        reset=_reset_if_changed,
    )
    try:
        yield pool
    finally:
        await pool.close()
