"""The facts behind the SLA clocks: pauses of work, calendar changes, recalculations, warnings.

`ClockPaused` / `ClockResumed` are the petugas's (category integration, on `integration-<ticket>`).
The calendar changes are the administrator's (days off added or removed, reduced hours, working
days decreed or withdrawn), on one stream, `reporting-calendar`: each carries the calendar version
it creates (the base calendar, without changes, is version 1). An
`SlaRecalculated` asks for finished clocks to be judged again under the current calendar, and an
`SlaWarningRaised` records that a clock reached a share of its standard (category reporting).
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Annotated, ClassVar, Literal, Self

from pydantic import AfterValidator, AwareDatetime, Field, model_validator

from penghubung.events.base import Event
from penghubung.events.registry import registry
from penghubung.forms import FormValueError, LongText, Text, TicketId
from penghubung.sop import Step
from penghubung.workcal import LocalTime

__all__ = [
    "CALENDAR_CHANGES",
    "CALENDAR_STREAM",
    "PAUSABLE_STEPS",
    "RECALCULATION_STREAM",
    "CalendarDayOffAdded",
    "CalendarDayOffRemoved",
    "CalendarHoursReduced",
    "CalendarWorkingDayDecreed",
    "CalendarWorkingDayWithdrawn",
    "ClockPaused",
    "ClockResumed",
    "Month",
    "PauseReason",
    "RecalculationScope",
    "SlaRecalculated",
    "SlaWarningRaised",
    "check_month",
]

CALENDAR_STREAM = "reporting-calendar"
"""The stream of every change to the working calendar, in version order."""

RECALCULATION_STREAM = "reporting-sla-recalculations"
"""The stream of the administrators' recalculations of finished clocks."""

PAUSABLE_STEPS = frozenset({Step.FEASIBILITY, Step.IMPLEMENTATION})
"""The steps a petugas works on, and so the only clocks a petugas pauses."""

_TYPE = "The event type name"
_VERSION = "Schema version of this event's payload"
_TICKET = "The request's ticket id (SC05-YYYY-NNNNN)"
_CALENDAR_VERSION = "The calendar version this change creates (the previous one plus 1)"
_MONTH = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")


def check_month(value: str) -> str:
    """Check a month written `YYYY-MM`."""
    if not _MONTH.match(value):
        raise FormValueError("month", "bulan harus berbentuk TTTT-BB, misalnya 2026-03")
    return value


Month = Annotated[str, AfterValidator(check_month)]
"""A calendar month, `YYYY-MM`."""


class PauseReason(StrEnum):
    """Why a petugas stopped the clock of their work item (the time is not theirs to answer for)."""

    AGENCY_DOCUMENTS = "agency_documents"
    UAT = "uat"
    IP_ALLOCATION = "ip_allocation"
    VENDOR = "vendor"


# --- integration: the petugas pauses and resumes the clock of their work item ----------------


def _pausable(step: Step) -> Step:
    if step not in PAUSABLE_STEPS:
        raise FormValueError("step", "hanya jam analisis kelayakan dan implementasi yang dijeda")
    return step


PausableStep = Annotated[Step, AfterValidator(_pausable)]
"""Feasibility or implementation: the steps of a work item."""


@registry.register
class ClockPaused(Event):
    """The petugas stopped the clock of the step they work on, waiting for someone else."""

    category: ClassVar[str] = "integration"

    type: Literal["ClockPaused"] = Field(default="ClockPaused", description=_TYPE)
    schema_version: Literal[1] = Field(default=1, description=_VERSION)
    ticket_id: TicketId = Field(description=_TICKET)
    step: PausableStep = Field(
        description="The step whose clock stopped: feasibility or implementation"
    )
    reason: PauseReason = Field(description="What the petugas waits for")
    note: LongText | None = Field(default=None, description="Details of the wait, for people")


@registry.register
class ClockResumed(Event):
    """The wait is over: the clock of the step runs again."""

    category: ClassVar[str] = "integration"

    type: Literal["ClockResumed"] = Field(default="ClockResumed", description=_TYPE)
    schema_version: Literal[1] = Field(default=1, description=_VERSION)
    ticket_id: TicketId = Field(description=_TICKET)
    step: PausableStep = Field(description="The step whose clock runs again")
    note: LongText | None = Field(default=None, description="What ended the wait, for people")


# --- reporting: the working calendar ---------------------------------------------------------


@registry.register
class CalendarDayOffAdded(Event):
    """The office is closed on a day: a regional holiday or an ad-hoc decree."""

    category: ClassVar[str] = "reporting"

    type: Literal["CalendarDayOffAdded"] = Field(default="CalendarDayOffAdded", description=_TYPE)
    schema_version: Literal[1] = Field(default=1, description=_VERSION)
    version: int = Field(ge=2, description=_CALENDAR_VERSION)
    day: date = Field(description="The date on which the office is closed")
    name: Text = Field(description="Why, as people read it (the holiday or the decree)")


@registry.register
class CalendarDayOffRemoved(Event):
    """A day off is a working day after all (an added day withdrawn, or a holiday worked)."""

    category: ClassVar[str] = "reporting"

    type: Literal["CalendarDayOffRemoved"] = Field(
        default="CalendarDayOffRemoved", description=_TYPE
    )
    schema_version: Literal[1] = Field(default=1, description=_VERSION)
    version: int = Field(ge=2, description=_CALENDAR_VERSION)
    day: date = Field(description="The date that becomes a working day")
    name: Text = Field(description="Why, as people read it (the decree that reopens the office)")


