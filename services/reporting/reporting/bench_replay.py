"""The replay benchmark's rebuild worker: `python -m reporting.bench_replay rebuild LOG ...`.

Run by `make bench` (`penghubung.bench.replay`) in a process of its own, whose peak RSS it
samples: the whole log from position 1 into fresh tables, as `penghubung replay reporting`
rebuilds it, and the rate written as JSON to `--report`.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from penghubung.bench.replay import worker_main
from penghubung.db import connect, create_pool
from penghubung.eventstore import EventStore
from reporting.adapters.rebuild_db import create_tables, drop_schema, keys_deferred
from reporting.projections.rebuild import rebuild as rebuild_projection


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


def main(argv: list[str] | None = None) -> int:
    """`python -m reporting.bench_replay rebuild LOG --report PATH`."""
    return worker_main("reporting.bench_replay", "rebuild", rebuild, argv)


if __name__ == "__main__":
    sys.exit(main())
