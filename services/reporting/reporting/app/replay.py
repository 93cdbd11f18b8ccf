"""`penghubung replay reporting`: rebuild the projection from position 1 and compare it, or swap it.

1. Fresh tables like the live ones in a schema of their own, `reporting_rebuild_<stamp>`
   (`adapters/rebuild_db.py`), and every position of the log up to the live projection's
   checkpoint (with `--swap`: up to the log's head) applied to them by the live appliers, a
   batch of 1,000 events per transaction, with a progress bar (events, events/s, time left).
2. The comparison, in one REPEATABLE READ snapshot of the live tables: the positions the live
   projection applied meanwhile are applied to the rebuild too, so both stand at the same
   position; then per table the SHA-256 of its rows' md5s in key order, and for a table whose
   digests differ the first rows that differ, by key. The live projection is not held up.
3. With `--swap`, steps 2 and 3 happen in one transaction that first locks the projection's
   checkpoint row — the row every projection transaction locks first — so the projection waits
   (it is not writing) until the swap commits: the live tables move to `reporting_backup_<stamp>`
   and the rebuilt ones, with the live ones' owner and grants, into `reporting`. Readers of the
   tables wait for the swap as well (it takes their locks; `lock_timeout` 30 s). A live
   projection that lags behind the rebuild (or has not started) is not compared: its checkpoint
   moves to the rebuild's position, and it goes on from there.

Compared: every column of every projected table (`projections/tables.PROJECTED`). No column is
left out: the appliers write only what the events hold (`updated_at` is the event's
`recorded_at`, never `now()`). Not compared, nor rebuilt, nor swapped: the checkpoint (the
rebuild's position is reported instead), the gaps met by the live consumer, the yearly counters
(the commands' side) and the availability samples (measurements, not facts of the log).

Runs with the login's own privileges (the login that runs `penghubung migrate`): it creates
schemas and, with `--swap`, moves tables. Exit codes: 0 equal (or swapped, or a partial replay
kept), 1 different (or the log lacks a position), 2 usage or no database.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal

import asyncpg

from penghubung.db import connect, create_pool
from penghubung.eventstore import EventStore
from reporting.adapters import rebuild_db
from reporting.projections import rebuild as rebuilding
from reporting.projections.projector import (
    MissingFromLog,
    checkpoint,
    lock_checkpoint,
    move_checkpoint,
)
from reporting.projections.tables import LIVE, PROJECTED

EXIT_EQUAL, EXIT_DIFFERENT, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
SWAP_LOCK_TIMEOUT = "30s"
"""How long a swap waits for a table's readers before it gives up (and changes nothing)."""

Kind = Literal["changed", "only_live", "only_rebuilt"]


@dataclass(frozen=True)
class RowDifference:
    """One key whose row differs: changed (with the columns), or in one of the tables only."""

    key: dict[str, Any]
    kind: Kind
    columns: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    """Column → (live value, rebuilt value), for a changed row."""


@dataclass(frozen=True)
class TableComparison:
    """One projected table, live against rebuilt."""

    table: str
    live: rebuild_db.Digest
    rebuilt: rebuild_db.Digest
    differing: int = 0
    """How many keys differ in all."""
    differences: tuple[RowDifference, ...] = ()
    """The first of them, in key order."""

    @property
    def equal(self) -> bool:
        """Same rows, same values."""
        return self.live == self.rebuilt


@dataclass(frozen=True)
class ReplayReport:
    """What a replay did and found."""

    schema: str
    """The rebuild's schema (gone unless kept; after a swap, the backup is `backup`)."""
    replayed: int
    """Events applied in the rebuild's first pass."""
    seconds: float
    position: int
    """The position both stand at when compared (the rebuild's position for a partial one)."""
    head: int
    live: int
    """The live projection's checkpoint when compared (or swapped)."""
    tables: tuple[TableComparison, ...] = ()
    compared: bool = True
    kept: bool = False
    backup: str | None = None
    """With --swap: where the live tables went."""

    @property
    def equal(self) -> bool:
        """Every table equal."""
        return all(t.equal for t in self.tables)

    @property
    def exit_code(self) -> int:
        """0 equal, swapped or not compared; 1 different."""
        if self.backup is not None or not self.compared or self.equal:
            return EXIT_EQUAL
        return EXIT_DIFFERENT


Tick = Callable[[int, int], None]
"""Told after each batch: how many events it held, and the last position applied."""
ProgressBar = Callable[[int], AbstractContextManager[Tick]]
"""Given the events to replay, a context that takes the ticks."""


@dataclass(frozen=True)
class Options:
    """What `penghubung replay reporting` was asked to do."""

    until: int | None = None
    swap: bool = False
    keep: bool = False
    show: int = 10
    """Differing rows shown per table."""


async def replay_reporting(
    database_url: str,
    options: Options,
    *,
    progress: ProgressBar | None = None,
    stamp: str | None = None,
) -> ReplayReport:
    """Rebuild the reporting projection into fresh tables and compare them (or swap them in)."""
    stamp = stamp or datetime.now(UTC).strftime("%Y%m%d_%H%M%S")
    async with create_pool(database_url, size=2) as pool:
        conn = await connect(database_url)
        try:
            return await _replay(conn, EventStore(pool), options, stamp, progress or _silent)
        finally:
            await conn.close()


