"""Reassignment through the running services: prakom moves the work from one petugas to another;
the old one loses the work item, the new one gets it and finishes it, the feasibility clock goes
on from where it started with the same due time, the officer compliance view credits the new
officer and names the old one, and the timeline names both officers."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from penghubung.demo import OFFICER, Desk, StepFailed
from penghubung.testing import pdfs

pytestmark = pytest.mark.e2e

SECOND = {"nip": "199104042016041004", "name": "Yoga Pratama"}


async def test_the_work_moves_to_another_petugas_and_the_clock_goes_on(system: Any) -> None:
    desk = Desk(
        urls=system.urls,
        tokens={
            **system.tokens,
            "second": system.token_for("petugas", name=SECOND["name"], nip=SECOND["nip"]),
        },
    )
    ticket = await desk.submit("Dinas Kesehatan")
    await desk.dispose_down_the_chain(ticket)

    async def work_of(role: str) -> bool:
        items = await desk.call("integration", role, "GET", "/work-items?limit=100")
        return any(item["ticket_id"] == ticket for item in items["items"])

    async def feasibility_clock() -> Any:
        sla = await desk.call("reporting", "auditor", "GET", f"/requests/{ticket}/sla")
        return next((c for c in sla["clocks"] if c["step"] == "feasibility"), None)

    await desk.until("the first petugas' work item", lambda: work_of("petugas"))
    before = await desk.until("the feasibility clock", feasibility_clock)
    moved = await desk.call(
        "disposition",
        "prakom",
        "POST",
        f"/requests/{ticket}/reassignments",
        expect=201,
        json={"to_officer": SECOND, "reason": f"{OFFICER['name']} ditugaskan ke luar daerah"},
    )
    assert moved["from_officer"] == OFFICER
    await desk.until("the second petugas' work item", lambda: work_of("second"))

    async def gone() -> bool:
        return not await work_of("petugas")

    await desk.until("the first petugas losing it", gone)
    with pytest.raises(StepFailed, match=r"403|409"):
        await desk.call(
            "integration",
            "petugas",
            "POST",
            f"/requests/{ticket}/clock/pause",
            expect=201,
            json={"reason": "uat"},
        )
    second = Desk(urls=desk.urls, tokens={**desk.tokens, "petugas": desk.tokens["second"]})
    await second.analyse(ticket, feasible=True)

    async def judged() -> Any:
        clock = await feasibility_clock()
        return clock if clock["judged"] else None

    after = await desk.until("the feasibility clock judged", judged)
    # The office's time, not the officer's: one clock, the same start and due time (sedang).
    assert (after["start"], after["due"]) == (before["start"], before["due"])
    assert (after["state"], after["officer"]["nip"], after["reassigned"]) == (
        "met",
        SECOND["nip"],
        True,
    )
    assert [(o["nip"], o["credited"]) for o in after["officers"]] == [
        (OFFICER["nip"], False),
        (SECOND["nip"], True),
    ]
    month = datetime.fromisoformat(after["end"]).astimezone(ZoneInfo("Asia/Jakarta"))
    compliance = await desk.call(
        "reporting", "kadis", "GET", f"/sla/compliance?by=officer&month={month:%Y-%m}"
    )
    lines = {line["key"]: line for line in compliance["lines"]}
    assert lines[SECOND["nip"]]["met"] >= 1  # credited to the one who held it when it was met
    assert lines[SECOND["nip"]]["taken_over"] >= 1
    assert lines[OFFICER["nip"]]["handed_on"] >= 1  # and the first officer is named too
    paper = await desk.download(
        "reporting", "kadis", f"/sla/monthly-report.pdf?month={month:%Y-%m}"
    )
    text = " ".join(pdfs.text(paper.content).split())
    assert "Diambil alih Dialihkan" in text  # the Kadis' monthly report says so too
    assert SECOND["name"] in text
    journey = await desk.timeline(ticket, until_type="FeasibilityDone")
    [reassigned] = [e for e in journey if e["type"] == "WorkReassigned"]
    assert OFFICER["name"] in reassigned["summary"]
    assert SECOND["name"] in reassigned["summary"]
    shown = await desk.call("reporting", "auditor", "GET", f"/requests/{ticket}")
    assert SECOND["nip"] in str(shown)  # the request's view names the new officer
