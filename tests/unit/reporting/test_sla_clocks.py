"""SLA clocks from a request's facts and a calendar: hand-computed cases, arithmetic in comments.

Every time is WIB (Asia/Jakarta). Base calendar: Monday–Friday 08:00–16:00, national holidays
and cuti bersama of 2026 (Idul Fitri: Wed 03-18 … Tue 03-24 are all off).
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from penghubung.events import Role
from penghubung.events.sla import PauseReason, RecalculationScope
from penghubung.sop import Channel, Difficulty, Step
from penghubung.workcal import CalendarSpec, DayOff, ReducedHours, ServiceHours
from reporting.sla.domain.clocks import (
    RETURNED,
    AnalysedFact,
    ArchivedFact,
    CalendarBook,
    Clock,
    ClockState,
    DisposedFact,
    Fact,
    FinishedFact,
    Holding,
    Intake,
    PausedFact,
    Person,
    ReassignedFact,
    Recalculation,
    ReportWrittenFact,
    ResumedFact,
    ReturnedFact,
    SubmittedFact,
    month_of,
    request_clocks,
)
from reporting.sla.domain.compliance import GroupBy, RequestClocks, compliance, total_line

WIB = ZoneInfo("Asia/Jakarta")
TICKET = "SC05-2026-00042"
H = 3600
M = 60

KADIS = Person(nip="197501012000031001", name="Kadis Kominfo", role=Role.KADIS)
KABID = Person(nip="197802022003121002", name="Kabid eGotik", role=Role.KABID)
PRAKOM = Person(nip="198503032010011003", name="Prakom Aplikasi", role=Role.PRAKOM)
PETUGAS = Person(nip="199005052015031005", name="Petugas Service Desk", role=Role.PETUGAS)
DESK = Person(nip="199207082019032004", name="Rina Wulandari", role=Role.PETUGAS)

BASE = CalendarSpec(version=1)
RAMADAN = CalendarSpec(
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
REGIONAL = CalendarSpec(
    version=2, added_days_off=(DayOff(day=date(2026, 7, 8), name="Hari Jadi Provinsi"),)
)


def wib(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=WIB)


class History:
    """A request's facts, each at the next log position."""

    def __init__(self) -> None:
        self.facts: list[Fact] = []

    @property
    def next(self) -> int:
        return 100 + len(self.facts)

    def add(self, fact: Fact) -> History:
        self.facts.append(fact)
        return self

    def submitted(
        self,
        received: datetime,
        registered: datetime | None = None,
        *,
        channel: Channel = Channel.PORTAL,
        resubmission: int = 0,
    ) -> History:
        return self.add(
            SubmittedFact(
                position=self.next,
                at=registered or received,
                received_at=received,
                channel=channel,
                resubmission=resubmission,
                registered_by=None if channel is Channel.PORTAL else DESK,
            )
        )

    def disposed(self, step: Step, at: datetime, by: Person) -> History:
        officer = PETUGAS if step is Step.DISPOSE_PETUGAS else None
        return self.add(
            DisposedFact(position=self.next, at=at, step=step, by=by, to_officer=officer)
        )

    def chain(self, kadis: datetime, kabid: datetime, prakom: datetime) -> History:
        self.disposed(Step.DISPOSE_KABID, kadis, KADIS)
        self.disposed(Step.DISPOSE_PRAKOM, kabid, KABID)
        return self.disposed(Step.DISPOSE_PETUGAS, prakom, PRAKOM)

    def returned(self, step: Step, at: datetime, by: Person) -> History:
        return self.add(ReturnedFact(position=self.next, at=at, step=step, by=by))

    def analysed(
        self, at: datetime, difficulty: Difficulty = Difficulty.MEDIUM, *, feasible: bool = True
    ) -> History:
        return self.add(
            AnalysedFact(
                position=self.next, at=at, difficulty=difficulty, feasible=feasible, by=PETUGAS
            )
        )

    def integrated(self, at: datetime) -> History:
        return self.add(FinishedFact(position=self.next, at=at, integrated=True, by=PETUGAS))

    def closed(self, at: datetime) -> History:
        return self.add(FinishedFact(position=self.next, at=at, integrated=False, by=PETUGAS))

    def report(self, at: datetime) -> History:
        return self.add(ReportWrittenFact(position=self.next, at=at))

    def archived(self, at: datetime) -> History:
        return self.add(ArchivedFact(position=self.next, at=at, by=PETUGAS))

    def paused(self, step: Step, at: datetime, reason: PauseReason) -> History:
        return self.add(PausedFact(position=self.next, at=at, step=step, reason=reason, by=PETUGAS))

    def resumed(self, step: Step, at: datetime) -> History:
        return self.add(ResumedFact(position=self.next, at=at, step=step, by=PETUGAS))

    def clocks(
        self,
        now: datetime,
        *specs: tuple[int, CalendarSpec],
        intake: Intake | None = None,
        recalculations: tuple[Recalculation, ...] = (),
    ) -> dict[Step, Clock]:
        book = CalendarBook.of(specs or [(0, BASE)])
        found = request_clocks(
            self.facts,
            intake=intake or Intake(ticket_id=TICKET),
            book=book,
            recalculations=recalculations,
            now=now,
        )
        return {c.step: c for c in found}


