"""One request's clocks: start, due, used, paused, remaining, state, and who holds it.

Takes `as_of`: running clocks are then measured at that moment (`app/as_of.py`).
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from penghubung.events import Role
from penghubung.instants import Instant
from penghubung.sop import Difficulty, Step
from penghubung.web.errors import refusals
from penghubung.web.params import Ticket
from penghubung.web.sheets import Separator, SeparatorQuery
from reporting.adapters.http_as_of import AsOfQuery, resolve
from reporting.app.as_of import ReadModels
from reporting.domain import labels
from reporting.domain.errors import RequestNotFound, TooManyRebuilds
from reporting.sla.adapters.answers import (
    FormatQuery,
    Reader,
    Who,
    csv_answer,
    each_row,
    wants_csv,
    who,
)
from reporting.sla.app.handlers import Sla
from reporting.sla.domain.clocks import Clock, ClockState, Holding


class StandardView(BaseModel):
    """A service standard."""

    minutes: int | None = Field(description="Working minutes, for minute and hour standards")
    days: int | None = Field(description="Working days, for day standards")
    label: str = Field(description="The standard as people read it")


class PauseView(BaseModel):
    """A stretch of time in which the clock stood still."""

    reason: str = Field(description="agency_documents, uat, ip_allocation, vendor, returned_…")
    reason_label: str = Field(description="The reason in Bahasa Indonesia")
    start: Instant
    end: Instant | None = Field(description="None while the clock stands still")
    working_seconds: int = Field(description="Working time the pause held")
    note: str | None = None


class HoldingView(BaseModel):
    """A petugas who held the step's work, from when until when (cut to the step)."""

    nip: str | None = Field(description="NIP, if known")
    name: str = Field(description="Name")
    since: Instant = Field(description="When they got the work (or the step started)")
    until: Instant | None = Field(description="When it went to another (or the step ended)")
    credited: bool = Field(description="The one the step's outcome is credited to")


class ClockView(BaseModel):
    """One step's clock."""

    step: Step
    step_label: str
    role: Role = Field(description="The role that answers for the step")
    officer: Who | None = Field(
        description="The officer who answers for it, once known; after a reassignment, the"
        " petugas holding the work when the outcome was settled (met: at its end; breached: at"
        " its due time), or holding it now while it is not"
    )
    officers: list[HoldingView] = Field(
        description="Every petugas who held the step's work, in order (the petugas's steps)"
    )
    reassigned: bool = Field(description="The step's work changed hands while its clock ran")
    standard: StandardView
    difficulty: Difficulty | None = Field(description="For feasibility and implementation")
    standard_assumed: bool = Field(description="Difficulty unknown yet: sedang assumed")
    start: Instant = Field(description="When the clock started (after an overload: next day)")
    due: Instant = Field(description="When the standard runs out (moved out by pauses)")
    end: Instant | None = Field(description="When the step was done; None while it is not")
    used_seconds: int = Field(description="Working time used, pauses excluded")
    paused_seconds: int = Field(description="Working time paused")
    budget_seconds: int = Field(description="Working time the standard allows")
    remaining_seconds: int = Field(description="Working time left (0 once past due)")
    overdue_seconds: int = Field(description="Working time used beyond the standard")
    state: ClockState
    calendar_version: int = Field(description="The calendar version of these figures")
    judged: bool = Field(description="Done: judged on its version, kept unless recalculated")
    overloaded: bool = Field(description="Started the next working day: the day was full")
    pauses: list[PauseView]

    @classmethod
    def of(cls, clock: Clock) -> ClockView:
        """A measured clock."""
        return cls(
            step=clock.step,
            step_label=labels.STEPS[clock.step],
            role=clock.role,
            officer=who(clock.officer),
            officers=[
                HoldingView(
                    nip=h.officer.nip,
                    name=h.officer.name,
                    since=h.since,
                    until=h.until,
                    credited=h.officer == clock.officer,
                )
                for h in clock.holdings
            ],
            reassigned=clock.reassigned,
            standard=StandardView(
                minutes=clock.standard.minutes, days=clock.standard.days, label=clock.standard.label
            ),
            difficulty=clock.difficulty,
            standard_assumed=clock.standard_assumed,
            start=clock.start,
            due=clock.due,
            end=clock.end,
            used_seconds=clock.used_seconds,
            paused_seconds=clock.paused_seconds,
            budget_seconds=clock.budget_seconds,
            remaining_seconds=clock.remaining_seconds,
            overdue_seconds=clock.overdue_seconds,
            state=clock.state,
            calendar_version=clock.calendar_version,
            judged=clock.judged,
            overloaded=clock.overloaded,
            pauses=[
                PauseView(
                    reason=p.reason,
                    reason_label=labels.PAUSE_REASONS.get(p.reason, p.reason),
                    start=p.start,
                    end=p.end,
                    working_seconds=p.working_seconds,
                    note=p.note,
                )
                for p in clock.pauses
            ],
        )


