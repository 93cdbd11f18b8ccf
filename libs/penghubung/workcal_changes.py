"""The working calendar as administrators change it: the fold of the `reporting-calendar` stream.

The calendar is the fold of the `reporting-calendar` stream over the base calendar (version 1:
Monday–Friday 08:00–16:00 WIB, national holidays and cuti bersama of the `holidays` package).
Each change creates the next version; a change event names the version it creates, so a fold
that meets a version out of sequence refuses to guess. Reporting judges the SLA clocks on it and
the notices service sends in its service hours: one calendar, one fold.
"""

from __future__ import annotations

from collections.abc import Iterable

from penghubung.events import Event
from penghubung.events.sla import (
    CalendarDayOffAdded,
    CalendarDayOffRemoved,
    CalendarHoursReduced,
    CalendarWorkingDayDecreed,
    CalendarWorkingDayWithdrawn,
)
from penghubung.workcal import (
    CalendarSpec,
    DayOff,
    DecreedWorkingDay,
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

CALENDAR_CHANGES = (
    CalendarDayOffAdded,
    CalendarDayOffRemoved,
    CalendarHoursReduced,
    CalendarWorkingDayDecreed,
    CalendarWorkingDayWithdrawn,
)
"""The events of the `reporting-calendar` stream (as `penghubung.events.sla.CALENDAR_CHANGES`)."""


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
