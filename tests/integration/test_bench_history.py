"""The benchmark's generated log: a right hash chain, real events, a projection that takes it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from penghubung.audit.verdict import verify_chain
from penghubung.bench.history import Histories, new_events, write_log
from penghubung.bench.replay import read_raw
from penghubung.db import connect
from penghubung.events import registry
from reporting.bench_replay import rebuild

pytestmark = pytest.mark.integration


async def test_the_generated_log_is_chained_and_rebuilds_the_projection(
    new_database: Callable[[], Awaitable[str]],
) -> None:
    log_url = await new_database()

    written = await write_log(log_url, 3000, per_day=10, chunk=150, realistic=True)

    conn = await connect(log_url)
    try:
        report = await verify_chain(conn)
        counted = await conn.fetch("SELECT type, count(*) FROM eventstore.events GROUP BY type")
        types = {r[0]: r[1] for r in counted}
        open_for_weeks = await conn.fetchval(
            "SELECT max(last - first) FROM (SELECT correlation_id, max(global_position) AS last,"
            " min(global_position) AS first FROM eventstore.events GROUP BY correlation_id"
            " HAVING correlation_id LIKE 'SC05-%') AS t"
        )
        keys = await conn.fetchval(
            "SELECT count(*) FROM pg_indexes WHERE schemaname = 'eventstore'"
            " AND tablename = 'events'"
        )
    finally:
        await conn.close()
    assert report.ok, report
    assert report.checked == written >= 3000
    assert {
        "RequestSubmitted",
        "Disposed",
        "RequestReturned",
        "RequestClosed",
        "ClockPaused",
        "ClockResumed",
        "SlaWarningRaised",
        "CalendarDayOffAdded",
        "SlaRecalculated",
    } <= types.keys()
    assert open_for_weeks > 200  # a request's events are spread among many others' (weeks)
    assert keys == 4  # the keys dropped for the COPY are back
    assert (await read_raw(log_url))["events"] == written
    rebuilt = await rebuild(log_url, seconds=600)
    assert rebuilt["events"] == written
    # every event of a request is on its timeline; the calendar's and recalculations are not
    calendar = types["CalendarDayOffAdded"] + types["SlaRecalculated"]
    assert rebuilt["timeline_rows"] == written - calendar


def test_a_ticket_is_the_whole_sop_in_order_as_real_events() -> None:
    histories = Histories(seed=3)
    day = next(histories.days(per_day=12))

    tickets: dict[str, list[str]] = {}
    for step in day:
        tickets.setdefault(step.ticket_id, []).append(step.event.type)
        assert step.event.payload() == step.payload
        assert registry.load(step.event.type, step.event.schema_version, step.payload)

    assert len(tickets) == 12
    for types in tickets.values():
        assert types[0] == "RequestSubmitted"
        assert types[-1] == "ReportArchived"
        assert types.count("Disposed") == 3
    first = next(iter(tickets))
    appended = new_events([s for s in day if s.ticket_id == first])
    assert [n.meta.causation_id for _, n in appended][1:] == [
        str(n.meta.event_id) for _, n in appended[:-1]
    ]