class HolderView(BaseModel):
    """Who holds the request now, and since when."""

    role: Role | None = Field(description="The role that must act; None once archived")
    officer: Who | None = Field(description="The named officer, once a petugas is ordered")
    since: Instant


class RequestSlaView(BaseModel):
    """Every clock of one request, measured now."""

    ticket_id: str
    agency: str
    status: str
    current_step: Step | None
    holder: HolderView
    calendar_version: int = Field(description="The current calendar version (running clocks)")
    measured_at: Instant = Field(description="The moment the clocks were measured")
    intake_day: date | None = Field(description="The day the request's clocks start")
    overloaded: bool = Field(description="Beyond that day's capacity: started the next day")
    clocks: list[ClockView] = Field(description="Every started clock, in SOP order")


CLOCK_COLUMNS = (
    "ticket_id",
    "step",
    "state",
    "start",
    "due",
    "end",
    "used_seconds",
    "paused_seconds",
    "remaining_seconds",
    "overdue_seconds",
    "budget_seconds",
    "standard",
    "standard_assumed",
    "calendar_version",
    "judged",
    "overloaded",
    "role",
    "officer_nip",
    "officer_name",
    "other_officers",
)


def clock_row(ticket_id: str, clock: Clock) -> tuple[object, ...]:
    """A clock as a CSV row (CLOCK_COLUMNS)."""
    officer = clock.officer.answerable() if clock.officer else None
    return (
        ticket_id,
        clock.step.value,
        clock.state.value,
        clock.start.isoformat(),
        clock.due.isoformat(),
        clock.end.isoformat() if clock.end else "",
        clock.used_seconds,
        clock.paused_seconds,
        clock.remaining_seconds,
        clock.overdue_seconds,
        clock.budget_seconds,
        clock.standard.label,
        clock.standard_assumed,
        clock.calendar_version,
        clock.judged,
        clock.overloaded,
        clock.role.value,
        officer.nip if officer else "",
        officer.name if officer else "",
        "; ".join(f"{h.officer.name} ({h.officer.nip})" for h in _before(clock)),
    )


def _before(clock: Clock) -> list[Holding]:
    """The holdings of the officers other than the one credited (before or after them)."""
    return [h for h in clock.holdings if h.officer != clock.officer]


def routes(api: APIRouter, sla: Sla, reads: ReadModels) -> None:
    @api.get(
        "/requests/{ticket_id}/sla",
        tags=["sla"],
        response_model=RequestSlaView,
        responses=refusals(TooManyRebuilds),
        summary="Every clock of a request: start, due, used, paused, remaining, state",
    )
    async def get_request_sla(
        principal: Reader,
        ticket_id: Ticket,
        request: Request,
        response: Response,
        fmt: FormatQuery = None,
        separator: SeparatorQuery = Separator.COMMA,
        as_of: AsOfQuery = None,
    ) -> RequestSlaView | Response:
        """The request's clocks measured now (or as of a moment), and who holds it since when."""
        own = principal.agency_scope()
        moment = await resolve(reads, as_of, response, principal)
        reading = await sla.request(ticket_id, at=moment)
        if reading is None or (own is not None and reading.request.agency_key != own):
            raise RequestNotFound(ticket_id)
        if wants_csv(request, fmt):
            rows = [clock_row(ticket_id, c) for c in reading.clocks]
            return await csv_answer(
                f"sla-{ticket_id}",
                CLOCK_COLUMNS,
                each_row(rows),
                moment=moment,
                asked=(request, fmt, separator),
            )
        found = reading.request
        officer = None
        if found.holder_officer_name is not None:
            officer = Who(nip=found.holder_officer_nip, name=found.holder_officer_name)
        return RequestSlaView(
            ticket_id=ticket_id,
            agency=found.agency,
            status=found.status,
            current_step=Step(found.current_step) if found.current_step else None,
            holder=HolderView(
                role=Role(found.holder_role) if found.holder_role else None,
                officer=officer,
                since=found.since,
            ),
            calendar_version=reading.calendar_version,
            measured_at=reading.at,
            intake_day=found.intake.intake_day,
            overloaded=found.intake.overloaded,
            clocks=[ClockView.of(c) for c in reading.clocks],
        )