def figures(clock: Clock) -> tuple[object, ...]:
    return (clock.start, clock.due, clock.used_seconds, clock.paused_seconds, clock.state)


# --- the hand-computed cases ------------------------------------------------------------------


def test_a_letter_arriving_friday_1559_registered_monday() -> None:
    h = History().submitted(wib(3, 6, 15, 59), wib(3, 9, 8, 30), channel=Channel.LETTER)
    clocks = h.clocks(wib(3, 9, 8, 40))

    # submit, 3 working hours = 180 min: Fri 15:59–16:00 is 1 min; Mon 08:00–08:30 is 30 min
    # → used 31 min, met. Due: 1 min on Friday, the other 179 min from Mon 08:00 → 10:59.
    submit = clocks[Step.SUBMIT]
    assert figures(submit) == (
        wib(3, 6, 15, 59),
        wib(3, 9, 10, 59),
        31 * M,
        0,
        ClockState.MET,
    )
    assert submit.end == wib(3, 9, 8, 30)
    assert submit.officer == DESK
    # dispose_kabid runs from the registration, Mon 08:30; at 08:40 it used 10 of 30 min,
    # due 09:00.
    kadis = clocks[Step.DISPOSE_KABID]
    assert figures(kadis) == (wib(3, 9, 8, 30), wib(3, 9, 9), 10 * M, 0, ClockState.RUNNING)
    assert (kadis.remaining_seconds, kadis.role, kadis.officer) == (20 * M, Role.KADIS, None)


def test_a_portal_submission_is_met_at_once() -> None:
    clocks = History().submitted(wib(3, 9, 9)).clocks(wib(3, 9, 9, 5))
    # The portal registers the request itself: zero working time used, due 3 h later.
    assert figures(clocks[Step.SUBMIT]) == (wib(3, 9, 9), wib(3, 9, 12), 0, 0, ClockState.MET)


def test_a_disposition_at_0759() -> None:
    h = History().submitted(wib(3, 9, 15, 50))
    h.disposed(Step.DISPOSE_KABID, wib(3, 10, 7, 59), KADIS)
    h.disposed(Step.DISPOSE_PRAKOM, wib(3, 10, 8, 10), KABID)
    clocks = h.clocks(wib(3, 10, 9))

    # dispose_kabid: Mon 15:50–16:00 = 10 min; Tue before 08:00 counts nothing → 10 min, met.
    # Due: 10 min on Monday, 20 min from Tue 08:00 → 08:20.
    assert figures(clocks[Step.DISPOSE_KABID]) == (
        wib(3, 9, 15, 50),
        wib(3, 10, 8, 20),
        10 * M,
        0,
        ClockState.MET,
    )
    # dispose_prakom starts at 07:59, outside hours: it counts from 08:00, so 15 min → 08:15
    # (not 08:14); the kabid at 08:10 used 10 min.
    assert figures(clocks[Step.DISPOSE_PRAKOM]) == (
        wib(3, 10, 7, 59),
        wib(3, 10, 8, 15),
        10 * M,
        0,
        ClockState.MET,
    )
    assert clocks[Step.DISPOSE_KABID].officer == KADIS.answerable()


