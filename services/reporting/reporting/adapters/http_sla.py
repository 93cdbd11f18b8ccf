"""Reporting's SLA API: the working calendar (administered), each request's clocks, monthly figures.

Every view answers JSON, CSV with `?format=csv` or `Accept: text/csv` (`&separator=;` for an
Indonesian spreadsheet), or .xlsx with `?format=xlsx`. A CSV is streamed row by row, without a
cap. Every view of the log's facts takes `as_of` (a log position or a time): the
answer as things stood then, with running clocks measured at that moment (`app/as_of.py`); the
availability samples are measurements, not facts of the log, and have no `as_of`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Header, Path, Query, Request, Response

from penghubung.events import Role
from penghubung.forms import IsoDate, Step, Text, TicketId
from penghubung.runtime.service import ServiceContext
from penghubung.web.auth import Principal, require
from penghubung.web.errors import ERROR_RESPONSES, Conflict, Forbidden, NotFound
from penghubung.web.sheets import XLSX, Separator, SeparatorQuery, csv_response, xlsx_response
from penghubung.workcal import CalendarSpec, WorkingCalendar
from reporting.adapters import sla_db
from reporting.adapters.http_as_of import AsOfQuery, as_of_headers, resolve
from reporting.adapters.sla_views import (
    AVAILABILITY_COLUMNS,
    BREACH_COLUMNS,
    CLOCK_COLUMNS,
    COMPLIANCE_COLUMNS,
    ECHELON_COLUMNS,
    AvailabilityLine,
    AvailabilityView,
    BreachesView,
    BreachView,
    CalendarChangeView,
    CalendarView,
    ClockView,
    ComplianceLineView,
    ComplianceView,
    DayOffBody,
    DayOffView,
    DaysOffView,
    DispositionTimesView,
    EchelonView,
    HolderView,
    RecalculationBody,
    ReducedHoursBody,
    RequestSlaView,
    Who,
    availability_rows,
    breach_row,
    clock_row,
    compliance_row,
    echelon_row,
)
from reporting.app.as_of import Moment, ReadModels
from reporting.app.sla import Sla
from reporting.domain import calendar
from reporting.domain.agency import agency_key
from reporting.domain.calendar import (
    AddDayOff,
    CalendarCommand,
    CalendarError,
    Recalculate,
    ReduceHours,
    RemoveDayOff,
)
from reporting.domain.clocks import WIB, month_of
from reporting.domain.compliance import (
    GroupBy,
    RequestClocks,
    breaches,
    compliance,
    disposition_times,
    percent,
    total_line,
)
from reporting.settings import ReportingSettings

STAFF = (Role.KADIS, Role.KABID, Role.PRAKOM, Role.PETUGAS, Role.ADMIN)
EVERYONE = (Role.PEMOHON, *STAFF, Role.AUDITOR)

Admin = Annotated[Principal, Depends(require(Role.ADMIN))]
Reader = Annotated[Principal, Depends(require(*EVERYONE))]
Staff = Annotated[Principal, Depends(require(*STAFF, Role.AUDITOR))]
Ticket = Annotated[TicketId, Path(description="The request's ticket id, SC05-YYYY-NNNNN")]
MonthQuery = Annotated[
    str | None,
    Query(
        pattern=r"^2[0-9]{3}-(0[1-9]|1[0-2])$",  # year 0 or 9999-12 has no month bounds
        description="The month, YYYY-MM (WIB); default: this month",
    ),
]
IdempotencyKey = Annotated[
    str | None, Header(max_length=200, description="Kept as the event's causation id")
]


class Format(StrEnum):
    """How a view is answered."""

    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"


FormatQuery = Annotated[
    Format | None,
    Query(alias="format", description="csv, xlsx or json (default; or the Accept header)"),
]


def routes(
    ctx: ServiceContext, sla: Sla, settings: ReportingSettings, reads: ReadModels
) -> APIRouter:
    """The SLA and calendar API."""
    api = APIRouter(responses=ERROR_RESPONSES)
    _calendar_reads(api, sla, reads)
    _calendar_changes(api, sla)
    _request_clocks(api, sla, reads)
    _monthly(api, ctx, sla, reads)
    _availability(api, ctx, settings)
    return api


# --- the calendar ---------------------------------------------------------------------------


def _calendar_reads(api: APIRouter, sla: Sla, reads: ReadModels) -> None:
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
        version: Annotated[int, Path(ge=1, description="The calendar version")],
        response: Response,
        as_of: AsOfQuery = None,
    ) -> CalendarSpec:
        """The calendar as it was at one version (404 for a version made after `as_of`)."""
        return await _spec(sla, version, until=await until(as_of, response))

    @api.get("/calendar/days-off", tags=["calendar"], summary="The weekdays off of a year")
    async def get_days_off(
        _: Reader,
        year: Annotated[int, Query(ge=2000, le=2100, description="The year")],
        response: Response,
        version: Annotated[int | None, Query(ge=1, description="Default: current")] = None,
        as_of: AsOfQuery = None,
    ) -> DaysOffView:
        """Holidays, cuti bersama and decrees on weekdays; holidays declared working days."""
        spec = await _spec(sla, version, until=await until(as_of, response))
        return _days_off(spec, year)


async def _spec(sla: Sla, version: int | None, *, until: int | None = None) -> CalendarSpec:
    spec = calendar.BASE
    for change in await sla.calendar_changes(until=until):
        if version is not None and spec.version >= version:
            break
        spec = calendar.evolve(spec, change.event)
    if version is not None and spec.version != version:
        raise NotFound("calendar_version_not_found", f"versi kalender {version} tidak ada")
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


def _calendar_changes(api: APIRouter, sla: Sla) -> None:
    async def change(
        command: CalendarCommand, principal: Principal, key: str | None
    ) -> CalendarChangeView:
        try:
            event = await sla.change_calendar(command, actor=principal.actor(), causation_id=key)
        except CalendarError as refused:
            raise Conflict(refused.code, refused.message, field=refused.field) from refused
        changes = await sla.calendar_changes()
        return CalendarChangeView.of(next(e for e in changes if e.event == event))

    @api.post(
        "/calendar/days-off",
        tags=["calendar"],
        status_code=201,
        summary="Add a day off (regional holiday, decree)",
    )
    async def add_day_off(
        principal: Admin, body: DayOffBody, idempotency_key: IdempotencyKey = None
    ) -> CalendarChangeView:
        """Close the office on a weekday: the next calendar version (CalendarDayOffAdded)."""
        return await change(AddDayOff(day=body.day, name=body.name), principal, idempotency_key)

    @api.delete("/calendar/days-off/{day}", tags=["calendar"], summary="Remove a day off")
    async def remove_day_off(
        principal: Admin,
        day: Annotated[IsoDate, Path(description="The date, YYYY-MM-DD")],
        reason: Annotated[Text, Query(description="The decree that reopens the office")],
        idempotency_key: IdempotencyKey = None,
    ) -> CalendarChangeView:
        """Make a day off a working day: an added day withdrawn, or a holiday worked."""
        return await change(RemoveDayOff(day=day, name=reason), principal, idempotency_key)

    @api.post(
        "/calendar/reduced-hours",
        tags=["calendar"],
        status_code=201,
        summary="Set reduced hours for a range of dates (e.g. Ramadan)",
    )
    async def reduce_hours(
        principal: Admin, body: ReducedHoursBody, idempotency_key: IdempotencyKey = None
    ) -> CalendarChangeView:
        """Shorter service hours from first_day to last_day (CalendarHoursReduced)."""
        command = ReduceHours.model_validate(body.model_dump())
        return await change(command, principal, idempotency_key)

    @api.post(
        "/sla/recalculations",
        tags=["sla"],
        status_code=201,
        summary="Judge finished clocks again under the current calendar",
    )
    async def recalculate(
        principal: Admin,
        body: Annotated[RecalculationBody, Body()],
        idempotency_key: IdempotencyKey = None,
    ) -> dict[str, object]:
        """Appends SlaRecalculated; the views then judge the clocks in scope on its version."""
        command = Recalculate.model_validate(body.model_dump())
        event = await sla.recalculate(
            command, actor=principal.actor(), causation_id=idempotency_key
        )
        return event.payload()


# --- one request's clocks -------------------------------------------------------------------


def _request_clocks(api: APIRouter, sla: Sla, reads: ReadModels) -> None:
    @api.get(
        "/requests/{ticket_id}/sla",
        tags=["sla"],
        response_model=RequestSlaView,
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
        own = _own_agency(principal)
        moment = await resolve(reads, as_of, response)
        reading = await sla.request(ticket_id, at=moment)
        if reading is None or (own is not None and reading.request.agency_key != agency_key(own)):
            raise NotFound("request_not_found", f"permohonan {ticket_id} tidak ditemukan")
        if _wants_csv(request, fmt):
            rows = [clock_row(ticket_id, c) for c in reading.clocks]
            return await _csv(
                f"sla-{ticket_id}",
                CLOCK_COLUMNS,
                _each(rows),
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


def _own_agency(principal: Principal) -> str | None:
    """The agency an applicant is limited to; None for staff and auditors (they see all)."""
    if principal.role is not Role.PEMOHON:
        return None
    if not principal.agency:
        raise Forbidden("agency_missing", "token pemohon tidak memuat perangkat daerah (agency)")
    return principal.agency


# --- monthly figures ------------------------------------------------------------------------


def _monthly(api: APIRouter, ctx: ServiceContext, sla: Sla, reads: ReadModels) -> None:
    async def when(as_of: str | None, response: Response) -> tuple[Moment | None, str]:
        """The moment asked for (None: now), and its month (the default month)."""
        moment = await resolve(reads, as_of, response)
        return moment, month_of(moment.at if moment else ctx.clock())

    @api.get(
        "/sla/compliance",
        tags=["sla"],
        response_model=ComplianceView,
        summary="Monthly compliance per step, agency or officer",
    )
    async def get_compliance(
        _: Staff,
        request: Request,
        response: Response,
        month: MonthQuery = None,
        by: Annotated[GroupBy, Query(description="step, agency or officer")] = GroupBy.STEP,
        fmt: FormatQuery = None,
        separator: SeparatorQuery = Separator.COMMA,
        as_of: AsOfQuery = None,
    ) -> ComplianceView | Response:
        """Of the clocks settled in the month (met: at their end; breached: at the due time),
        the share met."""
        moment, default = await when(as_of, response)
        month = month or default
        if _wants_csv(request, fmt):

            async def rows() -> AsyncIterator[tuple[object, ...]]:
                measured = [r async for r in sla.month(month, at=moment)]
                lines = compliance(measured, month=month, by=by)
                for line in (*lines, total_line(lines)):
                    yield compliance_row(month, by.value, line)

            name = f"sla-compliance-{month}-{by.value}"
            return await _csv(
                name, COMPLIANCE_COLUMNS, rows(), moment=moment, asked=(request, fmt, separator)
            )
        lines = compliance(await _all(sla.month(month, at=moment)), month=month, by=by)
        return ComplianceView(
            month=month,
            by=by.value,
            lines=[ComplianceLineView.of(line) for line in lines],
            total=ComplianceLineView.of(total_line(lines)),
        )

    @api.get(
        "/sla/breaches",
        tags=["sla"],
        response_model=BreachesView,
        summary="The clocks breached in a month, with the reasons",
    )
    async def get_breaches(
        _: Staff,
        request: Request,
        response: Response,
        month: MonthQuery = None,
        fmt: FormatQuery = None,
        separator: SeparatorQuery = Separator.COMMA,
        as_of: AsOfQuery = None,
    ) -> BreachesView | Response:
        """Every clock breached in the month (its due time fell in it), request by request."""
        moment, default = await when(as_of, response)
        month = month or default
        if _wants_csv(request, fmt):

            async def rows() -> AsyncIterator[tuple[object, ...]]:
                async for measured in sla.month(month, at=moment):
                    for breach in breaches([measured], month=month):
                        yield breach_row(breach)

            return await _csv(
                f"sla-breaches-{month}",
                BREACH_COLUMNS,
                rows(),
                moment=moment,
                asked=(request, fmt, separator),
            )

        found = breaches(await _all(sla.month(month, at=moment)), month=month)
        return BreachesView(month=month, breaches=[BreachView.of(b) for b in found])

    @api.get(
        "/sla/disposition-times",
        tags=["sla"],
        response_model=DispositionTimesView,
        summary="Working time per echelon of the disposition chain in a month",
    )
    async def get_disposition_times(
        _: Staff,
        request: Request,
        response: Response,
        month: MonthQuery = None,
        fmt: FormatQuery = None,
        separator: SeparatorQuery = Separator.COMMA,
        as_of: AsOfQuery = None,
    ) -> DispositionTimesView | Response:
        """How long the kadis, the kabid and the prakom held the requests they disposed of in
        the month (working time, pauses excluded)."""
        moment, default = await when(as_of, response)
        month = month or default
        times = disposition_times(await _all(sla.month(month, at=moment)), month=month)
        views = [EchelonView.of(t) for t in times]
        if _wants_csv(request, fmt):
            rows = [echelon_row(month, v) for v in views]
            name = f"sla-disposition-times-{month}"
            return await _csv(
                name, ECHELON_COLUMNS, _each(rows), moment=moment, asked=(request, fmt, separator)
            )
        return DispositionTimesView(month=month, echelons=views)


async def _all(requests: AsyncIterator[RequestClocks]) -> list[RequestClocks]:
    return [r async for r in requests]


# --- availability ---------------------------------------------------------------------------


def _availability(api: APIRouter, ctx: ServiceContext, settings: ReportingSettings) -> None:
    @api.get(
        "/sla/availability",
        tags=["sla"],
        response_model=AvailabilityView,
        summary="Monthly availability in service hours per service and overall",
    )
    async def get_availability(
        _: Staff,
        request: Request,
        month: MonthQuery = None,
        fmt: FormatQuery = None,
        separator: SeparatorQuery = Separator.COMMA,
    ) -> AvailabilityView | Response:
        """Readiness samples taken in service hours: the share up, against the target."""
        month = month or month_of(ctx.clock())
        first, following = sla_db.month_bounds(month)
        async with ctx.pool.acquire() as conn:
            services, overall = await sla_db.availability(
                conn,
                start=datetime.combine(first, time(0), tzinfo=WIB),
                end=datetime.combine(following, time(0), tzinfo=WIB),
            )
        target = settings.availability_target_percent
        view = AvailabilityView(
            month=month,
            target_percent=target,
            services=[_line(r["service"], r["samples"], r["up"], target) for r in services],
            overall=_line("semua", overall["samples"], overall["up"], target),
        )
        if _wants_csv(request, fmt):
            return await _csv(
                f"availability-{month}",
                AVAILABILITY_COLUMNS,
                _each(availability_rows(view)),
                asked=(request, fmt, separator),
            )
        return view


def _line(service: str, samples: int, up: int, target: int) -> AvailabilityLine:
    share = percent(up, samples)
    meets = None if share is None else share >= target
    return AvailabilityLine(
        service=service, samples=samples, up=up, availability_percent=share, meets_target=meets
    )


# --- CSV ------------------------------------------------------------------------------------


def _wants_csv(request: Request, fmt: Format | None) -> bool:
    """A table (CSV or .xlsx) rather than JSON."""
    if fmt is not None:
        return fmt is not Format.JSON
    accept = request.headers.get("accept", "")
    return "text/csv" in accept or XLSX in accept


async def _each(rows: Iterable[tuple[object, ...]]) -> AsyncIterator[tuple[object, ...]]:
    for row in rows:
        yield row


async def _csv(
    name: str,
    header: tuple[str, ...],
    rows: AsyncIterator[tuple[object, ...]],
    *,
    moment: Moment | None = None,
    asked: tuple[Request, Format | None, Separator],
) -> Response:
    """The view as a table: .xlsx when asked for, else CSV streamed row by row (UTF-8)."""
    request, fmt, separator = asked
    headers = as_of_headers(moment)
    if fmt is Format.XLSX or (fmt is None and XLSX in request.headers.get("accept", "")):
        return xlsx_response(name, header, [r async for r in rows], headers=headers)
    return csv_response(name, header, rows, separator=separator, headers=headers)
