"""The HTTP API of the work item's clock: the petugas pauses it with a typed reason, resumes it."""

from __future__ import annotations

from typing import Any

import asyncpg
from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict, Field

from integration.adapters import db
from integration.adapters.http import (
    Petugas,
    Reader,
    visible_to,
)
from integration.app.clock import ClockChanged, ClockHandlers
from integration.domain import errors
from integration.domain.errors import WorkItemNotFound
from integration.domain.pause import ClockCommand, PauseClock, ResumeClock
from penghubung.events.sla import ClockPaused, PauseReason
from penghubung.forms import LongText
from penghubung.instants import Instant
from penghubung.sop import Step
from penghubung.web.errors import ERROR_RESPONSES, refusals
from penghubung.web.idempotency import CommandOnce, Idempotent
from penghubung.web.params import Ticket


class PauseBody(BaseModel):
    """Why the clock stops."""

    model_config = ConfigDict(extra="forbid")

    reason: PauseReason = Field(
        description="agency_documents (dokumen OPD), uat, ip_allocation (alokasi IP), vendor"
    )
    note: LongText | None = Field(default=None, description="Details of the wait, for people")


class ResumeBody(BaseModel):
    """What ended the wait."""

    model_config = ConfigDict(extra="forbid")

    note: LongText | None = Field(default=None, description="What ended the wait, for people")


class ClockView(BaseModel):
    """The work item's clock: the step it runs for, and the pause that stops it."""

    ticket_id: str
    step: Step | None = Field(description="feasibility or implementation; none once done")
    paused: bool = Field(description="Whether the clock stands still")
    reason: PauseReason | None = Field(default=None, description="Why, while paused")
    note: str | None = Field(default=None, description="The note of the pause or resumption")
    at: Instant | None = Field(default=None, description="When the pause or resumption was made")


def _view(ticket_id: str, changed: ClockChanged) -> ClockView:
    event = changed.event
    paused = isinstance(event, ClockPaused)
    return ClockView(
        ticket_id=ticket_id,
        step=getattr(event, "step", None),
        paused=paused,
        reason=event.reason if isinstance(event, ClockPaused) else None,
        note=getattr(event, "note", None),
        at=changed.at,
    )


def router(handlers: ClockHandlers, pool: asyncpg.Pool) -> APIRouter:
    """The clock routes of the integration service."""
    api = APIRouter(tags=["clock"], responses=ERROR_RESPONSES)

    async def change(cmd: ClockCommand, body: BaseModel, once: CommandOnce) -> dict[str, Any]:
        async def run(conn: asyncpg.Connection) -> ClockView:
            return _view(cmd.ticket_id, await handlers.execute(conn, cmd, causation_id=once.key))

        kind = type(cmd).__name__
        return await once.run(
            pool, "integration", cmd.actor, body, run, ticket=cmd.ticket_id, kind=kind
        )

    @api.get(
        "/requests/{ticket_id}/clock",
        summary="Whether the work item's clock is paused",
        responses=refusals(errors.WorkItemNotFound),
    )
    async def get_clock(ticket_id: Ticket, principal: Reader) -> ClockView:
        if await db.fetch(pool, ticket_id, officer_nip=visible_to(principal)) is None:
            raise WorkItemNotFound()
        reading = await handlers.state(ticket_id)
        paused = reading.state.paused
        return ClockView(
            ticket_id=ticket_id,
            step=reading.state.step,
            paused=paused is not None,
            reason=paused.reason if paused else None,
            note=paused.note if paused else None,
            at=reading.at,
        )

    @api.post(
        "/requests/{ticket_id}/clock/pause",
        status_code=status.HTTP_201_CREATED,
        response_model=ClockView,
        summary="Pause the clock of the step being worked on, with a typed reason",
        responses=refusals(
            errors.WorkItemNotFound,
            errors.NipMissing,
            errors.NotAssignedToYou,
            errors.WorkFinished,
            errors.ClockAlreadyPaused,
        ),
    )
    async def pause(
        ticket_id: Ticket,
        body: PauseBody,
        principal: Petugas,
        once: Idempotent,
    ) -> dict[str, Any]:
        visible_to(principal)  # a petugas token without a NIP holds no work item
        cmd = PauseClock(
            ticket_id=ticket_id, actor=principal.actor(), reason=body.reason, note=body.note
        )
        return await change(cmd, body, once)

    @api.post(
        "/requests/{ticket_id}/clock/resume",
        status_code=status.HTTP_201_CREATED,
        response_model=ClockView,
        summary="Resume the paused clock",
        responses=refusals(
            errors.WorkItemNotFound,
            errors.NipMissing,
            errors.NotAssignedToYou,
            errors.WorkFinished,
            errors.ClockNotPaused,
        ),
    )
    async def resume(
        ticket_id: Ticket,
        principal: Petugas,
        once: Idempotent,
        body: ResumeBody | None = None,
    ) -> dict[str, Any]:
        visible_to(principal)
        cmd = ResumeClock(
            ticket_id=ticket_id, actor=principal.actor(), note=body.note if body else None
        )
        return await change(cmd, body or ResumeBody(), once)

    return api
