"""A work item as the rules see it: who it is assigned to, and what its stream has recorded."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum

from penghubung.events.base import Event
from penghubung.events.catalog import (
    FeasibilityCorrected,
    FeasibilityDone,
    ImplementationCorrected,
    Integrated,
    RequestClosed,
)
from penghubung.forms import Officer


class Status(StrEnum):
    """Where a work item stands."""

    ASSIGNED = "assigned"
    ANALYSED = "analysed"
    INTEGRATED = "integrated"
    CLOSED = "closed"


def stream_id(ticket_id: str) -> str:
    """The integration stream of a request: `integration-SC05-2026-00001`."""
    return f"integration-{ticket_id}"


@dataclass(frozen=True)
class WorkItem:
    """A request ordered to a petugas, and the facts of its `integration-<ticket>` stream."""

    ticket_id: str
    officer: Officer
    analysis: FeasibilityDone | None = None
    integration: Integrated | None = None
    closure: RequestClosed | None = None

    @property
    def status(self) -> Status:
        """Closed, integrated, analysed, or only assigned — the latest that holds."""
        if self.closure is not None:
            return Status.CLOSED
        if self.integration is not None:
            return Status.INTEGRATED
        if self.analysis is not None:
            return Status.ANALYSED
        return Status.ASSIGNED

    def is_assigned_to(self, nip: str | None) -> bool:
        """Whether the officer with this NIP holds the work item."""
        return nip is not None and nip == self.officer.nip


def evolve(state: WorkItem, event: Event) -> WorkItem:
    """The work item after one fact of its stream; facts of other kinds leave it as it is."""
    match event:
        case FeasibilityDone():
            return replace(state, analysis=event)
        case Integrated():
            return replace(state, integration=event)
        case FeasibilityCorrected() if state.analysis is not None:
            return replace(state, analysis=state.analysis.corrected(event))
        case ImplementationCorrected() if state.integration is not None:
            fixed = {
                **state.integration.model_dump(),
                **event.model_dump(include={"details", "notes"}),
            }
            return replace(state, integration=Integrated.model_validate(fixed))
        case RequestClosed():
            return replace(state, closure=event)
        case _:
            return state


def fold(state: WorkItem, events: Iterable[Event]) -> WorkItem:
    """The work item after every fact, in order."""
    for event in events:
        state = evolve(state, event)
    return state
