"""The working calendar as administrators change it: commands, the fold of changes, the rules.

The calendar is the fold of the `reporting-calendar` stream over the base calendar (version 1:
Monday–Friday 08:00–16:00 WIB, national holidays and cuti bersama of the `holidays` package).
Each change creates the next version; a change event names the version it creates, so a fold
that meets a version out of sequence refuses to guess.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, time
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from penghubung.events import Event
from penghubung.events.sla import (
    CalendarDayOffAdded,
    CalendarDayOffRemoved,
    CalendarHoursReduced,
    CalendarWorkingDayDecreed,
    CalendarWorkingDayWithdrawn,
    Month,
    RecalculationScope,
    SlaRecalculated,
)
from penghubung.forms import FormValueError, Text, TicketId
from penghubung.refusals import Conflict, NotFound
from penghubung.text import PersonLine
from penghubung.workcal import (
    WORKING_WEEKDAYS,
    CalendarSpec,
    DayOff,
    DecreedWorkingDay,
    LocalTime,
    ReducedHours,
    ServiceHours,
    WorkingCalendar,
)

BASE = CalendarSpec(version=1)
"""Version 1: the base calendar, before any administrator's change."""

CalendarChange = (
    CalendarDayOffAdded
    | CalendarDayOffRemoved
    | CalendarHoursReduced
    | CalendarWorkingDayDecreed
    | CalendarWorkingDayWithdrawn
)
"""An event of the `reporting-calendar` stream."""


# --- commands ---------------------------------------------------------------------------------


class _Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AddDayOff(_Command):
    """Close the office on a day: a regional holiday or an ad-hoc decree."""

    day: date = Field(description="The date on which the office is closed")
    name: PersonLine = Field(description="The holiday or the decree, as people read it")


class RemoveDayOff(_Command):
    """Open the office on a day off: withdraw an added day, or work on a holiday."""

    day: date = Field(description="The date that becomes a working day")
    name: PersonLine = Field(description="The decree that reopens the office, as people read it")


class ReduceHours(_Command):
    """Set shorter service hours for a range of dates (a later range wins where they overlap)."""

    first_day: date = Field(description="First date with these hours")
    last_day: date = Field(description="Last date with these hours, inclusive")
    opening: LocalTime = Field(default=time(8), description="Opening time (WIB)")
    closing: LocalTime = Field(description="Closing time (WIB), Monday to Thursday")
    friday_closing: LocalTime | None = Field(
        default=None, description="Closing time on Fridays; none means `closing`"
    )
    name: PersonLine = Field(description="Why the hours change, as people read it")

    @model_validator(mode="after")
    def _coherent(self) -> Self:
        if self.last_day < self.first_day:
            raise FormValueError("last_day", "tanggal akhir tidak boleh sebelum tanggal awal")
        if self.closing <= self.opening:
            raise FormValueError("closing", "jam tutup harus sesudah jam buka")
        if self.friday_closing is not None and self.friday_closing <= self.opening:
            raise FormValueError("friday_closing", "jam tutup hari Jumat harus sesudah jam buka")
        return self


class DecreeWorkingDay(_Command):
    """Open the office on a day off by decree: a Saturday or Sunday, or a holiday, worked."""

    day: date = Field(description="The date that becomes a working day")
    name: Text = Field(description="The decree, as people read it")


class WithdrawWorkingDay(_Command):
    """Withdraw a decreed working day: the day is off again, as it was before the decree."""

    day: date = Field(description="The decreed working day")
    name: Text = Field(description="Why the decree is withdrawn, as people read it")


