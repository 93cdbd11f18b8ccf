"""What the SLA and calendar endpoints answer: bodies, JSON views and their CSV rows."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from penghubung.events import Envelope, Role
from penghubung.events.sla import Month, RecalculationScope
from penghubung.forms import Difficulty, FormValueError, IsoDate, Step, TicketId
from penghubung.text import PersonLine
from penghubung.workcal import CalendarSpec, LocalTime
from reporting.domain import labels
from reporting.domain.clocks import Clock, ClockState, Person
from reporting.domain.compliance import Breach, ComplianceLine, EchelonTime

# --- bodies ---------------------------------------------------------------------------------

CALENDAR_YEARS = (2000, 2100)
"""The years the calendar may be changed in (the days-off listing answers the same years)."""


def _within_calendar_years(value: date) -> date:
    first, last = CALENDAR_YEARS
    if not first <= value.year <= last:
        raise FormValueError(
            "calendar_year", f"tanggal kalender harus antara tahun {first} dan {last}"
        )
    return value


CalendarDate = Annotated[IsoDate, AfterValidator(_within_calendar_years)]
"""A date of the working calendar, `YYYY-MM-DD`, in the years 2000–2100."""


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DayOffBody(_Body):
    """A day off to add: the date and the holiday or decree."""

    day: CalendarDate = Field(description="The date on which the office is closed (YYYY-MM-DD)")
    name: PersonLine = Field(description="The regional holiday or the decree, as people read it")


class ReducedHoursBody(_Body):
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


class RecalculationBody(_Body):
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


# --- the calendar ---------------------------------------------------------------------------


class Who(BaseModel):
    """A person, by NIP and name."""

    nip: str | None = Field(description="NIP, if known")
    name: str = Field(description="Name")


class CalendarChangeView(BaseModel):
    """One change of the calendar: the version it made, what, when and by whom."""

    version: int = Field(description="The calendar version this change created")
    type: str = Field(description="CalendarDayOffAdded, CalendarDayOffRemoved, …")
    change: dict[str, Any] = Field(description="The event's payload")
    changed_at: datetime | None = Field(default=None, description="When it was made")
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


# --- a request's clocks ---------------------------------------------------------------------


class StandardView(BaseModel):
    """A service standard."""

    minutes: int | None = Field(description="Working minutes, for minute and hour standards")
    days: int | None = Field(description="Working days, for day standards")
    label: str = Field(description="The standard as people read it")


class PauseView(BaseModel):
    """A stretch of time in which the clock stood still."""

    reason: str = Field(description="agency_documents, uat, ip_allocation, vendor, returned_…")
    reason_label: str = Field(description="The reason in Bahasa Indonesia")
    start: datetime
    end: datetime | None = Field(description="None while the clock stands still")
    working_seconds: int = Field(description="Working time the pause held")
    note: str | None = None


class ClockView(BaseModel):
    """One step's clock."""

    step: Step
    step_label: str
    role: Role = Field(description="The role that answers for the step")
    officer: Who | None = Field(description="The officer who answers for it, once known")
    standard: StandardView
    difficulty: Difficulty | None = Field(description="For feasibility and implementation")
    standard_assumed: bool = Field(description="Difficulty unknown yet: sedang assumed")
    start: datetime = Field(description="When the clock started (after an overload: next day)")
    due: datetime = Field(description="When the standard runs out (moved out by pauses)")
    end: datetime | None = Field(description="When the step was done; None while it is not")
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
            officer=_who(clock.officer),
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
    since: datetime


class RequestSlaView(BaseModel):
    """Every clock of one request, measured now."""

    ticket_id: str
    agency: str
    status: str
    current_step: Step | None
    holder: HolderView
    calendar_version: int = Field(description="The current calendar version (running clocks)")
    measured_at: datetime = Field(description="The moment the clocks were measured")
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
    )


def _who(person: Person | None) -> Who | None:
    if person is None:
        return None
    return Who(nip=person.nip, name=person.name)


# --- monthly figures ------------------------------------------------------------------------


class ComplianceLineView(BaseModel):
    """Met and breached clocks of one group."""

    key: str = Field(description="The step, the agency, or the officer's NIP (role:… if none)")
    label: str
    met: int
    breached: int
    total: int
    compliance_percent: Decimal | None = Field(description="Met of total, in percent; none if 0")

    @classmethod
    def of(cls, line: ComplianceLine) -> ComplianceLineView:
        """A computed line."""
        return cls(
            key=line.key,
            label=line.label,
            met=line.met,
            breached=line.breached,
            total=line.total,
            compliance_percent=line.percent,
        )


