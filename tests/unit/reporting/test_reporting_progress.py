"""Where a request stands after each event: status, the step waiting and who holds it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from penghubung.events import Event, Role
from penghubung.events.catalog import (
    BeritaAcaraNumberReserved,
    Disposed,
    FeasibilityDone,
    Integrated,
    Outcome,
    ReportArchived,
    ReportWritten,
    RequestClosed,
    RequestResubmitted,
    RequestReturned,
    RequestSubmitted,
    WorkReassigned,
)
from penghubung.forms import Officer
from penghubung.sop import Step
from reporting.projections.progress import Progress, Status, advance

TICKET = "SC05-2026-00007"
T0 = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
BUDI = Officer(nip="199212312019032002", name="Budi Santoso")


def walk(start: Progress | None, *events: Event) -> list[Progress | None]:
    """The progress after each event, the n-th event happening n hours after T0."""
    seen: list[Progress | None] = []
    progress = start
    for n, event in enumerate(events, start=1):
        progress = advance(progress, event, at=T0 + timedelta(hours=n))
        seen.append(progress)
    return seen


def row(p: Progress | None) -> tuple[object, ...]:
    assert p is not None
    return (p.status, p.step, p.holder_role, p.holder_officer)


def report(outcome: Outcome) -> ReportWritten:
    return ReportWritten(ticket_id=TICKET, outcome=outcome, summary="Ringkasan")


def archived() -> ReportArchived:
    return ReportArchived(
        ticket_id=TICKET,
        agenda_year=2026,
        agenda_number=1,
        agenda_code="001/AG-LIA/SC-05/DISKOMINFO/2026",
        report_ref="x",
    )


def test_a_request_goes_from_the_kadis_down_to_the_petugas_and_into_the_agenda_book(
    submitted: Callable[..., RequestSubmitted],
    disposed: Callable[..., Disposed],
    feasibility: Callable[..., FeasibilityDone],
    integrated: Callable[..., Integrated],
) -> None:
    reserved = BeritaAcaraNumberReserved(
        ticket_id=TICKET, year=2026, sequence=1, number="001/BA-LIA/SC-05/DISKOMINFO/2026"
    )
    seen = walk(
        None,
        submitted(),
        disposed(Role.KADIS, Role.KABID),
        disposed(Role.KABID, Role.PRAKOM),
        disposed(Role.PRAKOM, Role.PETUGAS),
        feasibility(),
        integrated(),
        report(Outcome.INTEGRATED),
        reserved,
        archived(),
    )

    assert [row(p) for p in seen] == [
        (Status.SUBMITTED, Step.DISPOSE_KABID, Role.KADIS, None),
        (Status.IN_DISPOSITION, Step.DISPOSE_PRAKOM, Role.KABID, None),
        (Status.IN_DISPOSITION, Step.DISPOSE_PETUGAS, Role.PRAKOM, None),
        (Status.ASSIGNED, Step.FEASIBILITY, Role.PETUGAS, BUDI),
        (Status.ANALYSED, Step.IMPLEMENTATION, Role.PETUGAS, BUDI),
        (Status.INTEGRATED, Step.REPORT, Role.PETUGAS, BUDI),
        (Status.INTEGRATED, Step.ARCHIVE, Role.PETUGAS, BUDI),
        (Status.INTEGRATED, Step.ARCHIVE, Role.PETUGAS, BUDI),
        (Status.ARCHIVED, None, None, None),
    ]


def test_a_submission_is_at_the_kadis_since_its_real_receipt(
    submitted: Callable[..., RequestSubmitted],
) -> None:
    event = submitted()
    progress = advance(None, event, at=T0 + timedelta(days=1))
    assert progress is not None
    assert progress.since == event.received_at


def test_each_move_starts_the_holder_s_time_when_the_event_happened(
    submitted: Callable[..., RequestSubmitted], disposed: Callable[..., Disposed]
) -> None:
    _, after = walk(None, submitted(), disposed(Role.KADIS, Role.KABID))
    assert after is not None
    assert after.since == T0 + timedelta(hours=2)


def test_a_request_found_not_feasible_goes_to_the_report_closed(
    submitted: Callable[..., RequestSubmitted],
    disposed: Callable[..., Disposed],
    feasibility: Callable[..., FeasibilityDone],
    closed: Callable[..., RequestClosed],
) -> None:
    seen = walk(
        None,
        submitted(),
        disposed(Role.KADIS, Role.KABID),
        disposed(Role.KABID, Role.PRAKOM),
        disposed(Role.PRAKOM, Role.PETUGAS),
        feasibility(feasible=False),
        closed(),
        report(Outcome.NOT_FEASIBLE),
        archived(),
    )

    assert [row(p) for p in seen[4:]] == [
        (Status.ANALYSED, Step.REPORT, Role.PETUGAS, BUDI),
        (Status.CLOSED, Step.REPORT, Role.PETUGAS, BUDI),
        (Status.CLOSED, Step.ARCHIVE, Role.PETUGAS, BUDI),
        (Status.ARCHIVED, None, None, None),
    ]


@pytest.mark.parametrize(
    "returned_at", [Step.DISPOSE_KABID, Step.DISPOSE_PRAKOM, Step.DISPOSE_PETUGAS]
)
def test_a_returned_request_waits_for_the_applicant_then_starts_again_at_the_kadis(
    submitted: Callable[..., RequestSubmitted], returned_at: Step
) -> None:
    start = Progress(Status.IN_DISPOSITION, returned_at, since=T0, officer=BUDI)
    returned = RequestReturned(ticket_id=TICKET, step=returned_at, reasons=["Surat belum diteken"])
    resubmitted = RequestResubmitted.model_validate(
        {
            **submitted().model_dump(
                exclude={"type", "schema_version", "resubmission", "backdate_confirmation"}
            ),
            "received_at": T0 + timedelta(days=2),
            "resubmission": 1,
            "answer": "Surat sudah diteken",
        }
    )

    back, again = walk(start, returned, resubmitted)

    assert row(back) == (Status.RETURNED, Step.SUBMIT, Role.PEMOHON, None)
    assert row(again) == (Status.SUBMITTED, Step.DISPOSE_KABID, Role.KADIS, None)
    assert again is not None
    assert again.officer is None
    assert again.since == T0 + timedelta(days=2)


def test_events_of_a_request_never_submitted_give_no_progress(
    disposed: Callable[..., Disposed],
) -> None:
    assert advance(None, disposed(Role.KADIS, Role.KABID), at=T0) is None


def test_an_event_that_moves_nothing_leaves_the_progress_as_it_was() -> None:
    start = Progress(Status.INTEGRATED, Step.ARCHIVE, since=T0, officer=BUDI)
    reserved = BeritaAcaraNumberReserved(
        ticket_id=TICKET, year=2026, sequence=1, number="001/BA-LIA/SC-05/DISKOMINFO/2026"
    )
    assert advance(start, reserved, at=T0 + timedelta(hours=1)) == start


@pytest.mark.parametrize(
    ("status", "step"),
    [
        (Status.ASSIGNED, Step.FEASIBILITY),
        (Status.ANALYSED, Step.IMPLEMENTATION),
    ],
)
def test_a_reassignment_hands_the_work_to_another_officer_where_it_stands(
    disposed: Callable[..., Disposed], status: Status, step: Step
) -> None:
    other = Officer(nip="199106062016041006", name="Petugas Lain")
    start = Progress(status, step, since=T0, officer=BUDI)

    [after] = walk(start, disposed(Role.PRAKOM, Role.PETUGAS, to_officer=other.model_dump()))

    assert row(after) == (status, step, Role.PETUGAS, other)
    assert after is not None
    assert after.since == T0 + timedelta(hours=1)


def test_a_work_reassignment_names_the_new_officer_where_the_work_stands() -> None:
    other = Officer(nip="199106062016041006", name="Petugas Lain")
    start = Progress(Status.ANALYSED, Step.IMPLEMENTATION, since=T0, officer=BUDI)
    moved = WorkReassigned(
        ticket_id="SC05-2026-00001", from_officer=BUDI, to_officer=other, reason="Cuti"
    )

    [after] = walk(start, moved)

    assert row(after) == (Status.ANALYSED, Step.IMPLEMENTATION, Role.PETUGAS, other)