class Recalculate(_Command):
    """Judge finished clocks again under the calendar version now current."""

    scope: RecalculationScope = Field(description="all, month or ticket")
    month: Month | None = Field(default=None, description="For scope month: YYYY-MM")
    ticket_id: TicketId | None = Field(default=None, description="For scope ticket: the request")
    reason: PersonLine = Field(description="Why, as people read it")

    @model_validator(mode="after")
    def _scope_named(self) -> Self:
        if self.scope is RecalculationScope.MONTH and self.month is None:
            raise FormValueError("month", "bulan wajib diisi untuk cakupan 'month'")
        if self.scope is RecalculationScope.TICKET and self.ticket_id is None:
            raise FormValueError("ticket_id", "Tiket ID wajib diisi untuk cakupan 'ticket'")
        return self


CalendarCommand = AddDayOff | RemoveDayOff | ReduceHours | DecreeWorkingDay | WithdrawWorkingDay


# --- errors -----------------------------------------------------------------------------------


class CalendarError(Conflict):
    """A change the calendar refuses: a stable code and a Bahasa Indonesia message."""

    code = "calendar_refused"


class CalendarVersionNotFound(NotFound):
    """No such version of the calendar (or not yet, as of the moment asked)."""

    code = "calendar_version_not_found"

    def __init__(self, version: int) -> None:
        super().__init__(f"versi kalender {version} tidak ada")


class AlreadyDayOff(CalendarError):
    """The office is closed on that day already."""

    code = "already_day_off"

    def __init__(self, day: date, name: str) -> None:
        super().__init__(f"{day.isoformat()} sudah hari libur: {name}", field="day")


class NotADayOff(CalendarError):
    """The day is a working day already; there is nothing to remove."""

    code = "not_a_day_off"

    def __init__(self, day: date) -> None:
        super().__init__(f"{day.isoformat()} bukan hari libur", field="day")


class WeekendIsAlwaysOff(CalendarError):
    """Saturdays and Sundays are outside the service week; they are neither added nor removed."""

    code = "weekend"

    def __init__(self, day: date) -> None:
        super().__init__(
            f"{day.isoformat()} jatuh pada hari Sabtu/Minggu, di luar hari kerja layanan",
            field="day",
        )


class AlreadyWorkingDay(CalendarError):
    """The office is open on that day already; there is nothing to decree."""

    code = "already_working_day"

    def __init__(self, day: date) -> None:
        super().__init__(f"{day.isoformat()} sudah hari kerja", field="day")


class NotADecreedWorkingDay(CalendarError):
    """No decree makes that day a working day; there is nothing to withdraw."""

    code = "not_a_decreed_working_day"

    def __init__(self, day: date) -> None:
        super().__init__(
            f"{day.isoformat()} bukan hari kerja yang ditetapkan dengan keputusan", field="day"
        )


class CalendarOutOfSequence(RuntimeError):
    """A change names a version that does not follow the calendar it is applied to (a fault)."""


# --- the fold ---------------------------------------------------------------------------------


def evolve(spec: CalendarSpec, event: Event) -> CalendarSpec:
    """The calendar after one change; other events leave it as it is."""
    if not isinstance(event, CalendarChange):
        return spec
    if event.version != spec.version + 1:
        raise CalendarOutOfSequence(f"version {event.version} after version {spec.version}")
    match event:
        case CalendarDayOffAdded():
            return _with_day_off(spec, event)
        case CalendarDayOffRemoved():
            return _without_day_off(spec, event)
        case CalendarHoursReduced():
            return _with_reduced_hours(spec, event)
        case CalendarWorkingDayDecreed():
            return _with_working_day(spec, event)
        case CalendarWorkingDayWithdrawn():
            return _without_working_day(spec, event)


def fold(events: Iterable[Event], spec: CalendarSpec = BASE) -> CalendarSpec:
    """The calendar after every change, in order."""
    for event in events:
        spec = evolve(spec, event)
    return spec


def _with_day_off(spec: CalendarSpec, event: CalendarDayOffAdded) -> CalendarSpec:
    # The day off replaces whatever opened the day: a holiday worked, a decreed working day.
    removed = tuple(d for d in spec.removed_days_off if d != event.day)
    decreed = tuple(d for d in spec.decreed_working_days if d.day != event.day)
    kept = tuple(off for off in spec.added_days_off if off.day != event.day)
    added = (*kept, DayOff(day=event.day, name=event.name))
    return spec.model_copy(
        update={
            "version": event.version,
            "added_days_off": added,
            "removed_days_off": removed,
            "decreed_working_days": decreed,
        }
    )


