"""The working calendar asked "what if": decreed working days, the calculator, the simulator.

- `POST /calendar/working-days`, `DELETE /calendar/working-days/{day}` (admin): a day off (a
  Saturday, a holiday) decreed a working day, and the decree withdrawn — new calendar versions.
- `POST /calendar/calculations` (every signed-in role): a due time and the working time used,
  on the calendar in force or on a given version. Writes nothing.
- `POST /calendar/simulations` (admin, auditor): what a proposed change would do to every open
  request's clocks and to the month's closed ones. Writes nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

from penghubung.events import Role
from penghubung.events.sla import Month
from penghubung.forms import FormValueError
from penghubung.sop import Step
from penghubung.text import PersonLine
from penghubung.web.auth import Principal, require
from penghubung.web.errors import ERROR_RESPONSES, refusals
from penghubung.web.idempotency import Idempotent
from penghubung.web.params import INSTANT_SCHEMA
from reporting.domain import labels
from reporting.sla.adapters.http_calendar import (
    CalendarChangeView,
    CalendarDate,
    ReducedHoursBody,
    change_calendar,
)
from reporting.sla.app.calendar_whatif import CalendarWhatIf, Simulation, UnknownCalendarVersion
from reporting.sla.domain import calendar
from reporting.sla.domain.calendar import (
    AddDayOff,
    CalendarCommand,
    DecreeWorkingDay,
    ReduceHours,
    RemoveDayOff,
    WithdrawWorkingDay,
)
from reporting.sla.domain.calendar_whatif import Calculated, Calculation, ClockChange, Effect
from reporting.sla.domain.clocks import Clock, ClockState, Standard, month_of

EVERYONE = (
    Role.PEMOHON,
    Role.KADIS,
    Role.KABID,
    Role.PRAKOM,
    Role.PETUGAS,
    Role.ADMIN,
    Role.AUDITOR,
)
Admin = Annotated[Principal, Depends(require(Role.ADMIN))]
Anyone = Annotated[Principal, Depends(require(*EVERYONE))]
Simulator = Annotated[Principal, Depends(require(Role.ADMIN, Role.AUDITOR))]

_EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
_LATEST = datetime(2100, 1, 1, tzinfo=UTC)


def _on_the_calendar(value: datetime) -> datetime:
    if not _EARLIEST <= value < _LATEST:
        raise FormValueError("instant_out_of_range", "waktu harus antara tahun 2000 dan 2099")
    return value


Instant = Annotated[AwareDatetime, AfterValidator(_on_the_calendar), INSTANT_SCHEMA]
"""An ISO 8601 time with its zone, in the years the calendar knows (2000–2099)."""


# --- bodies -----------------------------------------------------------------------------------


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WorkingDayBody(_Body):
    """A day off (a Saturday, a Sunday, a holiday) that a decree makes a working day."""

    day: CalendarDate = Field(description="The date on which the office is open (YYYY-MM-DD)")
    name: PersonLine = Field(description="The decree, as people read it")


class StandardUnit(StrEnum):
    """How a standard is counted."""

    MINUTES = "minutes"
    HOURS = "hours"
    WORKING_DAYS = "working_days"


MAX_AMOUNT = {
    StandardUnit.MINUTES: 124_800,
    StandardUnit.HOURS: 2_080,
    StandardUnit.WORKING_DAYS: 260,
}
"""A working year at most: 260 working days of 8 hours."""


class StandardBody(_Body):
    """A service standard: working minutes, working hours, or working days."""

    unit: StandardUnit = Field(description="minutes, hours or working_days")
    amount: int = Field(ge=0, le=124_800, description="How many (at most a working year)")

    @field_validator("amount")
    @classmethod
    def _at_most_a_working_year(cls, value: int, info: ValidationInfo) -> int:
        unit = info.data.get("unit")
        if unit is not None and value > MAX_AMOUNT[unit]:
            raise FormValueError(
                "amount_too_large", f"paling banyak {MAX_AMOUNT[unit]} untuk satuan {unit.value}"
            )
        return value

    def standard(self) -> Standard:
        """The standard the clocks count."""
        match self.unit:
            case StandardUnit.MINUTES:
                return Standard(minutes=self.amount)
            case StandardUnit.HOURS:
                return Standard(minutes=self.amount * 60)
            case StandardUnit.WORKING_DAYS:
                return Standard(days=self.amount)


class PauseBody(_Body):
    """A stretch of time in which the clock stands still."""

    start: Instant = Field(description="When the pause starts (ISO 8601 with zone)")
    end: Instant = Field(description="When the pause ends (ISO 8601 with zone)")


class CalculationBody(_Body):
    """A clock to calculate: when it starts, its standard, its pauses, and optionally its end."""

    start: Instant = Field(description="When the clock starts (ISO 8601 with zone)")
    standard: StandardBody = Field(description="The service standard")
    pauses: list[PauseBody] = Field(
        default_factory=list, max_length=100, description="Pauses, in order, not overlapping"
    )
    end: Instant | None = Field(
        default=None, description="When the step was done: the working time used up to it"
    )
    calendar_version: int | None = Field(
        default=None, ge=1, le=1_000_000, description="A calendar version; default: in force"
    )

    def calculation(self) -> Calculation:
        """The calculation the clocks' code answers."""
        return Calculation(
            start=self.start,
            standard=self.standard.standard(),
            pauses=tuple((p.start, p.end) for p in self.pauses),
            end=self.end,
        )