def test_idul_fitri_2026_with_its_cuti_bersama() -> None:
    h = History().submitted(wib(3, 17, 15, 45))
    # dispose_kabid 30 min from Tue 03-17 15:45: 15 min on Tuesday; Wed 03-18 (cuti bersama
    # Nyepi), Thu 03-19 (Nyepi), Fri 03-20 (cuti bersama), 03-21/22 (weekend, Idul Fitri),
    # Mon 03-23 and Tue 03-24 (cuti bersama) are off → the other 15 min from Wed 03-25 08:00
    # → 08:15.
    clocks = h.clocks(wib(3, 20, 10))
    kadis = clocks[Step.DISPOSE_KABID]
    assert figures(kadis) == (wib(3, 17, 15, 45), wib(3, 25, 8, 15), 15 * M, 0, ClockState.RUNNING)

    h.chain(wib(3, 25, 8, 10), wib(3, 25, 8, 20), wib(3, 25, 8, 30))
    h.analysed(wib(3, 27, 15), Difficulty.LOW)
    clocks = h.clocks(wib(3, 27, 15, 30))
    # The kadis at Wed 03-25 08:10: 15 + 10 = 25 min, met.
    assert clocks[Step.DISPOSE_KABID].used_seconds == 25 * M
    assert clocks[Step.DISPOSE_KABID].state is ClockState.MET
    # feasibility "rendah", 3 working days from Wed 03-25 08:30: Thu 03-26 (1), Fri 03-27 (2),
    # Mon 03-30 (3) → due 03-30 16:00. Budget: Wed 7.5 h + 3 × 8 h = 31.5 h. Done Fri 15:00:
    # Wed 7.5 h + Thu 8 h + Fri 7 h = 22.5 h, met.
    feasibility = clocks[Step.FEASIBILITY]
    assert figures(feasibility) == (
        wib(3, 25, 8, 30),
        wib(3, 30, 16),
        22 * H + 30 * M,
        0,
        ClockState.MET,
    )
    assert feasibility.budget_seconds == 31 * H + 30 * M
    assert (feasibility.difficulty, feasibility.standard_assumed) == (Difficulty.LOW, False)


def test_a_feasibility_clock_before_the_analysis_assumes_sedang_across_idul_fitri() -> None:
    h = (
        History()
        .submitted(wib(3, 16, 8, 30))
        .chain(wib(3, 16, 8, 40), wib(3, 16, 8, 50), wib(3, 16, 9))
    )
    clocks = h.clocks(wib(3, 26, 12))
    # Unknown difficulty → "sedang", 4 working days from Mon 03-16 09:00: Tue 03-17 (1),
    # Wed 03-25 (2), Thu 03-26 (3), Fri 03-27 (4) → due 03-27 16:00. Budget: Mon 7 h + 4 × 8 h
    # = 39 h. At Thu 03-26 12:00: Mon 7 + Tue 8 + Wed 8 + Thu 4 = 27 h used, 12 h remain.
    feasibility = clocks[Step.FEASIBILITY]
    assert figures(feasibility) == (
        wib(3, 16, 9),
        wib(3, 27, 16),
        27 * H,
        0,
        ClockState.RUNNING,
    )
    assert (feasibility.budget_seconds, feasibility.remaining_seconds) == (39 * H, 12 * H)
    assert feasibility.standard_assumed
    assert feasibility.standard.days == 4
    assert feasibility.officer == PETUGAS


