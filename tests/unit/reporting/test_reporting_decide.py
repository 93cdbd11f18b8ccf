"""Reporting's rules: given the `reporting-<ticket>` stream, when a command, then events or no."""

from __future__ import annotations

import pytest

from penghubung.events import Event
from penghubung.events.catalog import (
    BeritaAcaraNumberReserved,
    Outcome,
    ReportArchived,
    ReportSection,
    ReportWritten,
)
from penghubung.refusals import Conflict
from reporting.domain import decide
from reporting.domain.commands import ArchiveReport, ReserveBeritaAcaraNumber, WriteReport
from reporting.domain.errors import (
    AlreadyArchived,
    BeritaAcaraAlreadyReserved,
    NotIntegrated,
    ReportAlreadyWritten,
    ReportMissing,
)
from reporting.domain.numbers import YearlyNumber
from reporting.domain.state import ReportState, evolve, fold

TICKET = "SC05-2026-00007"
NUMBER = YearlyNumber(2026, 1)


def written(outcome: Outcome = Outcome.INTEGRATED) -> ReportWritten:
    return ReportWritten(ticket_id=TICKET, outcome=outcome, summary="Integrasi selesai")


def reserved(sequence: int = 3) -> BeritaAcaraNumberReserved:
    return BeritaAcaraNumberReserved(
        ticket_id=TICKET,
        year=2026,
        sequence=sequence,
        number=f"{sequence:03d}/BA-LIA/SC-05/DISKOMINFO/2026",
    )


def archived() -> ReportArchived:
    return ReportArchived(
        ticket_id=TICKET,
        agenda_year=2026,
        agenda_number=4,
        agenda_code="004/AG-LIA/SC-05/DISKOMINFO/2026",
        report_ref=f"reporting-{TICKET}@1",
    )


def given(*events: Event) -> ReportState:
    return fold(events)


WRITE = WriteReport(
    ticket_id=TICKET,
    outcome=Outcome.INTEGRATED,
    summary="Integrasi SIMPUS selesai",
    sections=(ReportSection(title="Analisis kelayakan", body="Layak"),),
)


# --- the state ------------------------------------------------------------------------------


def test_an_empty_stream_has_no_report_no_number_no_archive() -> None:
    state = given()
    assert state == ReportState(version=0)


def test_fold_counts_events_and_remembers_the_report_its_number_and_archive() -> None:
    state = given(written(), reserved(), archived())

    assert state.version == 3
    assert state.outcome is Outcome.INTEGRATED
    assert state.report_version == 1
    assert state.berita_acara_number == "003/BA-LIA/SC-05/DISKOMINFO/2026"
    assert state.agenda_code == "004/AG-LIA/SC-05/DISKOMINFO/2026"


def test_evolve_puts_the_report_at_its_stream_version() -> None:
    state = evolve(ReportState(version=2), written())
    assert (state.version, state.report_version) == (3, 3)


# --- write the report -----------------------------------------------------------------------


def test_a_request_without_a_report_gets_one() -> None:
    events = decide.write_report(WRITE, given())

    assert events == [
        ReportWritten(
            ticket_id=TICKET,
            outcome=Outcome.INTEGRATED,
            summary="Integrasi SIMPUS selesai",
            sections=(ReportSection(title="Analisis kelayakan", body="Layak"),),
        )
    ]


@pytest.mark.parametrize("outcome", list(Outcome))
def test_a_request_is_reported_once(outcome: Outcome) -> None:
    with pytest.raises(ReportAlreadyWritten) as refused:
        decide.write_report(WRITE, given(written(outcome)))
    assert refused.value.code == "report_already_written"
    assert TICKET in refused.value.message


# --- reserve the Berita Acara number ------------------------------------------------------------


def test_an_integrated_request_gets_the_berita_acara_number_it_was_given() -> None:
    events = decide.reserve_berita_acara_number(
        ReserveBeritaAcaraNumber(ticket_id=TICKET), given(written()), number=YearlyNumber(2026, 7)
    )

    assert events == [
        BeritaAcaraNumberReserved(
            ticket_id=TICKET, year=2026, sequence=7, number="007/BA-LIA/SC-05/DISKOMINFO/2026"
        )
    ]


