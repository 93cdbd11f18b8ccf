"""The working calendar's views: its versions and days off (read), and its changes (admin).

Every read takes `as_of` (a log position or a time): the answer as things stood then
(`app/as_of.py`).
"""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Annotated, Any

import asyncpg
from fastapi import APIRouter, Body, Path, Query, Response
from pydantic import BaseModel, Field, ValidationInfo, field_validator

from penghubung.events import Envelope
from penghubung.events.sla import Month, RecalculationScope
from penghubung.forms import FormValueError, TicketId
from penghubung.instants import Instant
from penghubung.text import PersonLine
from penghubung.web.auth import Principal
from penghubung.web.errors import refusals
from penghubung.web.idempotency import CommandOnce, Idempotent
from penghubung.web.params import Day, Year
from penghubung.workcal import CalendarSpec, LocalTime, WorkingCalendar
from reporting.adapters.http_as_of import AsOfQuery, resolve
from reporting.app.as_of import ReadModels
from reporting.sla.adapters.answers import (
    Admin,
    Reader,
    StrictBody,
    Who,
)
from reporting.sla.app.handlers import Sla
from reporting.sla.domain import calendar
from reporting.sla.domain.calendar import (
    AddDayOff,
    CalendarCommand,
    CalendarVersionNotFound,
    Recalculate,
    ReduceHours,
    RemoveDayOff,
)

MAX_VERSION = 1_000_000
"""More versions than the calendar will ever have: a version past it is not asked for."""

CalendarDate = Day
"""A date of the working calendar, `YYYY-MM-DD`, in the years 2000–2100."""


class DayOffBody(StrictBody):
    """A day off to add: the date and the holiday or decree."""

    day: CalendarDate = Field(description="The date on which the office is closed (YYYY-MM-DD)")
    name: PersonLine = Field(description="The regional holiday or the decree, as people read it")


class ReducedHoursBody(StrictBody):
    """Shorter service hours for a range of dates."""

    first_day: CalendarDate = Field(description="First date with these hours")
    last_day: CalendarDate = Field(description="Last date with these hours, inclusive")
    opening: LocalTime = Field(default=time(8), description="Opening time (WIB), default 08:00")
    closing: LocalTime = Field(description="Closing time (WIB), Monday to Thursday")
    friday_closing: LocalTime | None = Field(default=None, description="Closing time on Fridays")
    name: PersonLine = Field(description="Why, as people read it (e.g. Ramadan 1448 H)")

    @field_validator("last_day")
    @classmethod
    def _after_first_day(cls, value: date, info: ValidationInfo) -> date:
        first = info.data.get("first_day")
        if first is not None and value < first:
            raise FormValueError("last_day", "tanggal akhir tidak boleh sebelum tanggal awal")
        return value

    @field_validator("opening", "closing", "friday_closing")
    @classmethod
    def _wall_clock(cls, value: time | None, info: ValidationInfo) -> time | None:
        # Service hours are WIB wall-clock times; one with an offset cannot be compared.
        if value is not None and value.tzinfo is not None:
            raise FormValueError("time_zone_not_allowed", "jam ditulis tanpa zona waktu (WIB)")
        return value

    @field_validator("closing", "friday_closing")
    @classmethod
    def _after_opening(cls, value: time | None, info: ValidationInfo) -> time | None:
        opening = info.data.get("opening")
        if value is not None and opening is not None and value <= opening:
            raise FormValueError(str(info.field_name), "jam tutup harus sesudah jam buka")
        return value


class RecalculationBody(StrictBody):
    """Which finished clocks to judge again under the current calendar, and why."""

    scope: RecalculationScope = Field(description="all, month or ticket")
    month: Month | None = Field(
        default=None, validate_default=True, description="For scope month: YYYY-MM"
    )
    ticket_id: TicketId | None = Field(
        default=None, validate_default=True, description="For scope ticket"
    )
    reason: PersonLine = Field(description="Why the clocks are judged again")

    @field_validator("month", "ticket_id")
    @classmethod
    def _named_for_its_scope(cls, value: str | None, info: ValidationInfo) -> str | None:
        wanted = {"month": RecalculationScope.MONTH, "ticket_id": RecalculationScope.TICKET}
        if value is None and info.data.get("scope") is wanted[str(info.field_name)]:
            raise FormValueError(str(info.field_name), "wajib diisi untuk cakupan ini")
        return value


