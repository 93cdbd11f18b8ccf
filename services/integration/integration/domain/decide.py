"""The rules of SOP step 5: the assigned petugas analyses once, then implements once if feasible."""

from __future__ import annotations

from integration.domain.commands import (
    AnalyseFeasibility,
    Command,
    CorrectFeasibility,
    CorrectImplementation,
    ImplementIntegration,
)
from integration.domain.errors import (
    AlreadyAnalysed,
    AlreadyIntegrated,
    FeasibilityMissing,
    IntegrationMissing,
    NotAssignedToYou,
    NotFeasible,
    RecommendationRequired,
    RecommendationsTooLong,
    WorkItemNotFound,
)
from integration.domain.state import WorkItem
from penghubung.events.base import Actor, Event
from penghubung.events.catalog import (
    ClosureReason,
    FeasibilityCorrected,
    FeasibilityDone,
    ImplementationCorrected,
    Integrated,
    RequestClosed,
)

MAX_RECOMMENDATION = 5000
"""The closing recommendation is one LongText: the recommendations joined must fit in it."""


def decide(command: Command, state: WorkItem | None) -> list[Event]:
    """The events a command yields on a work item, or the domain error that refuses it."""
    if state is None:
        raise WorkItemNotFound()
    if not _acts_for_officer(command.actor, state):
        raise NotAssignedToYou()
    match command:
        case AnalyseFeasibility():
            return _analyse(command, state)
        case ImplementIntegration():
            return _implement(command, state)
        case CorrectFeasibility():
            if state.analysis is None:
                raise FeasibilityMissing(state.ticket_id)
            fields = command.model_dump(exclude={"actor"})
            return [FeasibilityCorrected.model_validate(fields)]
        case CorrectImplementation():
            if state.integration is None:
                raise IntegrationMissing()
            fields = command.model_dump(exclude={"actor"})
            return [ImplementationCorrected.model_validate(fields)]


def _acts_for_officer(actor: Actor, state: WorkItem) -> bool:
    """The assigned officer, or a stand-in acting for them."""
    return state.is_assigned_to(actor.nip) or state.is_assigned_to(actor.on_behalf_of_nip)


def _analyse(command: AnalyseFeasibility, state: WorkItem) -> list[Event]:
    if state.analysis is not None:
        raise AlreadyAnalysed()
    done = FeasibilityDone(
        ticket_id=state.ticket_id,
        difficulty=command.difficulty,
        feasible=command.feasible,
        vulnerability=command.vulnerability,
        stress_test=command.stress_test,
        notes=command.notes,
        recommendations=command.recommendations,
    )
    if command.feasible:
        return [done]
    return [done, _closed_not_feasible(command)]


def _closed_not_feasible(command: AnalyseFeasibility) -> RequestClosed:
    if not command.recommendations:
        raise RecommendationRequired()
    recommendation = "\n\n".join(command.recommendations)
    if len(recommendation) > MAX_RECOMMENDATION:
        raise RecommendationsTooLong()
    return RequestClosed(
        ticket_id=command.ticket_id,
        reason=ClosureReason.NOT_FEASIBLE,
        recommendation=recommendation,
    )


def _implement(command: ImplementIntegration, state: WorkItem) -> list[Event]:
    if state.analysis is None:
        raise FeasibilityMissing()
    if not state.analysis.feasible:
        raise NotFeasible()
    if state.integration is not None:
        raise AlreadyIntegrated()
    return [Integrated(ticket_id=state.ticket_id, details=command.details, notes=command.notes)]
