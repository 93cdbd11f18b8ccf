"""The Indonesian working calendar: service hours, days off and working-time arithmetic for SLAs.

Every service standard of the SOP (DESIGN.md §2) is counted in working time of this calendar.
The calendar is built from a `CalendarSpec`, a frozen pydantic model that can be stored as JSON
and carries the version every SLA figure records. All operations are pure: no I/O, no clock.

Conventions, shared by every operation:

- Datetimes must be timezone-aware (any zone); results are in the calendar's zone (Asia/Jakarta).
- Service hours of a working day are the half-open interval [opening, closing): at closing time
  the office is closed, and the next opening is on the next working day.
- Adding working time starts the clock at `next_opening(start)`. A result that lands exactly on
  a closing time stays at that closing time (16:00) instead of moving to the next opening, so
  `working_seconds_between(start, add_working_seconds(start, n)) == n` always holds.
- "N working days" ends at closing time of the N-th working day after the day the clock starts.
- A working day is a weekday that no holiday or decree closes, or a day a decree makes a working
  day (a Saturday worked to make up for a cuti bersama): on it the normal hours hold, unless
  reduced hours cover it. Where reduced-hours entries overlap, the one given last wins.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType
from typing import Annotated, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, field_validator, model_validator

# Monday–Friday; the base week is fixed by the service catalog.
WORKING_WEEKDAYS = frozenset({0, 1, 2, 3, 4})
FRIDAY = 4
# A calendar in which no working day follows within ten years is a misconfiguration, not a wait.
_SEARCH_HORIZON_DAYS = 3660
_ONE_SECOND = timedelta(seconds=1)

LocalTime = Annotated[
    time,
    WithJsonSchema(
        {"type": "string", "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]+)?)?$"}
    ),
]
"""A wall-clock time without a zone, `HH:MM[:SS]`. JSON Schema's `format: time` (what pydantic
says of a `time`) is RFC 3339's full-time, which carries an offset: "08:00:00" would break it."""


class ServiceHours(BaseModel):
    """The opening and closing time of a working day, local to the calendar's zone."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    opening: LocalTime = Field(default=time(8), description="Local time the service desk opens.")
    closing: LocalTime = Field(default=time(16), description="Local time the service desk closes.")
    friday_closing: LocalTime | None = Field(
        default=None, description="A different closing time on Fridays; none means `closing`."
    )

    @model_validator(mode="after")
    def _opens_before_closing(self) -> Self:
        times = (self.opening, self.closing, self.friday_closing)
        if any(t is not None and t.tzinfo is not None for t in times):
            raise ValueError("service hours are local times, without a timezone")
        for closing in (self.closing, self.friday_closing):
            if closing is not None and closing <= self.opening:
                raise ValueError(f"closing {closing} is not after opening {self.opening}")
        return self

    def on(self, day: date) -> tuple[time, time]:
        """Opening and closing on the given day of the week."""
        if day.weekday() == FRIDAY and self.friday_closing is not None:
            return self.opening, self.friday_closing
        return self.opening, self.closing


class DayOff(BaseModel):
    """A day off the administrator adds: a regional holiday or an ad-hoc decree."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    day: date = Field(description="The date on which the office is closed.")
    name: str = Field(min_length=1, description="Why the office is closed, as people read it.")


class DecreedWorkingDay(BaseModel):
    """A day off (a weekend day, a holiday) that a decree makes a working day."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    day: date = Field(description="The date on which the office is open after all.")
    name: str = Field(min_length=1, description="The decree, as people read it.")


class ReducedHours(BaseModel):
    """Shorter service hours for a range of dates, such as Ramadan."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    first_day: date = Field(description="First date with the reduced hours.")
    last_day: date = Field(description="Last date with the reduced hours, inclusive.")
    hours: ServiceHours = Field(description="The service hours on those dates.")
    name: str = Field(min_length=1, description="Why the hours are reduced, as people read it.")

    @model_validator(mode="after")
    def _range_is_ordered(self) -> Self:
        if self.last_day < self.first_day:
            raise ValueError(f"last_day {self.last_day} is before first_day {self.first_day}")
        return self

    def covers(self, day: date) -> bool:
        """Whether the reduced hours apply on the given date."""
        return self.first_day <= day <= self.last_day