def test_a_pause_across_a_weekend_moves_the_due_time_by_the_paused_working_time() -> None:
    h = History().submitted(wib(7, 1, 8)).chain(wib(7, 1, 9), wib(7, 1, 10), wib(7, 1, 11))
    h.analysed(wib(7, 6, 10), Difficulty.LOW)
    # implementation "rendah", 5 working days from Mon 07-06 10:00: Tue 07 (1), Wed 08 (2),
    # Thu 09 (3), Fri 10 (4), Mon 13 (5) → 07-13 16:00. Budget: Mon 6 h + 5 × 8 h = 46 h.
    h.paused(Step.IMPLEMENTATION, wib(7, 10, 14), PauseReason.VENDOR)
    during = h.clocks(wib(7, 11, 12))[Step.IMPLEMENTATION]
    # Saturday: paused since Fri 14:00, 2 working hours so far (Fri 14–16). Used: Mon 6 + Tue 8
    # + Wed 8 + Thu 8 + Fri 6 (08–14) = 36 h; 10 h remain, counted as if it ran again now
    # (Saturday → Mon 08:00 + 8 h = 16:00, + 2 h → Tue 07-14 10:00).
    assert figures(during) == (wib(7, 6, 10), wib(7, 14, 10), 36 * H, 2 * H, ClockState.PAUSED)

    h.resumed(Step.IMPLEMENTATION, wib(7, 13, 10))
    h.integrated(wib(7, 14, 11))
    clock = h.clocks(wib(7, 14, 12))[Step.IMPLEMENTATION]
    # Paused Fri 14:00 → Mon 10:00: Fri 2 h + Mon 2 h = 4 h (the weekend is no working time).
    # Due moves out by 4 h: Mon 07-13 16:00 + 4 h → Tue 07-14 12:00. Used: 36 h before the
    # pause, Mon 6 h (10–16) + Tue 3 h (08–11) after → 45 h ≤ 46 h: met, 1 h to spare.
    assert figures(clock) == (wib(7, 6, 10), wib(7, 14, 12), 45 * H, 4 * H, ClockState.MET)
    assert clock.remaining_seconds == 1 * H
    assert [(p.reason, p.working_seconds) for p in clock.pauses] == [("vendor", 4 * H)]


def test_a_ramadan_short_day() -> None:
    h = History().submitted(wib(3, 4, 14, 45))
    h.disposed(Step.DISPOSE_KABID, wib(3, 5, 8, 10), KADIS)
    ramadan = h.clocks(wib(3, 5, 9), (0, BASE), (1, RAMADAN))[Step.DISPOSE_KABID]
    # Ramadan Wednesday 03-04 closes at 15:00: 15 min to closing, the other 15 min from Thu
    # 08:00 → due 08:15. The kadis at 08:10 used 15 + 10 = 25 min: met, on version 2.
    assert figures(ramadan) == (wib(3, 4, 14, 45), wib(3, 5, 8, 15), 25 * M, 0, ClockState.MET)
    assert ramadan.calendar_version == 2
    # On the plain calendar the same day closes at 16:00: due Wed 15:15; 75 + 10 = 85 min used,
    # breached by 55 min.
    plain = h.clocks(wib(3, 5, 9))[Step.DISPOSE_KABID]
    assert figures(plain) == (wib(3, 4, 14, 45), wib(3, 4, 15, 15), 85 * M, 0, ClockState.BREACHED)
    assert plain.overdue_seconds == 55 * M


