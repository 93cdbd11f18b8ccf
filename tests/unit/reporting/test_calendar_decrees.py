"""Decreed working days and overlapping reduced hours: the rules, the fold, and every clock.

Every time is WIB (Asia/Jakarta); the arithmetic is in the comments. Base calendar: Monday–Friday
08:00–16:00, national holidays and cuti bersama of 2026 (Idul Fitri: Wed 03-18 … Tue 03-24 off;
Ramadan 1447 H runs to Thu 03-19).
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from penghubung.events import Event, Role
from penghubung.events.sla import (
    CalendarDayOffAdded,
    CalendarHoursReduced,
    CalendarWorkingDayDecreed,
    CalendarWorkingDayWithdrawn,
)
from penghubung.refusals import Conflict
from penghubung.sop import Channel, Difficulty, Step
from penghubung.workcal import CalendarSpec, WorkingCalendar
from reporting.sla.domain.calendar import (
    BASE,
    AddDayOff,
    AlreadyWorkingDay,
    DecreeWorkingDay,
    NotADecreedWorkingDay,
    RemoveDayOff,
    WeekendIsAlwaysOff,
    WithdrawWorkingDay,
    decide,
    fold,
)
from reporting.sla.domain.clocks import (
    AnalysedFact,
    CalendarBook,
    Clock,
    ClockState,
    DisposedFact,
    Fact,
    Intake,
    Person,
    SubmittedFact,
    request_clocks,
)

WIB = ZoneInfo("Asia/Jakarta")
H = 3600
M = 60

SATURDAY = date(2026, 3, 28)  # after Idul Fitri, worked to make up for a cuti bersama day
CUTI_BERSAMA = date(2026, 3, 23)  # Monday, cuti bersama Idul Fitri
DECREE = "Keputusan Gubernur 7/2026: Sabtu 28 Maret hari kerja"

KADIS = Person(nip="197501012000031001", name="Kadis Kominfo", role=Role.KADIS)
KABID = Person(nip="197802022003121002", name="Kabid eGotik", role=Role.KABID)
PRAKOM = Person(nip="198503032010011003", name="Prakom Aplikasi", role=Role.PRAKOM)
PETUGAS = Person(nip="199005052015031005", name="Petugas Service Desk", role=Role.PETUGAS)


def wib(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=WIB)


def decreed(*days: date) -> CalendarSpec:
    """The base calendar with these days decreed working days, one version each."""
    spec = BASE
    for day in days:
        spec = fold([decide(DecreeWorkingDay(day=day, name=DECREE), spec)], spec)
    return spec


def reduced(first: date, last: date, closing: time, name: str, version: int) -> Event:
    return CalendarHoursReduced(
        version=version, first_day=first, last_day=last, opening=time(8), closing=closing, name=name
    )


# --- the rules and the fold --------------------------------------------------------------------


def test_a_saturday_decreed_a_working_day_makes_the_next_version() -> None:
    event = decide(DecreeWorkingDay(day=SATURDAY, name=DECREE), BASE)
    assert event == CalendarWorkingDayDecreed(version=2, day=SATURDAY, name=DECREE)
    spec = fold([event])
    calendar = WorkingCalendar(spec)
    assert spec.version == 2
    assert calendar.is_working_day(SATURDAY)
    assert calendar.working_day_decree(SATURDAY) == DECREE
    assert calendar.day_off_name(SATURDAY) is None
    # Normal hours on it: Saturday is no Friday, so 08:00–16:00.
    assert calendar.hours_on(SATURDAY) == (time(8), time(16))
    # The Sunday after it stays off.
    assert not calendar.is_working_day(date(2026, 3, 29))


def test_a_holiday_may_be_decreed_a_working_day_too() -> None:
    spec = decreed(CUTI_BERSAMA)
    calendar = WorkingCalendar(spec)
    assert calendar.is_working_day(CUTI_BERSAMA)
    assert calendar.hours_on(CUTI_BERSAMA) == (time(8), time(16))
    assert not calendar.is_working_day(date(2026, 3, 24))  # the next cuti bersama day stays off


def test_a_working_day_cannot_be_decreed_again() -> None:
    with pytest.raises(AlreadyWorkingDay) as refused:
        decide(DecreeWorkingDay(day=date(2026, 3, 26), name=DECREE), BASE)  # a Thursday
    assert (refused.value.code, refused.value.field) == ("already_working_day", "day")
    assert isinstance(refused.value, Conflict)
    with pytest.raises(AlreadyWorkingDay):
        decide(DecreeWorkingDay(day=SATURDAY, name=DECREE), decreed(SATURDAY))


def test_withdrawing_the_decree_closes_the_day_again() -> None:
    spec = decreed(SATURDAY)
    event = decide(WithdrawWorkingDay(day=SATURDAY, name="Keputusan dicabut"), spec)
    assert event == CalendarWorkingDayWithdrawn(version=3, day=SATURDAY, name="Keputusan dicabut")
    withdrawn = fold([event], spec)
    assert withdrawn.decreed_working_days == ()
    assert not WorkingCalendar(withdrawn).is_working_day(SATURDAY)


def test_only_a_decreed_day_can_be_withdrawn() -> None:
    with pytest.raises(NotADecreedWorkingDay) as refused:
        decide(WithdrawWorkingDay(day=SATURDAY, name="x"), BASE)
    assert (refused.value.code, refused.value.field) == ("not_a_decreed_working_day", "day")
    # A weekday that is a working day without any decree has nothing to withdraw either.
    with pytest.raises(NotADecreedWorkingDay):
        decide(WithdrawWorkingDay(day=date(2026, 3, 26), name="x"), decreed(SATURDAY))


def test_a_decree_over_an_added_day_off_gives_it_back_when_withdrawn() -> None:
    hari_jadi = date(2026, 7, 8)
    closed = fold([CalendarDayOffAdded(version=2, day=hari_jadi, name="Hari Jadi Provinsi")])
    opened = fold([decide(DecreeWorkingDay(day=hari_jadi, name=DECREE), closed)], closed)
    assert WorkingCalendar(opened).is_working_day(hari_jadi)
    # A day off cannot be removed where the decree already opened the office …
    with pytest.raises(Conflict):
        decide(RemoveDayOff(day=hari_jadi, name="x"), opened)
    # … and withdrawing the decree brings the regional holiday back.
    again = fold([decide(WithdrawWorkingDay(day=hari_jadi, name="x"), opened)], opened)
    assert WorkingCalendar(again).day_off_name(hari_jadi) == "Hari Jadi Provinsi"
    # Adding a day off on a decreed weekday replaces the decree (one day off, no decree).
    replaced = fold([decide(AddDayOff(day=hari_jadi, name="Libur lagi"), opened)], opened)
    assert replaced.decreed_working_days == ()
    assert [off.name for off in replaced.added_days_off] == ["Libur lagi"]


def test_a_decreed_saturday_is_still_a_weekend_for_days_off() -> None:
    with pytest.raises(WeekendIsAlwaysOff):
        decide(AddDayOff(day=SATURDAY, name="x"), decreed(SATURDAY))


# --- the arithmetic across a decreed day -------------------------------------------------------


def test_friday_1530_plus_60_working_minutes_ends_on_the_decreed_saturday() -> None:
    start = wib(3, 27, 15, 30)
    # Fri 15:30–16:00 is 30 min; Saturday 03-28 decreed: 08:00–08:30 the other 30 → Sat 08:30.
    assert WorkingCalendar(decreed(SATURDAY)).add_working_minutes(start, 60) == wib(3, 28, 8, 30)
    # Without the decree the weekend is off: the other 30 min from Mon 03-30 08:00 → 08:30.
    assert WorkingCalendar(BASE).add_working_minutes(start, 60) == wib(3, 30, 8, 30)
    # And the working time between Friday 15:30 and Monday 09:00: 30 + 8 h + 60 min = 9.5 h.
    between = WorkingCalendar(decreed(SATURDAY)).working_seconds_between(start, wib(3, 30, 9))
    assert between == 9 * H + 30 * M


def test_three_working_days_count_the_decreed_saturday() -> None:
    start = wib(3, 26, 10)
    # Clock day Thu 03-26; Fri 03-27 (1), Sat 03-28 decreed (2), Mon 03-30 (3) → Mon 16:00.
    assert WorkingCalendar(decreed(SATURDAY)).add_working_days(start, 3) == wib(3, 30, 16)
    # Without it: Fri (1), Mon 03-30 (2), Tue 03-31 (3) → Tue 16:00.
    assert WorkingCalendar(BASE).add_working_days(start, 3) == wib(3, 31, 16)


def test_a_decreed_saturday_under_reduced_hours_keeps_the_reduced_hours() -> None:
    spec = decreed(SATURDAY)
    short = reduced(SATURDAY, SATURDAY, time(12), "Sabtu setengah hari", version=3)
    calendar = WorkingCalendar(fold([short], spec))
    assert calendar.hours_on(SATURDAY) == (time(8), time(12))
    # Fri 15:30 + 5 h: 30 min on Friday, Sat 08:00–12:00 is 4 h, 30 min from Mon 08:00 → 08:30.
    assert calendar.add_working_minutes(wib(3, 27, 15, 30), 300) == wib(3, 30, 8, 30)


# --- every clock across it ---------------------------------------------------------------------


def clocks(facts: list[Fact], now: datetime, spec: CalendarSpec) -> dict[Step, Clock]:
    book = CalendarBook.of([(0, spec)])
    found = request_clocks(facts, intake=Intake(ticket_id="SC05-2026-00077"), book=book, now=now)
    return {c.step: c for c in found}


def test_the_clocks_count_the_decreed_saturday() -> None:
    facts: list[Fact] = [
        SubmittedFact(
            position=1,
            at=wib(3, 27, 15, 30),
            received_at=wib(3, 27, 15, 30),
            channel=Channel.PORTAL,
        ),
    ]
    spec = decreed(SATURDAY)
    kadis = clocks(facts, wib(3, 28, 8, 10), spec)[Step.DISPOSE_KABID]
    # dispose_kabid, 30 min from Fri 15:30: due Fri 16:00 exactly (a result on closing stays).
    # At Sat 08:10: 30 min on Friday + 10 on the decreed Saturday = 40 min, breached.
    assert (kadis.due, kadis.used_seconds, kadis.state) == (
        wib(3, 27, 16),
        40 * M,
        ClockState.BREACHED,
    )
    # On the plain calendar, Saturday counts nothing: 30 min used, not over the standard.
    plain = clocks(facts, wib(3, 28, 8, 10), BASE)[Step.DISPOSE_KABID]
    assert (plain.used_seconds, plain.state) == (30 * M, ClockState.RUNNING)

    facts += [
        DisposedFact(position=2, at=wib(3, 27, 15, 40), step=Step.DISPOSE_KABID, by=KADIS),
        DisposedFact(position=3, at=wib(3, 27, 15, 45), step=Step.DISPOSE_PRAKOM, by=KABID),
        DisposedFact(
            position=4,
            at=wib(3, 27, 15, 50),
            step=Step.DISPOSE_PETUGAS,
            by=PRAKOM,
            to_officer=PETUGAS,
        ),
        AnalysedFact(
            position=5, at=wib(4, 1, 10), difficulty=Difficulty.LOW, feasible=True, by=PETUGAS
        ),
    ]
    feasibility = clocks(facts, wib(4, 1, 11), spec)[Step.FEASIBILITY]
    # feasibility "rendah", 3 working days from Fri 03-27 15:50: Sat 03-28 decreed (1),
    # Mon 03-30 (2), Tue 03-31 (3) → Tue 16:00. Budget: Fri 10 min + 3 × 8 h = 24 h 10 min.
    # Done Wed 04-01 10:00: 10 min + Sat 8 h + Mon 8 h + Tue 8 h + Wed 2 h = 26 h 10 min,
    # breached by 2 h.
    assert feasibility.due == wib(3, 31, 16)
    assert feasibility.budget_seconds == 24 * H + 10 * M
    assert feasibility.used_seconds == 26 * H + 10 * M
    assert feasibility.state is ClockState.BREACHED
    # Without the decree: Mon (1), Tue (2), Wed 04-01 (3) → due Wed 16:00, and it is met.
    plain = clocks(facts, wib(4, 1, 11), BASE)[Step.FEASIBILITY]
    assert (plain.due, plain.state) == (wib(4, 1, 16), ClockState.MET)


# --- overlapping reduced hours: the one given last wins ----------------------------------------

RAMADAN = reduced(date(2026, 2, 19), date(2026, 3, 19), time(15), "Ramadan 1447 H", version=2)
MEETING = "Rapat koordinasi: tutup 12:00"
WEDNESDAY = date(2026, 3, 4)


def overlapping(*, meeting_last: bool) -> WorkingCalendar:
    """Ramadan (08:00–15:00) and a meeting day (08:00–12:00) on Wed 03-04, in either order."""
    if meeting_last:
        events = [RAMADAN, reduced(WEDNESDAY, WEDNESDAY, time(12), MEETING, version=3)]
    else:
        meeting = reduced(WEDNESDAY, WEDNESDAY, time(12), MEETING, version=2)
        events = [meeting, RAMADAN.model_copy(update={"version": 3})]
    return WorkingCalendar(fold(events))


def test_overlapping_reduced_hours_the_one_given_last_gives_the_service_hours() -> None:
    assert overlapping(meeting_last=True).hours_on(WEDNESDAY) == (time(8), time(12))
    assert overlapping(meeting_last=False).hours_on(WEDNESDAY) == (time(8), time(15))
    # The days around it keep Ramadan's hours either way.
    for meeting_last in (True, False):
        assert overlapping(meeting_last=meeting_last).hours_on(date(2026, 3, 5)) == (
            time(8),
            time(15),
        )


def test_overlapping_reduced_hours_a_minute_standard_across_that_day() -> None:
    start = wib(3, 4, 11)
    # Meeting last: Wed 11:00–12:00 is 60 min; the other 60 from Thu 03-05 08:00 → 09:00.
    assert overlapping(meeting_last=True).add_working_minutes(start, 120) == wib(3, 5, 9)
    # Ramadan last: Wed closes 15:00, so 120 min end at Wed 13:00.
    assert overlapping(meeting_last=False).add_working_minutes(start, 120) == wib(3, 4, 13)
    # Measured back: Wed 10:00 → Thu 10:00 is 2 h + 2 h (meeting last), 5 h + 2 h (Ramadan last).
    assert overlapping(meeting_last=True).working_seconds_between(wib(3, 4, 10), wib(3, 5, 10)) == (
        4 * H
    )
    assert overlapping(meeting_last=False).working_seconds_between(
        wib(3, 4, 10), wib(3, 5, 10)
    ) == (7 * H)


def test_overlapping_reduced_hours_a_day_standard_closing_on_that_day() -> None:
    start = wib(3, 2, 10)
    # Clock day Mon 03-02; Tue 03-03 (1), Wed 03-04 (2) → closing of Wednesday.
    assert overlapping(meeting_last=True).add_working_days(start, 2) == wib(3, 4, 12)
    assert overlapping(meeting_last=False).add_working_days(start, 2) == wib(3, 4, 15)


def test_overlapping_reduced_hours_in_a_clock() -> None:
    facts: list[Fact] = [
        SubmittedFact(
            position=1, at=wib(3, 4, 11), received_at=wib(3, 4, 11), channel=Channel.PORTAL
        )
    ]
    spec = overlapping(meeting_last=True).spec
    kadis = clocks(facts, wib(3, 4, 11, 5), spec)[Step.DISPOSE_KABID]
    # dispose_kabid 30 min from Wed 11:00 with closing at 12:00 → due 11:30; 5 min used.
    assert (kadis.due, kadis.used_seconds) == (wib(3, 4, 11, 30), 5 * M)
    facts.append(DisposedFact(position=2, at=wib(3, 4, 11, 50), step=Step.DISPOSE_KABID, by=KADIS))
    # The kabid's clock from 11:50: 10 min to the 12:00 closing, 5 min from Thu 08:00 → 08:05.
    prakom = clocks(facts, wib(3, 4, 11, 55), spec)[Step.DISPOSE_PRAKOM]
    assert prakom.due == wib(3, 5, 8, 5)