class _Day(_Body):
    day: CalendarDate = Field(description="The date (YYYY-MM-DD)")
    name: PersonLine = Field(description="The holiday, the decree or the reason, as people read it")


class DayOffAdded(_Day):
    """Close the office on a weekday."""

    kind: Literal["day_off_added"] = Field(description="The kind of change")


class DayOffRemoved(_Day):
    """Open the office on a day off (an added day withdrawn, a holiday worked)."""

    kind: Literal["day_off_removed"] = Field(description="The kind of change")


class WorkingDayDecreed(_Day):
    """A day off decreed a working day."""

    kind: Literal["working_day_decreed"] = Field(description="The kind of change")


class WorkingDayWithdrawn(_Day):
    """A decreed working day withdrawn."""

    kind: Literal["working_day_withdrawn"] = Field(description="The kind of change")


class HoursReduced(ReducedHoursBody):
    """Shorter service hours for a range of dates."""

    kind: Literal["hours_reduced"] = Field(description="The kind of change")


ProposedChange = Annotated[
    DayOffAdded | DayOffRemoved | HoursReduced | WorkingDayDecreed | WorkingDayWithdrawn,
    Field(discriminator="kind"),
]


class SimulationBody(_Body):
    """A proposed change of the calendar, and the month whose closed requests to look at."""

    change: ProposedChange = Field(description="The change, as the admin would make it")
    month: Month | None = Field(default=None, description="YYYY-MM (WIB); default: this month")

    def command(self) -> CalendarCommand:
        """The calendar command the change would be."""
        change = self.change
        match change:
            case DayOffAdded():
                return AddDayOff(day=change.day, name=change.name)
            case DayOffRemoved():
                return RemoveDayOff(day=change.day, name=change.name)
            case WorkingDayDecreed():
                return DecreeWorkingDay(day=change.day, name=change.name)
            case WorkingDayWithdrawn():
                return WithdrawWorkingDay(day=change.day, name=change.name)
            case HoursReduced():
                return ReduceHours.model_validate(change.model_dump(exclude={"kind"}))


# --- answers ----------------------------------------------------------------------------------


class StandardAnswer(BaseModel):
    """A service standard as the clocks count it."""

    minutes: int | None = Field(description="Working minutes, for minute and hour standards")
    days: int | None = Field(description="Working days, for day standards")
    label: str = Field(description="The standard as people read it")

    @classmethod
    def of(cls, standard: Standard) -> StandardAnswer:
        """A standard."""
        return cls(minutes=standard.minutes, days=standard.days, label=standard.label)