class CalendarChangeView(BaseModel):
    """One change of the calendar: the version it made, what, when and by whom."""

    version: int = Field(description="The calendar version this change created")
    type: str = Field(description="CalendarDayOffAdded, CalendarDayOffRemoved, …")
    change: dict[str, Any] = Field(description="The event's payload")
    changed_at: Instant | None = Field(default=None, description="When it was made")
    changed_by: Who | None = Field(default=None, description="The administrator")

    @classmethod
    def of(cls, envelope: Envelope) -> CalendarChangeView:
        """A stored change."""
        payload = envelope.event.payload()
        return cls(
            version=payload["version"],
            type=envelope.type,
            change=payload,
            changed_at=envelope.occurred_at,
            changed_by=Who(nip=envelope.actor.nip, name=envelope.actor.name),
        )


class CalendarView(BaseModel):
    """The current working calendar and the history of its versions."""

    version: int = Field(description="The current calendar version")
    spec: CalendarSpec = Field(description="The current calendar: hours, days added and removed")
    changes: list[CalendarChangeView] = Field(description="Every change, from version 2 on")


class DayOffView(BaseModel):
    """A weekday on which the office is closed, and why."""

    day: date
    name: str = Field(description="The holiday, cuti bersama or decree")
    source: str = Field(description="`nasional` (the holidays package) or `admin`")


class DaysOffView(BaseModel):
    """The weekdays off of one year on one calendar version."""

    year: int
    version: int
    days_off: list[DayOffView] = Field(description="Weekdays off, in date order")
    reopened: list[date] = Field(description="Holidays declared working days")


def reads(api: APIRouter, sla: Sla, reads: ReadModels) -> None:
    async def until(as_of: str | None, response: Response) -> int | None:
        moment = await resolve(reads, as_of, response)
        return moment.position if moment else None

    @api.get("/calendar", tags=["calendar"], summary="The working calendar and its versions")
    async def get_calendar(_: Reader, response: Response, as_of: AsOfQuery = None) -> CalendarView:
        """The current calendar (from the log) and every change that made it."""
        changes = await sla.calendar_changes(until=await until(as_of, response))
        spec = calendar.fold(e.event for e in changes)
        return CalendarView(
            version=spec.version, spec=spec, changes=[CalendarChangeView.of(e) for e in changes]
        )

    @api.get(
        "/calendar/versions/{version}", tags=["calendar"], summary="One version of the calendar"
    )
    async def get_calendar_version(
        _: Reader,
        version: Annotated[int, Path(ge=1, le=MAX_VERSION, description="The calendar version")],
        response: Response,
        as_of: AsOfQuery = None,
    ) -> CalendarSpec:
        """The calendar as it was at one version (404 for a version made after `as_of`)."""
        return await calendar_spec(sla, version, until=await until(as_of, response))

    @api.get("/calendar/days-off", tags=["calendar"], summary="The weekdays off of a year")
    async def get_days_off(
        _: Reader,
        year: Annotated[Year, Query(description="The year")],
        response: Response,
        version: Annotated[
            int | None, Query(ge=1, le=MAX_VERSION, description="Default: current")
        ] = None,
        as_of: AsOfQuery = None,
    ) -> DaysOffView:
        """Holidays, cuti bersama and decrees on weekdays; holidays declared working days."""
        spec = await calendar_spec(sla, version, until=await until(as_of, response))
        return _days_off(spec, year)


async def calendar_spec(sla: Sla, version: int | None, *, until: int | None = None) -> CalendarSpec:
    """The calendar as a given version (or the one in force), as of a log position."""
    spec = calendar.BASE
    for change in await sla.calendar_changes(until=until):
        if version is not None and spec.version >= version:
            break
        spec = calendar.evolve(spec, change.event)
    if version is not None and spec.version != version:
        raise CalendarVersionNotFound(version)
    return spec


