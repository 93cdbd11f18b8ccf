"""A rebuild: the log's events, in order, through the live projection's own appliers.

Into fresh tables of another schema (`adapters/rebuild_db.create_tables`), one transaction per
batch read from the log. No checkpoint and no gap handling are needed: the log is read in order
and must hold every position, or the rebuild stops (`MissingFromLog`) rather than skip one.
"""

from __future__ import annotations

from collections.abc import Callable

import asyncpg

from penghubung.eventstore import EventStore
from reporting.projections.apply import apply_event
from reporting.projections.projector import MissingFromLog

BATCH = 1000
"""Events read from the log, and applied, per transaction."""

Progress = Callable[[int, int], None]
"""Told after each batch: how many events it held, and the last position applied."""


async def rebuild(
    conn: asyncpg.Connection,
    store: EventStore,
    *,
    schema: str,
    after: int = 0,
    until: int | None = None,
    progress: Progress | None = None,
) -> int:
    """Apply the log's positions after `after` up to `until` (default: its end) to the tables of
    `schema`; the last position applied."""
    last = after
    async for rows in store.read_all_rows(after=after, until=until, batch_size=BATCH):
        positions = [r["global_position"] for r in rows]
        if positions != list(range(last + 1, last + 1 + len(rows))):
            raise MissingFromLog(f"the log does not hold every position after {last}")
        async with conn.transaction():
            for row in rows:
                await apply_event(conn, store.envelope(row), schema=schema)
        last = positions[-1]
        if progress is not None:
            progress(len(rows), last)
    if until is not None and last < until:
        raise MissingFromLog(f"the log ends at position {last}, before {until}")
    return last