@contextmanager
def _silent(total: int) -> Iterator[Tick]:
    yield lambda count, last: None


async def _replay(
    conn: asyncpg.Connection,
    store: EventStore,
    options: Options,
    stamp: str,
    progress: ProgressBar,
) -> ReplayReport:
    schema = f"{LIVE}_rebuild_{stamp}"
    head, live = await store.head(), await checkpoint(conn)
    target = live
    if options.until is not None:
        target = min(options.until, head)
    elif options.swap:
        target = head
    await rebuild_db.create_tables(conn, schema)
    kept = options.keep or options.until is not None
    try:
        started = time.perf_counter()
        with progress(target) as tick:
            async with conn.transaction(), rebuild_db.keys_deferred(conn, schema):
                reached = await rebuilding.rebuild(
                    conn, store, schema=schema, until=target, progress=tick
                )
        seconds = time.perf_counter() - started
        report = ReplayReport(schema, reached, seconds, reached, head, live, compared=False)
        if options.until is not None:
            return replace(report, kept=True)
        if options.swap:
            backup = f"{LIVE}_backup_{stamp}"
            return await _compare_and_swap(conn, store, report, options, backup)
        report = await _compare(conn, store, replace(report, kept=kept), options)
    except BaseException:
        # Interrupted or failed (a swap rolled back): an unfinished rebuild is of no use.
        await rebuild_db.drop_schema(conn, schema)
        raise
    if not kept:
        await rebuild_db.drop_schema(conn, schema)
    return report


async def _compare(
    conn: asyncpg.Connection, store: EventStore, report: ReplayReport, options: Options
) -> ReplayReport:
    """In one snapshot of the live tables, bring the rebuild to their position and compare."""
    async with conn.transaction(isolation="repeatable_read"):
        live = await checkpoint(conn)
        if live < report.position:
            raise MissingFromLog(f"the live projection went back from {report.position} to {live}")
        await _catch_up(conn, store, report.schema, report.position, live)
        tables = await compare(conn, report.schema, show=options.show)
    return replace(report, position=live, live=live, tables=tuple(tables), compared=True)


async def _compare_and_swap(
    conn: asyncpg.Connection,
    store: EventStore,
    report: ReplayReport,
    options: Options,
    backup: str,
) -> ReplayReport:
    """With the projection held at its checkpoint: catch up, compare, swap, in one transaction.
    A live projection behind the rebuild is not compared; its checkpoint moves to the rebuild's."""
    async with conn.transaction():
        await conn.execute(f"SET LOCAL lock_timeout = '{SWAP_LOCK_TIMEOUT}'")
        live = await lock_checkpoint(conn)
        compared = live >= report.position
        tables: tuple[TableComparison, ...] = ()
        if compared:
            await _catch_up(conn, store, report.schema, report.position, live)
            tables = tuple(await compare(conn, report.schema, show=options.show))
        else:
            await move_checkpoint(conn, report.position)
        await rebuild_db.swap(conn, report.schema, backup=backup)
    position = max(live, report.position)
    return replace(
        report, position=position, live=live, tables=tables, compared=compared, backup=backup
    )


async def _catch_up(
    conn: asyncpg.Connection, store: EventStore, schema: str, reached: int, position: int
) -> None:
    await rebuilding.rebuild(conn, store, schema=schema, after=reached, until=position)


async def compare(conn: asyncpg.Connection, schema: str, *, show: int) -> list[TableComparison]:
    """Every projected table of `schema` against the live one (in the caller's transaction)."""
    # Row texts (and so the digests) written the same way whatever the session's settings.
    await conn.execute("SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD'")
    tables = []
    for table in PROJECTED:
        names = await rebuild_db.columns(conn, table)
        live = await rebuild_db.digest(conn, LIVE, table, names=names)
        fresh = await rebuild_db.digest(conn, schema, table, names=names)
        if live == fresh:
            tables.append(TableComparison(table, live, fresh))
            continue
        total, keys = await rebuild_db.differing_keys(conn, schema, table, names=names, limit=show)
        differences = [await _difference(conn, schema, table, key) for key in keys]
        tables.append(TableComparison(table, live, fresh, total, tuple(differences)))
    return tables


async def _difference(
    conn: asyncpg.Connection, schema: str, table: str, key: tuple[Any, ...]
) -> RowDifference:
    named = dict(zip(PROJECTED[table], key, strict=True))
    live = await rebuild_db.row_at(conn, LIVE, table, key)
    fresh = await rebuild_db.row_at(conn, schema, table, key)
    if live is None:
        return RowDifference(named, "only_rebuilt")
    if fresh is None:
        return RowDifference(named, "only_live")
    changed: dict[str, tuple[Any, Any]] = {}
    for column, value in live.items():
        other = fresh.get(column)
        if value == other:
            continue
        if isinstance(value, dict) and isinstance(other, dict):  # jsonb: the keys that differ
            for k in sorted(value.keys() | other.keys()):
                if value.get(k) != other.get(k):
                    changed[f"{column}.{k}"] = (value.get(k), other.get(k))
        else:
            changed[column] = (value, other)
    return RowDifference(named, "changed", changed)
