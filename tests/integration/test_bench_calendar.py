"""The calendar benchmark's history: a right hash chain, open and closed requests, a simulation
that examines every one of them (its time is a figure of `make bench`, never asserted here)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from penghubung.audit.verdict import verify_chain
from penghubung.bench import whatif
from penghubung.db import connect
from reporting import bench_whatif

pytestmark = pytest.mark.integration


async def test_the_simulation_examines_every_open_request_and_the_month_s_closed_ones(
    new_database: Callable[[], Awaitable[str]],
) -> None:
    url = await new_database()
    written = await whatif.write_history(url, days=2)
    await bench_whatif.project(url)
    conn = await connect(url)
    try:
        report = await verify_chain(conn)
        open_rows = await conn.fetchval("SELECT count(*) FROM reporting.sla_requests WHERE open")
    finally:
        await conn.close()
    assert report.ok, report
    assert report.checked == written

    found = await bench_whatif.measure(url)

    # A full day of 40 requests, and 40 more cut half way through their histories: open.
    assert (found["requests"], found["open_requests"], open_rows) == (80, 40, 40)
    # The open ones are read twice (open, and touched in March) and examined once.
    assert found["rows_read"] == found["requests"] + found["open_requests"]
    assert found["clocks"] > found["requests"]
    # Their feasibility and implementation clocks run across the day off on Wed 03-11.
    assert found["changes"] > 0
    assert len(found["simulation_runs"]) == len(found["read_runs"]) == whatif.RUNS
