"""Pausing the clock of a work item (pure): the petugas stops it while waiting for someone else.

The clock that stops is the one of the step the petugas works on: the feasibility analysis until
`FeasibilityDone`, then the implementation (if feasible) until `Integrated`. Recording the step's
result ends a pause with it: the work was done, so there is nothing left to wait for. The
reporting service measures the paused working time and moves the due time out by it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from integration.domain.errors import (
    ClockAlreadyPaused,
    ClockNotPaused,
    NotAssignedToYou,
    WorkFinished,
    WorkItemNotFound,
)
from integration.domain.state import WorkItem
from penghubung.events.base import Actor, Event
from penghubung.events.catalog import FeasibilityDone, Integrated, RequestClosed
from penghubung.events.sla import ClockPaused, ClockResumed, PauseReason
from penghubung.forms import LongText, TicketId
from penghubung.sop import Step


class PauseClock(BaseModel):
    """Stop the clock of the step being worked on, with the reason of the wait."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    ticket_id: TicketId = Field(description="The request's ticket id")
    actor: Actor = Field(description="The assigned petugas, or a stand-in")
    reason: PauseReason = Field(description="What the petugas waits for")
    note: LongText | None = Field(default=None, description="Details of the wait")


class ResumeClock(BaseModel):
    """Let the clock of the step being worked on run again."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    ticket_id: TicketId = Field(description="The request's ticket id")
    actor: Actor = Field(description="The assigned petugas, or a stand-in")
    note: LongText | None = Field(default=None, description="What ended the wait")


ClockCommand = PauseClock | ResumeClock


@dataclass(frozen=True)
class ClockState:
    """The step a work item's clock runs for, and the pause that stops it, if any."""

    step: Step | None = Step.FEASIBILITY
    """None once the work is done (integrated, or closed as not feasible)."""
    paused: ClockPaused | None = None


def evolve(state: ClockState, event: Event) -> ClockState:
    """The clock after one fact of the `integration-<ticket>` stream."""
    match event:
        case ClockPaused():
            return ClockState(state.step, event)
        case ClockResumed():
            return ClockState(state.step, None)
        case FeasibilityDone(feasible=feasible):
            return ClockState(Step.IMPLEMENTATION if feasible else None, None)
        case Integrated() | RequestClosed():
            return ClockState(None, None)
    return state


def fold(events: Iterable[Event]) -> ClockState:
    """The clock after every fact, in order."""
    state = ClockState()
    for event in events:
        state = evolve(state, event)
    return state


def decide(command: ClockCommand, item: WorkItem | None, state: ClockState) -> list[Event]:
    """The pause or the resumption, or the domain error that refuses it."""
    if item is None:
        raise WorkItemNotFound()
    actor = command.actor
    if not (item.is_assigned_to(actor.nip) or item.is_assigned_to(actor.on_behalf_of_nip)):
        raise NotAssignedToYou()
    if state.step is None:
        raise WorkFinished()
    match command:
        case PauseClock():
            if state.paused is not None:
                raise ClockAlreadyPaused()
            return [
                ClockPaused(
                    ticket_id=command.ticket_id,
                    step=state.step,
                    reason=command.reason,
                    note=command.note,
                )
            ]
        case ResumeClock():
            if state.paused is None:
                raise ClockNotPaused()
            return [ClockResumed(ticket_id=command.ticket_id, step=state.step, note=command.note)]
