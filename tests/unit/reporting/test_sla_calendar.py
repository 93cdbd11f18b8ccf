"""The working calendar as administrators change it: the rules and the fold of its versions."""

from __future__ import annotations

from datetime import date, time

import pytest
from pydantic import ValidationError

from penghubung.events.catalog import Outcome, ReportWritten
from penghubung.events.sla import (
    CalendarDayOffAdded,
    CalendarDayOffRemoved,
    CalendarHoursReduced,
    RecalculationScope,
    SlaRecalculated,
)
from penghubung.workcal import WorkingCalendar
from reporting.sla.domain.calendar import (
    BASE,
    AddDayOff,
    AlreadyDayOff,
    CalendarOutOfSequence,
    NotADayOff,
    Recalculate,
    ReduceHours,
    RemoveDayOff,
    WeekendIsAlwaysOff,
    decide,
    evolve,
    fold,
    recalculate,
)

HARI_JADI = date(2026, 7, 8)  # a Wednesday
IDUL_ADHA_CUTI = date(2026, 5, 28)  # Thursday, cuti bersama Idul Adha


def test_adding_a_regional_holiday_makes_the_next_version() -> None:
    event = decide(AddDayOff(day=HARI_JADI, name="Hari Jadi Provinsi"), BASE)
    assert event == CalendarDayOffAdded(version=2, day=HARI_JADI, name="Hari Jadi Provinsi")
    spec = fold([event])
    calendar = WorkingCalendar(spec)
    assert spec.version == 2
    assert not calendar.is_working_day(HARI_JADI)
    assert calendar.day_off_name(HARI_JADI) == "Hari Jadi Provinsi"


def test_a_day_already_off_cannot_be_added() -> None:
    with pytest.raises(AlreadyDayOff) as refused:
        decide(AddDayOff(day=IDUL_ADHA_CUTI, name="Libur"), BASE)
    assert refused.value.code == "already_day_off"
    assert refused.value.field == "day"
    assert "Cuti Bersama Hari Raya Idul Adha" in refused.value.message
    added = fold([decide(AddDayOff(day=HARI_JADI, name="Hari Jadi Provinsi"), BASE)])
    with pytest.raises(AlreadyDayOff):
        decide(AddDayOff(day=HARI_JADI, name="Lagi"), added)


@pytest.mark.parametrize("day", [date(2026, 7, 11), date(2026, 7, 12)])
def test_weekends_are_neither_added_nor_removed(day: date) -> None:
    with pytest.raises(WeekendIsAlwaysOff) as refused:
        decide(AddDayOff(day=day, name="Libur"), BASE)
    assert refused.value.code == "weekend"
    with pytest.raises(WeekendIsAlwaysOff):
        decide(RemoveDayOff(day=day, name="Masuk"), BASE)


def test_removing_an_added_day_reopens_the_office() -> None:
    added = decide(AddDayOff(day=HARI_JADI, name="Hari Jadi Provinsi"), BASE)
    spec = fold([added])
    removed = decide(RemoveDayOff(day=HARI_JADI, name="Keputusan Gubernur 12/2026"), spec)
    assert removed == CalendarDayOffRemoved(
        version=3, day=HARI_JADI, name="Keputusan Gubernur 12/2026"
    )
    reopened = fold([added, removed])
    assert reopened.version == 3
    assert reopened.added_days_off == ()
    assert reopened.removed_days_off == ()  # not a holiday of the package: nothing to remove
    assert WorkingCalendar(reopened).is_working_day(HARI_JADI)


def test_removing_a_national_cuti_bersama_declares_it_a_working_day() -> None:
    event = decide(RemoveDayOff(day=IDUL_ADHA_CUTI, name="Kantor tetap buka"), BASE)
    spec = fold([event])
    assert spec.removed_days_off == (IDUL_ADHA_CUTI,)
    assert WorkingCalendar(spec).is_working_day(IDUL_ADHA_CUTI)
    # Added back as a day off, it is closed again, under the administrator's name.
    again = decide(AddDayOff(day=IDUL_ADHA_CUTI, name="Cuti bersama berlaku"), spec)
    closed = fold([event, again])
    assert closed.removed_days_off == ()
    assert WorkingCalendar(closed).day_off_name(IDUL_ADHA_CUTI) == "Cuti bersama berlaku"
    # And removed once more: both the addition and the package holiday give way.
    last = fold([event, again, decide(RemoveDayOff(day=IDUL_ADHA_CUTI, name="Buka"), closed)])
    assert WorkingCalendar(last).is_working_day(IDUL_ADHA_CUTI)