class CalculationView(BaseModel):
    """The calculator's answer (times in WIB, working time in whole seconds)."""

    start: datetime = Field(description="The start, as given")
    normalised_start: datetime = Field(
        description="Where the clock starts counting: the start, or the next opening"
    )
    due: datetime = Field(description="When the standard runs out, moved out by the pauses")
    standard: StandardAnswer
    budget_seconds: int = Field(description="Working time the standard allows from the start")
    paused_seconds: int = Field(description="Working time within the pauses")
    end: datetime | None = Field(description="The end, as given")
    working_seconds: int | None = Field(
        description="Working time from the start to the end, pauses included"
    )
    used_seconds: int | None = Field(
        description="Working time from the start to the end, pauses excluded"
    )
    remaining_seconds: int | None = Field(description="Working time left at the end")
    overdue_seconds: int | None = Field(description="Working time used beyond the standard")
    state: ClockState | None = Field(description="met or breached, with an end")
    calendar_version: int = Field(description="The calendar version of these figures")

    @classmethod
    def of(cls, found: Calculated) -> CalculationView:
        """A calculation's answer."""
        used = found.used_seconds
        return cls(
            start=found.start,
            normalised_start=found.normalised_start,
            due=found.due,
            standard=StandardAnswer.of(found.standard),
            budget_seconds=found.budget_seconds,
            paused_seconds=found.paused_seconds,
            end=found.end,
            working_seconds=found.working_seconds,
            used_seconds=used,
            remaining_seconds=None if used is None else max(0, found.budget_seconds - used),
            overdue_seconds=None if used is None else max(0, used - found.budget_seconds),
            state=found.state,
            calendar_version=found.calendar_version,
        )


class ClockFigures(BaseModel):
    """A clock's due time and verdict on one calendar version."""

    due: datetime = Field(description="When the standard runs out")
    state: ClockState = Field(description="running, paused, met or breached")
    used_seconds: int = Field(description="Working time used, pauses excluded")
    budget_seconds: int = Field(description="Working time the standard allows")
    calendar_version: int = Field(description="The calendar version of these figures")
    month: str | None = Field(description="The month the outcome is settled in (YYYY-MM, WIB)")

    @classmethod
    def of(cls, clock: Clock) -> ClockFigures:
        """A measured clock."""
        decided = clock.decided_at
        return cls(
            due=clock.due,
            state=clock.state,
            used_seconds=clock.used_seconds,
            budget_seconds=clock.budget_seconds,
            calendar_version=clock.calendar_version,
            month=None if decided is None else month_of(decided),
        )


class ClockChangeView(BaseModel):
    """A clock the change would move."""

    ticket_id: str
    agency: str = Field(description="The requesting agency (OPD)")
    step: Step
    step_label: str
    request_open: bool = Field(description="The request is not archived yet")
    effect: Effect = Field(
        description="at_once: a running clock moves when the change is made; on_recalculation: "
        "a finished clock keeps its version until a recalculation covers it"
    )
    before: ClockFigures
    after: ClockFigures

    @classmethod
    def of(cls, change: ClockChange) -> ClockChangeView:
        """A moved clock."""
        return cls(
            ticket_id=change.ticket_id,
            agency=change.agency,
            step=change.step,
            step_label=labels.STEPS[change.step],
            request_open=change.request_open,
            effect=change.effect,
            before=ClockFigures.of(change.before),
            after=ClockFigures.of(change.after),
        )


class ProposedChangeView(BaseModel):
    """The calendar event the change would append (it is not appended)."""

    type: str = Field(description="CalendarDayOffAdded, CalendarWorkingDayDecreed, …")
    change: dict[str, Any] = Field(description="The event's payload, with the version it makes")


