"""Where a request stands after each event: status, the step waiting, who holds it (pure)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, NamedTuple

from penghubung.events import Event, Role, audit, catalog, directory, notices, sla
from penghubung.events.documents import BeritaAcaraSigned, DocumentIssued
from penghubung.events.routing import Routes
from penghubung.events.survey import SatisfactionSurveyAnswered
from penghubung.forms import Officer
from penghubung.sop import RequestStatus, Step

Status = RequestStatus
"""A request's status as the read side shows it: the one vocabulary of `penghubung.sop`."""


HOLDERS: dict[Step, Role] = {
    Step.SUBMIT: Role.PEMOHON,
    Step.DISPOSE_KABID: Role.KADIS,
    Step.DISPOSE_PRAKOM: Role.KABID,
    Step.DISPOSE_PETUGAS: Role.PRAKOM,
    Step.FEASIBILITY: Role.PETUGAS,
    Step.IMPLEMENTATION: Role.PETUGAS,
    Step.REPORT: Role.PETUGAS,
    Step.ARCHIVE: Role.PETUGAS,
}
"""Who must act at each step of the SOP."""

_AFTER_DISPOSITION: dict[Step, Step] = {
    Step.DISPOSE_KABID: Step.DISPOSE_PRAKOM,
    Step.DISPOSE_PRAKOM: Step.DISPOSE_PETUGAS,
    Step.DISPOSE_PETUGAS: Step.FEASIBILITY,
}


class Progress(NamedTuple):
    """The state of one request on the read side (a tuple: a rebuild makes one per event)."""

    status: Status
    step: Step | None
    """The SOP step waiting to be done; None once the report is archived."""
    since: datetime
    """Since when the request has been at this step."""
    officer: Officer | None = None
    """The petugas ordered to do the work, once ordered (in the current round)."""

    @property
    def holder_role(self) -> Role | None:
        """The role that must act now."""
        return HOLDERS[self.step] if self.step is not None else None

    @property
    def holder_officer(self) -> Officer | None:
        """The named officer that must act now (known once a petugas is ordered)."""
        return self.officer if self.holder_role is Role.PETUGAS else None


def advance(progress: Progress | None, event: Event, *, at: datetime) -> Progress | None:
    """The request's progress after `event`, which happened `at`; None for an unknown request."""
    if isinstance(event, catalog.RequestSubmitted):
        return Progress(Status.SUBMITTED, Step.DISPOSE_KABID, since=event.received_at)
    if progress is None:
        return None
    move = MOVES.of(event)
    return move(progress, event, at) if move is not None else progress


def _resubmitted(progress: Progress, event: catalog.RequestResubmitted, at: datetime) -> Progress:
    # A new round: the chain starts again at the kadis, as disposition does.
    return Progress(Status.SUBMITTED, Step.DISPOSE_KABID, since=event.received_at)


def _returned(progress: Progress, event: catalog.RequestReturned, at: datetime) -> Progress:
    return progress._replace(status=Status.RETURNED, step=Step.SUBMIT, since=at)


def _analysed(progress: Progress, event: catalog.FeasibilityDone, at: datetime) -> Progress:
    step = Step.IMPLEMENTATION if event.feasible else Step.REPORT
    return progress._replace(status=Status.ANALYSED, step=step, since=at)


def _integrated(progress: Progress, event: catalog.Integrated, at: datetime) -> Progress:
    return progress._replace(status=Status.INTEGRATED, step=Step.REPORT, since=at)


def _closed(progress: Progress, event: catalog.RequestClosed, at: datetime) -> Progress:
    return progress._replace(status=Status.CLOSED, step=Step.REPORT, since=at)


def _report_written(progress: Progress, event: catalog.ReportWritten, at: datetime) -> Progress:
    return progress._replace(step=Step.ARCHIVE, since=at)


def _archived(progress: Progress, event: catalog.ReportArchived, at: datetime) -> Progress:
    return progress._replace(status=Status.ARCHIVED, step=None, since=at)


def _reassigned(progress: Progress, event: catalog.WorkReassigned, at: datetime) -> Progress:
    # Another officer takes the work where it stands.
    return progress._replace(since=at, officer=event.to_officer)


def _disposed(progress: Progress, event: catalog.Disposed, at: datetime) -> Progress:
    step = _AFTER_DISPOSITION[event.step]
    if step is Step.FEASIBILITY and progress.holder_role is Role.PETUGAS:
        # A reassignment: another officer takes the work where it stands.
        return progress._replace(since=at, officer=event.to_officer)
    if step is Step.FEASIBILITY:
        return progress._replace(
            status=Status.ASSIGNED, step=step, since=at, officer=event.to_officer
        )
    return progress._replace(status=Status.IN_DISPOSITION, step=step, since=at)


Move = Callable[[Progress, Any, datetime], Progress]
"""How one event class moves a known request on (the event is of the class it is routed by)."""

MOVES = Routes[Move](
    "reporting progress",
    {
        # catalog.RequestSubmitted opens the request (`advance`); the others move it on
        catalog.RequestSubmitted: lambda progress, event, at: progress,
        catalog.RequestResubmitted: _resubmitted,
        catalog.RequestReturned: _returned,
        catalog.Disposed: _disposed,
        catalog.WorkReassigned: _reassigned,
        catalog.FeasibilityDone: _analysed,
        catalog.Integrated: _integrated,
        catalog.RequestClosed: _closed,
        catalog.ReportWritten: _report_written,
        catalog.ReportArchived: _archived,
    },
    ignored={
        # the status, step and holder stay: a number, the clocks, the calendar, the audit
        catalog.BeritaAcaraNumberReserved,
        sla.ClockPaused,
        sla.ClockResumed,
        sla.SlaWarningRaised,
        sla.SlaRecalculated,
        *sla.CALENDAR_CHANGES,
        *audit.AUDIT_EVENTS,
        *directory.DIRECTORY_EVENTS,
        # a correction changes the facts recorded, not where the request stands
        catalog.FeasibilityCorrected,
        catalog.ImplementationCorrected,
        catalog.ReportRevised,
        # papers: an issue and a returned signed copy move no request on
        DocumentIssued,
        BeritaAcaraSigned,
        # the applicant's survey comes after the archive: the request stays archived
        SatisfactionSurveyAnswered,
        # who is who, and who was told: no clock, no status, no SLA fact
        *directory.DIRECTORY_EVENTS,
        *notices.NOTICE_EVENTS,
        # an upload removed before any request took it moves no request
        catalog.AttachmentDiscarded,
    },
)
"""The move of each event class that changes where a request stands."""