def test_an_added_regional_holiday_moves_a_running_due_time_but_not_a_judged_one() -> None:
    running = History().submitted(wib(7, 6, 8)).chain(wib(7, 6, 8, 10), wib(7, 6, 9), wib(7, 6, 10))
    finished = (
        History().submitted(wib(7, 6, 8)).chain(wib(7, 6, 8, 10), wib(7, 6, 9), wib(7, 6, 10))
    )
    finished.analysed(wib(7, 9, 15), Difficulty.LOW)
    added_at = 1000  # the holiday is added after both histories' events
    now = wib(7, 9, 15, 30)

    before = running.clocks(now)[Step.FEASIBILITY]
    # Feasibility (sedang assumed), 4 days from Mon 07-06 10:00: Tue 07, Wed 08, Thu 09, Fri 10
    # → due Fri 07-10 16:00.
    assert (before.due, before.calendar_version) == (wib(7, 10, 16), 1)
    after = running.clocks(now, (0, BASE), (added_at, REGIONAL))[Step.FEASIBILITY]
    # Wed 07-08 becomes Hari Jadi Provinsi: Tue 07, Thu 09, Fri 10, Mon 13 → due Mon 07-13
    # 16:00, on version 2. Used by Thu 15:30: Mon 6 h + Tue 8 h + Thu 7.5 h = 21.5 h.
    assert figures(after) == (wib(7, 6, 10), wib(7, 13, 16), 21 * H + 30 * M, 0, ClockState.RUNNING)
    assert after.calendar_version == 2

    # The other request's analysis (rendah, 3 days) ended Thu 15:00, before the holiday was
    # added: judged on version 1. Budget Mon 6 h + 3 × 8 h = 30 h; used Mon 6 + Tue 8 + Wed 8
    # + Thu 7 = 29 h, due Thu 07-09 16:00, met.
    judged = finished.clocks(now, (0, BASE), (added_at, REGIONAL))[Step.FEASIBILITY]
    assert figures(judged) == (wib(7, 6, 10), wib(7, 9, 16), 29 * H, 0, ClockState.MET)
    assert (judged.calendar_version, judged.judged) == (1, True)

    # An administrator's recalculation of July judges it again on version 2: Wednesday counts
    # nothing, so 6 + 8 + 7 = 21 h used of a 30 h budget ending Fri 07-10 16:00.
    recalculated = finished.clocks(
        now,
        (0, BASE),
        (added_at, REGIONAL),
        recalculations=(
            Recalculation(
                position=added_at + 1,
                calendar_version=2,
                scope=RecalculationScope.MONTH,
                month="2026-07",
            ),
        ),
    )[Step.FEASIBILITY]
    assert figures(recalculated) == (wib(7, 6, 10), wib(7, 10, 16), 21 * H, 0, ClockState.MET)
    assert recalculated.calendar_version == 2
    # A recalculation of another month or another ticket leaves it on version 1.
    for other in (
        Recalculation(
            position=added_at + 1,
            calendar_version=2,
            scope=RecalculationScope.MONTH,
            month="2026-08",
        ),
        Recalculation(
            position=added_at + 1,
            calendar_version=2,
            scope=RecalculationScope.TICKET,
            ticket_id="SC05-2026-99999",
        ),
    ):
        kept = finished.clocks(now, (0, BASE), (added_at, REGIONAL), recalculations=(other,))
        assert kept[Step.FEASIBILITY].calendar_version == 1


def test_overload_pushes_the_start_to_the_next_working_day() -> None:
    h = History().submitted(wib(3, 9, 10))
    h.disposed(Step.DISPOSE_KABID, wib(3, 10, 8, 20), KADIS)
    beyond = Intake(ticket_id=TICKET, intake_day=date(2026, 3, 9), overloaded=True)
    clock = h.clocks(wib(3, 10, 9), intake=beyond)[Step.DISPOSE_KABID]
    # The 21st request of Mon 03-09 (capacity 20) starts its clocks at Tue 08:00: due 08:30;
    # the kadis at 08:20 used 20 min, met.
    assert figures(clock) == (wib(3, 10, 8), wib(3, 10, 8, 30), 20 * M, 0, ClockState.MET)
    assert clock.overloaded
    # Within capacity the same disposition took Mon 10:00–16:00 + Tue 08:00–08:20 = 6 h 20 min.
    within = h.clocks(wib(3, 10, 9))[Step.DISPOSE_KABID]
    assert (within.used_seconds, within.state, within.overloaded) == (
        6 * H + 20 * M,
        ClockState.BREACHED,
        False,
    )


def test_overload_on_friday_starts_on_monday() -> None:
    h = History().submitted(wib(3, 6, 11))
    beyond = Intake(ticket_id=TICKET, intake_day=date(2026, 3, 6), overloaded=True)
    clock = h.clocks(wib(3, 6, 12), intake=beyond)[Step.DISPOSE_KABID]
    # Beyond Friday's capacity: next working day Mon 03-09 08:00, due 08:30; nothing used yet.
    assert figures(clock) == (wib(3, 9, 8), wib(3, 9, 8, 30), 0, 0, ClockState.RUNNING)


