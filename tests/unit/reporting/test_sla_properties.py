"""Properties of the clocks (hypothesis): used time is the working time the step waited, minus
its pauses; the due time moves out by exactly the paused working time; due times fall within
service hours of working days."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from penghubung.events import Role
from penghubung.events.sla import PauseReason
from penghubung.sop import Channel, Difficulty, Step
from penghubung.workcal import CalendarSpec, WorkingCalendar
from reporting.sla.domain.clocks import (
    AnalysedFact,
    CalendarBook,
    ClockState,
    DisposedFact,
    Fact,
    Intake,
    PausedFact,
    Person,
    ResumedFact,
    SubmittedFact,
    request_clocks,
)

WIB = ZoneInfo("Asia/Jakarta")
SPEC = CalendarSpec(version=1)
CALENDAR = WorkingCalendar(SPEC)
BOOK = CalendarBook.of([(0, SPEC)])
KADIS = Person(name="Kadis", role=Role.KADIS)
PETUGAS = Person(name="Petugas", role=Role.PETUGAS)

# Clocks count whole seconds (fact times are cut to the second; see the last property).
starts = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 20), timezones=st.just(WIB)
).map(lambda moment: moment.replace(microsecond=0))
spans = st.integers(min_value=0, max_value=20 * 86400).map(lambda s: timedelta(seconds=s))
slow = settings(deadline=None, max_examples=60)


def submitted(at: datetime) -> SubmittedFact:
    return SubmittedFact(position=1, at=at, received_at=at, channel=Channel.PORTAL)


def within_hours(moment: datetime) -> bool:
    """Open, or exactly at a closing time (a due time that ends a day stays there)."""
    local = moment.astimezone(WIB)
    hours = CALENDAR.hours_on(local.date())
    return hours is not None and hours[0] <= local.time() <= hours[1]


@slow
@given(start=starts, span=spans)
def test_a_disposition_uses_the_working_time_it_waited(start: datetime, span: timedelta) -> None:
    end = start + span
    facts: list[Fact] = [
        submitted(start),
        DisposedFact(position=2, at=end, step=Step.DISPOSE_KABID, by=KADIS),
    ]
    clock = request_clocks(facts, intake=Intake("SC05-2026-00001"), book=BOOK, now=end)[1]
    used = CALENDAR.working_seconds_between(start, end)
    assert clock.used_seconds == used
    assert clock.due == CALENDAR.add_working_seconds(start, 1800)
    assert clock.state is (ClockState.MET if used <= 1800 else ClockState.BREACHED)
    assert within_hours(clock.due)


@slow
@given(start=starts, a=spans, b=spans, c=spans)
def test_a_pause_is_not_used_time_and_moves_the_due_time_by_itself(
    start: datetime, a: timedelta, b: timedelta, c: timedelta
) -> None:
    paused, resumed = start + a, start + a + b
    done = resumed + c
    facts: list[Fact] = [
        submitted(start - timedelta(minutes=3)),
        DisposedFact(
            position=2, at=start - timedelta(minutes=2), step=Step.DISPOSE_KABID, by=KADIS
        ),
        DisposedFact(
            position=3, at=start - timedelta(minutes=1), step=Step.DISPOSE_PRAKOM, by=KADIS
        ),
        DisposedFact(position=4, at=start, step=Step.DISPOSE_PETUGAS, by=KADIS, to_officer=PETUGAS),
        PausedFact(
            position=5, at=paused, step=Step.FEASIBILITY, reason=PauseReason.UAT, by=PETUGAS
        ),
        ResumedFact(position=6, at=resumed, step=Step.FEASIBILITY, by=PETUGAS),
        AnalysedFact(position=7, at=done, difficulty=Difficulty.HIGH, feasible=False, by=PETUGAS),
    ]
    clocks = request_clocks(facts, intake=Intake("SC05-2026-00001"), book=BOOK, now=done)
    clock = next(c for c in clocks if c.step is Step.FEASIBILITY)
    pause = CALENDAR.working_seconds_between(paused, resumed)
    assert clock.paused_seconds == pause
    assert clock.used_seconds + pause == CALENDAR.working_seconds_between(start, done)
    # 5 working days (tinggi), moved out by the paused working time — unless the budget had
    # run out before the pause began (then the due time is when it ran out).
    base = CALENDAR.add_working_days(start, 5)
    if CALENDAR.working_seconds_between(start, paused) < clock.budget_seconds:
        assert clock.due == (CALENDAR.add_working_seconds(base, pause) if pause else base)
    else:
        assert clock.due == base
    assert clock.budget_seconds == CALENDAR.working_seconds_between(
        start, CALENDAR.add_working_days(start, 5)
    )
    assert within_hours(clock.due)


@slow
@given(start=starts, span=spans, fraction=st.integers(min_value=1, max_value=999_999))
def test_fractions_of_a_second_change_nothing(
    start: datetime, span: timedelta, fraction: int
) -> None:
    def clock(at: datetime) -> tuple[object, ...]:
        end = at + span
        facts: list[Fact] = [
            submitted(at),
            DisposedFact(position=2, at=end, step=Step.DISPOSE_KABID, by=KADIS),
        ]
        found = request_clocks(facts, intake=Intake("SC05-2026-00001"), book=BOOK, now=end)[1]
        return (found.due, found.used_seconds, found.state)

    assert clock(start + timedelta(microseconds=fraction)) == clock(start)
