"""The SLA clocks of a whole journey through the four running services, with a pause on the way."""

from __future__ import annotations

from typing import Any

import pytest

from penghubung.demo import Desk

pytestmark = pytest.mark.e2e


@pytest.fixture
def desk(system: Any) -> Desk:
    return Desk(urls=system.urls, tokens=system.tokens)


async def test_every_clock_of_a_quick_journey_is_met_and_the_pause_is_reported(desk: Desk) -> None:
    ticket = await desk.submit("Dinas Kesehatan")
    await desk.dispose_down_the_chain(ticket)

    async def assigned() -> bool:
        items = await desk.call("integration", "petugas", "GET", "/work-items?limit=100")
        return any(item["ticket_id"] == ticket for item in items["items"])

    await desk.until(f"{ticket} as the petugas' work item", assigned)
    clock = f"/requests/{ticket}/clock"
    paused = await desk.call(
        "integration", "petugas", "POST", f"{clock}/pause", expect=201, json={"reason": "uat"}
    )
    assert (paused["step"], paused["paused"]) == ("feasibility", True)
    await desk.call("integration", "petugas", "POST", f"{clock}/resume", expect=201, json={})
    await desk.analyse(ticket, feasible=True)
    await desk.implement(ticket)
    await desk.archive(ticket)
    journey = await desk.timeline(ticket, until_type="ReportArchived")
    assert [e["type"] for e in journey][4:6] == ["ClockPaused", "ClockResumed"]

    sla = await desk.call("reporting", "auditor", "GET", f"/requests/{ticket}/sla")
    clocks = {c["step"]: c for c in sla["clocks"]}
    assert list(clocks) == [
        "submit",
        "dispose_kabid",
        "dispose_prakom",
        "dispose_petugas",
        "feasibility",
        "implementation",
        "report",
        "archive",
    ]
    # Seconds apart, in service hours or not: every clock is met, judged on version 1.
    assert {c["state"] for c in clocks.values()} == {"met"}
    assert {(c["calendar_version"], c["judged"]) for c in clocks.values()} == {(1, True)}
    assert [p["reason"] for p in clocks["feasibility"]["pauses"]] == ["uat"]
    assert sla["holder"]["role"] is None  # archived: nobody holds it
