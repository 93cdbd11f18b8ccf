"""The working calendar asked "what if": a due-time calculator and the impact of a change.

Both are the clocks' own arithmetic (`clocks.measure`, `clocks.request_clocks`), never a second
implementation (pure: no I/O, no clock):

- **The calculator** measures a clock made of the instants it is given: a start, a standard,
  pauses, and optionally an end; it answers the normalised start, the due time, and the working
  time used (and the verdict) up to the end.
- **The simulator** measures every clock of a request twice: on the calendar as it is, and on the
  calendar with the proposed change as a new version made now, and keeps the clocks whose due
  time or verdict would move. A running clock is measured on the current calendar, so it moves
  the moment the change is made; a finished clock keeps the version it was judged on and moves
  only with a recalculation, so its "after" is its judgement under a recalculation that covers
  it (`effect`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from itertools import pairwise

from penghubung.events.sla import CalendarHoursReduced, RecalculationScope
from penghubung.refusals import Invalid
from penghubung.sop import Step
from penghubung.workcal import CalendarSpec, WorkingCalendar
from reporting.sla.domain.calendar import CalendarChange
from reporting.sla.domain.clocks import (
    CalendarBook,
    Clock,
    ClockState,
    Fact,
    Intake,
    Pause,
    Recalculation,
    Segment,
    Standard,
    Track,
    measure,
    month_of,
    request_clocks,
)

# --- the calculator ---------------------------------------------------------------------------

_CALCULATION_STEP = Step.SUBMIT
"""`measure` names a step for its standard and its role only; the calculator gives the standard
itself and reads neither, so any step will do."""

HORIZON = timedelta(days=3660)
"""How far after the start a calculation may look (the calendar's own search horizon)."""

PAUSE_REASON = "calculation"
"""The reason of the pauses a calculation is given."""


@dataclass(frozen=True)
class Calculation:
    """What a person asks: a clock starting at `start` on `standard`, with pauses, up to `end`."""

    start: datetime
    standard: Standard
    pauses: tuple[tuple[datetime, datetime], ...] = ()
    end: datetime | None = None

    def check(self) -> None:
        """Refuse instants out of order or too far apart, naming the field at fault."""
        horizon = self.start + HORIZON
        for name, moment in (
            ("end", self.end),
            *((f"pauses.{i}.end", end) for i, (_, end) in enumerate(self.pauses)),
        ):
            if moment is not None and moment > horizon:
                raise Invalid(
                    "waktu paling lambat sepuluh tahun sesudah waktu mulai",
                    code="beyond_horizon",
                    field=name,
                )
        if self.end is not None and self.end < self.start:
            raise Invalid(
                "waktu akhir tidak boleh sebelum waktu mulai", code="end_before_start", field="end"
            )
        previous = self.start
        for index, (start, end) in enumerate(self.pauses):
            if start < previous:
                raise Invalid(
                    "jeda harus berurutan, tidak tumpang tindih, dan sesudah waktu mulai",
                    code="pause_out_of_order",
                    field=f"pauses.{index}.start",
                )
            if end <= start:
                raise Invalid(
                    "akhir jeda harus sesudah awal jeda",
                    code="pause_end_not_after_start",
                    field=f"pauses.{index}.end",
                )
            if self.end is not None and end > self.end:
                raise Invalid(
                    "jeda harus berakhir paling lambat pada waktu akhir",
                    code="pause_after_end",
                    field=f"pauses.{index}.end",
                )
            previous = end


@dataclass(frozen=True)
class Calculated:
    """The calculator's answer, on one calendar version."""

    start: datetime
    normalised_start: datetime
    """The start, or the next opening when it falls outside service hours."""
    due: datetime
    """When the standard runs out, moved out by the paused working time."""
    budget_seconds: int
    paused_seconds: int
    end: datetime | None
    used_seconds: int | None
    """Working time from the start to the end, pauses excluded (with an end only)."""
    state: ClockState | None
    """met or breached (with an end only)."""
    standard: Standard
    calendar_version: int

    @property
    def working_seconds(self) -> int | None:
        """Working time from the start to the end, pauses included (with an end only)."""
        return None if self.used_seconds is None else self.used_seconds + self.paused_seconds


def calculate(calculation: Calculation, calendar: WorkingCalendar) -> Calculated:
    """The clock the calculation describes, measured on `calendar` by the clocks' own code."""
    calculation.check()
    start = _second(calculation.start)
    end = None if calculation.end is None else _second(calculation.end)
    pauses = tuple((_second(a), _second(b)) for a, b in calculation.pauses)
    cuts = [start, *(t for pause in pauses for t in pause)]
    segments = [Segment(a, b) for a, b in pairwise(cuts)][::2]
    segments.append(Segment(cuts[-1], end))
    track = Track(
        step=_CALCULATION_STEP,
        segments=tuple(segments),
        pauses=tuple(Pause(PAUSE_REASON, a, b) for a, b in pauses),
        done=end is not None,
        end_position=None,
        officer=None,
    )
    # Without an end the clock runs from its last segment's start: where it stands then is
    # all the calculation knows, and its due time does not depend on it.
    now = end or cuts[-1]
    clock = measure(track, calendar, now=now, standard=calculation.standard)
    return Calculated(
        start=start.astimezone(calendar.zone),
        normalised_start=calendar.next_opening(start),
        due=clock.due,
        budget_seconds=clock.budget_seconds,
        paused_seconds=clock.paused_seconds,
        end=clock.end,
        used_seconds=clock.used_seconds if end is not None else None,
        state=clock.state if end is not None else None,
        standard=calculation.standard,
        calendar_version=calendar.version,
    )


def _second(moment: datetime) -> datetime:
    """Clocks count whole working seconds (`clocks.tracks` cuts the facts the same way)."""
    return moment.replace(microsecond=0)


# --- the simulator ----------------------------------------------------------------------------

PROPOSED_POSITION = 2**62
"""Where the proposed version stands in the log: after every event there is."""


class Effect(StrEnum):
    """When a clock would move if the change were made."""

    AT_ONCE = "at_once"
    """A running or paused clock, measured on the current calendar."""
    ON_RECALCULATION = "on_recalculation"
    """A finished clock, judged on its version until a recalculation covers it."""


@dataclass(frozen=True)
class Subject:
    """A request as the simulator needs it: its facts, its intake, whether it is still open."""

    intake: Intake
    agency: str
    facts: tuple[Fact, ...]
    open: bool


@dataclass(frozen=True)
class ClockChange:
    """A clock whose due time or verdict the change would move: before and after."""

    ticket_id: str
    agency: str
    request_open: bool
    before: Clock
    after: Clock

    @property
    def step(self) -> Step:
        """The clock's step."""
        return self.before.step

    @property
    def effect(self) -> Effect:
        """At once for a clock that still runs, on a recalculation for a finished one."""
        return Effect.ON_RECALCULATION if self.before.judged else Effect.AT_ONCE


@dataclass
class Impact:
    """What a simulation examined, and the clocks that would move."""

    requests: int = 0
    open_requests: int = 0
    clocks: int = 0
    changes: list[ClockChange] = field(default_factory=list)


@dataclass(frozen=True)
class Proposal:
    """The calendar as it is and as it would be with the proposed version made now."""

    book: CalendarBook
    recalculations: tuple[Recalculation, ...]
    proposed: CalendarBook
    recalculated: tuple[Recalculation, ...]
    changed: tuple[date, date] | None = None
    """The first and last day the proposed version changes against the current one, when it
    differs from it there only; None when that is not known (then every clock is measured)."""

    @classmethod
    def of(
        cls,
        book: CalendarBook,
        recalculations: Sequence[Recalculation],
        spec: CalendarSpec,
        *,
        change: CalendarChange | None = None,
    ) -> Proposal:
        """The proposal of `spec` (the next version) over the projected book; `change`, the
        event that makes `spec` of the book's current version, if it does."""
        proposed = CalendarBook.of([*book.entries, (PROPOSED_POSITION, spec)])
        covering = Recalculation(
            position=PROPOSED_POSITION, calendar_version=spec.version, scope=RecalculationScope.ALL
        )
        changed = None if change is None else changed_days(change)
        return cls(book, tuple(recalculations), proposed, (*recalculations, covering), changed)

    def examine(self, subject: Subject, *, now: datetime, month: str, into: Impact) -> None:
        """Add the request's clocks the change would move to `into`; of a closed request, only
        those settled in `month` (before or after)."""
        before = self._clocks(subject, self.book, self.recalculations, now=now)
        into.requests += 1
        into.open_requests += subject.open
        into.clocks += len(before)
        if self._untouched(subject, before, now=now):
            return
        after = self._clocks(subject, self.proposed, self.recalculated, now=now)
        for was, would in zip(before, after, strict=True):
            if (was.due, was.state) == (would.due, would.state):
                continue
            if not subject.open and month not in (_month(was), _month(would)):
                continue
            into.changes.append(
                ClockChange(subject.intake.ticket_id, subject.agency, subject.open, was, would)
            )

    def _untouched(self, subject: Subject, clocks: Sequence[Clock], *, now: datetime) -> bool:
        """Whether no clock can move: each is measured on the current version, which the
        proposal changes only on days outside the days a clock's measure looks at — from its
        start (after an overload: from the intake day, whose next working day it looks for) to
        its due time and its end, or now while it is not done."""
        if self.changed is None or not clocks:
            return False
        current = self.book.current.version
        if any(c.calendar_version != current for c in clocks):
            return False
        zone = self.book.current.zone
        first = min(c.start for c in clocks).astimezone(zone).date()
        if subject.intake.overloaded and subject.intake.intake_day is not None:
            first = min(first, subject.intake.intake_day)
        last = max(max(c.due, c.end or now) for c in clocks).astimezone(zone).date()
        return self.changed[1] < first or last < self.changed[0]

    @staticmethod
    def _clocks(
        subject: Subject,
        book: CalendarBook,
        recalculations: Sequence[Recalculation],
        *,
        now: datetime,
    ) -> list[Clock]:
        return request_clocks(
            subject.facts,
            intake=subject.intake,
            book=book,
            recalculations=recalculations,
            now=now,
        )


def changed_days(change: CalendarChange) -> tuple[date, date]:
    """The first and last day a calendar change touches."""
    if isinstance(change, CalendarHoursReduced):
        return change.first_day, change.last_day
    return change.day, change.day


def _month(clock: Clock) -> str | None:
    decided = clock.decided_at
    return None if decided is None else month_of(decided)
