"""The calendar benchmark's worker: `python -m reporting.bench_whatif URL`.

Run by `make bench` (`penghubung.bench.whatif`) once the history is in the log: projects it into
the live reporting tables by the live appliers, then times the simulator beside a plain read of
the same requests, and prints the figures as JSON.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
import uuid
from datetime import datetime
from typing import Any

from penghubung.bench.whatif import DAY_OFF, MONTH, NOW, PER_DAY, RUNS
from penghubung.db import connect, create_pool
from penghubung.eventstore import EventStore


async def project(url: str) -> None:
    """The live reporting tables, from the log, by the live appliers."""
    from reporting.projections.rebuild import rebuild
    from reporting.projections.tables import LIVE

    conn = await connect(url)
    try:
        async with create_pool(url, size=2) as pool:
            await rebuild(conn, EventStore(pool), schema=LIVE)
    finally:
        await conn.close()


async def measure(url: str) -> dict[str, Any]:
    """The best of a few simulations, and of a few reads of the same requests."""
    from reporting.sla.adapters import db as sla_db
    from reporting.sla.app.calendar_whatif import CalendarWhatIf
    from reporting.sla.app.handlers import Sla
    from reporting.sla.domain.calendar import AddDayOff

    async with create_pool(url, size=2) as pool:
        sla = Sla(
            store=EventStore(pool),
            clock=lambda: NOW,
            new_id=uuid.uuid4,
            capacity=PER_DAY,
            percents=(50, 75, 100),
        )
        whatif = CalendarWhatIf(sla)
        simulations, reads = [], []
        for _ in range(RUNS):
            start = time.perf_counter()
            simulation = await whatif.simulate(
                AddDayOff(day=DAY_OFF, name="Libur daerah"), month=MONTH
            )
            simulations.append(time.perf_counter() - start)
            start = time.perf_counter()
            async with (
                pool.acquire() as conn,
                conn.transaction(isolation="repeatable_read", readonly=True),
            ):
                read = 0
                async for batch in sla_db.open_requests(conn, capacity=PER_DAY):
                    read += len(batch)
                first, following = sla_db.month_bounds(MONTH)
                bounds = [
                    datetime.combine(d, datetime.min.time(), NOW.tzinfo) for d in (first, following)
                ]
                async for batch in sla_db.requests_between(
                    conn, start=bounds[0], end=bounds[1], capacity=PER_DAY
                ):
                    read += len(batch)
            reads.append(time.perf_counter() - start)
    impact = simulation.impact
    return {
        "requests": impact.requests,
        "open_requests": impact.open_requests,
        "clocks": impact.clocks,
        "changes": len(impact.changes),
        "rows_read": read,
        "simulation_seconds": min(simulations),
        "simulation_runs": simulations,
        "read_seconds": min(reads),
        "read_runs": reads,
    }


async def main(url: str) -> dict[str, Any]:
    """Project, then measure; the figures with the projection's time."""
    start = time.perf_counter()
    await project(url)
    projected = time.perf_counter() - start
    return {"project_seconds": projected, **await measure(url)}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(sys.argv[1]))))