class SimulationView(BaseModel):
    """What a proposed change would do, before it is made."""

    proposed: ProposedChangeView
    calendar_version_before: int = Field(description="The version the clocks are measured on")
    calendar_version_after: int = Field(description="The version the change would make")
    month: str = Field(description="The month whose closed requests were looked at")
    measured_at: datetime = Field(description="The moment running clocks are measured at")
    requests_examined: int = Field(description="Open requests and the month's closed ones")
    open_requests: int = Field(description="Of them, still open")
    clocks_examined: int = Field(description="Their clocks")
    changes: list[ClockChangeView] = Field(description="Each clock whose due time or verdict moves")

    @classmethod
    def of(cls, found: Simulation) -> SimulationView:
        """A simulation's answer."""
        impact = found.impact
        return cls(
            proposed=ProposedChangeView(type=found.change.type, change=found.change.payload()),
            calendar_version_before=found.version_before,
            calendar_version_after=found.change.version,
            month=found.month,
            measured_at=found.measured_at,
            requests_examined=impact.requests,
            open_requests=impact.open_requests,
            clocks_examined=impact.clocks,
            changes=[ClockChangeView.of(c) for c in impact.changes],
        )


# --- routes -----------------------------------------------------------------------------------


def routes(whatif: CalendarWhatIf) -> APIRouter:
    """The decreed working days, the calculator and the simulator."""
    api = APIRouter(responses=ERROR_RESPONSES, tags=["calendar"])
    _decrees(api, whatif)
    _questions(api, whatif)
    return api


def _decrees(api: APIRouter, whatif: CalendarWhatIf) -> None:
    @api.post(
        "/calendar/working-days",
        status_code=201,
        response_model=CalendarChangeView,
        summary="Decree a day off a working day (a Saturday, a holiday)",
        responses=refusals(calendar.AlreadyWorkingDay),
    )
    async def decree_working_day(
        principal: Admin, body: WorkingDayBody, once: Idempotent
    ) -> dict[str, Any]:
        """Open the office on a day off by decree: the next calendar version
        (CalendarWorkingDayDecreed), normal hours unless reduced hours cover the day."""
        command = DecreeWorkingDay(day=body.day, name=body.name)
        return await change_calendar(whatif.sla, command, principal, once)

    @api.delete(
        "/calendar/working-days/{day}",
        response_model=CalendarChangeView,
        summary="Withdraw a decreed working day",
    )
    async def withdraw_working_day(
        principal: Admin,
        day: Annotated[CalendarDate, Path(description="The decreed working day, YYYY-MM-DD")],
        reason: Annotated[PersonLine, Query(description="Why the decree is withdrawn")],
        once: Idempotent,
    ) -> dict[str, Any]:
        """The day is off again, as before the decree (CalendarWorkingDayWithdrawn)."""
        command = WithdrawWorkingDay(day=day, name=reason)
        return await change_calendar(whatif.sla, command, principal, once)


def _questions(api: APIRouter, whatif: CalendarWhatIf) -> None:
    @api.post(
        "/calendar/calculations",
        summary="Calculate a due time on the working calendar",
        responses=refusals(UnknownCalendarVersion),
    )
    async def calculate(_: Anyone, body: CalculationBody) -> CalculationView:
        """The normalised start, the due time and the working time used up to an end, by the
        clocks' own arithmetic; on the calendar in force or on `calendar_version`. Writes
        nothing."""
        found = await whatif.calculate(body.calculation(), version=body.calendar_version)
        return CalculationView.of(found)

    @api.post(
        "/calendar/simulations",
        summary="What a calendar change would do, before it is made",
        responses=refusals(
            calendar.AlreadyDayOff,
            calendar.NotADayOff,
            calendar.WeekendIsAlwaysOff,
            calendar.AlreadyWorkingDay,
            calendar.NotADecreedWorkingDay,
        ),
    )
    async def simulate(_: Simulator, body: SimulationBody) -> SimulationView:
        """Every clock of the open requests, and of the month's closed ones, whose due time or
        verdict the change would move, before and after. Writes nothing."""
        return SimulationView.of(await whatif.simulate(body.command(), month=body.month))