def _days_off(spec: CalendarSpec, year: int) -> DaysOffView:
    working = WorkingCalendar(spec)
    added = {off.day for off in spec.added_days_off}
    days: list[DayOffView] = []
    day = date(year, 1, 1)
    while day.year == year:
        name = working.day_off_name(day) if day.weekday() < 5 else None
        if name is not None:
            source = "admin" if day in added else "nasional"
            days.append(DayOffView(day=day, name=name, source=source))
        day += timedelta(days=1)
    reopened = sorted(d for d in spec.removed_days_off if d.year == year)
    return DaysOffView(year=year, version=spec.version, days_off=days, reopened=reopened)


async def change_calendar(
    sla: Sla, command: CalendarCommand, principal: Principal, once: CommandOnce
) -> dict[str, Any]:
    """Make the next calendar version, once per Idempotency-Key; the change as answered."""
    actor = principal.actor()

    async def run(conn: asyncpg.Connection) -> CalendarChangeView:
        event = await sla.change_calendar(conn, command, actor=actor, causation_id=once.key)
        changes = await sla.calendar_changes(conn=conn)
        return CalendarChangeView.of(next(e for e in changes if e.event == event))

    kind = type(command).__name__
    return await once.run(sla.pool, "reporting", actor, command, run, kind=kind)


def changes(api: APIRouter, sla: Sla) -> None:
    async def change(
        command: CalendarCommand, principal: Principal, once: CommandOnce
    ) -> dict[str, Any]:
        return await change_calendar(sla, command, principal, once)

    @api.post(
        "/calendar/days-off",
        tags=["calendar"],
        status_code=201,
        response_model=CalendarChangeView,
        summary="Add a day off (regional holiday, decree)",
        responses=refusals(calendar.AlreadyDayOff, calendar.WeekendIsAlwaysOff),
    )
    async def add_day_off(
        principal: Admin,
        body: DayOffBody,
        once: Idempotent,
    ) -> dict[str, Any]:
        """Close the office on a weekday: the next calendar version (CalendarDayOffAdded)."""
        command = AddDayOff(day=body.day, name=body.name)
        return await change(command, principal, once)

    @api.delete(
        "/calendar/days-off/{day}",
        tags=["calendar"],
        response_model=CalendarChangeView,
        summary="Remove a day off",
    )
    async def remove_day_off(
        principal: Admin,
        day: Annotated[CalendarDate, Path(description="The date, YYYY-MM-DD")],
        reason: Annotated[PersonLine, Query(description="The decree that reopens the office")],
        once: Idempotent,
    ) -> dict[str, Any]:
        """Make a day off a working day: an added day withdrawn, or a holiday worked."""
        command = RemoveDayOff(day=day, name=reason)
        return await change(command, principal, once)

    @api.post(
        "/calendar/reduced-hours",
        tags=["calendar"],
        status_code=201,
        response_model=CalendarChangeView,
        summary="Set reduced hours for a range of dates (e.g. Ramadan)",
        responses=refusals(calendar.CalendarError),
    )
    async def reduce_hours(
        principal: Admin,
        body: ReducedHoursBody,
        once: Idempotent,
    ) -> dict[str, Any]:
        """Shorter service hours from first_day to last_day (CalendarHoursReduced)."""
        command = ReduceHours.model_validate(body.model_dump())
        return await change(command, principal, once)

    @api.post(
        "/sla/recalculations",
        tags=["sla"],
        status_code=201,
        summary="Judge finished clocks again under the current calendar",
        responses=refusals(calendar.CalendarVersionNotFound),
    )
    async def recalculate(
        principal: Admin,
        body: Annotated[RecalculationBody, Body()],
        once: Idempotent,
    ) -> dict[str, Any]:
        """Appends SlaRecalculated; the views then judge the clocks in scope on its version."""
        command = Recalculate.model_validate(body.model_dump())
        actor = principal.actor()

        async def run(conn: asyncpg.Connection) -> dict[str, Any]:
            event = await sla.recalculate(conn, command, actor=actor, causation_id=once.key)
            return event.payload()

        return await once.run(sla.pool, "reporting", actor, command, run)
