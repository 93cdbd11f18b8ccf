"""Monthly SLA figures, hand-computed: compliance per step, agency and officer; breaches;
time per echelon. Three requests of March 2026 (WIB, base calendar), measured on 03-31 12:00:

- A (Dinas Kesehatan), portal Mon 03-09 09:00: kadis 09:10 (10 min, met), kabid 09:40 (30 of
  15 min, breached at the due time 09:25), prakom 09:45 (5 min, met); the feasibility runs from
  09:45, "sedang" assumed, due Fri 03-13 16:00: breached, still open.
- B (Dinas Pendidikan), portal Tue 03-10 09:00: kadis 09:45 (45 of 30 min, breached at 09:30),
  kabid 09:50 (5 min), prakom 10:00 (10 min); feasibility from 10:00, breached, still open.
- C (Dinas Kesehatan), portal Wed 03-11 10:00, beyond that day's capacity: its kadis clock
  starts Thu 08:00 and the kadis disposes at 09:00 (60 of 30 min, breached at 08:30); the
  kabid's clock runs from 09:00 (due 09:15) and is breached, still open.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from penghubung.events import Role
from penghubung.sop import Channel, Step
from penghubung.workcal import CalendarSpec
from reporting.sla.domain.clocks import (
    CalendarBook,
    DisposedFact,
    Fact,
    Intake,
    Person,
    SubmittedFact,
    request_clocks,
)
from reporting.sla.domain.compliance import (
    GroupBy,
    RequestClocks,
    breaches,
    compliance,
    disposition_times,
    duration,
    total_line,
)

WIB = ZoneInfo("Asia/Jakarta")
KADIS = Person(nip="197501012000031001", name="Kadis Kominfo", role=Role.KADIS)
KABID = Person(nip="197802022003121002", name="Kabid eGotik", role=Role.KABID)
PRAKOM = Person(nip="198503032010011003", name="Prakom Aplikasi", role=Role.PRAKOM)
PETUGAS = Person(nip="199005052015031005", name="Petugas Service Desk", role=Role.PETUGAS)
NOW = datetime(2026, 3, 31, 12, tzinfo=WIB)
MONTH = "2026-03"


def wib(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=WIB)


def request(
    ticket: str, agency: str, received: datetime, *steps: datetime, overloaded: bool = False
) -> RequestClocks:
    facts: list[Fact] = [
        SubmittedFact(position=1, at=received, received_at=received, channel=Channel.PORTAL)
    ]
    chain = [
        (Step.DISPOSE_KABID, KADIS),
        (Step.DISPOSE_PRAKOM, KABID),
        (Step.DISPOSE_PETUGAS, PRAKOM),
    ]
    for n, (at, (step, by)) in enumerate(zip(steps, chain, strict=False), start=2):
        officer = PETUGAS if step is Step.DISPOSE_PETUGAS else None
        facts.append(DisposedFact(position=n, at=at, step=step, by=by, to_officer=officer))
    intake = Intake(ticket_id=ticket, intake_day=received.date(), overloaded=overloaded)
    book = CalendarBook.of([(0, CalendarSpec(version=1))])
    clocks = request_clocks(facts, intake=intake, book=book, now=NOW)
    return RequestClocks(ticket, agency, clocks)


REQUESTS = [
    request(
        "SC05-2026-00001", "Dinas Kesehatan", wib(9, 9), wib(9, 9, 10), wib(9, 9, 40), wib(9, 9, 45)
    ),
    request(
        "SC05-2026-00002",
        "Dinas Pendidikan",
        wib(10, 9),
        wib(10, 9, 45),
        wib(10, 9, 50),
        wib(10, 10),
    ),
    request("SC05-2026-00003", "Dinas Kesehatan", wib(11, 10), wib(12, 9), overloaded=True),
]


def lines(by: GroupBy) -> list[tuple[str, int, int, Decimal | None]]:
    return [(x.key, x.met, x.breached, x.percent) for x in compliance(REQUESTS, month=MONTH, by=by)]


def test_compliance_per_step() -> None:
    assert lines(GroupBy.STEP) == [
        ("submit", 3, 0, Decimal("100.00")),  # the portal registers at once
        ("dispose_kabid", 1, 2, Decimal("33.33")),  # A met; B, C late
        ("dispose_prakom", 1, 2, Decimal("33.33")),  # B met; A late, C still open past due
        ("dispose_petugas", 2, 0, Decimal("100.00")),
        ("feasibility", 0, 2, Decimal("0.00")),  # A and B past due on 03-13 and 03-16
    ]
    total = total_line(compliance(REQUESTS, month=MONTH, by=GroupBy.STEP))
    # 7 met of 13 settled: 53.846… → 53.85.
    assert (total.met, total.breached, total.percent) == (7, 6, Decimal("53.85"))


def test_compliance_per_agency() -> None:
    # Kesehatan: A 3 met (submit, kadis, prakom) 2 late (kabid, feasibility), C 1 met (submit)
    # 2 late (kadis, kabid) → 4 of 8. Pendidikan: 3 met, 2 late → 60 %.
    assert lines(GroupBy.AGENCY) == [
        ("Dinas Kesehatan", 4, 4, Decimal("50.00")),
        ("Dinas Pendidikan", 3, 2, Decimal("60.00")),
    ]


def test_compliance_per_officer() -> None:
    assert lines(GroupBy.OFFICER) == [
        (KADIS.nip, 1, 2, Decimal("33.33")),
        (KABID.nip, 1, 1, Decimal("50.00")),
        (PRAKOM.nip, 2, 0, Decimal("100.00")),
        (PETUGAS.nip, 0, 2, Decimal("0.00")),
        ("office", 3, 0, Decimal("100.00")),  # portal submissions: the system registers them
        ("role:kabid", 0, 1, Decimal("0.00")),  # C's kabid has not acted yet
    ]


def test_steps_the_system_performs_belong_to_the_office_not_to_a_nameless_person() -> None:
    labels = {x.key: x.label for x in compliance(REQUESTS, month=MONTH, by=GroupBy.OFFICER)}
    assert labels["office"] == "Diskominfo (dikerjakan sistem)"
    assert labels["role:kabid"] == "Kabid eGov (belum ditetapkan)"
    assert not any("tanpa nama" in label for label in labels.values())


def test_another_month_has_nothing() -> None:
    assert compliance(REQUESTS, month="2026-02", by=GroupBy.STEP) == []
    assert total_line([]).percent is None


def test_the_breach_list_with_reasons() -> None:
    found = list(breaches(REQUESTS, month=MONTH))
    assert [(b.ticket_id[-1], b.clock.step.value) for b in found] == [
        ("1", "dispose_prakom"),
        ("1", "feasibility"),
        ("2", "dispose_kabid"),
        ("2", "feasibility"),
        ("3", "dispose_kabid"),
        ("3", "dispose_prakom"),
    ]
    reasons = {(b.ticket_id[-1], b.clock.step.value): b.reasons for b in found}
    assert [r.code for r in reasons[("1", "dispose_prakom")]] == ["late"]
    assert reasons[("1", "dispose_prakom")][0].message == (
        "melewati baku mutu 15 menit kerja sebesar 15 menit waktu kerja"
    )
    assert [r.code for r in reasons[("1", "feasibility")]] == ["still_open", "standard_assumed"]
    assert [r.code for r in reasons[("3", "dispose_kabid")]] == ["late", "overload"]
    # C's kadis: from Thu 08:00 (overload) to 09:00: 60 of 30 min.
    assert reasons[("3", "dispose_kabid")][0].message.endswith("sebesar 30 menit waktu kerja")


def test_time_per_echelon_of_the_disposition_chain() -> None:
    times = {t.step: t for t in disposition_times(REQUESTS, month=MONTH)}
    kadis, kabid, prakom = (
        times[Step.DISPOSE_KABID],
        times[Step.DISPOSE_PRAKOM],
        times[Step.DISPOSE_PETUGAS],
    )
    # Kadis: A 10 min, B 45 min, C 60 min → mean 38 min 20 s, median 45 min, max 60 min.
    assert (kadis.count, kadis.mean_seconds, kadis.median_seconds, kadis.max_seconds) == (
        3,
        2300,
        2700,
        3600,
    )
    assert (kadis.breached, kadis.role, kadis.echelon) == (
        2,
        Role.KADIS,
        "Kepala Dinas (eselon II)",
    )
    # Kabid: A 30 min, B 5 min (C's is still open, not counted) → mean 17.5 min, median (low)
    # 5 min.
    assert (kabid.count, kabid.mean_seconds, kabid.median_seconds, kabid.breached) == (
        2,
        1050,
        300,
        1,
    )
    # Prakom: A 5 min, B 10 min.
    assert (prakom.count, prakom.mean_seconds, prakom.max_seconds, prakom.breached) == (
        2,
        450,
        600,
        0,
    )
    empty = disposition_times(REQUESTS, month="2026-04")[0]
    assert (empty.count, empty.mean_seconds, empty.median_seconds) == (0, None, None)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (40, "40 detik"),
        (60, "1 menit"),
        (1500, "25 menit"),
        (3900, "1 jam 5 menit"),
        (7200, "2 jam"),
    ],
)
def test_durations_read_as_people_say_them(seconds: int, text: str) -> None:
    assert duration(seconds) == text


def test_an_overloaded_request_starts_its_kadis_clock_the_next_morning() -> None:
    # C came Wed 03-11 beyond the capacity: its submit clock (portal) is met at once on
    # Wednesday, its kadis clock starts at the next opening, Thu 03-12 08:00.
    submit, kadis = REQUESTS[2].clocks[:2]
    assert (submit.start, submit.overloaded) == (wib(11, 10), False)
    assert (kadis.start, kadis.overloaded) == (wib(12, 8), True)