class CalendarSpec(BaseModel):
    """One version of the working calendar, as administrators set it and as it is stored."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int = Field(ge=1, description="Calendar version that every SLA figure records.")
    timezone: str = Field(default="Asia/Jakarta", description="IANA zone of the service hours.")
    hours: ServiceHours = Field(
        default_factory=ServiceHours, description="Service hours of an ordinary working day."
    )
    holiday_categories: tuple[str, ...] = Field(
        default=("public", "government"),
        description="Categories of the `holidays` package for Indonesia: national holidays "
        "(public) and cuti bersama (government).",
    )
    added_days_off: tuple[DayOff, ...] = Field(
        default=(), description="Regional holidays and ad-hoc decrees closing the office."
    )
    removed_days_off: tuple[date, ...] = Field(
        default=(),
        description="Package holidays declared working days after all; a weekend stays off.",
    )
    reduced_hours: tuple[ReducedHours, ...] = Field(
        default=(), description="Shorter hours for date ranges; a later entry wins on overlap."
    )
    decreed_working_days: tuple[DecreedWorkingDay, ...] = Field(
        default=(),
        description="Days off (a Saturday, a holiday, an added day off) that a decree makes "
        "working days, with normal hours unless reduced hours cover them.",
    )

    @field_validator("timezone")
    @classmethod
    def _zone_exists(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown timezone {value!r}") from error
        return value

    @model_validator(mode="after")
    def _added_and_removed_are_disjoint(self) -> Self:
        added = [off.day for off in self.added_days_off]
        if len(set(added)) != len(added):
            raise ValueError("a day off is added twice")
        both = set(added) & set(self.removed_days_off)
        if both:
            raise ValueError(f"days both added and removed as days off: {sorted(both)}")
        decreed = [d.day for d in self.decreed_working_days]
        if len(set(decreed)) != len(decreed):
            raise ValueError("a working day is decreed twice")
        return self


@functools.lru_cache(maxsize=256)
def _package_days_off(year: int, categories: tuple[str, ...]) -> Mapping[date, str]:
    """National holidays and cuti bersama of one year, computed once per year and cached."""
    found = holidays.country_holidays("ID", years=year, categories=categories, language="id")
    return MappingProxyType({day: str(name) for day, name in found.items()})


@dataclass(frozen=True)
class WorkingCalendar:
    """Working days and service hours of one calendar version, and working-time arithmetic."""

    spec: CalendarSpec
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)
    _added: Mapping[date, str] = field(init=False, repr=False, compare=False)
    _removed: frozenset[date] = field(init=False, repr=False, compare=False)
    _decreed: Mapping[date, str] = field(init=False, repr=False, compare=False)
    _windows: dict[date, tuple[datetime, datetime] | None] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )
    """Each day's service hours once computed: a version never changes, and every clock asks
    the same days again and again."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "_zone", ZoneInfo(self.spec.timezone))
        added = {off.day: off.name for off in self.spec.added_days_off}
        object.__setattr__(self, "_added", MappingProxyType(added))
        object.__setattr__(self, "_removed", frozenset(self.spec.removed_days_off))
        decreed = {d.day: d.name for d in self.spec.decreed_working_days}
        object.__setattr__(self, "_decreed", MappingProxyType(decreed))

    @property
    def version(self) -> int:
        """The calendar version, carried from the spec."""
        return self.spec.version

    @property
    def zone(self) -> ZoneInfo:
        """The zone of the service hours and of every result."""
        return self._zone

    # -- days -------------------------------------------------------------------------------

    def day_off_name(self, day: date) -> str | None:
        """Name of the holiday or decree closing the office on `day`; None for other days."""
        if day in self._decreed:
            return None
        if day in self._added:
            return self._added[day]
        if day in self._removed:
            return None
        return _package_days_off(day.year, self.spec.holiday_categories).get(day)

    def is_working_day(self, day: date) -> bool:
        """Whether the office is open on `day`: a weekday that is no holiday or decree, or a day
        a decree makes a working day."""
        return self._window(day) is not None

    def _opens_on(self, day: date) -> bool:
        if day in self._decreed:
            return True
        return day.weekday() in WORKING_WEEKDAYS and self.day_off_name(day) is None

    def working_day_decree(self, day: date) -> str | None:
        """The decree that makes `day` a working day; None when no decree does."""
        return self._decreed.get(day)

    def hours_on(self, day: date) -> tuple[time, time] | None:
        """Opening and closing on `day`, with reduced hours applied; None on a day off."""
        if not self._opens_on(day):
            return None
        for period in reversed(self.spec.reduced_hours):
            if period.covers(day):
                return period.hours.on(day)
        return self.spec.hours.on(day)

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after `day`."""
        for offset in range(1, _SEARCH_HORIZON_DAYS + 1):
            candidate = day + timedelta(days=offset)
            if self.is_working_day(candidate):
                return candidate
        raise ValueError(f"no working day within {_SEARCH_HORIZON_DAYS} days after {day}")

    # -- instants ---------------------------------------------------------------------------

    def is_open(self, at: datetime) -> bool:
        """Whether `at` falls in service hours, [opening, closing) of a working day."""
        local = self._local(at)
        window = self._window(local.date())
        return window is not None and window[0] <= local < window[1]

    def next_opening(self, at: datetime) -> datetime:
        """`at` itself when in service hours, else the next opening; in the calendar's zone."""
        local = self._local(at)
        window = self._window(local.date())
        if window is not None and local < window[1]:
            return max(local, window[0])
        return self._opening_of(self.next_working_day(local.date()))

    def closing_of(self, day: date) -> datetime:
        """Closing time of the working day `day`, in the calendar's zone."""
        window = self._window(day)
        if window is None:
            raise ValueError(f"{day} is not a working day")
        return window[1]

    # -- arithmetic -------------------------------------------------------------------------

    def add_working_seconds(self, start: datetime, seconds: int) -> datetime:
        """The instant `seconds` of service time after the clock starts at `start`."""
        if seconds < 0:
            raise ValueError(f"cannot add a negative working time: {seconds} s")
        remaining = timedelta(seconds=seconds)
        cursor = self.next_opening(start)
        while True:
            closing = self.closing_of(cursor.date())
            available = _span(cursor, closing)
            if remaining <= available:
                # `<=`: a result exactly on closing time stays there (module convention).
                return self._shift(cursor, remaining)
            remaining -= available
            cursor = self._opening_of(self.next_working_day(cursor.date()))

    def add_working_minutes(self, start: datetime, minutes: int) -> datetime:
        """The instant `minutes` of service time after the clock starts at `start`."""
        return self.add_working_seconds(start, minutes * 60)

    def working_seconds_between(self, start: datetime, end: datetime) -> int:
        """Whole seconds of service time in [start, end); 0 when `end` is not after `start`."""
        first, last = self._local(start), self._local(end)
        if last <= first:
            return 0
        total = timedelta()
        day = first.date()
        while day <= last.date():
            window = self._window(day)
            if window is not None:
                total += max(timedelta(), _span(max(first, window[0]), min(last, window[1])))
            day += timedelta(days=1)
        return total // _ONE_SECOND

    def working_minutes_between(self, start: datetime, end: datetime) -> int:
        """Whole minutes of service time in [start, end); 0 when `end` is not after `start`."""
        return self.working_seconds_between(start, end) // 60

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """Closing time of the `days`-th working day after the day the clock starts."""
        if days < 0:
            raise ValueError(f"cannot add a negative number of working days: {days}")
        day = self.next_opening(start).date()
        for _ in range(days):
            day = self.next_working_day(day)
        return self.closing_of(day)

    # -- helpers ----------------------------------------------------------------------------

    def _local(self, at: datetime) -> datetime:
        if at.tzinfo is None or at.utcoffset() is None:
            raise ValueError(f"a naive datetime has no place on the calendar: {at}")
        return at.astimezone(self._zone)

    def _window(self, day: date) -> tuple[datetime, datetime] | None:
        if day in self._windows:
            return self._windows[day]
        hours = self.hours_on(day)
        window = None
        if hours is not None:
            opening, closing = hours
            window = (
                datetime.combine(day, opening, tzinfo=self._zone),
                datetime.combine(day, closing, tzinfo=self._zone),
            )
        self._windows[day] = window
        return window

    def _opening_of(self, day: date) -> datetime:
        window = self._window(day)
        if window is None:
            raise ValueError(f"{day} is not a working day")
        return window[0]

    def _shift(self, at: datetime, by: timedelta) -> datetime:
        # Through UTC, so elapsed time stays exact in zones that shift their clocks.
        return (at.astimezone(UTC) + by).astimezone(self._zone)


def _span(start: datetime, end: datetime) -> timedelta:
    """Elapsed time between two aware instants, independent of their zones."""
    return end.astimezone(UTC) - start.astimezone(UTC)
