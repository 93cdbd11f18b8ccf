"""What the `reporting-<ticket>` stream says about one request's report, folded from its events."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from penghubung.events import Event
from penghubung.events.catalog import (
    BeritaAcaraNumberReserved,
    Outcome,
    ReportArchived,
    ReportRevised,
    ReportSection,
    ReportWritten,
)


@dataclass(frozen=True)
class ReportState:
    """The report of one request: written or not, its Berita Acara number, its archive entry."""

    version: int = 0
    """How many events the stream holds."""
    outcome: Outcome | None = None
    """Set once the report is written."""
    report_version: int | None = None
    """The stream version of the `ReportWritten` event, or of its latest `ReportRevised`: the
    report's reference in the log."""
    summary: str | None = None
    sections: tuple[ReportSection, ...] = ()
    """The report's text as it stands (written, or revised last)."""
    revisions: int = 0
    berita_acara_number: str | None = None
    agenda_code: str | None = None
    """Set once the report is archived."""


def evolve(state: ReportState, event: Event) -> ReportState:
    """The state after one more event of the stream."""
    state = replace(state, version=state.version + 1)
    match event:
        case ReportWritten(outcome=outcome, summary=summary, sections=sections):
            return replace(
                state,
                outcome=outcome,
                report_version=state.version,
                summary=summary,
                sections=sections,
            )
        case ReportRevised(revision=revision, summary=summary, sections=sections):
            return replace(
                state,
                report_version=state.version,
                summary=summary,
                sections=sections,
                revisions=revision,
            )
        case BeritaAcaraNumberReserved(number=number):
            return replace(state, berita_acara_number=number)
        case ReportArchived(agenda_code=code):
            return replace(state, agenda_code=code)
    return state


def fold(events: Iterable[Event], state: ReportState | None = None) -> ReportState:
    """The state after every event, in order."""
    state = state or ReportState()
    for event in events:
        state = evolve(state, event)
    return state
