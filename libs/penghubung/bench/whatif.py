"""Calendar: the simulator's answer on a history of hundreds of requests, beside reading them.

The history is `history.Histories` from Mon 2026-03-02, 40 tickets a working day, written to the
log (a correct hash chain) and projected into the live reporting tables by the live appliers
(`reporting.projections.rebuild.rebuild`). The last day's tickets are cut half way through
their histories, so some requests are still open. The figure is `POST /calendar/simulations`'s
use case (`reporting.app.calendar_whatif.CalendarWhatIf.simulate`): a regional day off on Wed
2026-03-11, every open request and March's closed ones measured on the calendar as it is and
with the change, in a read-only transaction. The baseline reads the same requests and their
facts in the same transaction, without measuring them. Best of a few runs, each on a warm cache.
"""

from __future__ import annotations

import time
import uuid
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from penghubung.bench.common import Bench
from penghubung.bench.history import Histories, LogWriter, copy_rows
from penghubung.bench.results import Figure, Goal, GoalKind
from penghubung.db import connect, create_pool
from penghubung.eventstore import EventStore

SECTION = "calendar"
PER_DAY = 40
FIRST_DAY = date(2026, 3, 2)
MONTH = "2026-03"
DAY_OFF = date(2026, 3, 11)
NOW = datetime(2026, 4, 6, 10, tzinfo=ZoneInfo("Asia/Jakarta"))
RUNS = 3


async def run(bench: Bench) -> tuple[list[Figure], dict[str, Any]]:
    """The simulation's time beside a plain read of the requests it examines."""
    days = int(bench.pick(25, 13))
    url = await bench.database("calendar")
    bench.say(f"calendar: writing {days} days of {PER_DAY} requests, the last one half way")
    events = await write_history(url, days)
    start = time.perf_counter()
    await project(url)
    bench.say(f"calendar: {events:,} events projected in {time.perf_counter() - start:.0f} s")
    found = await measure(url)
    figures = [
        Figure(
            SECTION,
            f"simulate a day off over {found['requests']:,} requests",
            found["simulation_seconds"],
            "s",
            "read the same requests",
            found["read_seconds"],
            Goal(GoalKind.AT_MOST, 2.0),
            note=f"{found['clocks']:,} clocks, {found['changes']:,} would move",
        )
    ]
    return figures, {"events": events, **found}


async def write_history(url: str, days: int) -> int:
    """`days` working days of tickets in the log, the last day's only half way; the count."""
    histories = Histories(first_day=FIRST_DAY)
    writer = LogWriter()
    waves = histories.days(PER_DAY)
    rows = []
    for _ in range(days - 1):
        rows += writer.rows(next(waves))
    last = next(waves)
    rows += writer.rows(last[: len(last) // 2])
    conn = await asyncpg.connect(url)  # no codecs: jsonb given as text
    try:
        async with conn.transaction():
            await copy_rows(conn, rows)
            await conn.execute(
                "UPDATE eventstore.head SET position = $1, hash = $2",
                writer.position,
                writer.prev_hash,
            )
    finally:
        await conn.close()
    return writer.position


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
    from reporting.adapters import sla_db
    from reporting.app.calendar_whatif import CalendarWhatIf
    from reporting.app.sla import Sla
    from reporting.domain.calendar import AddDayOff

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