@registry.register
class CalendarHoursReduced(Event):
    """Shorter service hours for a range of dates, such as Ramadan."""

    category: ClassVar[str] = "reporting"

    type: Literal["CalendarHoursReduced"] = Field(default="CalendarHoursReduced", description=_TYPE)
    schema_version: Literal[1] = Field(default=1, description=_VERSION)
    version: int = Field(ge=2, description=_CALENDAR_VERSION)
    first_day: date = Field(description="First date with these hours")
    last_day: date = Field(description="Last date with these hours, inclusive")
    opening: LocalTime = Field(description="Opening time on those dates (WIB, no zone)")
    closing: LocalTime = Field(description="Closing time on those dates, Monday to Thursday")
    friday_closing: LocalTime | None = Field(
        default=None, description="Closing time on Fridays in the range; none means `closing`"
    )
    name: Text = Field(description="Why, as people read it")

    @model_validator(mode="after")
    def _coherent(self) -> Self:
        if self.last_day < self.first_day:
            raise FormValueError("last_day", "tanggal akhir tidak boleh sebelum tanggal awal")
        for closing in (self.closing, self.friday_closing):
            if closing is not None and closing <= self.opening:
                raise FormValueError("closing", "jam tutup harus sesudah jam buka")
        return self


@registry.register
class CalendarWorkingDayDecreed(Event):
    """A decree makes a day off a working day (a Saturday worked to make up for cuti bersama)."""

    category: ClassVar[str] = "reporting"

    type: Literal["CalendarWorkingDayDecreed"] = Field(
        default="CalendarWorkingDayDecreed", description=_TYPE
    )
    schema_version: Literal[1] = Field(default=1, description=_VERSION)
    version: int = Field(ge=2, description=_CALENDAR_VERSION)
    day: date = Field(
        description="The date that becomes a working day, with normal hours unless reduced "
        "hours cover it"
    )
    name: Text = Field(description="The decree, as people read it")


@registry.register
class CalendarWorkingDayWithdrawn(Event):
    """A decreed working day is withdrawn: the day is off again, as it was before the decree."""

    category: ClassVar[str] = "reporting"

    type: Literal["CalendarWorkingDayWithdrawn"] = Field(
        default="CalendarWorkingDayWithdrawn", description=_TYPE
    )
    schema_version: Literal[1] = Field(default=1, description=_VERSION)
    version: int = Field(ge=2, description=_CALENDAR_VERSION)
    day: date = Field(description="The date that is no longer a decreed working day")
    name: Text = Field(description="Why the decree is withdrawn, as people read it")


# --- reporting: judging clocks again, and warnings -------------------------------------------


class RecalculationScope(StrEnum):
    """Which finished clocks a recalculation judges again."""

    ALL = "all"
    MONTH = "month"
    TICKET = "ticket"


@registry.register
class SlaRecalculated(Event):
    """An administrator had finished clocks judged again under the calendar version now current."""

    category: ClassVar[str] = "reporting"

    type: Literal["SlaRecalculated"] = Field(default="SlaRecalculated", description=_TYPE)
    schema_version: Literal[1] = Field(default=1, description=_VERSION)
    calendar_version: int = Field(ge=1, description="The calendar version the clocks are judged by")
    scope: RecalculationScope = Field(
        description="All finished clocks, one month's, or one ticket's"
    )
    month: Month | None = Field(
        default=None, description="For scope month: clocks that ended in this month (WIB)"
    )
    ticket_id: TicketId | None = Field(default=None, description="For scope ticket: the request")
    reason: Text = Field(description="Why the clocks are judged again, as people read it")

    @model_validator(mode="after")
    def _scope_named(self) -> Self:
        if (self.scope is RecalculationScope.MONTH) != (self.month is not None):
            raise FormValueError("month", "bulan diisi untuk cakupan 'month', dan hanya untuk itu")
        if (self.scope is RecalculationScope.TICKET) != (self.ticket_id is not None):
            raise FormValueError(
                "ticket_id", "Tiket ID diisi untuk cakupan 'ticket', dan hanya untuk itu"
            )
        return self


@registry.register
class SlaWarningRaised(Event):
    """A running clock reached a share of its standard (raised once, in service hours)."""

    category: ClassVar[str] = "reporting"

    type: Literal["SlaWarningRaised"] = Field(default="SlaWarningRaised", description=_TYPE)
    schema_version: Literal[1] = Field(default=1, description=_VERSION)
    ticket_id: TicketId = Field(description=_TICKET)
    step: Step = Field(description="The SOP step whose clock it is")
    threshold_percent: int = Field(ge=1, le=100, description="The share of the standard reached")
    reached_at: AwareDatetime = Field(description="When the clock reached that share")
    due_at: AwareDatetime = Field(description="The clock's due time when the warning was raised")
    used_seconds: int = Field(ge=0, description="Working seconds used when it was raised")
    budget_seconds: int = Field(ge=0, description="Working seconds the standard allows")
    calendar_version: int = Field(ge=1, description="The calendar version of these figures")


CALENDAR_CHANGES: tuple[type[Event], ...] = (
    CalendarDayOffAdded,
    CalendarDayOffRemoved,
    CalendarHoursReduced,
    CalendarWorkingDayDecreed,
    CalendarWorkingDayWithdrawn,
)
"""The events that make the next version of the working calendar."""
