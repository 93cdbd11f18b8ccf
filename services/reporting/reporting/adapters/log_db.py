"""Reads of the event log itself (not of the projection): positions in time, a ticket's events.

`recorded_at` is taken under the log's head lock (`clock_timestamp()`), so it never decreases
along the positions: the events recorded up to a time are a prefix of the log.
"""

from __future__ import annotations

from datetime import datetime

import asyncpg

from penghubung.audit.chain import COLUMNS


async def head(conn: asyncpg.Connection) -> int:
    """The last position given out."""
    position: int = await conn.fetchval("SELECT position FROM eventstore.head")
    return position


async def position_at(conn: asyncpg.Connection, moment: datetime) -> int:
    """The last position recorded at or before `moment` (0: none was)."""
    position: int = await conn.fetchval(
        "SELECT coalesce(max(global_position), 0) FROM eventstore.events WHERE recorded_at <= $1",
        moment,
    )
    return position


async def recorded_at(conn: asyncpg.Connection, position: int) -> datetime | None:
    """When the event at `position` was recorded (None for position 0)."""
    moment: datetime | None = await conn.fetchval(
        "SELECT recorded_at FROM eventstore.events WHERE global_position = $1", position
    )
    return moment


async def ticket_events(
    conn: asyncpg.Connection, ticket_id: str, *, until: int | None = None
) -> list[asyncpg.Record]:
    """Every event of a ticket (its correlation id) up to a position, in log order, each with the
    stored hash of the position before it (`previous_hash`: None at position 1 or if missing)."""
    columns = ", ".join(f"e.{c.strip()}" for c in COLUMNS.split(","))
    rows: list[asyncpg.Record] = await conn.fetch(
        f"SELECT {columns}, p.hash AS previous_hash FROM eventstore.events e"
        " LEFT JOIN eventstore.events p ON p.global_position = e.global_position - 1"
        " WHERE e.correlation_id = $1 AND ($2::bigint IS NULL OR e.global_position <= $2)"
        " ORDER BY e.global_position",
        ticket_id,
        until,
    )
    return rows
