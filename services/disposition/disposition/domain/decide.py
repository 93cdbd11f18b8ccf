"""The rules of disposition: one level down at a time, with the papers, by the holder."""

from __future__ import annotations

from disposition.domain import errors
from disposition.domain.commands import Command, Dispose, ReturnRequest
from disposition.domain.state import DISPOSERS, Request, Status, next_role
from penghubung.events.base import Actor, Event, Role
from penghubung.events.catalog import Disposed, RequestReturned
from penghubung.sop import DocumentKind, required_documents


def decide(command: Command, state: Request | None) -> list[Event]:
    """The events a command causes on a request, or the domain error that refuses it."""
    match command:
        case Dispose():
            return [_dispose(command, _holding(command.ticket_id, command.actor, state, "dispose"))]
        case ReturnRequest():
            return [_return(command, _holding(command.ticket_id, command.actor, state, "return"))]


def acting_actor(command: Dispose) -> Actor:
    """The actor of record: who disposed and, for a stand-in (Plt/Plh), for whom.

    The token may say whom the caller stands in for, or the body may; if both do, they agree.
    """
    actor, stated = command.actor, command.on_behalf_of
    if stated is not None and actor.on_behalf_of_nip not in (None, stated.nip):
        raise errors.StandInConflict()
    acting_for = actor.on_behalf_of_nip or (stated.nip if stated else None)
    if acting_for is None:
        if command.stand_in is not None:
            raise errors.StandInUnnamed()
        return actor
    if command.stand_in is None:
        raise errors.StandInKindMissing()
    if acting_for == actor.nip:
        raise errors.StandInForSelf()
    if stated is None or actor.on_behalf_of_nip is not None:
        return actor  # the token's words stand
    return actor.model_copy(
        update={"on_behalf_of_nip": stated.nip, "on_behalf_of_name": stated.name}
    )


_ACTIONS = {"dispose": "mendisposisi", "return": "mengembalikan"}


def _holding(ticket_id: str, actor: Actor, state: Request | None, action: str) -> Request:
    """The request, if the actor's role holds it now; the refusal that fits otherwise."""
    if state is None:
        raise errors.RequestNotFound(ticket_id)
    if actor.role not in DISPOSERS:
        raise errors.RoleCannotAct(actor.role, _ACTIONS[action])
    if state.status is Status.RETURNED:
        raise errors.AwaitingResubmission(ticket_id)
    if state.status is Status.ASSIGNED:
        raise errors.DispositionComplete(ticket_id)
    if actor.role is not state.holder:
        raise errors.NotYourTurn(ticket_id, role=actor.role, holder=state.holder)
    return state


def _dispose(command: Dispose, state: Request) -> Disposed:
    to_role = next_role(state.holder)
    # The holder is a disposer here: there is a next role and a step.
    assert to_role is not None
    assert state.step is not None
    if command.to_role is not None and command.to_role is not to_role:
        raise errors.SkipsALevel(role=state.holder, expected=to_role, asked=command.to_role)
    _check_documents(command.documents, required_documents(state.step))
    if to_role is Role.PETUGAS and command.to_officer is None:
        raise errors.OfficerRequired()
    if to_role is not Role.PETUGAS and command.to_officer is not None:
        raise errors.OfficerNotExpected()
    acting_actor(command)
    return Disposed(
        ticket_id=command.ticket_id,
        from_role=state.holder,
        to_role=to_role,
        instruction=command.instruction,
        to_officer=command.to_officer,
        documents=tuple(sorted(command.documents)),
        stand_in=command.stand_in,
    )


def _check_documents(stated: frozenset[DocumentKind], required: frozenset[DocumentKind]) -> None:
    """The papers at hand are exactly what the step needs: none missing, none from the future."""
    if missing := required - stated:
        raise errors.DocumentsMissing(missing)
    if extra := stated - required:
        raise errors.DocumentsNotYetMade(extra)


def _return(command: ReturnRequest, state: Request) -> RequestReturned:
    assert state.step is not None  # the holder is a disposer
    return RequestReturned(ticket_id=command.ticket_id, step=state.step, reasons=command.reasons)
