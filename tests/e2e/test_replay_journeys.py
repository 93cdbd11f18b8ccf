"""An auditor's replay of what the four running services did over the real bus, and the views
as of a past position on the running reporting service. (The system is shared by the e2e tests:
this one leaves the calendar alone.)"""

from __future__ import annotations

from typing import Any

import pytest

from penghubung.demo import Desk
from reporting.app.replay import Options, replay_reporting
from reporting.projections.tables import PROJECTED

pytestmark = pytest.mark.e2e


@pytest.fixture
def desk(system: Any) -> Desk:
    return Desk(urls=system.urls, tokens=system.tokens)


async def test_the_replay_of_the_three_journeys_equals_the_live_projection(
    desk: Desk, system: Any
) -> None:
    integrated = await desk.integrated_journey("Dinas Kesehatan")
    closed = await desk.not_feasible_journey("Dinas Kesehatan")
    returned = await desk.returned_journey("Dinas Kesehatan")

    async def caught_up() -> Any:
        state = await desk.call("reporting", "auditor", "GET", "/projection")
        return state if state["lag"] == 0 else None

    projection = await desk.until("the projection at the head", caught_up)
    report = await replay_reporting(system.database_url, Options())

    assert report.equal, [t for t in report.tables if not t.equal]
    assert report.position >= projection["checkpoint"]
    assert {t.table for t in report.tables} == set(PROJECTED)
    rows = {t.table: t.live.rows for t in report.tables}
    assert rows["agenda_book"] >= 3

    # As of the position of the resubmission, the returned request was back at the kadis.
    resubmitted = next(e for e in returned.entries if e["type"] == "RequestResubmitted")
    then = await desk.call(
        "reporting",
        "auditor",
        "GET",
        f"/requests/{returned.ticket}",
        params={"as_of": resubmitted["position"]},
    )
    assert (then["status"], then["current_step"]) == ("submitted", "dispose_kabid")
    events = await desk.call(
        "reporting", "auditor", "GET", f"/audit/tickets/{closed.ticket}/events"
    )
    assert [e["type"] for e in events["events"]] == [e["type"] for e in closed.entries]
    assert all(e["hash_valid"] and e["linked"] for e in events["events"])
    assert integrated.types[-1] == "ReportArchived"
