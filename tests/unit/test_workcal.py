"""The working calendar: properties of working-time arithmetic and hand-computed SLA cases."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from penghubung.workcal import (
    CalendarSpec,
    DayOff,
    DecreedWorkingDay,
    ReducedHours,
    ServiceHours,
    WorkingCalendar,
)

WIB = ZoneInfo("Asia/Jakarta")

PLAIN = WorkingCalendar(CalendarSpec(version=1))
# Ramadan 1447 H: 2026-02-19 .. 2026-03-19, 08:00–15:00, Fridays until 15:30.
RAMADAN = WorkingCalendar(
    CalendarSpec(
        version=2,
        reduced_hours=(
            ReducedHours(
                first_day=date(2026, 2, 19),
                last_day=date(2026, 3, 19),
                hours=ServiceHours(closing=time(15), friday_closing=time(15, 30)),
                name="Jam kerja bulan Ramadan 1447 H",
            ),
        ),
    )
)
# Wednesday 2026-07-08 declared a regional holiday.
REGIONAL = WorkingCalendar(
    CalendarSpec(
        version=3,
        added_days_off=(DayOff(day=date(2026, 7, 8), name="Hari Jadi Provinsi"),),
    )
)
# Friday 2026-05-15 (Ascension cuti bersama) and Saturday 2026-03-21 (Idul Fitri) declared
# working days; the Saturday stays off because it is a weekend.
REMOVED = WorkingCalendar(
    CalendarSpec(version=4, removed_days_off=(date(2026, 5, 15), date(2026, 3, 21)))
)
# Everything at once, for the properties: added and removed days, reduced hours in two years.
ADJUSTED = WorkingCalendar(
    CalendarSpec(
        version=5,
        added_days_off=(
            DayOff(day=date(2025, 10, 1), name="Keputusan gubernur"),
            DayOff(day=date(2026, 7, 8), name="Hari Jadi Provinsi"),
        ),
        removed_days_off=(date(2026, 5, 15), date(2024, 12, 26)),
        reduced_hours=(
            *RAMADAN.spec.reduced_hours,
            ReducedHours(
                first_day=date(2025, 3, 1),
                last_day=date(2025, 3, 30),
                hours=ServiceHours(opening=time(8, 30), closing=time(15)),
                name="Jam kerja bulan Ramadan 1446 H",
            ),
            # Overlapping Ramadan 1447 H, given later: it wins on those days.
            ReducedHours(
                first_day=date(2026, 3, 10),
                last_day=date(2026, 3, 11),
                hours=ServiceHours(opening=time(9), closing=time(12)),
                name="Rapat koordinasi",
            ),
            ReducedHours(
                first_day=date(2026, 3, 28),
                last_day=date(2026, 3, 28),
                hours=ServiceHours(closing=time(12)),
                name="Sabtu setengah hari",
            ),
        ),
        # A Saturday, a Sunday and a holiday decreed working days.
        decreed_working_days=(
            DecreedWorkingDay(day=date(2026, 3, 28), name="Sabtu masuk"),
            DecreedWorkingDay(day=date(2025, 10, 5), name="Minggu masuk"),
            DecreedWorkingDay(day=date(2024, 12, 25), name="Natal masuk"),
        ),
    )
)

# The oracle for PLAIN, written straight from the package, independent of the module.
OFFICIAL_DAYS_OFF = holidays.country_holidays(
    "ID", years=range(2023, 2030), categories=("public", "government")
)


def wib(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    """A local time in Jakarta."""
    return datetime(year, month, day, hour, minute, second, tzinfo=WIB)


def official_working_day(day: date) -> bool:
    """Monday–Friday and neither a national holiday nor cuti bersama, per the package."""
    return day.weekday() < 5 and day not in OFFICIAL_DAYS_OFF


def official_minutes(start: datetime, end: datetime) -> int:
    """Working minutes of PLAIN between two instants, clipped day by day to 08:00–16:00."""
    total = timedelta()
    day = start.astimezone(WIB).date()
    while day <= end.astimezone(WIB).date():
        if official_working_day(day):
            lo = max(start, datetime.combine(day, time(8), tzinfo=WIB))
            hi = min(end, datetime.combine(day, time(16), tzinfo=WIB))
            total += max(timedelta(), hi - lo)
        day += timedelta(days=1)
    return int(total.total_seconds()) // 60


zones = st.sampled_from([WIB, UTC, ZoneInfo("Asia/Makassar"), ZoneInfo("Europe/Amsterdam")])
starts = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2027, 12, 31, 23, 59, 59), timezones=zones
)
minutes = st.integers(min_value=0, max_value=20_000)
calendars = st.sampled_from([PLAIN, ADJUSTED])
days_off = st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31)).filter(
    lambda day: not official_working_day(day)
)
slow = settings(deadline=None)


# -- properties ------------------------------------------------------------------------------


@slow
@given(calendar=calendars, start=starts, n=minutes)
def test_measuring_back_what_was_added_gives_the_same_minutes(
    calendar: WorkingCalendar, start: datetime, n: int
) -> None:
    end = calendar.add_working_minutes(start, n)
    assert calendar.working_minutes_between(start, end) == n


@slow
@given(calendar=calendars, start=starts, n=minutes)
def test_a_due_time_is_always_within_service_hours_of_a_working_day(
    calendar: WorkingCalendar, start: datetime, n: int
) -> None:
    due = calendar.add_working_minutes(start, n)
    assert due.tzinfo == WIB
    hours = calendar.hours_on(due.date())
    assert hours is not None
    assert hours[0] <= due.time() <= hours[1]


@slow
@given(start=starts, n=minutes)
def test_a_due_time_never_falls_on_a_weekend_or_official_holiday(start: datetime, n: int) -> None:
    due = PLAIN.add_working_minutes(start, n)
    assert official_working_day(due.date())
    assert time(8) <= due.time() <= time(16)


@slow
@given(start=starts, span=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=40)))
def test_only_service_hours_of_working_days_are_counted(start: datetime, span: timedelta) -> None:
    assert PLAIN.working_minutes_between(start, start + span) == official_minutes(
        start, start + span
    )


@given(day=days_off)
def test_a_weekend_or_holiday_counts_nothing(day: date) -> None:
    midnight = datetime.combine(day, time(0), tzinfo=WIB)
    assert not PLAIN.is_working_day(day)
    assert PLAIN.working_minutes_between(midnight, midnight + timedelta(days=1)) == 0


@slow
@given(start=starts, n=st.integers(min_value=0, max_value=70))
def test_n_working_days_end_at_closing_of_the_nth_working_day(start: datetime, n: int) -> None:
    local = start.astimezone(WIB)
    clock_day = local.date()
    if not (official_working_day(clock_day) and local.time() < time(16)):
        clock_day += timedelta(days=1)
        while not official_working_day(clock_day):
            clock_day += timedelta(days=1)

    due = PLAIN.add_working_days(start, n)

    assert due.time() == time(16)
    assert official_working_day(due.date())
    between = [clock_day + timedelta(days=k) for k in range(1, (due.date() - clock_day).days + 1)]
    assert sum(official_working_day(day) for day in between) == n


@slow
@given(calendar=calendars, start=starts, n=st.integers(min_value=0, max_value=70))
def test_n_working_days_end_at_that_days_closing_time(
    calendar: WorkingCalendar, start: datetime, n: int
) -> None:
    due = calendar.add_working_days(start, n)
    hours = calendar.hours_on(due.date())
    assert hours is not None
    assert due.time() == hours[1]


@slow
@given(calendar=calendars, start=starts, a=minutes, b=minutes)
def test_more_minutes_never_give_an_earlier_due_time(
    calendar: WorkingCalendar, start: datetime, a: int, b: int
) -> None:
    fewer, more = sorted((a, b))
    assert calendar.add_working_minutes(start, fewer) <= calendar.add_working_minutes(start, more)


@slow
@given(calendar=calendars, first=starts, second=starts, n=minutes)
def test_a_later_start_never_gives_an_earlier_due_time(
    calendar: WorkingCalendar, first: datetime, second: datetime, n: int
) -> None:
    early, late = sorted((first, second))
    assert calendar.add_working_minutes(early, n) <= calendar.add_working_minutes(late, n)


@slow
@given(calendar=calendars, start=starts, a=minutes, b=st.integers(min_value=1, max_value=20_000))
def test_adding_in_two_steps_equals_adding_at_once(
    calendar: WorkingCalendar, start: datetime, a: int, b: int
) -> None:
    halfway = calendar.add_working_minutes(start, a)
    assert calendar.add_working_minutes(halfway, b) == calendar.add_working_minutes(start, a + b)


# -- hand-computed cases ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("calendar", "start", "n", "expected"),
    [
        # Idul Fitri 2026: Tue 03-17 15:00 has 60 min left; 03-18 and 03-19 (Nyepi and its
        # cuti bersama), 03-20 (cuti bersama), 03-21/22 (weekend, Idul Fitri), 03-23/24
        # (cuti bersama) are off; the other 60 min run from Wed 03-25 08:00 → 09:00.
        pytest.param(PLAIN, wib(2026, 3, 17, 15), 120, wib(2026, 3, 25, 9), id="idul-fitri"),
        # Same with Ramadan hours: Tue 03-17 closes at 15:00, so the clock starts Wed 03-25
        # 08:00 (after Ramadan, back to 16:00) → 10:00.
        pytest.param(
            RAMADAN, wib(2026, 3, 17, 15), 120, wib(2026, 3, 25, 10), id="idul-fitri-ramadan"
        ),
        # Friday 15:59: 1 min on Friday, 29 min from Monday 08:00 → 08:29.
        pytest.param(PLAIN, wib(2026, 3, 6, 15, 59), 30, wib(2026, 3, 9, 8, 29), id="fri-1559"),
        # Friday 02-13 15:59: Mon 02-16 (cuti bersama Imlek) and Tue 02-17 (Imlek) are off,
        # so the 29 remaining min run from Wed 02-18 08:00 → 08:29.
        pytest.param(
            PLAIN, wib(2026, 2, 13, 15, 59), 30, wib(2026, 2, 18, 8, 29), id="fri-1559-imlek"
        ),
        # The same Friday 15:59 given in UTC (08:59Z); the result comes back in WIB.
        pytest.param(
            PLAIN,
            datetime(2026, 3, 6, 8, 59, tzinfo=UTC),
            30,
            wib(2026, 3, 9, 8, 29),
            id="fri-1559-utc",
        ),
        # Disposition at 07:59: the clock starts at 08:00, 15 min → 08:15 (not 08:14).
        pytest.param(PLAIN, wib(2026, 3, 10, 7, 59), 15, wib(2026, 3, 10, 8, 15), id="at-0759"),
        # Saturday: the clock starts Monday 08:00 → 08:15.
        pytest.param(PLAIN, wib(2026, 3, 7, 11), 15, wib(2026, 3, 9, 8, 15), id="saturday"),
        # Ramadan Wed 03-04 closes at 15:00: 60 min to 15:00, 30 min from Thu 08:00 → 08:30.
        pytest.param(RAMADAN, wib(2026, 3, 4, 14), 90, wib(2026, 3, 5, 8, 30), id="ramadan-wed"),
        # Ramadan Friday closes at 15:30: 14:00 + 90 min lands exactly on closing and stays.
        pytest.param(
            RAMADAN, wib(2026, 3, 6, 14), 90, wib(2026, 3, 6, 15, 30), id="ramadan-fri-closing"
        ),
        # One minute more does not fit on Friday: Monday 08:00 + 1 → 08:01.
        pytest.param(RAMADAN, wib(2026, 3, 6, 14), 91, wib(2026, 3, 9, 8, 1), id="ramadan-fri+1"),
        # Wed 05-13 15:30 + 60: 30 min on Wednesday; Thu 05-14 (Ascension) and Fri 05-15
        # (cuti bersama) are off → Mon 05-18 08:30.
        pytest.param(PLAIN, wib(2026, 5, 13, 15, 30), 60, wib(2026, 5, 18, 8, 30), id="ascension"),
        # With Fri 05-15 declared a working day, the 30 remaining min end Fri 08:30.
        pytest.param(
            REMOVED, wib(2026, 5, 13, 15, 30), 60, wib(2026, 5, 15, 8, 30), id="removed-holiday"
        ),
        # 0 min from inside service hours: the same instant, seconds included.
        pytest.param(PLAIN, wib(2026, 3, 10, 10, 17, 23), 0, wib(2026, 3, 10, 10, 17, 23), id="0"),
        # 0 min from 16:00: closed at closing time, so the clock starts Wed 08:00.
        pytest.param(PLAIN, wib(2026, 3, 10, 16), 0, wib(2026, 3, 11, 8), id="0-at-1600"),
        # 1 min from 16:00: Wed 08:00 + 1 → 08:01.
        pytest.param(PLAIN, wib(2026, 3, 10, 16), 1, wib(2026, 3, 11, 8, 1), id="1-at-1600"),
        # 15:00 + 60 min lands exactly on 16:00 and stays there, not on Wed 08:00.
        pytest.param(PLAIN, wib(2026, 3, 10, 15), 60, wib(2026, 3, 10, 16), id="to-closing"),
    ],
)
def test_working_minutes_hand_cases(
    calendar: WorkingCalendar, start: datetime, n: int, expected: datetime
) -> None:
    due = calendar.add_working_minutes(start, n)
    assert due == expected
    assert due.tzinfo == WIB
    assert calendar.working_minutes_between(start, due) == n


@pytest.mark.parametrize(
    ("calendar", "start", "n", "expected"),
    [
        # Idul Fitri 2026: clock day Tue 03-17; 03-18..03-24 are all off; working days after
        # it are Wed 03-25 (1), Thu 03-26 (2), Fri 03-27 (3) → 03-27 16:00.
        pytest.param(PLAIN, wib(2026, 3, 17, 15), 3, wib(2026, 3, 27, 16), id="idul-fitri"),
        # Feasibility "tinggi" (5 days) from Mon 03-16: Tue 03-17 (1), 03-25 (2), 03-26 (3),
        # 03-27 (4), Mon 03-30 (5) → 03-30 16:00.
        pytest.param(PLAIN, wib(2026, 3, 16, 9), 5, wib(2026, 3, 30, 16), id="idul-fitri-5"),
        # Implementation "tinggi" (15 days) from Mon 03-09: 03-10..03-13 (4), 03-16, 03-17 (6),
        # 03-25..03-27 (9), 03-30..04-02 (13), Fri 04-03 Good Friday off, 04-06 (14),
        # 04-07 (15) → 04-07 16:00.
        pytest.param(PLAIN, wib(2026, 3, 9, 8), 15, wib(2026, 4, 7, 16), id="idul-fitri-15"),
        # Friday 17:00: the clock starts Mon 03-09 08:00; Tue (1), Wed (2), Thu (3) → Thu 16:00.
        pytest.param(PLAIN, wib(2026, 3, 6, 17), 3, wib(2026, 3, 12, 16), id="fri-1700"),
        # Monday 10:00: clock day Monday; Tue, Wed, Thu → Thu 16:00.
        pytest.param(PLAIN, wib(2026, 3, 9, 10), 3, wib(2026, 3, 12, 16), id="mon-1000"),
        # Monday 16:00 is closed: the clock starts Tue 08:00; Wed, Thu, Fri → Fri 16:00.
        pytest.param(PLAIN, wib(2026, 3, 9, 16), 3, wib(2026, 3, 13, 16), id="mon-1600"),
        # 0 days: closing of the clock day itself.
        pytest.param(PLAIN, wib(2026, 3, 10, 10), 0, wib(2026, 3, 10, 16), id="0-days"),
        # Ramadan, clock day Mon 03-02; Tue, Wed, Thu 03-05 → Thursday's reduced closing 15:00.
        pytest.param(RAMADAN, wib(2026, 3, 2, 10), 3, wib(2026, 3, 5, 15), id="ramadan-thu"),
        # One more day ends Friday 03-06 at its reduced closing 15:30.
        pytest.param(RAMADAN, wib(2026, 3, 2, 10), 4, wib(2026, 3, 6, 15, 30), id="ramadan-fri"),
        # Running 5-day clock from Mon 07-06 10:00: Tue 07, Wed 08, Thu 09, Fri 10, Mon 13.
        pytest.param(PLAIN, wib(2026, 7, 6, 10), 5, wib(2026, 7, 13, 16), id="before-regional"),
        # Wed 07-08 declared a regional holiday: Tue 07, Thu 09, Fri 10, Mon 13, Tue 14 — the
        # due time moves by one working day.
        pytest.param(REGIONAL, wib(2026, 7, 6, 10), 5, wib(2026, 7, 14, 16), id="regional"),
    ],
)
def test_working_days_hand_cases(
    calendar: WorkingCalendar, start: datetime, n: int, expected: datetime
) -> None:
    assert calendar.add_working_days(start, n) == expected


@pytest.mark.parametrize(
    ("calendar", "start", "end", "expected"),
    [
        # Friday 15:00–16:00 and Monday 08:00–09:00.
        pytest.param(PLAIN, wib(2026, 3, 6, 15), wib(2026, 3, 9, 9), 120, id="weekend"),
        # Only Tue 03-17 counts, 8 h; 03-18..03-24 are Nyepi, Idul Fitri and cuti bersama.
        pytest.param(PLAIN, wib(2026, 3, 17, 8), wib(2026, 3, 25, 8), 480, id="idul-fitri"),
        # A Ramadan Wednesday has 7 h.
        pytest.param(RAMADAN, wib(2026, 3, 4, 8), wib(2026, 3, 5, 8), 420, id="ramadan-wed"),
        # A Ramadan Friday has 7.5 h.
        pytest.param(RAMADAN, wib(2026, 3, 6, 8), wib(2026, 3, 9, 8), 450, id="ramadan-fri"),
        # A week of five days has 5 × 480 min; with the regional holiday, four.
        pytest.param(PLAIN, wib(2026, 7, 6, 8), wib(2026, 7, 13, 8), 2400, id="week"),
        pytest.param(REGIONAL, wib(2026, 7, 6, 8), wib(2026, 7, 13, 8), 1920, id="week-regional"),
        # Before opening and after closing count nothing.
        pytest.param(PLAIN, wib(2026, 3, 10, 6), wib(2026, 3, 10, 7, 59), 0, id="before-opening"),
        pytest.param(PLAIN, wib(2026, 3, 10, 16), wib(2026, 3, 10, 23), 0, id="after-closing"),
        # An end before the start counts nothing.
        pytest.param(PLAIN, wib(2026, 3, 10, 12), wib(2026, 3, 10, 10), 0, id="reversed"),
    ],
)
def test_working_minutes_between_hand_cases(
    calendar: WorkingCalendar, start: datetime, end: datetime, expected: int
) -> None:
    assert calendar.working_minutes_between(start, end) == expected


def test_seconds_are_counted_and_minutes_are_whole() -> None:
    # Friday 15:59:30–16:00 is 30 s, Monday 08:00–08:00:45 is 45 s: 75 s, one whole minute.
    start, end = wib(2026, 3, 6, 15, 59, 30), wib(2026, 3, 9, 8, 0, 45)
    assert PLAIN.working_seconds_between(start, end) == 75
    assert PLAIN.working_minutes_between(start, end) == 1
    assert PLAIN.add_working_seconds(start, 75) == end


# -- days and hours --------------------------------------------------------------------------


def test_cuti_bersama_are_days_off_only_with_the_government_category() -> None:
    public_only = WorkingCalendar(CalendarSpec(version=1, holiday_categories=("public",)))
    assert not PLAIN.is_working_day(date(2026, 3, 20))
    assert public_only.is_working_day(date(2026, 3, 20))
    assert not public_only.is_working_day(date(2026, 3, 19))


def test_day_off_names_explain_why_the_office_is_closed() -> None:
    assert "Cuti Bersama" in (PLAIN.day_off_name(date(2026, 3, 20)) or "")
    assert REGIONAL.day_off_name(date(2026, 7, 8)) == "Hari Jadi Provinsi"
    assert REMOVED.day_off_name(date(2026, 5, 15)) is None
    assert PLAIN.day_off_name(date(2026, 3, 7)) is None  # a plain Saturday
    assert PLAIN.day_off_name(date(2026, 3, 10)) is None


def test_a_removed_holiday_on_a_weekend_stays_off() -> None:
    assert REMOVED.is_working_day(date(2026, 5, 15))
    assert not REMOVED.is_working_day(date(2026, 3, 21))


def test_hours_on_a_day() -> None:
    assert PLAIN.hours_on(date(2026, 3, 6)) == (time(8), time(16))
    assert RAMADAN.hours_on(date(2026, 3, 5)) == (time(8), time(15))
    assert RAMADAN.hours_on(date(2026, 3, 6)) == (time(8), time(15, 30))
    assert RAMADAN.hours_on(date(2026, 3, 20)) is None
    assert RAMADAN.hours_on(date(2026, 3, 25)) == (time(8), time(16))


def test_a_later_reduced_hours_entry_wins_where_ranges_overlap() -> None:
    def period(first: int, last: int, closing: int) -> ReducedHours:
        hours = ServiceHours(closing=time(closing))
        return ReducedHours(
            first_day=date(2026, 4, first), last_day=date(2026, 4, last), hours=hours, name="x"
        )

    calendar = WorkingCalendar(
        CalendarSpec(version=1, reduced_hours=(period(6, 10, 15), period(8, 9, 14)))
    )
    assert calendar.hours_on(date(2026, 4, 7)) == (time(8), time(15))
    assert calendar.hours_on(date(2026, 4, 8)) == (time(8), time(14))
    assert calendar.hours_on(date(2026, 4, 10)) == (time(8), time(15))


def test_service_hours_are_half_open() -> None:
    assert not PLAIN.is_open(wib(2026, 3, 10, 7, 59, 59))
    assert PLAIN.is_open(wib(2026, 3, 10, 8))
    assert PLAIN.is_open(wib(2026, 3, 10, 15, 59, 59))
    assert not PLAIN.is_open(wib(2026, 3, 10, 16))
    assert not PLAIN.is_open(wib(2026, 3, 7, 10))


def test_next_opening() -> None:
    assert PLAIN.next_opening(wib(2026, 3, 10, 10, 5)) == wib(2026, 3, 10, 10, 5)
    assert PLAIN.next_opening(wib(2026, 3, 10, 7)) == wib(2026, 3, 10, 8)
    assert PLAIN.next_opening(wib(2026, 3, 10, 16)) == wib(2026, 3, 11, 8)
    assert PLAIN.next_opening(wib(2026, 3, 17, 16)) == wib(2026, 3, 25, 8)


def test_years_beyond_any_cached_one_are_computed_on_demand() -> None:
    # Christmas 2040 is a Tuesday: Mon 12-24 10:00 + 1 working day skips it → Wed 16:00.
    assert PLAIN.is_working_day(date(2040, 12, 24))
    assert not PLAIN.is_working_day(date(2040, 12, 25))
    assert PLAIN.add_working_days(wib(2040, 12, 24, 10), 1) == wib(2040, 12, 26, 16)


def test_sixty_working_days_span_three_months() -> None:
    due = PLAIN.add_working_days(wib(2026, 1, 5, 8), 60)
    assert official_minutes(wib(2026, 1, 6, 8), due) == 60 * 480
    assert PLAIN.working_minutes_between(wib(2026, 1, 6, 8), due) == 60 * 480


# -- mistakes --------------------------------------------------------------------------------


def test_naive_datetimes_are_refused() -> None:
    naive = datetime(2026, 3, 10, 10)
    with pytest.raises(ValueError, match="naive"):
        PLAIN.add_working_minutes(naive, 10)
    with pytest.raises(ValueError, match="naive"):
        PLAIN.working_minutes_between(naive, naive + timedelta(hours=1))
    with pytest.raises(ValueError, match="naive"):
        PLAIN.next_opening(naive)


def test_negative_working_time_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        PLAIN.add_working_minutes(wib(2026, 3, 10, 10), -1)
    with pytest.raises(ValueError, match="negative"):
        PLAIN.add_working_days(wib(2026, 3, 10, 10), -1)


def test_closing_of_a_day_off_is_refused() -> None:
    with pytest.raises(ValueError, match="not a working day"):
        PLAIN.closing_of(date(2026, 3, 20))


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(lambda: ServiceHours(opening=time(16), closing=time(8)), id="closes-first"),
        pytest.param(lambda: ServiceHours(friday_closing=time(8)), id="friday-closes-at-opening"),
        pytest.param(lambda: ServiceHours(opening=time(8, tzinfo=UTC)), id="aware-time"),
        pytest.param(
            lambda: ReducedHours(
                first_day=date(2026, 3, 19),
                last_day=date(2026, 2, 19),
                hours=ServiceHours(),
                name="x",
            ),
            id="reversed-range",
        ),
        pytest.param(lambda: CalendarSpec(version=0), id="version-0"),
        pytest.param(lambda: CalendarSpec(version=1, timezone="Asia/Atlantis"), id="bad-zone"),
        pytest.param(
            lambda: CalendarSpec(
                version=1,
                added_days_off=(DayOff(day=date(2026, 7, 8), name="x"),),
                removed_days_off=(date(2026, 7, 8),),
            ),
            id="added-and-removed",
        ),
        pytest.param(
            lambda: CalendarSpec(
                version=1,
                added_days_off=(
                    DayOff(day=date(2026, 7, 8), name="x"),
                    DayOff(day=date(2026, 7, 8), name="y"),
                ),
            ),
            id="added-twice",
        ),
        pytest.param(lambda: DayOff(day=date(2026, 7, 8), name=""), id="unnamed-day-off"),
    ],
)
def test_an_inconsistent_spec_is_refused(build: Callable[[], object]) -> None:
    with pytest.raises(ValidationError):
        build()


def test_a_spec_survives_a_json_round_trip() -> None:
    stored = ADJUSTED.spec.model_dump_json()
    restored = WorkingCalendar(CalendarSpec.model_validate_json(stored))
    assert restored == ADJUSTED
    assert restored.version == 5
    assert restored.add_working_days(wib(2026, 3, 2, 10), 4) == wib(2026, 3, 6, 15, 30)
