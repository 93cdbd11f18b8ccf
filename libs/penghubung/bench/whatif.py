"""Calendar: the simulator's answer on a history of hundreds of requests, beside reading them.

The history is `history.Histories` from Mon 2026-03-02, 40 tickets a working day, written to the
log (a correct hash chain); reporting's worker (`python -m reporting.bench_whatif`) projects it
into the live reporting tables by the live appliers. The last day's tickets are cut half way
through their histories, so some requests are still open. The figure is
`POST /calendar/simulations`'s use case (`CalendarWhatIf.simulate`): a regional day off on Wed
2026-03-11, every open request and March's closed ones measured on the calendar as it is and
with the change, in a read-only transaction. The baseline reads the same requests and their
facts in the same transaction, without measuring them. Best of a few runs, each on a warm cache.
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from penghubung.bench.common import Bench
from penghubung.bench.history import Histories, LogWriter, copy_rows
from penghubung.bench.results import Figure, Goal, GoalKind

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
    found = await project_and_measure(url)
    bench.say(f"calendar: {events:,} events projected in {found['project_seconds']:.0f} s")
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


async def project_and_measure(url: str) -> dict[str, Any]:
    """Reporting's own worker (`python -m reporting.bench_whatif URL`) projects the log into the
    live tables and measures the simulator; the shared library only reads its JSON answer."""
    worker = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "reporting.bench_whatif",
        url,
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await worker.communicate()
    if worker.returncode != 0:
        raise RuntimeError(f"reporting.bench_whatif exited {worker.returncode}")
    found: dict[str, Any] = json.loads(out)
    return found
