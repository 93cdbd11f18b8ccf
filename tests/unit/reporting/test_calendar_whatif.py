"""The calendar asked "what if": the calculator and the simulator, by hand, arithmetic in comments.

Every time is WIB. Base calendar: Monday–Friday 08:00–16:00 and the holidays of 2026.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from penghubung.events import Role
from penghubung.events.sla import CalendarDayOffAdded, RecalculationScope
from penghubung.refusals import Invalid
from penghubung.sop import Channel, Difficulty, Step
from penghubung.workcal import CalendarSpec, WorkingCalendar
from reporting.sla.domain.calendar import (
    BASE,
    AddDayOff,
    CalendarCommand,
    CalendarError,
    DecreeWorkingDay,
    ReduceHours,
    RemoveDayOff,
    decide,
    evolve,
    fold,
)
from reporting.sla.domain.calendar_whatif import (
    Calculation,
    Effect,
    Impact,
    Proposal,
    Subject,
    calculate,
)
from reporting.sla.domain.clocks import (
    AnalysedFact,
    ArchivedFact,
    CalendarBook,
    ClockState,
    DisposedFact,
    Fact,
    FinishedFact,
    Intake,
    Person,
    Recalculation,
    ReportWrittenFact,
    Standard,
    SubmittedFact,
)

WIB = ZoneInfo("Asia/Jakarta")
H = 3600
M = 60
PLAIN = WorkingCalendar(BASE)
SATURDAY = date(2026, 3, 28)
DECREED = WorkingCalendar(fold([decide(DecreeWorkingDay(day=SATURDAY, name="Sabtu masuk"), BASE)]))


def wib(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=WIB)


# --- the calculator ---------------------------------------------------------------------------


def test_friday_1530_plus_60_minutes_on_a_decreed_saturday() -> None:
    found = calculate(Calculation(start=wib(3, 27, 15, 30), standard=Standard(minutes=60)), DECREED)
    # 30 min on Friday, 30 on the decreed Saturday from 08:00 → Sat 08:30.
    assert (found.normalised_start, found.due, found.budget_seconds) == (
        wib(3, 27, 15, 30),
        wib(3, 28, 8, 30),
        60 * M,
    )
    assert (found.end, found.used_seconds, found.state, found.calendar_version) == (
        None,
        None,
        None,
        2,
    )
    plain = calculate(Calculation(start=wib(3, 27, 15, 30), standard=Standard(minutes=60)), PLAIN)
    assert (plain.due, plain.calendar_version) == (wib(3, 30, 8, 30), 1)


def test_a_start_outside_service_hours_is_normalised_to_the_next_opening() -> None:
    # Saturday 10:00 on the plain calendar: counting starts Mon 03-30 08:00; 3 h → 11:00.
    found = calculate(Calculation(start=wib(3, 28, 10), standard=Standard(minutes=180)), PLAIN)
    assert (found.start, found.normalised_start, found.due) == (
        wib(3, 28, 10),
        wib(3, 30, 8),
        wib(3, 30, 11),
    )


def test_a_day_standard_with_a_pause_and_an_end() -> None:
    calculation = Calculation(
        start=wib(7, 6, 9),
        standard=Standard(days=3),
        pauses=((wib(7, 7, 10), wib(7, 7, 14)),),
        end=wib(7, 10, 11),
    )
    found = calculate(calculation, PLAIN)
    # 3 working days from Mon 07-06 09:00: Tue (1), Wed (2), Thu (3) → Thu 16:00; budget Mon
    # 7 h + 3 × 8 h = 31 h. The pause Tue 10:00–14:00 holds 4 h: due moves 4 h past Thu 16:00
    # → Fri 07-10 12:00.
    assert (found.due, found.budget_seconds, found.paused_seconds) == (
        wib(7, 10, 12),
        31 * H,
        4 * H,
    )
    # To Fri 11:00: Mon 7 + Tue 8 + Wed 8 + Thu 8 + Fri 3 = 34 h of working time, 30 h used.
    assert (found.working_seconds, found.used_seconds, found.state) == (
        34 * H,
        30 * H,
        ClockState.MET,
    )
    # Done Fri 13:00 instead: 32 h used of 31, breached.
    late = calculate(
        Calculation(
            start=calculation.start,
            standard=calculation.standard,
            pauses=calculation.pauses,
            end=wib(7, 10, 13),
        ),
        PLAIN,
    )
    assert (late.used_seconds, late.state) == (32 * H, ClockState.BREACHED)


def test_an_open_pause_list_without_an_end_still_moves_the_due_time() -> None:
    # 30 min from Mon 07-06 15:50; paused 15:55 → Tue 07-07 09:00 (5 min Monday + 1 h Tuesday):
    # 5 min ran Monday, the other 25 from Tue 09:00 → 09:25.
    found = calculate(
        Calculation(
            start=wib(7, 6, 15, 50),
            standard=Standard(minutes=30),
            pauses=((wib(7, 6, 15, 55), wib(7, 7, 9)),),
        ),
        PLAIN,
    )
    assert (found.due, found.paused_seconds) == (wib(7, 7, 9, 25), 65 * M)


@pytest.mark.parametrize(
    ("calculation", "field", "code"),
    [
        pytest.param(
            Calculation(start=wib(7, 6, 9), standard=Standard(minutes=30), end=wib(7, 6, 8)),
            "end",
            "end_before_start",
            id="end-before-start",
        ),
        pytest.param(
            Calculation(
                start=wib(7, 6, 9),
                standard=Standard(minutes=30),
                pauses=((wib(7, 6, 8), wib(7, 6, 10)),),
            ),
            "pauses.0.start",
            "pause_out_of_order",
            id="pause-before-start",
        ),
        pytest.param(
            Calculation(
                start=wib(7, 6, 9),
                standard=Standard(minutes=30),
                pauses=((wib(7, 6, 10), wib(7, 6, 11)), (wib(7, 6, 10, 30), wib(7, 6, 12))),
            ),
            "pauses.1.start",
            "pause_out_of_order",
            id="overlapping",
        ),
        pytest.param(
            Calculation(
                start=wib(7, 6, 9),
                standard=Standard(minutes=30),
                pauses=((wib(7, 6, 10), wib(7, 6, 10)),),
            ),
            "pauses.0.end",
            "pause_end_not_after_start",
            id="empty-pause",
        ),
        pytest.param(
            Calculation(
                start=wib(7, 6, 9),
                standard=Standard(minutes=30),
                pauses=((wib(7, 6, 10), wib(7, 6, 12)),),
                end=wib(7, 6, 11),
            ),
            "pauses.0.end",
            "pause_after_end",
            id="pause-after-end",
        ),
        pytest.param(
            Calculation(
                start=wib(7, 6, 9),
                standard=Standard(minutes=30),
                end=wib(7, 6, 9) + timedelta(days=3661),
            ),
            "end",
            "beyond_horizon",
            id="beyond-horizon",
        ),
    ],
)
def test_instants_out_of_order_are_refused_naming_the_field(
    calculation: Calculation, field: str, code: str
) -> None:
    with pytest.raises(Invalid) as refused:
        calculate(calculation, PLAIN)
    assert (refused.value.field, refused.value.code) == (field, code)


starts = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 20), timezones=st.just(WIB)
)


@given(start=starts, minutes=st.integers(min_value=0, max_value=5_000))
def test_the_calculator_is_the_calendars_arithmetic(start: datetime, minutes: int) -> None:
    start = start.replace(microsecond=0)
    found = calculate(Calculation(start=start, standard=Standard(minutes=minutes)), DECREED)
    assert found.due == DECREED.add_working_minutes(start, minutes)
    assert found.normalised_start == DECREED.next_opening(start)
    done = calculate(
        Calculation(start=start, standard=Standard(minutes=minutes), end=found.due), DECREED
    )
    assert (done.used_seconds, done.state) == (minutes * 60, ClockState.MET)


# --- the simulator ----------------------------------------------------------------------------

KADIS = Person(nip="197501012000031001", name="Kadis Kominfo", role=Role.KADIS)
KABID = Person(nip="197802022003121002", name="Kabid eGotik", role=Role.KABID)
PRAKOM = Person(nip="198503032010011003", name="Prakom Aplikasi", role=Role.PRAKOM)
PETUGAS = Person(nip="199005052015031005", name="Petugas Service Desk", role=Role.PETUGAS)
HARI_JADI = CalendarDayOffAdded(version=2, day=date(2026, 7, 8), name="Hari Jadi Provinsi")


def history(ticket: int, *more: Fact) -> tuple[Fact, ...]:
    """Submitted Mon 07-06 08:00, disposed down to the petugas by 10:00, then `more`."""
    base = 1000 * ticket
    return (
        SubmittedFact(
            position=base, at=wib(7, 6, 8), received_at=wib(7, 6, 8), channel=Channel.PORTAL
        ),
        DisposedFact(position=base + 1, at=wib(7, 6, 8, 10), step=Step.DISPOSE_KABID, by=KADIS),
        DisposedFact(position=base + 2, at=wib(7, 6, 9), step=Step.DISPOSE_PRAKOM, by=KABID),
        DisposedFact(
            position=base + 3,
            at=wib(7, 6, 10),
            step=Step.DISPOSE_PETUGAS,
            by=PRAKOM,
            to_officer=PETUGAS,
        ),
        *more,
    )


def subject(ticket: int, facts: tuple[Fact, ...], *, open: bool = True) -> Subject:
    return Subject(
        intake=Intake(ticket_id=f"SC05-2026-{ticket:05d}"),
        agency="Dinas Kesehatan",
        facts=facts,
        open=open,
    )


def impact(*subjects: Subject, now: datetime, month: str = "2026-07") -> Impact:
    proposal = Proposal.of(CalendarBook.of([(0, BASE)]), [], evolve(BASE, HARI_JADI))
    found = Impact()
    for s in subjects:
        proposal.examine(s, now=now, month=month, into=found)
    return found


def test_a_day_off_moves_a_running_clock_at_once() -> None:
    found = impact(subject(1, history(1)), now=wib(7, 7, 12))
    # Only the feasibility clock runs ("sedang" assumed, 4 days from Mon 07-06 10:00): Tue,
    # Wed, Thu, Fri → 07-10 16:00; with Wed 07-08 off: Tue, Thu, Fri, Mon → 07-13 16:00.
    # The dispositions ended on Monday, before the day off: nothing moves there.
    assert (found.requests, found.open_requests, found.clocks) == (1, 1, 5)
    [change] = found.changes
    assert (change.step, change.effect, change.request_open) == (
        Step.FEASIBILITY,
        Effect.AT_ONCE,
        True,
    )
    assert (change.before.due, change.before.calendar_version) == (wib(7, 10, 16), 1)
    assert (change.after.due, change.after.calendar_version) == (wib(7, 13, 16), 2)
    assert change.before.state is change.after.state is ClockState.RUNNING


def test_a_finished_clock_moves_only_with_a_recalculation() -> None:
    facts = history(
        2,
        AnalysedFact(
            position=2004, at=wib(7, 9, 15), difficulty=Difficulty.LOW, feasible=True, by=PETUGAS
        ),
    )
    found = impact(subject(2, facts), now=wib(7, 9, 15, 30))
    steps = {c.step: c for c in found.changes}
    # The analysis (rendah, 3 days) ended Thu 15:00, judged on version 1: due Thu 07-09 16:00,
    # met. Judged again on version 2, Wednesday counts nothing: Tue, Thu, Fri → due Fri 07-10
    # 16:00, still met: the due time moves, on a recalculation.
    feasibility = steps[Step.FEASIBILITY]
    assert feasibility.effect is Effect.ON_RECALCULATION
    assert (feasibility.before.due, feasibility.after.due) == (wib(7, 9, 16), wib(7, 10, 16))
    assert feasibility.before.state is feasibility.after.state is ClockState.MET
    # The implementation clock starts Thu 07-09 15:00, after the day off: it does not move.
    assert Step.IMPLEMENTATION not in steps


def test_a_day_off_turns_a_breach_into_a_met_clock() -> None:
    # The kabid's clock (15 min) starts Tue 07-07 15:55 and the kabid disposes Wed 07-08 08:10:
    # 5 + 10 = 15 min, met. With Wednesday off, the disposition made on the holiday counts
    # 5 min only (Wednesday counts nothing): still met, due moves from Wed 08:10 to Thu 08:10.
    # The prakom's clock from Wed 08:10, done Wed 09:00: 50 min of 15 — breached — but on a
    # day off it counts nothing: met.
    facts: tuple[Fact, ...] = (
        SubmittedFact(
            position=1, at=wib(7, 7, 15), received_at=wib(7, 7, 15), channel=Channel.PORTAL
        ),
        DisposedFact(position=2, at=wib(7, 7, 15, 55), step=Step.DISPOSE_KABID, by=KADIS),
        DisposedFact(position=3, at=wib(7, 8, 8, 10), step=Step.DISPOSE_PRAKOM, by=KABID),
        DisposedFact(
            position=4, at=wib(7, 8, 9), step=Step.DISPOSE_PETUGAS, by=PRAKOM, to_officer=PETUGAS
        ),
    )
    found = impact(subject(3, facts), now=wib(7, 8, 9, 30))
    steps = {c.step: c for c in found.changes}
    prakom = steps[Step.DISPOSE_PETUGAS]
    assert (prakom.before.state, prakom.after.state) == (ClockState.BREACHED, ClockState.MET)
    assert (prakom.before.used_seconds, prakom.after.used_seconds) == (50 * M, 0)
    kabid = steps[Step.DISPOSE_PRAKOM]
    assert (kabid.before.due, kabid.after.due) == (wib(7, 8, 8, 10), wib(7, 9, 8, 10))


def closed(ticket: int, archived: datetime) -> tuple[Fact, ...]:
    """Analysed Thu 07-09 15:00 (rendah), integrated and archived at `archived`."""
    base = 1000 * ticket
    return history(
        ticket,
        AnalysedFact(
            position=base + 4,
            at=wib(7, 9, 15),
            difficulty=Difficulty.LOW,
            feasible=True,
            by=PETUGAS,
        ),
        FinishedFact(position=base + 5, at=archived, integrated=True, by=PETUGAS),
        ReportWrittenFact(position=base + 6, at=archived),
        ArchivedFact(position=base + 7, at=archived, by=PETUGAS),
    )


def test_of_a_closed_request_only_the_clocks_settled_in_the_month_are_reported() -> None:
    found = impact(subject(4, closed(4, wib(7, 15, 10)), open=False), now=wib(8, 3, 9))
    # The feasibility clock was met on Thu 07-09 (July), and moves: reported.
    assert [c.step for c in found.changes] == [Step.FEASIBILITY]
    assert found.changes[0].request_open is False
    # Asked about August, the same request's July clocks are not reported.
    august = impact(
        subject(4, closed(4, wib(7, 15, 10)), open=False), now=wib(8, 3, 9), month="2026-08"
    )
    assert (august.requests, august.changes) == (1, [])


def test_a_request_the_change_does_not_touch_moves_nothing() -> None:
    facts: tuple[Fact, ...] = (
        SubmittedFact(
            position=1, at=wib(8, 3, 9), received_at=wib(8, 3, 9), channel=Channel.PORTAL
        ),
    )
    found = impact(subject(5, facts), now=wib(8, 3, 9, 10))
    assert (found.clocks, found.changes) == (2, [])


def test_earlier_recalculations_still_hold_before_the_proposal() -> None:
    book = CalendarBook.of([(0, BASE), (10, evolve(BASE, HARI_JADI))])
    earlier = Recalculation(position=11, calendar_version=2, scope=RecalculationScope.ALL)
    spec: CalendarSpec = evolve(
        evolve(BASE, HARI_JADI),
        CalendarDayOffAdded(version=3, day=date(2026, 7, 10), name="Cuti"),
    )
    proposal = Proposal.of(book, [earlier], spec)
    found = Impact()
    # The analysis ended at position 4, before version 2 (made at position 10): it was judged
    # on version 1, and the recalculation at position 11 judges it on version 2.
    facts = history(
        0,
        AnalysedFact(
            position=4, at=wib(7, 9, 15), difficulty=Difficulty.LOW, feasible=True, by=PETUGAS
        ),
    )
    proposal.examine(subject(0, facts), now=wib(7, 9, 15, 30), month="2026-07", into=found)
    feasibility = {c.step: c for c in found.changes}[Step.FEASIBILITY]
    # Version 2 (Wed off): Tue, Thu, Fri → due Fri 07-10 16:00; version 3 (Fri off too):
    # Tue, Thu, Mon → due Mon 07-13 16:00.
    assert (feasibility.before.calendar_version, feasibility.before.due) == (2, wib(7, 10, 16))
    assert (feasibility.after.calendar_version, feasibility.after.due) == (3, wib(7, 13, 16))


# --- the simulator looks only where a change can matter -----------------------------------------

DAYS = st.dates(min_value=date(2026, 3, 1), max_value=date(2026, 5, 31))


@st.composite
def changes(draw: st.DrawFn) -> CalendarCommand:
    day = draw(DAYS)
    kind = draw(st.sampled_from(["off", "on", "decree", "hours"]))
    if kind == "off":
        return AddDayOff(day=day, name="Libur")
    if kind == "on":
        return RemoveDayOff(day=day, name="Buka")
    if kind == "decree":
        return DecreeWorkingDay(day=day, name="Masuk")
    last = day + timedelta(days=draw(st.integers(min_value=0, max_value=10)))
    return ReduceHours(first_day=day, last_day=last, closing=time(12), name="Pendek")


@st.composite
def subjects(draw: st.DrawFn) -> Subject:
    """A request somewhere in March–May 2026, its history cut anywhere, maybe overloaded."""
    start = draw(
        st.datetimes(
            min_value=datetime(2026, 3, 2), max_value=datetime(2026, 5, 20), timezones=st.just(WIB)
        )
    ).replace(microsecond=0)
    gaps = draw(st.lists(st.integers(min_value=60, max_value=9 * 86400), min_size=7, max_size=7))
    times = [start]
    for gap in gaps:
        times.append(times[-1] + timedelta(seconds=gap))
    facts: list[Fact] = [
        SubmittedFact(position=1, at=times[0], received_at=times[0], channel=Channel.PORTAL),
        DisposedFact(position=2, at=times[1], step=Step.DISPOSE_KABID, by=KADIS),
        DisposedFact(position=3, at=times[2], step=Step.DISPOSE_PRAKOM, by=KABID),
        DisposedFact(
            position=4, at=times[3], step=Step.DISPOSE_PETUGAS, by=PRAKOM, to_officer=PETUGAS
        ),
        AnalysedFact(position=5, at=times[4], difficulty=Difficulty.LOW, feasible=True, by=PETUGAS),
        FinishedFact(position=6, at=times[5], integrated=True, by=PETUGAS),
        ReportWrittenFact(position=7, at=times[6]),
        ArchivedFact(position=8, at=times[7], by=PETUGAS),
    ]
    kept = draw(st.integers(min_value=1, max_value=len(facts)))
    overloaded = draw(st.booleans())
    intake = Intake(
        ticket_id="SC05-2026-00099",
        intake_day=PLAIN.next_opening(start).date(),
        overloaded=overloaded,
    )
    return Subject(intake=intake, agency="Dinas Sosial", facts=tuple(facts[:kept]), open=True)


@given(subject=subjects(), command=changes(), ahead=st.integers(min_value=0, max_value=90))
def test_skipping_the_clocks_a_change_cannot_reach_changes_no_answer(
    subject: Subject, command: CalendarCommand, ahead: int
) -> None:
    try:
        change = decide(command, BASE)
    except CalendarError:
        assume(False)
        raise
    last = max(f.at for f in subject.facts)
    now = last + timedelta(days=ahead)
    book = CalendarBook.of([(0, BASE)])
    everything, pruned = Impact(), Impact()
    spec = evolve(BASE, change)
    Proposal.of(book, [], spec).examine(subject, now=now, month="2026-04", into=everything)
    Proposal.of(book, [], spec, change=change).examine(
        subject, now=now, month="2026-04", into=pruned
    )
    assert pruned == everything


def test_an_overloaded_request_looks_for_its_next_working_day_from_its_intake_day() -> None:
    # Received Fri 03-27 10:00 beyond the day's capacity: its first clocks start at the next
    # working day's opening, Mon 03-30 08:00 — or Sat 03-28 08:00 once Saturday is decreed, a
    # day before any of its clocks starts, which the simulator must not skip.
    facts: tuple[Fact, ...] = (
        SubmittedFact(
            position=1, at=wib(3, 27, 10), received_at=wib(3, 27, 10), channel=Channel.LETTER
        ),
    )
    intake = Intake(ticket_id="SC05-2026-00100", intake_day=date(2026, 3, 27), overloaded=True)
    subject = Subject(intake=intake, agency="Dinas Sosial", facts=facts, open=True)
    change = decide(DecreeWorkingDay(day=SATURDAY, name="Sabtu masuk"), BASE)
    found = Impact()
    proposal = Proposal.of(CalendarBook.of([(0, BASE)]), [], evolve(BASE, change), change=change)
    proposal.examine(subject, now=wib(3, 30, 9), month="2026-03", into=found)
    kadis = {c.step: c for c in found.changes}[Step.DISPOSE_KABID]
    # 30 min from Mon 08:00 → Mon 08:30; from the decreed Saturday 08:00 → Sat 08:30.
    assert (kadis.before.due, kadis.after.due) == (wib(3, 30, 8, 30), wib(3, 28, 8, 30))
