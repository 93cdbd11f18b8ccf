"""Monthly SLA figures from measured clocks: compliance, breaches, disposition times (pure).

A clock belongs to the month (WIB) in which its outcome was settled: its end when it was met,
its due time when it was breached (done late, or still running past due). Running clocks within
their standard, and paused ones, belong to no month yet. So a clock is counted once, and a month
already reported changes only if its facts or (for running clocks) the calendar change.

Per officer, a clock is credited to the officer it names (`Clock.officer`: after a reassignment,
the petugas holding the work when the outcome was settled); every other petugas who held it
counts it as handed on, and the credited one as taken over, so both names are in the view.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from penghubung.events import Role
from penghubung.sop import Step
from reporting.domain import labels
from reporting.sla.domain.clocks import DISPOSITION_STEPS, Clock, ClockState, Person, month_of

ECHELONS: dict[Step, str] = {
    Step.DISPOSE_KABID: "Kepala Dinas (eselon II)",
    Step.DISPOSE_PRAKOM: "Kepala Bidang (eselon III)",
    Step.DISPOSE_PETUGAS: "Pranata Komputer (jabatan fungsional)",
}
"""Who holds the request at each step of the disposition chain."""


class GroupBy(StrEnum):
    """How compliance is broken down."""

    STEP = "step"
    AGENCY = "agency"
    OFFICER = "officer"


@dataclass(frozen=True)
class RequestClocks:
    """One request's measured clocks and what the monthly figures group them by."""

    ticket_id: str
    agency: str
    clocks: Sequence[Clock]


def decided_in(clock: Clock, month: str) -> bool:
    """Whether a clock's outcome was settled in `month` (YYYY-MM, WIB)."""
    return clock.decided_at is not None and month_of(clock.decided_at) == month


def percent(part: int, whole: int) -> Decimal | None:
    """`part` of `whole` in percent with two decimals; None for nothing to measure."""
    if whole == 0:
        return None
    return (Decimal(part * 100) / Decimal(whole)).quantize(Decimal("0.01"), ROUND_HALF_UP)


# --- compliance -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ComplianceLine:
    """Met and breached clocks of one group in a month."""

    key: str
    label: str
    met: int
    breached: int
    taken_over: int = 0
    """Of the clocks counted here, those another officer held first (by officer only)."""
    handed_on: int = 0
    """Clocks settled in the month this officer held but handed on to another (by officer)."""

    @property
    def total(self) -> int:
        """Clocks settled in the month."""
        return self.met + self.breached

    @property
    def percent(self) -> Decimal | None:
        """Share of the clocks met, in percent."""
        return percent(self.met, self.total)


def group_of(request: RequestClocks, clock: Clock, by: GroupBy) -> tuple[str, str]:
    """The (key, label) a clock is counted under."""
    match by:
        case GroupBy.STEP:
            return clock.step.value, labels.STEPS[clock.step]
        case GroupBy.AGENCY:
            return request.agency, request.agency
        case GroupBy.OFFICER:
            if clock.officer is None:
                role = labels.ROLES[clock.role]
                return f"role:{clock.role.value}", f"{role} (belum ditetapkan)"
            if clock.officer.is_office:
                return "office", clock.officer.name
            return officer_key(clock.officer)


def officer_key(officer: Person) -> tuple[str, str]:
    """The (key, label) of a named officer: NIP (or name, without one) and name."""
    return officer.nip or officer.name, officer.name


def handed_on(clock: Clock) -> list[Person]:
    """The officers who held the clock's work before it went to the one credited with it."""
    credited = officer_key(clock.officer) if clock.officer else None
    others = {officer_key(h.officer): h.officer for h in clock.holdings}
    return [officer for key, officer in others.items() if key != credited]


def compliance(
    requests: Iterable[RequestClocks], *, month: str, by: GroupBy
) -> list[ComplianceLine]:
    """Compliance per group in a month; steps in SOP order, other groups by key."""
    counts: dict[tuple[str, str], list[int]] = {}
    for request in requests:
        for clock in request.clocks:
            if decided_in(clock, month):
                tally = counts.setdefault(group_of(request, clock, by), [0, 0, 0, 0])
                tally[0 if clock.state is ClockState.MET else 1] += 1
                if by is GroupBy.OFFICER and (before := handed_on(clock)):
                    tally[2] += 1
                    for officer in before:
                        counts.setdefault(officer_key(officer), [0, 0, 0, 0])[3] += 1
    lines = [
        ComplianceLine(k, label, met, breached, taken_over, handed)
        for (k, label), (met, breached, taken_over, handed) in counts.items()
    ]
    if by is GroupBy.STEP:
        order = [s.value for s in Step]
        return sorted(lines, key=lambda line: order.index(line.key))
    return sorted(lines, key=lambda line: line.key)