def test_a_breach() -> None:
    h = History().submitted(wib(3, 10, 8, 30))
    h.disposed(Step.DISPOSE_KABID, wib(3, 10, 9), KADIS)
    h.disposed(Step.DISPOSE_PRAKOM, wib(3, 10, 9, 40), KABID)
    clock = h.clocks(wib(3, 10, 10))[Step.DISPOSE_PRAKOM]
    # dispose_prakom 15 min from 09:00, due 09:15; the kabid at 09:40 used 40 min: breached by
    # 25 min, decided at the due time.
    assert figures(clock) == (wib(3, 10, 9), wib(3, 10, 9, 15), 40 * M, 0, ClockState.BREACHED)
    assert (clock.overdue_seconds, clock.decided_at, clock.officer) == (
        25 * M,
        wib(3, 10, 9, 15),
        KABID,
    )


def test_a_running_clock_past_its_due_time_is_breached() -> None:
    h = History().submitted(wib(3, 10, 15, 50))
    clock = h.clocks(wib(3, 11, 9))[Step.DISPOSE_KABID]
    # 10 min on Tuesday, 60 min Wednesday morning: 70 of 30 min, due Wed 08:20.
    assert figures(clock) == (wib(3, 10, 15, 50), wib(3, 11, 8, 20), 70 * M, 0, ClockState.BREACHED)
    assert clock.end is None
    assert clock.decided_at == wib(3, 11, 8, 20)


def test_a_return_pauses_the_disposition_clock_until_the_resubmission() -> None:
    h = History().submitted(wib(3, 9, 9))
    h.disposed(Step.DISPOSE_KABID, wib(3, 9, 9, 10), KADIS)
    h.returned(Step.DISPOSE_PRAKOM, wib(3, 9, 9, 20), KABID)
    waiting = h.clocks(wib(3, 10, 10))[Step.DISPOSE_PRAKOM]
    # The kabid held it 09:10–09:20 (10 min) and returned it: paused since, Mon 09:20–16:00
    # (6 h 40 min) + Tue 08:00–10:00 (2 h).
    assert (waiting.state, waiting.used_seconds, waiting.paused_seconds) == (
        ClockState.PAUSED,
        10 * M,
        8 * H + 40 * M,
    )

    h.submitted(wib(3, 11, 10), resubmission=1)
    h.disposed(Step.DISPOSE_KABID, wib(3, 11, 10, 5), KADIS)
    h.disposed(Step.DISPOSE_PRAKOM, wib(3, 11, 10, 9), KABID)
    clocks = h.clocks(wib(3, 11, 11))
    # The pause ends with the resubmission Wed 10:00: Mon 6 h 40 min + Tue 8 h + Wed 2 h
    # = 16 h 40 min. The chain starts again at the kadis (10:00–10:05, 5 more minutes on his
    # clock: 10 + 5 = 15 of 30 min, met). The kabid's clock goes on when the request reaches
    # him again, 10:05: 5 min left → due 10:10; he disposes at 10:09: 10 + 4 = 14 min, met.
    kabid = clocks[Step.DISPOSE_PRAKOM]
    assert figures(kabid) == (
        wib(3, 9, 9, 10),
        wib(3, 11, 10, 10),
        14 * M,
        16 * H + 40 * M,
        ClockState.MET,
    )
    assert [p.reason for p in kabid.pauses] == [RETURNED]
    kadis = clocks[Step.DISPOSE_KABID]
    assert (kadis.used_seconds, kadis.paused_seconds, kadis.state) == (15 * M, 0, ClockState.MET)
    # The submit clock holds both submissions (portal: nothing used).
    assert clocks[Step.SUBMIT].state is ClockState.MET


def test_the_last_steps_report_and_archive() -> None:
    h = History().submitted(wib(4, 6, 8)).chain(wib(4, 6, 8, 5), wib(4, 6, 8, 10), wib(4, 6, 8, 15))
    h.analysed(wib(4, 7, 10), Difficulty.LOW, feasible=False)
    h.closed(wib(4, 7, 10))
    h.report(wib(4, 7, 10, 1))
    h.archived(wib(4, 7, 15, 50))
    clocks = h.clocks(wib(4, 7, 16))
    # Not feasible: no implementation clock; the report 1 min of 60, met; the archive
    # 15 min from 10:01 → due 10:16, archived 15:50 → 5 h 49 min used, breached.
    assert set(clocks) == {
        Step.SUBMIT,
        Step.DISPOSE_KABID,
        Step.DISPOSE_PRAKOM,
        Step.DISPOSE_PETUGAS,
        Step.FEASIBILITY,
        Step.REPORT,
        Step.ARCHIVE,
    }
    assert figures(clocks[Step.REPORT]) == (wib(4, 7, 10), wib(4, 7, 11), 1 * M, 0, ClockState.MET)
    assert figures(clocks[Step.ARCHIVE]) == (
        wib(4, 7, 10, 1),
        wib(4, 7, 10, 16),
        5 * H + 49 * M,
        0,
        ClockState.BREACHED,
    )