class ComplianceView(BaseModel):
    """Monthly compliance per step, agency or officer."""

    month: str
    by: str
    lines: list[ComplianceLineView]
    total: ComplianceLineView


COMPLIANCE_COLUMNS = ("month", "by", "key", "label", "met", "breached", "total", "percent")


def compliance_row(month: str, by: str, line: ComplianceLine) -> tuple[object, ...]:
    """A compliance line as a CSV row."""
    share = _blank(line.percent)  # 0.00 is a figure, not a blank
    return (month, by, line.key, line.label, line.met, line.breached, line.total, share)


class ReasonView(BaseModel):
    """Why a clock was breached, or what bore on it."""

    code: str
    message: str


class BreachView(BaseModel):
    """A breached clock and its reasons."""

    ticket_id: str
    agency: str
    clock: ClockView
    reasons: list[ReasonView]

    @classmethod
    def of(cls, breach: Breach) -> BreachView:
        """A computed breach."""
        return cls(
            ticket_id=breach.ticket_id,
            agency=breach.agency,
            clock=ClockView.of(breach.clock),
            reasons=[ReasonView(code=r.code, message=r.message) for r in breach.reasons],
        )


class BreachesView(BaseModel):
    """The clocks breached in a month."""

    month: str
    breaches: list[BreachView]


BREACH_COLUMNS = ("agency", *CLOCK_COLUMNS, "reasons")


def breach_row(breach: Breach) -> tuple[object, ...]:
    """A breach as a CSV row."""
    reasons = "; ".join(r.message for r in breach.reasons)
    return (breach.agency, *clock_row(breach.ticket_id, breach.clock), reasons)


class EchelonView(BaseModel):
    """How long one echelon of the disposition chain held requests."""

    step: Step
    role: Role
    echelon: str
    count: int
    breached: int
    mean_seconds: int | None
    median_seconds: int | None
    max_seconds: int | None

    @classmethod
    def of(cls, time: EchelonTime) -> EchelonView:
        """Computed times."""
        return cls(
            step=time.step,
            role=time.role,
            echelon=time.echelon,
            count=time.count,
            breached=time.breached,
            mean_seconds=time.mean_seconds,
            median_seconds=time.median_seconds,
            max_seconds=time.max_seconds,
        )


class DispositionTimesView(BaseModel):
    """Working time per echelon for the dispositions of a month."""

    month: str
    echelons: list[EchelonView]


ECHELON_COLUMNS = (
    "month",
    "step",
    "role",
    "echelon",
    "count",
    "breached",
    "mean_seconds",
    "median_seconds",
    "max_seconds",
)


def echelon_row(month: str, view: EchelonView) -> tuple[object, ...]:
    """An echelon's times as a CSV row."""
    return (
        month,
        view.step.value,
        view.role.value,
        view.echelon,
        view.count,
        view.breached,
        _blank(view.mean_seconds),
        _blank(view.median_seconds),
        _blank(view.max_seconds),
    )


class AvailabilityLine(BaseModel):
    """Samples of one service (or of every round, overall) in a month."""

    service: str
    samples: int
    up: int
    expected: int = Field(
        description="Rounds due in service hours since sampling began (this month, until now)"
    )
    missing: int = Field(
        description="Rounds due but not sampled (the reporting process or its host was away):"
        " unknown, counted as down"
    )
    availability_percent: Decimal | None = Field(
        description="Up of the rounds due (samples and missing), in percent"
    )
    meets_target: bool | None = Field(description="At least the target; none without samples")


class AvailabilityView(BaseModel):
    """Monthly availability in service hours against the target."""

    month: str
    target_percent: int
    services: list[AvailabilityLine]
    overall: AvailabilityLine = Field(description="Rounds in which every service was up")


AVAILABILITY_COLUMNS = (
    "month",
    "service",
    "samples",
    "up",
    "expected",
    "missing",
    "percent",
    "meets_target",
    "target",
)


def availability_rows(view: AvailabilityView) -> list[tuple[object, ...]]:
    """The view as CSV rows, the overall line last."""
    return [
        (
            view.month,
            line.service,
            line.samples,
            line.up,
            line.expected,
            line.missing,
            _blank(line.availability_percent),
            _blank(line.meets_target),
            view.target_percent,
        )
        for line in (*view.services, view.overall)
    ]


def _blank(value: object) -> object:
    return "" if value is None else value