def total_line(lines: Iterable[ComplianceLine]) -> ComplianceLine:
    """Every group together."""
    met = breached = taken_over = handed = 0
    for line in lines:
        met, breached = met + line.met, breached + line.breached
        taken_over, handed = taken_over + line.taken_over, handed + line.handed_on
    return ComplianceLine("total", "semua", met, breached, taken_over, handed)


# --- breaches ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reason:
    """One reason on a breach: a stable code and a sentence in Bahasa Indonesia."""

    code: str
    message: str


@dataclass(frozen=True)
class Breach:
    """A clock breached in the month, and why."""

    ticket_id: str
    agency: str
    clock: Clock
    reasons: tuple[Reason, ...]


def breaches(requests: Iterable[RequestClocks], *, month: str) -> Iterator[Breach]:
    """The clocks breached in `month`, request by request, in SOP order."""
    for request in requests:
        for clock in request.clocks:
            if clock.state is ClockState.BREACHED and decided_in(clock, month):
                yield Breach(request.ticket_id, request.agency, clock, reasons(clock))


def reasons(clock: Clock) -> tuple[Reason, ...]:
    """Why a clock was breached, and what bore on it."""
    late = duration(clock.overdue_seconds)
    found = [
        Reason("late", f"melewati baku mutu {clock.standard.label} sebesar {late} waktu kerja")
        if clock.end is not None
        else Reason(
            "still_open",
            f"belum selesai dan sudah melewati baku mutu {clock.standard.label} sebesar {late}",
        )
    ]
    if clock.overloaded:
        found.append(
            Reason("overload", "dimulai pada hari kerja berikutnya karena kapasitas harian penuh")
        )
    if clock.paused_seconds:
        why = ", ".join(
            dict.fromkeys(labels.PAUSE_REASONS.get(p.reason, p.reason) for p in clock.pauses)
        )
        found.append(
            Reason("paused", f"dijeda {duration(clock.paused_seconds)} waktu kerja ({why})")
        )
    if clock.standard_assumed:
        found.append(
            Reason(
                "standard_assumed",
                "tingkat kesulitan belum diketahui; baku mutu tingkat sedang dipakai",
            )
        )
    return tuple(found)


def duration(seconds: int) -> str:
    """Working time as people read it: `1 jam 5 menit`, `25 menit`, `40 detik`."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours} jam" if hours else "", f"{minutes} menit" if minutes else ""]
    text = " ".join(p for p in parts if p)
    return text or f"{secs} detik"


# --- disposition times ------------------------------------------------------------------------


@dataclass(frozen=True)
class EchelonTime:
    """How long one echelon of the disposition chain held requests finished in a month."""

    step: Step
    role: Role
    echelon: str
    seconds: tuple[int, ...]
    breached: int

    @property
    def count(self) -> int:
        """Dispositions made in the month."""
        return len(self.seconds)

    @property
    def mean_seconds(self) -> int | None:
        """Mean working seconds held (rounded down)."""
        return sum(self.seconds) // len(self.seconds) if self.seconds else None

    @property
    def median_seconds(self) -> int | None:
        """Median working seconds held (the lower middle for an even count)."""
        return statistics.median_low(self.seconds) if self.seconds else None

    @property
    def max_seconds(self) -> int | None:
        """Longest working time held."""
        return max(self.seconds) if self.seconds else None


def disposition_times(requests: Iterable[RequestClocks], *, month: str) -> list[EchelonTime]:
    """Working time held per echelon, for dispositions made (clocks ended) in `month`."""
    held: dict[Step, list[int]] = {step: [] for step in DISPOSITION_STEPS}
    late: dict[Step, int] = dict.fromkeys(DISPOSITION_STEPS, 0)
    for request in requests:
        for clock in request.clocks:
            if clock.step in held and _ended_in(clock, month):
                held[clock.step].append(clock.used_seconds)
                late[clock.step] += clock.state is ClockState.BREACHED
    return [
        EchelonTime(step, _ROLES[step], ECHELONS[step], tuple(sorted(held[step])), late[step])
        for step in DISPOSITION_STEPS
    ]


_ROLES = {
    Step.DISPOSE_KABID: Role.KADIS,
    Step.DISPOSE_PRAKOM: Role.KABID,
    Step.DISPOSE_PETUGAS: Role.PRAKOM,
}


def _ended_in(clock: Clock, month: str) -> bool:
    end: datetime | None = clock.end
    return end is not None and month_of(end) == month
