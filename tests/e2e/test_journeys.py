"""The three SOP journeys through the four running services over HTTP, NATS and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from penghubung.demo import Desk

pytestmark = pytest.mark.e2e


@pytest.fixture
def desk(system: Any) -> Desk:
    return Desk(urls=system.urls, tokens=system.tokens)


async def test_integrated_request_goes_from_submission_to_the_agenda_book(desk: Desk) -> None:
    journey = await desk.integrated_journey("Dinas Kesehatan")

    assert journey.types == [
        "RequestSubmitted",
        "Disposed",
        "Disposed",
        "Disposed",
        "FeasibilityDone",
        "Integrated",
        "ReportWritten",
        "BeritaAcaraNumberReserved",
        "ReportArchived",
    ]
    positions = [e["position"] for e in journey.entries]
    assert positions == sorted(positions)
    path = f"/requests/{journey.ticket}"
    assert (await desk.call("reporting", "auditor", "GET", path))["status"] == "archived"
    report = await desk.call("reporting", "auditor", "GET", f"{path}/report")
    assert report["outcome"] == "integrated"
    submitted = await desk.call("intake", "pemohon", "GET", path)
    assert submitted["ticket_id"] == journey.ticket


async def test_not_feasible_request_is_closed_reported_and_archived(desk: Desk) -> None:
    journey = await desk.not_feasible_journey("Dinas Kesehatan")

    assert journey.types == [
        "RequestSubmitted",
        "Disposed",
        "Disposed",
        "Disposed",
        "FeasibilityDone",
        "RequestClosed",
        "ReportWritten",
        "ReportArchived",
    ]
    report = await desk.call("reporting", "auditor", "GET", f"/requests/{journey.ticket}/report")
    assert report["outcome"] == "not_feasible"


async def test_returned_request_is_resubmitted_on_the_same_ticket(desk: Desk) -> None:
    journey = await desk.returned_journey("Dinas Kesehatan")

    assert journey.types[:3] == ["RequestSubmitted", "RequestReturned", "RequestResubmitted"]
    assert journey.types[-1] == "ReportArchived"
    assert journey.types.count("Disposed") == 3


async def test_an_applicant_cannot_see_another_agencys_ticket(desk: Desk, system: Any) -> None:
    ticket = await desk.submit("Dinas Kesehatan")

    async def projected() -> bool:
        owner = await desk.call("reporting", "pemohon", "GET", "/requests?limit=200")
        return any(item["ticket_id"] == ticket for item in owner["items"])

    await desk.until("the ticket in the owner's reporting list", projected)
    stranger = Desk(
        urls=system.urls,
        tokens={
            "pemohon": system.token_for(
                "pemohon", name="Orang Lain", nip="198601012010011002", agency="Dinas Pendidikan"
            )
        },
    )
    for service in ("intake", "reporting"):
        await stranger.call(service, "pemohon", "GET", f"/requests/{ticket}", expect=404)