@pytest.mark.parametrize(
    ("year", "sequence", "number"),
    [
        (2026, 1, "001/BA-LIA/SC-05/DISKOMINFO/2026"),
        (2026, 42, "042/BA-LIA/SC-05/DISKOMINFO/2026"),
        (2027, 999, "999/BA-LIA/SC-05/DISKOMINFO/2027"),
        (2027, 1000, "1000/BA-LIA/SC-05/DISKOMINFO/2027"),
    ],
)
def test_the_berita_acara_number_reads_nnn_ba_lia_sc05_diskominfo_yyyy(
    year: int, sequence: int, number: str
) -> None:
    [event] = decide.reserve_berita_acara_number(
        ReserveBeritaAcaraNumber(ticket_id=TICKET),
        given(written()),
        number=YearlyNumber(year, sequence),
    )
    assert isinstance(event, BeritaAcaraNumberReserved)
    assert (event.year, event.sequence, event.number) == (year, sequence, number)


def test_no_berita_acara_before_the_report_says_integrated() -> None:
    with pytest.raises(NotIntegrated) as refused:
        decide.reserve_berita_acara_number(
            ReserveBeritaAcaraNumber(ticket_id=TICKET), given(), number=NUMBER
        )
    assert refused.value.code == "not_integrated"


def test_no_berita_acara_for_a_request_closed_as_not_feasible() -> None:
    with pytest.raises(NotIntegrated):
        decide.reserve_berita_acara_number(
            ReserveBeritaAcaraNumber(ticket_id=TICKET),
            given(written(Outcome.NOT_FEASIBLE)),
            number=NUMBER,
        )


def test_a_request_gets_one_berita_acara_number_only() -> None:
    with pytest.raises(BeritaAcaraAlreadyReserved) as refused:
        decide.reserve_berita_acara_number(
            ReserveBeritaAcaraNumber(ticket_id=TICKET), given(written(), reserved()), number=NUMBER
        )
    assert refused.value.code == "berita_acara_already_reserved"
    assert "003/BA-LIA/SC-05/DISKOMINFO/2026" in refused.value.message


# --- archive ----------------------------------------------------------------------------------


def test_a_written_report_is_archived_under_the_number_it_was_given() -> None:
    events = decide.archive_report(
        ArchiveReport(ticket_id=TICKET), given(written(), reserved()), number=YearlyNumber(2026, 12)
    )

    assert events == [
        ReportArchived(
            ticket_id=TICKET,
            agenda_year=2026,
            agenda_number=12,
            agenda_code="012/AG-LIA/SC-05/DISKOMINFO/2026",
            report_ref=f"reporting-{TICKET}@1",
        )
    ]


def test_a_report_closed_as_not_feasible_is_archived_too() -> None:
    [event] = decide.archive_report(
        ArchiveReport(ticket_id=TICKET), given(written(Outcome.NOT_FEASIBLE)), number=NUMBER
    )
    assert isinstance(event, ReportArchived)
    assert event.agenda_code == "001/AG-LIA/SC-05/DISKOMINFO/2026"


def test_the_stored_document_of_the_report_may_be_named() -> None:
    [event] = decide.archive_report(
        ArchiveReport(ticket_id=TICKET, report_ref="arsip/2026/laporan-7.pdf"),
        given(written()),
        number=NUMBER,
    )
    assert isinstance(event, ReportArchived)
    assert event.report_ref == "arsip/2026/laporan-7.pdf"


def test_nothing_is_archived_before_the_report_is_written() -> None:
    with pytest.raises(ReportMissing) as refused:
        decide.archive_report(ArchiveReport(ticket_id=TICKET), given(), number=NUMBER)
    assert refused.value.code == "report_missing"


def test_a_report_is_archived_once() -> None:
    with pytest.raises(AlreadyArchived) as refused:
        decide.archive_report(
            ArchiveReport(ticket_id=TICKET),
            given(written(), reserved(), archived()),
            number=NUMBER,
        )
    assert refused.value.code == "already_archived"
    assert "004/AG-LIA/SC-05/DISKOMINFO/2026" in refused.value.message


@pytest.mark.parametrize(
    "error",
    [
        ReportMissing(TICKET),
        AlreadyArchived(TICKET, "001/AG-LIA/SC-05/DISKOMINFO/2026"),
        ReportAlreadyWritten(TICKET),
        NotIntegrated(TICKET),
        BeritaAcaraAlreadyReserved(TICKET, "001/BA-LIA/SC-05/DISKOMINFO/2026"),
    ],
)
def test_every_refusal_has_its_own_code_and_names_the_ticket(error: Conflict) -> None:
    assert error.code != Conflict.code
    assert TICKET in error.message
    assert str(error) == f"{error.code}: {error.message}"
