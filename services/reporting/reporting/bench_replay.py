"""The replay benchmark's reporting workers: `python -m reporting.bench_replay rebuild|as_of LOG`.

Run by `make bench` (`penghubung.bench.replay`) in a process of its own, whose peak RSS it
samples. `rebuild`: the whole log from position 1 into fresh tables, as `penghubung replay
reporting` rebuilds it, and the rate. `as_of`: views as of positions spread over the log, each
built as the service builds it (`Snapshots`, with the service's default snapshot spacing) from
the nearest snapshot; the snapshots are made first by views as of every `as_of_snapshot_every`-th
position, in order, as a service's views would leave them. Each report is written as JSON to
`--report`.
"""

from __future__ import annotations

import statistics
import sys
import time
from typing import Any

from penghubung.bench.replay import worker_main
from penghubung.db import connect, create_pool
from penghubung.eventstore import EventStore
from reporting.adapters.rebuild_db import (
    create_tables,
    drop_schema,
    forget_snapshots,
    keys_deferred,
)
from reporting.app.as_of import Snapshots
from reporting.projections.rebuild import rebuild as rebuild_projection
from reporting.settings import ReportingSettings

AS_OF_SPOTS = (0.13, 0.37, 0.52, 0.71, 0.96)
"""Where the measured views stand, as fractions of the log (none on a snapshot)."""


async def rebuild(log_url: str, seconds: float) -> dict[str, Any]:
    """`penghubung replay reporting`'s rebuild of the whole log into fresh tables of a schema of
    their own (dropped after); `seconds` is not used: a rebuild is measured whole."""
    conn = await connect(log_url)
    try:
        schema = "bench_rebuild"
        await drop_schema(conn, schema)
        await create_tables(conn, schema)
        async with create_pool(log_url, size=2) as pool:
            start, cpu = time.perf_counter(), time.process_time()
            async with conn.transaction(), keys_deferred(conn, schema):
                last = await rebuild_projection(conn, EventStore(pool), schema=schema)
            elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        rows = await conn.fetchval(f"SELECT count(*) FROM {schema}.timeline")
        await drop_schema(conn, schema)
    finally:
        await conn.close()
    return {
        "events": last,
        "seconds": elapsed,
        "rate": last / elapsed,
        "cpu_seconds": cpu,
        "timeline_rows": rows,
    }


async def as_of(log_url: str, seconds: float) -> dict[str, Any]:
    """Views as of positions spread over the log, each from the nearest snapshot (made first);
    the seconds each took to build."""
    every = ReportingSettings.model_fields["as_of_snapshot_every"].default
    conn = await connect(log_url)
    try:
        await forget_snapshots(conn)
        head = await conn.fetchval("SELECT position FROM eventstore.head")
    finally:
        await conn.close()
    async with create_pool(log_url, size=2) as pool:
        snapshots = Snapshots(
            store=EventStore(pool),
            connect=lambda: connect(log_url),
            size=1,
            max_events=head + 1,
            snapshot_every=every,
            snapshots_kept=head // every + 1,
        )
        try:
            priming = [await _view(snapshots, p) for p in range(every, head + 1, every)]
            views = [await _view(snapshots, max(1, int(head * f))) for f in AS_OF_SPOTS]
        finally:
            await snapshots.close()
    took = [v["seconds"] for v in views]
    return {
        "events": head,
        "snapshot_every": every,
        "priming": priming,
        "views": views,
        "median_seconds": statistics.median(took),
        "max_seconds": max(took),
    }


async def _view(snapshots: Snapshots, position: int) -> dict[str, Any]:
    start = time.perf_counter()
    async with snapshots.at(position):
        pass
    return {
        "position": position,
        "from": snapshots.started_from.get(position, 0),
        "seconds": time.perf_counter() - start,
    }


def main(argv: list[str] | None = None) -> int:
    """`python -m reporting.bench_replay rebuild|as_of LOG --report PATH`."""
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["as_of"]:
        return worker_main("reporting.bench_replay", "as_of", as_of, args)
    return worker_main("reporting.bench_replay", "rebuild", rebuild, args)


if __name__ == "__main__":
    sys.exit(main())
