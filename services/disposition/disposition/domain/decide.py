"""The rules of disposition: one level down at a time, with the papers, by the holder."""

from __future__ import annotations

from disposition.domain import errors
from disposition.domain.commands import Command, Dispose, Reassign, ReturnRequest
from disposition.domain.state import DISPOSERS, Request, Status, next_role
from penghubung.events.base import Actor, Event, Role
from penghubung.events.catalog import Disposed, RequestReturned, WorkReassigned
from penghubung.forms import StandIn
from penghubung.sop import DocumentKind, required_documents


def decide(command: Command, state: Request | None) -> list[Event]:
    """The events a command causes on a request, or the domain error that refuses it."""
    match command:
        case Dispose():
            return [_dispose(command, _holding(command.ticket_id, command.actor, state, "dispose"))]
        case ReturnRequest():
            return [_return(command, _holding(command.ticket_id, command.actor, state, "return"))]
        case Reassign():
            return [_reassign(command, state)]


REASSIGNERS: frozenset[Role] = frozenset({Role.KABID, Role.PRAKOM})
"""Who may move work from one petugas to another."""


def _reassign(command: Reassign, state: Request | None) -> WorkReassigned:
    """The work moves to another petugas: only once ordered, by prakom or kabid."""
    if state is None:
        raise errors.RequestNotFound(command.ticket_id)
    if command.actor.role not in REASSIGNERS:
        raise errors.RoleCannotAct(command.actor.role, "mengalihkan pekerjaan")
    if state.status is not Status.ASSIGNED or state.officer is None:
        raise errors.NotAssigned(command.ticket_id)
    if command.to_officer.nip == state.officer.nip:
        raise errors.SameOfficer()
    return WorkReassigned(
        ticket_id=command.ticket_id,
        from_officer=state.officer,
        to_officer=command.to_officer,
        reason=command.reason,
    )


def acting_actor(command: Dispose) -> Actor:
    """The actor of record: who disposed and, for a stand-in (Plt/Plh), for whom — as the token
    says. A body may repeat the token's words, never add a stand-in the token does not carry."""
    actor, stated = command.actor, command.on_behalf_of
    acting_for = actor.on_behalf_of_nip
    if acting_for is None:
        if stated is not None or command.stand_in is not None:
            raise errors.StandInNotInToken()
        return actor
    if stated is not None and stated.nip != acting_for:
        raise errors.StandInConflict()
    if command.token_stand_in is not None and command.stand_in not in (
        None,
        command.token_stand_in,
    ):
        raise errors.StandInConflict(field="stand_in")
    if stand_in_of(command) is None:
        raise errors.StandInKindMissing()
    if acting_for == actor.nip:
        raise errors.StandInForSelf()
    return actor


def stand_in_of(command: Dispose) -> StandIn | None:
    """Plt or Plh: the token's (a directory delegation), else the body's."""
    return command.token_stand_in or command.stand_in


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
        stand_in=stand_in_of(command),
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
