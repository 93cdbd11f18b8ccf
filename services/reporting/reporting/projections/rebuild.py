"""A rebuild: the log's events, in order, through the live projection's own rules.

From position 1 into fresh tables (`adapters/rebuild_db.create_tables`), the events are folded
in memory (`fold.py`: the live appliers' rows, held as dicts) from one server-side cursor read a
batch ahead, and the tables are written with COPY: the growing ones as they fill, the others at
the end, all in one transaction. A catch-up onto tables that already hold rows (`after` > 0)
goes through the live appliers themselves, a transaction per batch; one onto a snapshot's
tables (`as_of`) folds on from the state taken back from them (`fold.load`).

No checkpoint and no gap handling are needed: the log is read in order and must hold every
position, or the rebuild stops (`MissingFromLog`) rather than skip one.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import Callable, Iterator

import asyncpg

from penghubung.eventstore import EventStore
from reporting.projections import fold
from reporting.projections.apply import apply_event
from reporting.projections.projector import MissingFromLog

BATCH = 1000
"""Events read from the log, and applied, per transaction (a catch-up)."""

SCAN_BATCH = 5000
"""Events fetched from the cursor at a time (a rebuild from position 1)."""

FLUSH_ROWS = 20_000
"""Rows of the growing tables held in memory before they are written."""

YIELD_EVERY = 500
"""Events folded between two turns of the event loop (for the COPY and the read ahead)."""

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
    start: fold.Folded | None = None,
) -> int:
    """Apply the log's positions after `after` up to `until` (default: its end) to the tables of
    `schema` (fresh ones when `after` is 0; with `start`, the state at `after` taken from them,
    `fold.load`); the last position applied."""
    if after == 0 or start is not None:
        folded = start or fold.Folded()
        last = await _fold(
            conn, store, folded, schema=schema, after=after, until=until, progress=progress
        )
    else:
        last = await _catch_up(
            conn, store, schema=schema, after=after, until=until, progress=progress
        )
    if until is not None and last < until:
        raise MissingFromLog(f"the log ends at position {last}, before {until}")
    return last


async def _fold(
    conn: asyncpg.Connection,
    store: EventStore,
    folded: fold.Folded,
    *,
    schema: str,
    after: int,
    until: int | None,
    progress: Progress | None,
) -> int:
    """Fold the positions after `after` in memory onto `folded` and COPY, in one transaction."""
    last = after
    writing: asyncio.Future[int] | None = None
    async with conn.transaction():
        try:
            with _collector_paused():
                async for rows in store.scan_rows(after=after, until=until, batch_size=SCAN_BATCH):
                    last = _check(rows, last)
                    for n, row in enumerate(rows, start=1):
                        folded.apply(store.envelope_of_text(row))
                        if n % YIELD_EVERY == 0:
                            await asyncio.sleep(0)  # the COPY and the read ahead go on meanwhile
                    if folded.pending() >= FLUSH_ROWS:
                        if writing is not None:
                            await writing
                        taken = fold.take(folded, fold.GROWING)
                        writing = asyncio.ensure_future(fold.write_rows(conn, schema, taken))
                    if progress is not None:
                        progress(len(rows), last)
                if writing is not None:
                    await writing
                await fold.write(conn, schema, folded)
        finally:
            if writing is not None and not writing.done():
                # a failed fold: the COPY in flight ends before its transaction is rolled back
                await asyncio.gather(writing, return_exceptions=True)
    return last


_paused = 0


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection for the block: a fold allocates its rows by the hundred
    thousand and keeps them, and each of the collector's passes would walk all of them again
    (a third of a rebuild's time). Reference counting frees what it frees; the collector
    comes back when the last fold of the process ends."""
    global _paused
    if _paused == 0 and not gc.isenabled():
        yield  # paused by someone else: leave it so
        return
    _paused += 1
    gc.disable()
    try:
        yield
    finally:
        _paused -= 1
        if _paused == 0:
            gc.enable()


async def _catch_up(
    conn: asyncpg.Connection,
    store: EventStore,
    *,
    schema: str,
    after: int,
    until: int | None,
    progress: Progress | None,
) -> int:
    """Apply the positions after `after` through the live appliers, a transaction per batch."""
    last = after
    async for rows in store.read_all_rows(after=after, until=until, batch_size=BATCH):
        last = _check(rows, last)
        async with conn.transaction():
            for row in rows:
                await apply_event(conn, store.envelope(row), schema=schema)
        if progress is not None:
            progress(len(rows), last)
    return last


def _check(rows: list[asyncpg.Record], last: int) -> int:
    """The batch's last position, once it is seen to follow `last` without a gap."""
    first, end = rows[0]["global_position"], rows[-1]["global_position"]
    if first != last + 1 or end - first + 1 != len(rows):
        raise MissingFromLog(f"the log does not hold every position after {last}")
    return int(end)
