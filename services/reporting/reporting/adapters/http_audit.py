"""The auditors' view of a ticket: its events read from the log itself, with their hashes."""

from __future__ import annotations

from typing import Annotated, Any, Self

import asyncpg
from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, ConfigDict, Field

from penghubung.audit.chain import row_from_record
from penghubung.events import Role
from penghubung.events.canonical import GENESIS_HASH
from penghubung.instants import Instant
from penghubung.web.auth import Principal, require
from penghubung.web.errors import ERROR_RESPONSES
from penghubung.web.params import Ticket
from reporting.adapters import log_db
from reporting.adapters.http_as_of import AsOfQuery, resolve
from reporting.app.as_of import ReadModels
from reporting.domain.errors import RequestNotFound

Auditor = Annotated[Principal, Depends(require(Role.AUDITOR, Role.ADMIN))]


class _View(BaseModel):
    model_config = ConfigDict(frozen=True)


class LoggedActor(_View):
    """Who caused an event, and whom they acted for, as the log holds it."""

    name: str = Field(description="Who acted (a person, or a component of the system)")
    role: Role = Field(description="Under which role")
    nip: str | None = Field(description="Their NIP, if any")
    agency: str | None = Field(description="Their agency (OPD), for an applicant")
    on_behalf_of_name: str | None = Field(description="The role holder a stand-in acted for")
    on_behalf_of_nip: str | None = Field(description="That role holder's NIP")


class LoggedEvent(_View):
    """One event of the ticket exactly as the log holds it, with its place in the hash chain."""

    position: int = Field(description="Global position in the log")
    event_id: str = Field(description="The event's id")
    stream_id: str = Field(description="The stream it was appended to")
    stream_version: int = Field(description="Its version within that stream")
    type: str = Field(description="The event type")
    schema_version: int = Field(description="The version of the event's schema")
    occurred_at: Instant = Field(description="When it really happened (as stated)")
    recorded_at: Instant = Field(description="When the log recorded it")
    actor: LoggedActor = Field(description="Who caused it, and whom they acted for")
    correlation_id: str = Field(description="The ticket")
    causation_id: str | None = Field(description="The event or command that caused it")
    payload: dict[str, Any] = Field(description="The event's payload as stored")
    prev_hash: str = Field(description="Chain hash of the position before (hex)")
    hash: str = Field(description="Chain hash of this event (hex): SHA-256(prev_hash ‖ canonical)")
    hash_valid: bool = Field(
        description="The stored hash follows from the stored content and prev_hash"
    )
    linked: bool = Field(description="prev_hash is the stored hash of the position before")

    @classmethod
    def of(cls, row: asyncpg.Record) -> Self:
        """A log row with its previous position's hash (`log_db.ticket_events`)."""
        chained = row_from_record(row)
        previous = row["previous_hash"]
        if previous is None:  # position 1 follows the genesis; another one's predecessor is gone
            previous = GENESIS_HASH if chained.global_position == 1 else None
        return cls(
            position=chained.global_position,
            event_id=chained.event_id,
            stream_id=chained.stream_id,
            stream_version=chained.stream_version,
            type=chained.type,
            schema_version=chained.schema_version,
            occurred_at=chained.occurred_at,
            recorded_at=chained.recorded_at,
            actor=LoggedActor.model_validate(_actor(chained.actor)),
            correlation_id=chained.correlation_id,
            causation_id=chained.causation_id,
            payload=chained.payload,
            prev_hash=chained.prev_hash.hex(),
            hash=chained.hash.hex(),
            hash_valid=chained.self_consistent,
            linked=previous is not None and chained.prev_hash == bytes(previous),
        )


def _actor(stored: dict[str, Any]) -> dict[str, Any]:
    fields = ("name", "role", "nip", "agency", "on_behalf_of_name", "on_behalf_of_nip")
    return {f: stored.get(f) for f in fields}


class TicketEventsView(_View):
    """Every event of one ticket, from the log, in log order."""

    ticket_id: str = Field(description="The ticket")
    log_position: int | None = Field(
        description="The log position the answer stands at (as_of); null: the head when read"
    )
    events: list[LoggedEvent] = Field(description="The events, in log order")


def routes(reads: ReadModels) -> APIRouter:
    """The auditors' reads of the log."""
    api = APIRouter(responses=ERROR_RESPONSES)

    @api.get(
        "/audit/tickets/{ticket_id}/events",
        tags=["audit"],
        summary="Every event of a ticket from the log: actor, both times, position, hashes",
    )
    async def ticket_events(
        principal: Auditor, ticket_id: Ticket, response: Response, as_of: AsOfQuery = None
    ) -> TicketEventsView:
        """The ticket's events read from the event log itself (not from the projection), each with
        its hash checked against its content and linked to the position before."""
        moment = await resolve(reads, as_of, response, principal)
        until = moment.position if moment else None
        async with reads.pool.acquire() as conn:
            rows = await log_db.ticket_events(conn, ticket_id, until=until)
        if not rows:
            raise RequestNotFound(ticket_id)
        events = [LoggedEvent.of(r) for r in rows]
        return TicketEventsView(ticket_id=ticket_id, log_position=until, events=events)

    return api
