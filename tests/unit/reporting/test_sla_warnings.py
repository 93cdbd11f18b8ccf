"""SLA warnings: raised at shares of the standard, only in service hours, once per threshold.

Every time is WIB, on the base calendar (Monday–Friday 08:00–16:00).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from penghubung.events import Role
from penghubung.events.catalog import Outcome, ReportWritten
from penghubung.events.sla import PauseReason, SlaWarningRaised
from penghubung.sop import Channel, Step
from penghubung.workcal import CalendarSpec
from reporting.sla.domain.clocks import (
    CalendarBook,
    DisposedFact,
    Fact,
    Intake,
    PausedFact,
    Person,
    SubmittedFact,
)
from reporting.sla.domain.warnings import decide, due_warnings, raised

WIB = ZoneInfo("Asia/Jakarta")
TICKET = "SC05-2026-00077"
KADIS = Person(nip="197501012000031001", name="Kadis Kominfo", role=Role.KADIS)
PETUGAS = Person(nip="199005052015031005", name="Petugas", role=Role.PETUGAS)
BOOK = CalendarBook.of([(0, CalendarSpec(version=1))])
PERCENTS = (50, 75, 100)


def wib(month: int, day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=WIB)


def submitted(at: datetime) -> list[Fact]:
    """A portal request: its dispose_kabid clock (30 working minutes) starts at `at`."""
    return [SubmittedFact(position=1, at=at, received_at=at, channel=Channel.PORTAL)]


def warnings_at(
    facts: list[Fact], now: datetime, already: frozenset[tuple[Step, int]] = frozenset()
) -> list[tuple[Step, int, datetime]]:
    found = due_warnings(
        facts,
        intake=Intake(ticket_id=TICKET),
        book=BOOK,
        percents=PERCENTS,
        already=already,
        now=now,
    )
    return [(w.step, w.threshold_percent, w.reached_at) for w in found]


def test_a_threshold_reached_in_service_hours_is_raised_at_once() -> None:
    facts = submitted(wib(3, 10, 15, 40))
    # 50 % of 30 min = 15 min: 15:40 + 15 → 15:55. At 15:58 only that one is reached.
    assert warnings_at(facts, wib(3, 10, 15, 58)) == [(Step.DISPOSE_KABID, 50, wib(3, 10, 15, 55))]


def test_thresholds_reached_at_closing_wait_for_the_next_opening() -> None:
    facts = submitted(wib(3, 10, 15, 30))
    # 50 % (15 min) at 15:45, 75 % (22.5 min) at 15:52:30, 100 % (30 min) exactly at 16:00.
    # At 16:05 the office is closed: nothing is raised, not even the two reached in hours.
    assert warnings_at(facts, wib(3, 10, 16, 5)) == []
    assert warnings_at(facts, wib(3, 10, 23, 59)) == []
    # At the next opening (Wed 08:00) all three are raised, with the times they were reached.
    assert warnings_at(facts, wib(3, 11, 8)) == [
        (Step.DISPOSE_KABID, 50, wib(3, 10, 15, 45)),
        (Step.DISPOSE_KABID, 75, wib(3, 10, 15, 52, 30)),
        (Step.DISPOSE_KABID, 100, wib(3, 10, 16)),
    ]


def test_over_a_weekend_a_warning_waits_for_monday_and_its_threshold() -> None:
    facts = submitted(wib(3, 13, 15, 50))
    # Friday 15:50: 10 min on Friday, so 50 % (15 min) is reached Mon 03-16 08:05.
    assert warnings_at(facts, wib(3, 14, 10)) == []  # Saturday: closed
    assert warnings_at(facts, wib(3, 16, 8)) == []  # Monday 08:00: 10 of 30 min used
    assert warnings_at(facts, wib(3, 16, 8, 6)) == [(Step.DISPOSE_KABID, 50, wib(3, 16, 8, 5))]


def test_on_a_holiday_nothing_is_raised() -> None:
    facts = submitted(wib(3, 17, 15, 30))
    # Tue 03-17 15:30: 50 % at 15:45. Wed 03-18 .. Tue 03-24 are Nyepi, Idul Fitri and cuti
    # bersama: closed all week; raised on Wed 03-25 at 08:00 with the 75 % (15:52:30) and the
    # 100 % (16:00) of Tuesday.
    assert warnings_at(facts, wib(3, 20, 10)) == []
    assert [w[1] for w in warnings_at(facts, wib(3, 25, 8))] == [50, 75, 100]


def test_a_warning_already_raised_is_not_raised_again() -> None:
    facts = submitted(wib(3, 10, 9))
    already = frozenset({(Step.DISPOSE_KABID, 50)})
    # 09:00 + 30 min: 50 % at 09:15, 75 % at 09:22:30; at 09:25 only the 75 % is new.
    assert warnings_at(facts, wib(3, 10, 9, 25), already) == [
        (Step.DISPOSE_KABID, 75, wib(3, 10, 9, 22, 30))
    ]


def test_a_finished_clock_raises_nothing() -> None:
    facts = [
        *submitted(wib(3, 10, 9)),
        DisposedFact(position=2, at=wib(3, 10, 9, 20), step=Step.DISPOSE_KABID, by=KADIS),
    ]
    # dispose_kabid was met at 09:20 (20 min, 67 %); dispose_prakom runs from 09:20 (15 min):
    # at 09:30 it used 10 min, 67 %: its 50 % (7.5 min, 09:27:30) only.
    assert warnings_at(facts, wib(3, 10, 9, 30)) == [
        (Step.DISPOSE_PRAKOM, 50, wib(3, 10, 9, 27, 30))
    ]


def test_a_paused_clock_is_warned_about_what_it_reached_before_the_pause() -> None:
    facts: list[Fact] = [
        *submitted(wib(3, 2, 8)),
        DisposedFact(position=2, at=wib(3, 2, 8, 5), step=Step.DISPOSE_KABID, by=KADIS),
        DisposedFact(position=3, at=wib(3, 2, 8, 10), step=Step.DISPOSE_PRAKOM, by=KADIS),
        DisposedFact(
            position=4, at=wib(3, 2, 8, 15), step=Step.DISPOSE_PETUGAS, by=KADIS, to_officer=PETUGAS
        ),
        # Feasibility "sedang" assumed, 4 days from Mon 03-02 08:15: budget Mon 7 h 45 min +
        # 32 h = 39 h 45 min; 50 % = 19 h 52 min 30 s → Mon 7:45 + Tue 8 h + Wed 4:07:30 →
        # Wed 03-04 12:07:30. Paused Wed 14:00 (after it), still paused Thursday.
        PausedFact(
            position=5,
            at=wib(3, 4, 14),
            step=Step.FEASIBILITY,
            reason=PauseReason.UAT,
            by=PETUGAS,
        ),
    ]
    assert warnings_at(facts, wib(3, 5, 10)) == [(Step.FEASIBILITY, 50, wib(3, 4, 12, 7, 30))]


def test_the_stream_holds_the_warnings_raised_and_decide_drops_them() -> None:
    def warning(step: Step, percent: int) -> SlaWarningRaised:
        return SlaWarningRaised(
            ticket_id=TICKET,
            step=step,
            threshold_percent=percent,
            reached_at=wib(3, 10, 9),
            due_at=wib(3, 10, 10),
            used_seconds=60,
            budget_seconds=120,
            calendar_version=1,
        )

    stream = [
        warning(Step.DISPOSE_KABID, 50),
        ReportWritten(ticket_id=TICKET, outcome=Outcome.INTEGRATED, summary="Ringkasan"),
    ]
    already = raised(stream)
    assert already == {(Step.DISPOSE_KABID, 50)}
    candidates = [
        warning(Step.DISPOSE_KABID, 50),
        warning(Step.DISPOSE_KABID, 75),
        warning(Step.DISPOSE_KABID, 75),  # twice in one round: once
        warning(Step.DISPOSE_PRAKOM, 50),
    ]
    fresh = decide(candidates, already)
    assert [(w.step, w.threshold_percent) for w in fresh] == [
        (Step.DISPOSE_KABID, 75),
        (Step.DISPOSE_PRAKOM, 50),
    ]