def test_a_working_day_cannot_be_removed_as_a_day_off() -> None:
    with pytest.raises(NotADayOff) as refused:
        decide(RemoveDayOff(day=HARI_JADI, name="Buka"), BASE)
    assert (refused.value.code, refused.value.field) == ("not_a_day_off", "day")


def test_reduced_hours_for_ramadan() -> None:
    command = ReduceHours(
        first_day=date(2026, 2, 19),
        last_day=date(2026, 3, 19),
        closing=time(15),
        friday_closing=time(15, 30),
        name="Ramadan 1447 H",
    )
    event = decide(command, BASE)
    assert isinstance(event, CalendarHoursReduced)
    assert (event.version, event.opening, event.closing) == (2, time(8), time(15))
    calendar = WorkingCalendar(fold([event]))
    assert calendar.hours_on(date(2026, 3, 4)) == (time(8), time(15))
    assert calendar.hours_on(date(2026, 3, 6)) == (time(8), time(15, 30))
    assert calendar.hours_on(date(2026, 3, 25)) == (time(8), time(16))


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"last_day": date(2026, 2, 1)}, "last_day"),
        ({"closing": time(7)}, "closing"),
        ({"friday_closing": time(8)}, "friday_closing"),
    ],
)
def test_incoherent_reduced_hours_are_refused_naming_the_field(
    fields: dict[str, object], field: str
) -> None:
    base: dict[str, object] = {
        "first_day": date(2026, 2, 19),
        "last_day": date(2026, 3, 19),
        "closing": time(15),
        "name": "Ramadan",
    }
    with pytest.raises(ValidationError) as refused:
        ReduceHours.model_validate({**base, **fields})
    assert refused.value.errors()[0]["ctx"]["error"].code == field


def test_versions_follow_one_another_or_the_fold_refuses() -> None:
    first = CalendarDayOffAdded(version=2, day=HARI_JADI, name="Hari Jadi Provinsi")
    skipped = CalendarDayOffAdded(version=4, day=date(2026, 7, 9), name="Lain")
    with pytest.raises(CalendarOutOfSequence):
        fold([first, skipped])
    with pytest.raises(CalendarOutOfSequence):
        evolve(fold([first]), first)


def test_other_events_leave_the_calendar_as_it_is() -> None:
    report = ReportWritten(ticket_id="SC05-2026-00001", outcome=Outcome.INTEGRATED, summary="x")
    assert evolve(BASE, report) is BASE


def test_a_recalculation_names_the_current_version_and_its_scope() -> None:
    spec = fold([CalendarDayOffAdded(version=2, day=HARI_JADI, name="Hari Jadi")])
    event = recalculate(
        Recalculate(scope=RecalculationScope.MONTH, month="2026-07", reason="Hari Jadi"), spec
    )
    assert event == SlaRecalculated(
        calendar_version=2, scope=RecalculationScope.MONTH, month="2026-07", reason="Hari Jadi"
    )
    ticket = recalculate(
        Recalculate(
            scope=RecalculationScope.TICKET,
            ticket_id="SC05-2026-00001",
            month="2026-07",  # ignored outside scope month
            reason="Koreksi",
        ),
        spec,
    )
    assert (ticket.ticket_id, ticket.month) == ("SC05-2026-00001", None)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"scope": "month"}, "month"),
        ({"scope": "ticket"}, "ticket_id"),
        ({"scope": "month", "month": "2026-13"}, "month"),
    ],
)
def test_a_recalculation_names_what_its_scope_needs(fields: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Recalculate.model_validate({"reason": "x", **fields})
    assert refused.value.errors()[0]["ctx"]["error"].code == field