def _without_day_off(spec: CalendarSpec, event: CalendarDayOffRemoved) -> CalendarSpec:
    added = tuple(off for off in spec.added_days_off if off.day != event.day)
    opened = spec.model_copy(update={"version": event.version, "added_days_off": added})
    if WorkingCalendar(opened).day_off_name(event.day) is None:
        return opened  # the day was closed only by an administrator's addition
    # A holiday of the package: declared a working day after all.
    removed = (*opened.removed_days_off, event.day)
    return opened.model_copy(update={"removed_days_off": removed})


def _with_reduced_hours(spec: CalendarSpec, event: CalendarHoursReduced) -> CalendarSpec:
    period = ReducedHours(
        first_day=event.first_day,
        last_day=event.last_day,
        hours=ServiceHours(
            opening=event.opening, closing=event.closing, friday_closing=event.friday_closing
        ),
        name=event.name,
    )
    return spec.model_copy(
        update={"version": event.version, "reduced_hours": (*spec.reduced_hours, period)}
    )


def _with_working_day(spec: CalendarSpec, event: CalendarWorkingDayDecreed) -> CalendarSpec:
    # The decree opens the day over whatever closes it, which stays for when it is withdrawn.
    decreed = (*spec.decreed_working_days, DecreedWorkingDay(day=event.day, name=event.name))
    return spec.model_copy(update={"version": event.version, "decreed_working_days": decreed})


def _without_working_day(spec: CalendarSpec, event: CalendarWorkingDayWithdrawn) -> CalendarSpec:
    decreed = tuple(d for d in spec.decreed_working_days if d.day != event.day)
    return spec.model_copy(update={"version": event.version, "decreed_working_days": decreed})


# --- the rules --------------------------------------------------------------------------------


def decide(command: CalendarCommand, spec: CalendarSpec) -> CalendarChange:
    """The change a command makes to the calendar, or the error that refuses it."""
    version = spec.version + 1
    match command:
        case AddDayOff():
            _refuse_weekend(command.day)
            closed = WorkingCalendar(spec).day_off_name(command.day)
            if closed is not None:
                raise AlreadyDayOff(command.day, closed)
            return CalendarDayOffAdded(version=version, day=command.day, name=command.name)
        case RemoveDayOff():
            _refuse_weekend(command.day)
            if WorkingCalendar(spec).is_working_day(command.day):
                raise NotADayOff(command.day)
            return CalendarDayOffRemoved(version=version, day=command.day, name=command.name)
        case ReduceHours():
            return CalendarHoursReduced(version=version, **command.model_dump())
        case DecreeWorkingDay():
            if WorkingCalendar(spec).is_working_day(command.day):
                raise AlreadyWorkingDay(command.day)
            return CalendarWorkingDayDecreed(version=version, day=command.day, name=command.name)
        case WithdrawWorkingDay():
            if WorkingCalendar(spec).working_day_decree(command.day) is None:
                raise NotADecreedWorkingDay(command.day)
            return CalendarWorkingDayWithdrawn(version=version, day=command.day, name=command.name)


def recalculate(command: Recalculate, spec: CalendarSpec) -> SlaRecalculated:
    """The recalculation of finished clocks under the current calendar version."""
    return SlaRecalculated(
        calendar_version=spec.version,
        scope=command.scope,
        month=command.month if command.scope is RecalculationScope.MONTH else None,
        ticket_id=command.ticket_id if command.scope is RecalculationScope.TICKET else None,
        reason=command.reason,
    )


def _refuse_weekend(day: date) -> None:
    if day.weekday() not in WORKING_WEEKDAYS:
        raise WeekendIsAlwaysOff(day)
