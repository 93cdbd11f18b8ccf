"""The replay benchmark's rebuild worker: `python -m reporting.bench_replay rebuild LOG ...`.

Run by `make bench` (`penghubung.bench.replay`) in a process of its own, whose peak RSS it
samples: the log from position 1 into fresh tables through the live appliers, stopped at a
deadline, and the rate written as JSON to `--report`.
"""

from __future__ import annotations

import contextlib
import sys
import time
from typing import Any

from penghubung.bench.replay import worker_main
from penghubung.db import connect, create_pool
from penghubung.eventstore import EventStore
from reporting.adapters.rebuild_db import create_tables
from reporting.projections.rebuild import rebuild as rebuild_projection


class _Deadline(Exception):
    """The rebuild's time is up (raised from its progress report, between two batches)."""


async def rebuild(log_url: str, seconds: float) -> dict[str, Any]:
    """`penghubung replay reporting`'s rebuild: the log from position 1 into fresh tables of a
    schema of their own, through the live appliers, a transaction per batch; stopped after
    `seconds` (between two batches)."""
    count = 0
    conn = await connect(log_url)
    try:
        schema = "bench_rebuild"
        await create_tables(conn, schema)
        async with create_pool(log_url, size=2) as pool:
            store = EventStore(pool)
            start = time.perf_counter()
            deadline = start + seconds

            def applied(events: int, last: int) -> None:
                nonlocal count
                count += events
                if time.perf_counter() > deadline:
                    raise _Deadline

            with contextlib.suppress(_Deadline):
                await rebuild_projection(conn, store, schema=schema, progress=applied)
            elapsed = time.perf_counter() - start
        rows = await conn.fetchval(f"SELECT count(*) FROM {schema}.timeline")
    finally:
        await conn.close()
    return {"events": count, "seconds": elapsed, "rate": count / elapsed, "timeline_rows": rows}


def main(argv: list[str] | None = None) -> int:
    """`python -m reporting.bench_replay rebuild LOG [--seconds S] --report PATH`."""
    return worker_main("reporting.bench_replay", "rebuild", rebuild, argv)


if __name__ == "__main__":
    sys.exit(main())
