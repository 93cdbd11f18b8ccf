"""Where a request stands after each event: status, the step waiting, who holds it (pure)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from penghubung.events import Event, Role
from penghubung.events.catalog import (
    Disposed,
    FeasibilityDone,
    Integrated,
    ReportArchived,
    ReportWritten,
    RequestClosed,
    RequestResubmitted,
    RequestReturned,
    RequestSubmitted,
    WorkReassigned,
)
from penghubung.forms import Officer, Step


class Status(StrEnum):
    """A request's status as the read side shows it."""

    SUBMITTED = "submitted"
    RETURNED = "returned"
    IN_DISPOSITION = "in_disposition"
    ASSIGNED = "assigned"
    ANALYSED = "analysed"
    INTEGRATED = "integrated"
    CLOSED = "closed"
    ARCHIVED = "archived"


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


@dataclass(frozen=True)
class Progress:
    """The state of one request on the read side."""

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
    if isinstance(event, RequestSubmitted):
        return Progress(Status.SUBMITTED, Step.DISPOSE_KABID, since=event.received_at)
    if progress is None:
        return None
    match event:
        case RequestResubmitted(received_at=received):
            # A new round: the chain starts again at the kadis, as disposition does.
            return Progress(Status.SUBMITTED, Step.DISPOSE_KABID, since=received)
        case RequestReturned():
            return replace(progress, status=Status.RETURNED, step=Step.SUBMIT, since=at)
        case Disposed():
            return _disposed(progress, event, at=at)
        case WorkReassigned():  # another officer takes the work where it stands
            return replace(progress, since=at, officer=event.to_officer)
        case FeasibilityDone(feasible=feasible):
            step = Step.IMPLEMENTATION if feasible else Step.REPORT
            return replace(progress, status=Status.ANALYSED, step=step, since=at)
        case Integrated():
            return replace(progress, status=Status.INTEGRATED, step=Step.REPORT, since=at)
        case RequestClosed():
            return replace(progress, status=Status.CLOSED, step=Step.REPORT, since=at)
        case ReportWritten():
            return replace(progress, step=Step.ARCHIVE, since=at)
        case ReportArchived():
            return replace(progress, status=Status.ARCHIVED, step=None, since=at)
    return progress


def _disposed(progress: Progress, event: Disposed, *, at: datetime) -> Progress:
    step = _AFTER_DISPOSITION[event.step]
    if step is Step.FEASIBILITY and progress.holder_role is Role.PETUGAS:
        # A reassignment: another officer takes the work where it stands.
        return replace(progress, since=at, officer=event.to_officer)
    if step is Step.FEASIBILITY:
        return replace(
            progress, status=Status.ASSIGNED, step=step, since=at, officer=event.to_officer
        )
    return replace(progress, status=Status.IN_DISPOSITION, step=step, since=at)
