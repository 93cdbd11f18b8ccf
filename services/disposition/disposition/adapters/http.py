"""The HTTP API: the inboxes, dispositions and returns, and a request's disposition history."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field, field_validator

from disposition.adapters.db import RequestRecord
from disposition.app.handlers import Handlers, Recorded
from disposition.domain import errors
from disposition.domain.commands import Dispose, Reassign, ReturnRequest
from disposition.domain.state import CHAIN, DISPOSERS
from penghubung.agency import agency_key
from penghubung.events.base import Actor, Role
from penghubung.events.catalog import Disposed, RequestReturned, WorkReassigned
from penghubung.forms import LongText, Officer, StandIn
from penghubung.instants import Instant
from penghubung.sop import DocumentKind, Step
from penghubung.web.auth import Principal, require
from penghubung.web.errors import ERROR_RESPONSES, refusals
from penghubung.web.idempotency import Idempotent
from penghubung.web.params import Limit, Offset, Ticket

# --- bodies ---------------------------------------------------------------------------------


class DispositionIn(BaseModel):
    """A disposition as the disposer writes it."""

    model_config = ConfigDict(extra="forbid")

    instruction: LongText = Field(description="The written instruction (isi disposisi)")
    documents: list[DocumentKind] = Field(
        default_factory=list,
        description="The papers at hand: kadis surat_permohonan; kabid also disposisi_kadis;"
        " prakom also disposisi_kabid",
    )
    to_role: Role | None = Field(
        default=None, description="kabid, prakom or petugas; if given, must be the next level"
    )
    to_officer: Officer | None = Field(
        default=None, description="The petugas ordered to do the work (prakom's order only)"
    )
    stand_in: StandIn | None = Field(
        default=None, description="plt or plh when a stand-in disposes for the role holder"
    )
    on_behalf_of: Officer | None = Field(
        default=None, description="The role holder the stand-in acts for, if the token does not say"
    )

    @field_validator("to_role")
    @classmethod
    def _in_chain(cls, role: Role | None) -> Role | None:
        if role is not None and role not in CHAIN[1:]:
            raise ValueError("tujuan disposisi hanya kabid, prakom atau petugas")
        return role


class ReturnIn(BaseModel):
    """Why the request goes back to the applicant."""

    model_config = ConfigDict(extra="forbid")

    reasons: list[LongText] = Field(min_length=1, description="The reasons, at least one")


class DispositionOut(BaseModel):
    """A disposition as recorded."""

    ticket_id: str = Field(description="The request's ticket id")
    event_id: UUID = Field(description="Id of the Disposed event")
    stream_version: int = Field(description="Its version in the request's disposition stream")
    occurred_at: Instant = Field(description="When the disposition was made")
    from_role: Role = Field(description="Who disposed")
    to_role: Role = Field(description="To whom")
    instruction: str = Field(description="The instruction")
    to_officer: Officer | None = Field(description="The petugas ordered, for the prakom's order")
    documents: list[DocumentKind] = Field(description="The papers at hand")
    stand_in: StandIn | None = Field(description="plt or plh when a stand-in disposed")
    actor: Actor = Field(description="Who acted, and for whom")

    @classmethod
    def of(cls, recorded: Recorded) -> DispositionOut:
        """The response for a recorded Disposed event."""
        event = recorded.event
        assert isinstance(event, Disposed)
        return cls(
            **_recorded(recorded),
            from_role=event.from_role,
            to_role=event.to_role,
            instruction=event.instruction,
            to_officer=event.to_officer,
            documents=list(event.documents),
            stand_in=event.stand_in,
        )


def _recorded(recorded: Recorded) -> dict[str, Any]:
    """What every answer of a recorded event says: which, where in the stream, when, by whom."""
    meta = recorded.meta
    return {
        "ticket_id": meta.correlation_id,
        "event_id": meta.event_id,
        "stream_version": recorded.stream_version,
        "occurred_at": meta.occurred_at,
        "actor": meta.actor,
    }


class ReturnOut(BaseModel):
    """A return as recorded."""

    ticket_id: str = Field(description="The request's ticket id")
    event_id: UUID = Field(description="Id of the RequestReturned event")
    stream_version: int = Field(description="Its version in the request's disposition stream")
    occurred_at: Instant = Field(description="When it was returned")
    step: Step = Field(description="The SOP step at which it was returned")
    reasons: list[str] = Field(description="Why")
    actor: Actor = Field(description="Who returned it, and for whom")

    @classmethod
    def of(cls, recorded: Recorded) -> ReturnOut:
        """The response for a recorded RequestReturned event."""
        event = recorded.event
        assert isinstance(event, RequestReturned)
        return cls(
            **_recorded(recorded),
            step=event.step,
            reasons=list(event.reasons),
        )


class ReassignmentIn(BaseModel):
    """Another petugas for the work, and why."""

    model_config = ConfigDict(extra="forbid")

    to_officer: Officer = Field(description="The petugas who gets the work (NIP and name)")
    reason: LongText = Field(description="Why the work moves")


class ReassignmentOut(BaseModel):
    """A reassignment as recorded."""

    ticket_id: str = Field(description="The request's ticket id")
    event_id: UUID = Field(description="Id of the WorkReassigned event")
    occurred_at: Instant = Field(description="When the work moved")
    from_officer: Officer = Field(description="The petugas who lost it")
    to_officer: Officer = Field(description="The petugas who got it")
    reason: str = Field(description="Why")
    actor: Actor = Field(description="Who moved it, and for whom")

    @classmethod
    def of(cls, recorded: Recorded) -> ReassignmentOut:
        """The response for a recorded WorkReassigned event."""
        event = recorded.event
        assert isinstance(event, WorkReassigned)
        return cls(
            ticket_id=event.ticket_id,
            event_id=recorded.meta.event_id,
            occurred_at=recorded.meta.occurred_at,
            from_officer=event.from_officer,
            to_officer=event.to_officer,
            reason=event.reason,
            actor=recorded.meta.actor,
        )


class InboxPage(BaseModel):
    """One page of an inbox, by priority (P1 first) then age (oldest first)."""

    role: Role = Field(description="Whose inbox")
    items: list[RequestRecord] = Field(description="The requests on this page")
    total: int = Field(description="How many requests the inbox holds")
    limit: int = Field(description="Page size asked for")
    offset: int = Field(description="Requests skipped before this page")


class HistoryEntry(BaseModel):
    """One disposition or return, with who made it and when."""

    event_id: UUID = Field(description="The event's id")
    stream_version: int = Field(description="Its version in the disposition stream")
    occurred_at: Instant = Field(description="When it was made")
    actor: Actor = Field(description="Who acted, and for whom")
    fact: Annotated[Disposed | RequestReturned | WorkReassigned, Field(discriminator="type")] = (
        Field(description="The Disposed, RequestReturned or WorkReassigned event")
    )


class History(BaseModel):
    """Where a request stands in the chain, and every disposition and return it had."""

    request: RequestRecord = Field(description="The request as the inboxes show it")
    history: list[HistoryEntry] = Field(description="Dispositions and returns, oldest first")


# --- routes ---------------------------------------------------------------------------------

_STAFF = (Role.KADIS, Role.KABID, Role.PRAKOM, Role.PETUGAS)
_READERS = (*_STAFF, Role.PEMOHON, Role.AUDITOR, Role.ADMIN)

Disposer = Annotated[Principal, Depends(require(*sorted(DISPOSERS)))]
"""The caller, if kadis, kabid or prakom (403 for any other role)."""


def router(handlers: Handlers) -> APIRouter:
    """Disposition's routes, bound to its handlers."""
    api = APIRouter(tags=["disposition"], responses=ERROR_RESPONSES)
    pool = handlers.store.pool

    @api.get("/inbox", summary="The caller's inbox (a petugas's: the requests ordered to them)")
    async def inbox(
        principal: Annotated[Principal, Depends(require(*_STAFF))],
        limit: Limit = 20,
        offset: Offset = 0,
    ) -> InboxPage:
        items, total = await handlers.inbox(
            principal.role, nip=principal.nip, limit=limit, offset=offset
        )
        return InboxPage(role=principal.role, items=items, total=total, limit=limit, offset=offset)

    @api.post(
        "/requests/{ticket_id}/dispositions",
        status_code=201,
        response_model=DispositionOut,
        summary="Dispose the request one level down (kadis→kabid→prakom→petugas)",
        responses=refusals(
            errors.RequestNotFound,
            errors.RoleCannotAct,
            errors.StandInNotInToken,
            errors.DelegationEnded,
            errors.OutOfOrder,
            errors.AwaitingResubmission,
            errors.DispositionComplete,
            errors.DocumentsMissing,
            errors.DocumentsNotYetMade,
            errors.OfficerRequired,
            errors.OfficerNotExpected,
            errors.OfficerNotPetugas,
            errors.StandInKindMissing,
            errors.StandInUnnamed,
            errors.StandInConflict,
            errors.StandInForSelf,
        ),
    )
    async def dispose(
        ticket_id: Ticket, body: DispositionIn, principal: Disposer, once: Idempotent
    ) -> dict[str, Any]:
        cmd = Dispose(
            ticket_id=ticket_id,
            actor=principal.actor(),
            instruction=body.instruction,
            documents=frozenset(body.documents),
            to_role=body.to_role,
            to_officer=body.to_officer,
            stand_in=body.stand_in,
            on_behalf_of=body.on_behalf_of,
            token_stand_in=principal.stand_in,
            delegation_id=principal.delegation_id,
        )

        async def run(conn: asyncpg.Connection) -> DispositionOut:
            return DispositionOut.of(await handlers.dispose(conn, cmd, causation_id=once.key))

        return await once.run(pool, "disposition", cmd.actor, body, run, ticket_id=cmd.ticket_id)

    @api.post(
        "/requests/{ticket_id}/returns",
        status_code=201,
        response_model=ReturnOut,
        summary="Return the request to the applicant as incomplete, with reasons",
        responses=refusals(
            errors.RequestNotFound,
            errors.RoleCannotAct,
            errors.StandInNotInToken,
            errors.DelegationEnded,
            errors.OutOfOrder,
            errors.AwaitingResubmission,
            errors.DispositionComplete,
        ),
    )
    async def return_request(
        ticket_id: Ticket, body: ReturnIn, principal: Disposer, once: Idempotent
    ) -> dict[str, Any]:
        cmd = ReturnRequest(
            ticket_id=ticket_id, actor=principal.actor(), reasons=tuple(body.reasons)
        )

        async def run(conn: asyncpg.Connection) -> ReturnOut:
            return ReturnOut.of(await handlers.return_request(conn, cmd, causation_id=once.key))

        return await once.run(pool, "disposition", cmd.actor, body, run, ticket_id=cmd.ticket_id)

    @api.post(
        "/requests/{ticket_id}/reassignments",
        status_code=201,
        response_model=ReassignmentOut,
        summary="Move the work to another petugas, with a reason (prakom, kabid)",
        responses=refusals(
            errors.RequestNotFound,
            errors.RoleCannotAct,
            errors.NotAssigned,
            errors.SameOfficer,
            errors.OfficerNotPetugas,
        ),
    )
    async def reassign(
        ticket_id: Ticket,
        body: ReassignmentIn,
        principal: Annotated[Principal, Depends(require(Role.KABID, Role.PRAKOM))],
        once: Idempotent,
    ) -> dict[str, Any]:
        cmd = Reassign(
            ticket_id=ticket_id,
            actor=principal.actor(),
            to_officer=body.to_officer,
            reason=body.reason,
        )

        async def run(conn: asyncpg.Connection) -> ReassignmentOut:
            return ReassignmentOut.of(await handlers.reassign(conn, cmd, causation_id=once.key))

        return await once.run(pool, "disposition", cmd.actor, body, run, ticket_id=cmd.ticket_id)

    @api.get(
        "/requests/{ticket_id}/dispositions",
        summary="Where the request stands in the chain, and its dispositions and returns",
        responses=refusals(errors.RequestNotFound),
    )
    async def history(
        ticket_id: Ticket, principal: Annotated[Principal, Depends(require(*_READERS))]
    ) -> History:
        found = await handlers.history(ticket_id)
        # An applicant learns nothing of another agency's requests, not even that they exist.
        scope = principal.agency_scope()
        if found is None or (scope is not None and agency_key(found[0].agency) != scope):
            raise errors.RequestNotFound(ticket_id)
        record, stream = found
        entries = [
            HistoryEntry(
                event_id=e.event_id,
                stream_version=e.stream_version,
                occurred_at=e.occurred_at,
                actor=e.actor,
                fact=e.event,
            )
            for e in stream.events
            if isinstance(e.event, Disposed | RequestReturned | WorkReassigned)
        ]
        return History(request=record, history=entries)

    return api
