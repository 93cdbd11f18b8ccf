"""The rules of SOP steps 6 and 7: one report per request, one Berita Acara number, one archive."""

from __future__ import annotations

from penghubung.events import Event
from penghubung.events.catalog import (
    BeritaAcaraNumberReserved,
    FeasibilityCorrected,
    ImplementationCorrected,
    Outcome,
    ReportArchived,
    ReportRevised,
    ReportWritten,
)
from penghubung.forms import format_berita_acara_number
from reporting.domain.commands import ArchiveReport, ReserveBeritaAcaraNumber, WriteReport
from reporting.domain.errors import (
    AlreadyArchived,
    BeritaAcaraAlreadyReserved,
    NotIntegrated,
    ReportAlreadyWritten,
    ReportMissing,
)
from reporting.domain.numbers import YearlyNumber, format_agenda_code
from reporting.domain.state import ReportState


def write_report(cmd: WriteReport, state: ReportState) -> list[Event]:
    """A finished request gets its report once."""
    if state.outcome is not None:
        raise ReportAlreadyWritten(cmd.ticket_id)
    return [
        ReportWritten(
            ticket_id=cmd.ticket_id, outcome=cmd.outcome, summary=cmd.summary, sections=cmd.sections
        )
    ]


SUMMARY = "Ringkasan"
"""How a changed summary is named among the changed parts of a revision."""


def revise_report(
    cmd: WriteReport,
    state: ReportState,
    *,
    correction: FeasibilityCorrected | ImplementationCorrected,
) -> list[Event]:
    """A written report follows a correction of its facts: a revision, when its text changes.
    Before the report is written there is nothing to revise (it is written from the corrected
    facts); the outcome stands (a correction changes no verdict)."""
    if state.outcome is None or state.summary is None:
        return []
    changed = tuple(_changed(state, cmd))
    if not changed:
        return []
    return [
        ReportRevised(
            ticket_id=cmd.ticket_id,
            revision=state.revisions + 1,
            corrected=correction.type,
            reason=correction.reason,
            summary=cmd.summary,
            sections=cmd.sections,
            changed=changed,
        )
    ]


def _changed(state: ReportState, cmd: WriteReport) -> list[str]:
    """The parts of the report whose text differs: the summary, then each section by title."""
    found = [SUMMARY] if state.summary != cmd.summary else []
    before = {s.title: s.body for s in state.sections}
    after = {s.title: s.body for s in cmd.sections}
    titles = dict.fromkeys([*before, *after])
    return found + [t for t in titles if before.get(t) != after.get(t)]


def reserve_berita_acara_number(
    cmd: ReserveBeritaAcaraNumber, state: ReportState, *, number: YearlyNumber
) -> list[Event]:
    """An integrated request gets one Berita Acara number, the year's next."""
    if state.outcome is not Outcome.INTEGRATED:
        raise NotIntegrated(cmd.ticket_id)
    if state.berita_acara_number is not None:
        raise BeritaAcaraAlreadyReserved(cmd.ticket_id, state.berita_acara_number)
    return [
        BeritaAcaraNumberReserved(
            ticket_id=cmd.ticket_id,
            year=number.year,
            sequence=number.number,
            number=format_berita_acara_number(number.year, number.number),
        )
    ]


def archive_report(cmd: ArchiveReport, state: ReportState, *, number: YearlyNumber) -> list[Event]:
    """A written report is entered in the agenda book once, under the year's next number."""
    if state.outcome is None or state.report_version is None:
        raise ReportMissing(cmd.ticket_id)
    if state.agenda_code is not None:
        raise AlreadyArchived(cmd.ticket_id, state.agenda_code)
    return [
        ReportArchived(
            ticket_id=cmd.ticket_id,
            agenda_year=number.year,
            agenda_number=number.number,
            agenda_code=format_agenda_code(number.year, number.number),
            report_ref=cmd.report_ref or f"reporting-{cmd.ticket_id}@{state.report_version}",
        )
    ]