def test_a_reassignment_keeps_the_feasibility_clock_and_names_the_new_officer() -> None:
    h = History().submitted(wib(3, 9, 8)).chain(wib(3, 9, 8, 5), wib(3, 9, 8, 10), wib(3, 9, 8, 20))
    other = Person(nip="199101012015031009", name="Petugas Pengganti", role=Role.PETUGAS)
    h.add(
        DisposedFact(
            position=h.next,
            at=wib(3, 10, 9),
            step=Step.DISPOSE_PETUGAS,
            by=PRAKOM,
            to_officer=other,
        )
    )
    clocks = h.clocks(wib(3, 10, 10))
    # The prakom ordered a petugas at 08:20 and another one on Tuesday: one feasibility clock,
    # from the first order, now answered for by the new officer.
    assert clocks[Step.FEASIBILITY].start == wib(3, 9, 8, 20)
    assert clocks[Step.FEASIBILITY].officer == other
    assert clocks[Step.DISPOSE_PETUGAS].state is ClockState.MET


SECOND = Person(nip="199104042016041004", name="Yoga Pratama", role=Role.PETUGAS)


def reassigned(h: History, at: datetime, to: Person = SECOND) -> History:
    return h.add(
        ReassignedFact(position=h.next, at=at, from_officer=PETUGAS, to_officer=to, by=PRAKOM)
    )


def ordered() -> History:
    """Ordered to the petugas Mon 03-09 08:20: the feasibility clock (sedang) is due Fri 16:00."""
    return (
        History().submitted(wib(3, 9, 8)).chain(wib(3, 9, 8, 5), wib(3, 9, 8, 10), wib(3, 9, 8, 20))
    )


def test_a_reassigned_step_keeps_its_clock_and_is_credited_to_the_officer_who_finished_it() -> None:
    alone = ordered().analysed(wib(3, 12, 10)).clocks(wib(3, 12, 11))[Step.FEASIBILITY]
    h = reassigned(ordered(), wib(3, 10, 9)).analysed(wib(3, 12, 10))
    clocks = h.clocks(wib(3, 12, 11))
    feasibility = clocks[Step.FEASIBILITY]
    # One clock, the office's: the same start, due and used time as without the reassignment
    # (08:20 Mon → Thu 10:00 = 7 h 40 + 8 h + 8 h + 2 h = 25 h 40 min of a 4-day budget).
    assert figures(feasibility) == figures(alone)
    assert (feasibility.due, feasibility.used_seconds) == (wib(3, 13, 16), 25 * H + 40 * M)
    assert (feasibility.state, feasibility.officer) == (ClockState.MET, SECOND)
    assert feasibility.holdings == (
        Holding(PETUGAS, wib(3, 9, 8, 20), wib(3, 10, 9)),
        Holding(SECOND, wib(3, 10, 9), wib(3, 12, 10)),
    )
    assert feasibility.reassigned
    # The implementation starts after the reassignment: it is the second officer's alone.
    implementation = clocks[Step.IMPLEMENTATION]
    assert implementation.holdings == (Holding(SECOND, wib(3, 12, 10), None),)
    assert (implementation.officer, implementation.reassigned) == (SECOND, False)


def test_a_reassignment_in_the_same_second_as_the_steps_start_and_end_still_counts() -> None:
    # Clocks count whole seconds: ordered, handed on and analysed within 08:20:00.
    h = reassigned(ordered(), wib(3, 9, 8, 20)).analysed(wib(3, 9, 8, 20))
    clock = h.clocks(wib(3, 9, 9))[Step.FEASIBILITY]
    assert (clock.state, clock.officer, clock.reassigned) == (ClockState.MET, SECOND, True)
    assert [holding.officer for holding in clock.holdings] == [PETUGAS, SECOND]


def test_a_running_step_answers_to_the_officer_holding_it_now() -> None:
    clock = reassigned(ordered(), wib(3, 10, 9)).clocks(wib(3, 10, 10))[Step.FEASIBILITY]
    assert (clock.state, clock.officer) == (ClockState.RUNNING, SECOND)
    assert clock.holdings[-1] == Holding(SECOND, wib(3, 10, 9), None)


def test_a_step_handed_on_after_its_due_time_stays_the_breach_of_the_one_who_held_it() -> None:
    # Due Fri 03-13 16:00 while the first petugas held it; handed on Mon 03-16, done Tue.
    late = reassigned(ordered(), wib(3, 16, 9)).analysed(wib(3, 17, 10))
    clock = late.clocks(wib(3, 17, 11))[Step.FEASIBILITY]
    assert (clock.state, clock.decided_at, clock.officer) == (
        ClockState.BREACHED,
        wib(3, 13, 16),
        PETUGAS,
    )
    # Handed on before the due time, finished late by the second: the second's breach.
    early = reassigned(ordered(), wib(3, 13, 9)).analysed(wib(3, 17, 10))
    clock = early.clocks(wib(3, 17, 11))[Step.FEASIBILITY]
    assert (clock.state, clock.officer) == (ClockState.BREACHED, SECOND)
    # Still running past due: the one who held it at the due time answers for it.
    running = reassigned(ordered(), wib(3, 16, 9)).clocks(wib(3, 16, 10))[Step.FEASIBILITY]
    assert (running.state, running.officer) == (ClockState.BREACHED, PETUGAS)


def test_the_officer_view_credits_the_second_officer_and_names_the_first() -> None:
    h = reassigned(ordered(), wib(3, 10, 9)).analysed(wib(3, 12, 10))
    found = request_clocks(
        h.facts,
        intake=Intake(ticket_id=TICKET),
        book=CalendarBook.of([(0, BASE)]),
        now=wib(3, 12, 11),
    )
    lines = compliance(
        [RequestClocks(TICKET, "Dinas Kesehatan", found)], month="2026-03", by=GroupBy.OFFICER
    )
    by_key = {x.key: (x.met, x.breached, x.taken_over, x.handed_on) for x in lines}
    assert by_key[SECOND.nip] == (1, 0, 1, 0)  # the feasibility, taken over and met
    assert by_key[PETUGAS.nip] == (0, 0, 0, 1)  # handed on before it was settled
    assert total_line(lines).handed_on == 1


def test_the_month_of_a_clock_is_its_wib_month() -> None:
    # 2026-03-31 20:00 UTC is already April 1st in Jakarta.
    assert month_of(datetime(2026, 3, 31, 20, tzinfo=ZoneInfo("UTC"))) == "2026-04"


@pytest.mark.parametrize(
    ("received", "disposed", "expected"),
    [
        # 15:30 + 30 min → due Tue 03-31 16:00. Disposed 15:45: met, decided at its end (March).
        (wib(3, 31, 15, 30), wib(3, 31, 15, 45), ("2026-03", ClockState.MET)),
        # Disposed Wed 04-01 08:15: 30 + 15 = 45 min, breached, decided at the due time (March).
        (wib(3, 31, 15, 30), wib(4, 1, 8, 15), ("2026-03", ClockState.BREACHED)),
        # 15:50 + 30 → due Wed 08:20; disposed 08:10: 20 min, met on April 1st (April).
        (wib(3, 31, 15, 50), wib(4, 1, 8, 10), ("2026-04", ClockState.MET)),
    ],
)
def test_a_met_clock_is_decided_at_its_end_and_a_breached_one_at_its_due_time(
    received: datetime, disposed: datetime, expected: tuple[str, ClockState]
) -> None:
    h = History().submitted(received).disposed(Step.DISPOSE_KABID, disposed, KADIS)
    clock = h.clocks(wib(4, 1, 12))[Step.DISPOSE_KABID]
    assert clock.decided_at is not None
    assert (month_of(clock.decided_at), clock.state) == expected
