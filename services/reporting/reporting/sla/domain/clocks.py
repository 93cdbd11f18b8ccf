"""The SLA clocks of one request, from its facts and a working calendar (pure: no I/O, no clock).

One clock per SOP step (DESIGN §2). A clock is the time its step was *waiting*: one or more
running segments, separated by pauses. The rules, in the order a request meets them:

- **submit** (3 working hours): from the real receipt time to the registration (the event's
  `recorded_at`). A portal submission registers itself: the clock is met at once.
- **dispose_kabid** (30 min), **dispose_prakom** (15 min), **dispose_petugas** (15 min): from the
  registration (portal: the receipt) or the previous disposition to the step's `Disposed`.
- **feasibility** (3/4/5 working days by difficulty): from the order to the petugas to
  `FeasibilityDone`. The difficulty is known only when the analysis is done; until then the
  standard of *sedang* (4 days) is assumed, and the clock says so (`standard_assumed`).
- **implementation** (5/10/15 working days): from a feasible `FeasibilityDone` to `Integrated`.
- **report** (1 working hour): from `Integrated` / `RequestClosed` to `ReportWritten`.
- **archive** (15 working minutes): from `ReportWritten` to `ReportArchived`.

Minute standards count working minutes. Day standards end at closing time of the N-th working
day after the day the clock starts (a start outside service hours counts from the next opening);
their budget in working seconds is the service time between the start and that closing.

*Pauses.* A petugas's `ClockPaused` stops the clock of the step it names until `ClockResumed`
(or until the step ends). A `RequestReturned` stops the clock of the step at which the request
was returned until the resubmission is registered. Paused working time is not used time: the
due time moves out by it, and it is reported on its own. After a resubmission the chain starts
again at the kadis (as the disposition service does): each disposition step's clock goes on
where it stopped, so a step done again in the new round adds to its own clock, and the time the
request spent with the applicant counts for nobody.

*Overload.* A request beyond the day's capacity (its rank among the requests whose clocks start
that day) starts its first clocks (submit, dispose_kabid) at the opening of the next working day.

*States.* `running`, `paused` (stopped by a pause or a return, or waiting for the chain to reach
the step again), `met` (done within the budget), `breached` (done late, or past due and not done).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter

from penghubung.events import Actor, Envelope, Role, audit, catalog, directory, notices, sla
from penghubung.events.documents import BeritaAcaraSigned, DocumentIssued
from penghubung.events.routing import Routes
from penghubung.events.survey import SatisfactionSurveyAnswered
from penghubung.forms import Officer
from penghubung.sop import Channel, Difficulty, Step
from penghubung.workcal import CalendarSpec, WorkingCalendar

WIB = ZoneInfo("Asia/Jakarta")

STANDARD_MINUTES: dict[Step, int] = {
    Step.SUBMIT: 180,
    Step.DISPOSE_KABID: 30,
    Step.DISPOSE_PRAKOM: 15,
    Step.DISPOSE_PETUGAS: 15,
    Step.REPORT: 60,
    Step.ARCHIVE: 15,
}
"""The minute standards of DESIGN §2 (the day standards depend on the difficulty)."""

DEFAULT_DIFFICULTY = Difficulty.MEDIUM
"""The difficulty assumed for the feasibility clock until the analysis names one."""

STEP_ROLES: dict[Step, Role] = {
    Step.SUBMIT: Role.PETUGAS,
    Step.DISPOSE_KABID: Role.KADIS,
    Step.DISPOSE_PRAKOM: Role.KABID,
    Step.DISPOSE_PETUGAS: Role.PRAKOM,
    Step.FEASIBILITY: Role.PETUGAS,
    Step.IMPLEMENTATION: Role.PETUGAS,
    Step.REPORT: Role.PETUGAS,
    Step.ARCHIVE: Role.PETUGAS,
}
"""Who answers for each clock: the desk registers, the chain disposes, the petugas does the rest."""

DISPOSITION_STEPS = (Step.DISPOSE_KABID, Step.DISPOSE_PRAKOM, Step.DISPOSE_PETUGAS)
_NEXT: dict[Step, Step] = {
    Step.DISPOSE_KABID: Step.DISPOSE_PRAKOM,
    Step.DISPOSE_PRAKOM: Step.DISPOSE_PETUGAS,
    Step.DISPOSE_PETUGAS: Step.FEASIBILITY,
}

_DAY_STEPS = frozenset({Step.FEASIBILITY, Step.IMPLEMENTATION})

RETURNED = "returned_to_applicant"
"""The pause reason of a return to the applicant (the petugas's reasons are `PauseReason`s)."""


# --- facts: what the clocks need of each event -------------------------------------------------


class Person(BaseModel):
    """Who acted, or is answerable: NIP, name, role, and the holder a stand-in acted for."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    nip: str | None = None
    name: str
    role: Role | None = None
    on_behalf_of_nip: str | None = None
    on_behalf_of_name: str | None = None

    @classmethod
    def of_actor(cls, actor: Actor) -> Person:
        """An event's actor."""
        return cls(
            nip=actor.nip,
            name=actor.name,
            role=actor.role,
            on_behalf_of_nip=actor.on_behalf_of_nip,
            on_behalf_of_name=actor.on_behalf_of_name,
        )

    @classmethod
    def of_officer(cls, officer: Officer, role: Role = Role.PETUGAS) -> Person:
        """An officer named on a form or a disposition."""
        return cls(nip=officer.nip, name=officer.name, role=role)

    @property
    def is_office(self) -> bool:
        """Whether no person but the office itself (its system) answers for the step."""
        return self.role is Role.SYSTEM

    def answerable(self) -> Person:
        """The role holder a stand-in acted for, or the person themself."""
        if self.on_behalf_of_name is None:
            return Person(nip=self.nip, name=self.name, role=self.role)
        return Person(nip=self.on_behalf_of_nip, name=self.on_behalf_of_name, role=self.role)


class _Fact(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    position: int = Field(description="Global position of the event in the log")
    at: AwareDatetime = Field(description="When it happened (occurred_at; registration time)")


class SubmittedFact(_Fact):
    """A (re)submission: `at` is its registration, `received_at` its real arrival."""

    kind: Literal["submitted"] = "submitted"
    received_at: AwareDatetime
    channel: Channel
    resubmission: int = 0
    registered_by: Person | None = None


class ReturnedFact(_Fact):
    """The request went back to the applicant from a disposition step."""

    kind: Literal["returned"] = "returned"
    step: Step
    by: Person


class DisposedFact(_Fact):
    """One hand-down of the disposition chain."""

    kind: Literal["disposed"] = "disposed"
    step: Step
    by: Person
    to_officer: Person | None = None


class AnalysedFact(_Fact):
    """The feasibility analysis is done."""

    kind: Literal["analysed"] = "analysed"
    difficulty: Difficulty
    feasible: bool
    by: Person


class FinishedFact(_Fact):
    """The request was integrated, or closed as not feasible."""

    kind: Literal["finished"] = "finished"
    integrated: bool
    by: Person


class ReportWrittenFact(_Fact):
    """The report was written."""

    kind: Literal["report_written"] = "report_written"


class ArchivedFact(_Fact):
    """The report was archived in the agenda book."""

    kind: Literal["archived"] = "archived"
    by: Person


class ReassignedFact(_Fact):
    """The work moved from one petugas to another; the step's clock goes on."""

    kind: Literal["reassigned"] = "reassigned"
    from_officer: Person
    to_officer: Person
    by: Person


class PausedFact(_Fact):
    """The petugas paused the clock of a step."""

    kind: Literal["paused"] = "paused"
    step: Step
    reason: sla.PauseReason
    note: str | None = None
    by: Person


class ResumedFact(_Fact):
    """The petugas resumed the clock of a step."""

    kind: Literal["resumed"] = "resumed"
    step: Step
    by: Person


Fact = Annotated[
    SubmittedFact
    | ReturnedFact
    | DisposedFact
    | AnalysedFact
    | FinishedFact
    | ReportWrittenFact
    | ArchivedFact
    | ReassignedFact
    | PausedFact
    | ResumedFact,
    Field(discriminator="kind"),
]
"""What the clocks need of one event of a request."""

FACT = TypeAdapter[Fact](Fact)
"""Reads and writes facts as JSON (the projection stores them)."""


def registered_at(channel: Channel, *, received_at: datetime, recorded_at: datetime) -> datetime:
    """When a (re)submission was registered: the portal at once, the desk when it recorded it."""
    if channel is Channel.PORTAL:
        return received_at
    return max(received_at, recorded_at)


def fact_of(envelope: Envelope) -> Fact | None:
    """The clock-relevant fact of an event; None for an event the clocks do not use."""
    build = FACTS.get(envelope.type)
    return build(envelope) if build is not None else None


def _fact_submitted(envelope: Envelope) -> Fact:
    event = envelope.event
    assert isinstance(event, catalog.RequestSubmitted | catalog.RequestResubmitted)
    registered = registered_at(
        event.channel, received_at=event.received_at, recorded_at=envelope.recorded_at
    )
    return SubmittedFact(
        position=envelope.global_position,
        at=registered,
        received_at=event.received_at,
        channel=event.channel,
        resubmission=event.resubmission,
        registered_by=Person.of_officer(event.registered_by) if event.registered_by else None,
    )


def _fact_returned(envelope: Envelope) -> Fact:
    event = envelope.event
    assert isinstance(event, catalog.RequestReturned)
    return ReturnedFact(**_when_and_who(envelope), step=event.step)


def _fact_disposed(envelope: Envelope) -> Fact:
    event = envelope.event
    assert isinstance(event, catalog.Disposed)
    officer = Person.of_officer(event.to_officer) if event.to_officer else None
    return DisposedFact(**_when_and_who(envelope), step=event.step, to_officer=officer)


def _fact_analysed(envelope: Envelope) -> Fact:
    event = envelope.event
    assert isinstance(event, catalog.FeasibilityDone)
    return AnalysedFact(
        **_when_and_who(envelope), difficulty=event.difficulty, feasible=event.feasible
    )


def _fact_finished(envelope: Envelope) -> Fact:
    integrated = isinstance(envelope.event, catalog.Integrated)
    return FinishedFact(**_when_and_who(envelope), integrated=integrated)


def _fact_report_written(envelope: Envelope) -> Fact:
    return ReportWrittenFact(position=envelope.global_position, at=envelope.occurred_at)


def _fact_archived(envelope: Envelope) -> Fact:
    return ArchivedFact(**_when_and_who(envelope))


def _fact_reassigned(envelope: Envelope) -> Fact:
    event = envelope.event
    assert isinstance(event, catalog.WorkReassigned)
    return ReassignedFact(
        **_when_and_who(envelope),
        from_officer=Person.of_officer(event.from_officer),
        to_officer=Person.of_officer(event.to_officer),
    )


def _fact_paused(envelope: Envelope) -> Fact:
    event = envelope.event
    assert isinstance(event, sla.ClockPaused)
    return PausedFact(
        **_when_and_who(envelope), step=event.step, reason=event.reason, note=event.note
    )


def _fact_resumed(envelope: Envelope) -> Fact:
    event = envelope.event
    assert isinstance(event, sla.ClockResumed)
    return ResumedFact(**_when_and_who(envelope), step=event.step)


def _when_and_who(envelope: Envelope) -> dict[str, Any]:
    by = Person.of_actor(envelope.actor)
    return {"position": envelope.global_position, "at": envelope.occurred_at, "by": by}


FACTS = Routes[Callable[[Envelope], Fact]](
    "SLA clock facts",
    {
        catalog.RequestSubmitted: _fact_submitted,
        catalog.RequestResubmitted: _fact_submitted,
        catalog.RequestReturned: _fact_returned,
        catalog.Disposed: _fact_disposed,
        catalog.FeasibilityDone: _fact_analysed,
        catalog.Integrated: _fact_finished,
        catalog.RequestClosed: _fact_finished,
        catalog.ReportWritten: _fact_report_written,
        catalog.ReportArchived: _fact_archived,
        catalog.WorkReassigned: _fact_reassigned,
        sla.ClockPaused: _fact_paused,
        sla.ClockResumed: _fact_resumed,
    },
    ignored={
        # no clock starts, stops or pauses on these: the number rides with the report, the
        # calendar and recalculations are read on their own, a warning is the clocks' output
        catalog.BeritaAcaraNumberReserved,
        *sla.CALENDAR_CHANGES,
        sla.SlaRecalculated,
        sla.SlaWarningRaised,
        *audit.AUDIT_EVENTS,
        *directory.DIRECTORY_EVENTS,
        # a correction, and the report's revision after it, change no step's time
        catalog.ReportRevised,
        catalog.FeasibilityCorrected,
        catalog.ImplementationCorrected,
        DocumentIssued,
        BeritaAcaraSigned,
        # the applicant's survey after the archive: no clock runs any more
        SatisfactionSurveyAnswered,
        # who is who, and who was told: no clock, no status, no SLA fact
        *directory.DIRECTORY_EVENTS,
        *notices.NOTICE_EVENTS,
        # an upload removed before any request took it starts no clock
        catalog.AttachmentDiscarded,
    },
)
"""The fact each event class gives the clocks."""


# --- tracks: when each step was waiting (calendar-free) ----------------------------------------


@dataclass(frozen=True)
class Segment:
    """A stretch of time in which the step's clock ran; `end` None while it runs."""

    start: datetime
    end: datetime | None
    not_before_day_after: date | None = None
    """Overload: the segment cannot start before the opening of the working day after this."""


@dataclass(frozen=True)
class Pause:
    """A stretch of time in which the step's clock stood still, and why."""

    reason: str
    start: datetime
    end: datetime | None
    note: str | None = None


@dataclass(frozen=True)
class Holding:
    """A stretch of time in which one petugas held the request's work; `until` None: holds it."""

    officer: Person
    since: datetime
    until: datetime | None = None


@dataclass(frozen=True)
class Track:
    """Everything one step's clock is made of, before a calendar measures it."""

    step: Step
    segments: tuple[Segment, ...]
    pauses: tuple[Pause, ...]
    done: bool
    end_position: int | None
    """The position of the event that ended the step (a done track), for the calendar version."""
    officer: Person | None
    """Who answers for the step now (the petugas holding the work, for the petugas's steps)."""
    difficulty: Difficulty | None = None
    holdings: tuple[Holding, ...] = ()
    """Every petugas who held the request's work, in order (the petugas's steps only)."""

    @property
    def running(self) -> bool:
        """Whether the clock runs now."""
        return bool(self.segments) and self.segments[-1].end is None


@dataclass
class _Builder:
    """Walks a request's facts in log order, opening and closing each step's segments."""

    overload_day: date | None
    segments: dict[Step, list[Segment]] = field(default_factory=dict)
    pauses: dict[Step, list[Pause]] = field(default_factory=dict)
    done: dict[Step, int] = field(default_factory=dict)
    officers: dict[Step, Person] = field(default_factory=dict)
    holdings: list[Holding] = field(default_factory=list)
    difficulty: Difficulty | None = None
    returned: Step | None = None
    first_round: bool = True

    def open(self, step: Step, at: datetime, *, overload: bool = True) -> None:
        if self.is_open(step):
            return
        overload_day = self.overload_day if self.first_round and overload else None
        self.segments.setdefault(step, []).append(Segment(at, None, overload_day))
        self.done.pop(step, None)

    def close(self, step: Step, at: datetime, *, position: int | None = None) -> None:
        """End the running segment; with `position`, the step is done (and any pause ends)."""
        if self.is_open(step):
            last = self.segments[step][-1]
            self.segments[step][-1] = Segment(last.start, at, last.not_before_day_after)
        if position is not None and step in self.segments:
            self.end_pause(step, at)
            self.done[step] = position

    def pause(self, step: Step, at: datetime, reason: str, note: str | None = None) -> None:
        if not self.is_open(step):
            return  # only a running clock can stop
        self.close(step, at)
        self.pauses.setdefault(step, []).append(Pause(reason, at, None, note))

    def end_pause(self, step: Step, at: datetime) -> bool:
        pauses = self.pauses.get(step)
        if not pauses or pauses[-1].end is not None:
            return False
        last = pauses[-1]
        pauses[-1] = Pause(last.reason, last.start, at, last.note)
        return True

    def is_open(self, step: Step) -> bool:
        segments = self.segments.get(step)
        if not segments:
            return False
        return segments[-1].end is None

    @property
    def petugas(self) -> Person | None:
        """The petugas holding the work now."""
        return self.holdings[-1].officer if self.holdings else None

    def hand_to(self, officer: Person, at: datetime) -> None:
        """The work moves to `officer` at `at` (the first order, or a reassignment)."""
        if self.holdings:
            last = self.holdings[-1]
            if last.officer.nip == officer.nip and last.officer.name == officer.name:
                return
            self.holdings[-1] = Holding(last.officer, last.since, at)
        self.holdings.append(Holding(officer, at))

    def tracks(self) -> dict[Step, Track]:
        found: dict[Step, Track] = {}
        for step in Step:
            if step not in self.segments:
                continue
            found[step] = Track(
                step=step,
                segments=tuple(self.segments[step]),
                pauses=tuple(self.pauses.get(step, ())),
                done=step in self.done,
                end_position=self.done.get(step),
                officer=self._officer(step),
                difficulty=self.difficulty if step in _DAY_STEPS else None,
                holdings=tuple(self.holdings) if self._held(step) else (),
            )
        return found

    def _officer(self, step: Step) -> Person | None:
        if step in _OFFICE_STEPS and step not in self.officers:
            return OFFICE  # written or registered by the system the moment its cause arrived
        if self._held(step):
            return self.petugas
        return self.officers.get(step)

    @staticmethod
    def _held(step: Step) -> bool:
        """Whether the step is the work of the petugas ordered (not the desk's registration)."""
        return STEP_ROLES[step] is Role.PETUGAS and step not in _OFFICE_STEPS


def tracks(facts: Iterable[Fact], *, overload_day: date | None = None) -> dict[Step, Track]:
    """Each started step's segments and pauses, from the request's facts in log order.

    `overload_day`: the request came beyond that day's capacity, so its first clocks start no
    earlier than the next working day's opening.
    """
    b = _Builder(overload_day)
    for fact in sorted(facts, key=lambda f: f.position):
        _walk(b, _whole_seconds(fact))
    return b.tracks()


def _whole_seconds(fact: Fact) -> Fact:
    """The fact with its times cut to the second: clocks count whole working seconds, and a
    fraction of a second left in one segment must not carry a due time past a closing."""
    update: dict[str, datetime] = {"at": fact.at.replace(microsecond=0)}
    if isinstance(fact, SubmittedFact):
        update["received_at"] = fact.received_at.replace(microsecond=0)
    return fact.model_copy(update=update)


def _walk(b: _Builder, fact: Fact) -> None:
    match fact:
        case SubmittedFact():
            _submitted(b, fact)
        case ReturnedFact():
            _returned(b, fact)
        case DisposedFact():
            _disposed(b, fact)
        case AnalysedFact():
            b.difficulty = fact.difficulty
            b.close(Step.FEASIBILITY, fact.at, position=fact.position)
            if fact.feasible:
                b.open(Step.IMPLEMENTATION, fact.at)
        case FinishedFact():
            if fact.integrated:
                b.close(Step.IMPLEMENTATION, fact.at, position=fact.position)
            b.open(Step.REPORT, fact.at)
        case ReportWrittenFact():
            b.close(Step.REPORT, fact.at, position=fact.position)
            b.open(Step.ARCHIVE, fact.at)
        case ArchivedFact():
            b.close(Step.ARCHIVE, fact.at, position=fact.position)
        case ReassignedFact():
            b.hand_to(fact.to_officer, fact.at)  # the clock goes on: only who holds it changes
        case PausedFact():
            b.pause(fact.step, fact.at, fact.reason.value, fact.note)
        case ResumedFact():
            if b.end_pause(fact.step, fact.at):
                b.open(fact.step, fact.at)


def _submitted(b: _Builder, fact: SubmittedFact) -> None:
    if fact.resubmission > 0:
        b.first_round = False
        if b.returned is not None:
            b.end_pause(b.returned, fact.at)
            b.returned = None
    portal = fact.channel is Channel.PORTAL  # registered at once: met, whatever the load
    b.open(Step.SUBMIT, fact.at if portal else fact.received_at, overload=not portal)
    b.close(Step.SUBMIT, fact.at, position=fact.position)
    if fact.registered_by is not None:
        b.officers[Step.SUBMIT] = fact.registered_by
    b.open(Step.DISPOSE_KABID, fact.at)


def _returned(b: _Builder, fact: ReturnedFact) -> None:
    """The running disposition clock stands still until the resubmission is registered."""
    running = [step for step in DISPOSITION_STEPS if b.is_open(step)]
    for step in running:
        b.pause(step, fact.at, RETURNED)
    b.returned = running[0] if running else fact.step


def _disposed(b: _Builder, fact: DisposedFact) -> None:
    if fact.step is Step.DISPOSE_PETUGAS and not b.is_open(fact.step) and b.petugas is not None:
        if fact.to_officer is not None:  # a second order: the work stays where it is
            b.hand_to(fact.to_officer, fact.at)
        return
    b.close(fact.step, fact.at, position=fact.position)
    b.officers[fact.step] = fact.by.answerable()
    if fact.step is Step.DISPOSE_PETUGAS and fact.to_officer is not None:
        b.hand_to(fact.to_officer, fact.at)
    b.open(_NEXT[fact.step], fact.at)


OFFICE = Person(name="Diskominfo (dikerjakan sistem)", role=Role.SYSTEM)
"""Who answers for a step no person performs: the office, through its system."""

_OFFICE_STEPS = frozenset({Step.SUBMIT, Step.REPORT})
"""Steps the system performs itself unless a person is named: a portal submission is
registered at once, and reporting writes the report when the work is finished."""


# --- measuring a track on a calendar ------------------------------------------------------------


class ClockState(StrEnum):
    """Where a clock stands."""

    RUNNING = "running"
    PAUSED = "paused"
    MET = "met"
    BREACHED = "breached"


@dataclass(frozen=True)
class Standard:
    """A service standard: working minutes, or working days."""

    minutes: int | None = None
    days: int | None = None

    def budget_seconds(self, calendar: WorkingCalendar, start: datetime) -> int:
        """Working seconds the standard allows a clock that starts at `start`."""
        if self.days is not None:
            return calendar.working_seconds_between(
                start, calendar.add_working_days(start, self.days)
            )
        assert self.minutes is not None
        return self.minutes * 60

    @property
    def label(self) -> str:
        """The standard as people read it."""
        if self.days is not None:
            return f"{self.days} hari kerja"
        assert self.minutes is not None
        hours, minutes = divmod(self.minutes, 60)
        if minutes == 0:
            return f"{hours} jam kerja"
        return f"{self.minutes} menit kerja"


def standard_of(step: Step, difficulty: Difficulty | None) -> tuple[Standard, bool]:
    """The step's standard, and whether the difficulty was assumed (not yet known)."""
    if step in STANDARD_MINUTES:
        return Standard(minutes=STANDARD_MINUTES[step]), False
    known = difficulty or DEFAULT_DIFFICULTY
    if step is Step.FEASIBILITY:
        return Standard(days=known.feasibility_days), difficulty is None
    return Standard(days=known.implementation_days), difficulty is None


@dataclass(frozen=True)
class PauseView:
    """A pause as reported: why, from when to when, and how much working time it held."""

    reason: str
    start: datetime
    end: datetime | None
    working_seconds: int
    note: str | None = None


@dataclass(frozen=True)
class Clock:
    """One step's clock, measured on one calendar version at one moment."""

    step: Step
    role: Role
    officer: Person | None
    """Who the step is credited to: for the petugas's steps, the one holding the work when its
    outcome was settled (its end if met, its due time if breached), else the one holding it now."""
    standard: Standard
    difficulty: Difficulty | None
    standard_assumed: bool
    start: datetime
    due: datetime
    end: datetime | None
    used_seconds: int
    paused_seconds: int
    budget_seconds: int
    state: ClockState
    calendar_version: int
    judged: bool
    """Done: its figures are those of the calendar version it was judged under."""
    overloaded: bool
    pauses: tuple[PauseView, ...] = ()
    end_position: int | None = None
    holdings: tuple[Holding, ...] = ()
    """Every petugas who held the work while the step's clock was started, cut to the step."""

    @property
    def reassigned(self) -> bool:
        """Whether the step's work changed hands while its clock was started."""
        return len(self.holdings) > 1

    @property
    def remaining_seconds(self) -> int:
        """Working seconds left before the due time (0 once past it)."""
        return max(0, self.budget_seconds - self.used_seconds)

    @property
    def overdue_seconds(self) -> int:
        """Working seconds used beyond the standard."""
        return max(0, self.used_seconds - self.budget_seconds)

    @property
    def decided_at(self) -> datetime | None:
        """When the clock's outcome was settled: the end if met, the due time if breached."""
        if self.state is ClockState.MET:
            return self.end
        if self.state is ClockState.BREACHED:
            return self.due
        return None


def _effective(segment: Segment, calendar: WorkingCalendar) -> datetime:
    """The segment's start, no earlier than the next working day's opening after an overload."""
    if segment.not_before_day_after is None:
        return segment.start
    next_day = calendar.next_working_day(segment.not_before_day_after)
    opening = calendar.next_opening(datetime.combine(next_day, time(0), tzinfo=calendar.zone))
    return max(segment.start, opening)


def _spans(
    track: Track, calendar: WorkingCalendar, now: datetime
) -> list[tuple[datetime, datetime]]:
    return [(_effective(s, calendar), s.end or now) for s in track.segments]


def reached_at(
    track: Track, calendar: WorkingCalendar, *, seconds: int, now: datetime
) -> datetime | None:
    """When the clock had used `seconds` of working time; None if it has not yet (by `now`)."""
    now = now.replace(microsecond=0)
    used = 0
    for start, end in _spans(track, calendar, now):
        worked = calendar.working_seconds_between(start, end)
        if used + worked >= seconds:
            return calendar.add_working_seconds(start, seconds - used)
        used += worked
    return None


def measure(
    track: Track,
    calendar: WorkingCalendar,
    *,
    now: datetime,
    overloaded: bool = False,
    standard: Standard | None = None,
) -> Clock:
    """The clock of one step on one calendar version, as it stands at `now`: on the step's own
    standard, or on `standard` when one is given (the calculator asks for any)."""
    now = now.replace(microsecond=0)
    if standard is None:
        standard, assumed = standard_of(track.step, track.difficulty)
    else:
        assumed = False
    spans = _spans(track, calendar, now)
    budget = standard.budget_seconds(calendar, spans[0][0])
    used = sum(calendar.working_seconds_between(a, b) for a, b in spans)
    due = reached_at(track, calendar, seconds=budget, now=now) or _due_ahead(
        track, calendar, spans=spans, budget=budget, used=used, now=now
    )
    zone = calendar.zone
    state = _state(track, used=used, budget=budget)
    start = spans[0][0].astimezone(zone)
    end = spans[-1][1].astimezone(zone) if track.done else None
    held = _held_during(track.holdings, start=start, end=end, now=now, zone=zone)
    pauses = tuple(
        PauseView(
            p.reason,
            p.start.astimezone(zone),
            p.end.astimezone(zone) if p.end else None,
            calendar.working_seconds_between(p.start, p.end or now),
            p.note,
        )
        for p in track.pauses
    )
    return Clock(
        step=track.step,
        role=STEP_ROLES[track.step],
        officer=_credited(track, held, settled=_settled(state, end=end, due=due)),
        standard=standard,
        difficulty=track.difficulty,
        standard_assumed=assumed,
        start=start,
        due=due.astimezone(zone),
        end=end,
        used_seconds=used,
        paused_seconds=sum(p.working_seconds for p in pauses),
        budget_seconds=budget,
        state=state,
        calendar_version=calendar.version,
        judged=track.done,
        overloaded=overloaded and track.segments[0].not_before_day_after is not None,
        pauses=pauses,
        end_position=track.end_position,
        holdings=held,
    )


def _settled(state: ClockState, *, end: datetime | None, due: datetime) -> datetime | None:
    """When the clock's outcome was settled (as `Clock.decided_at`); None while it is not."""
    if state is ClockState.MET:
        return end
    return due if state is ClockState.BREACHED else None


def _held_during(
    holdings: Sequence[Holding],
    *,
    start: datetime,
    end: datetime | None,
    now: datetime,
    zone: ZoneInfo,
) -> tuple[Holding, ...]:
    """The holdings that overlap the step's time, cut to it: one ended before the step started
    (the analyst's, for an implementation after a reassignment) is not the step's, nor one that
    began after it ended; one within the same second as the step's start or end still is (clocks
    count whole seconds)."""
    stop = end or now
    found = []
    for h in holdings:
        ended_before = h.until is not None and h.until <= start and h.since < start
        if ended_before or h.since > stop:
            continue
        until = h.until if end is None else min(h.until or end, end)
        since = max(h.since, start)
        found.append(Holding(h.officer, since.astimezone(zone), until and until.astimezone(zone)))
    return tuple(found)


def _credited(track: Track, held: Sequence[Holding], *, settled: datetime | None) -> Person | None:
    """The officer holding the work when the outcome was settled; the one holding it now, while
    it is not. A late step handed on stays the breach of the one who held it when it fell due."""
    if not held or settled is None:
        return track.officer
    holding = [h for h in held if h.since <= settled]
    return (holding[-1] if holding else held[0]).officer


def _due_ahead(
    track: Track,
    calendar: WorkingCalendar,
    *,
    spans: Sequence[tuple[datetime, datetime]],
    budget: int,
    used: int,
    now: datetime,
) -> datetime:
    """The due time of a clock that has not used its budget: where the rest would run out."""
    if track.running or track.done:
        start, end = spans[-1]
        before = used - calendar.working_seconds_between(start, end)
        return calendar.add_working_seconds(start, budget - before)
    return calendar.add_working_seconds(now, budget - used)  # stopped: as if it ran again now


def _state(track: Track, *, used: int, budget: int) -> ClockState:
    if used > budget:
        return ClockState.BREACHED
    if track.done:
        return ClockState.MET
    return ClockState.RUNNING if track.running else ClockState.PAUSED


# --- calendar versions, recalculations, and a request's clocks ----------------------------------


@dataclass(frozen=True)
class CalendarBook:
    """Every calendar version with the log position that created it (version 1 at position 0)."""

    entries: tuple[tuple[int, CalendarSpec], ...]
    """(position, spec), in version order."""
    _calendars: dict[int, WorkingCalendar] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        calendars = {spec.version: WorkingCalendar(spec) for _, spec in self.entries}
        object.__setattr__(self, "_calendars", calendars)

    @classmethod
    def of(cls, entries: Iterable[tuple[int, CalendarSpec]]) -> CalendarBook:
        """A book from (position, spec) pairs in any order."""
        ordered = sorted(entries, key=lambda e: e[1].version)
        if not ordered:
            ordered = [(0, CalendarSpec(version=1))]
        return cls(tuple(ordered))

    @property
    def current(self) -> WorkingCalendar:
        """The latest version."""
        return self._calendars[self.entries[-1][1].version]

    def version(self, version: int) -> WorkingCalendar:
        """One version."""
        return self._calendars[version]

    def in_force_at(self, position: int) -> WorkingCalendar:
        """The version in force when the event at `position` was recorded."""
        found = self.entries[0][1].version
        for created_at, spec in self.entries:
            if created_at < position:
                found = spec.version
        return self._calendars[found]


@dataclass(frozen=True)
class Recalculation:
    """An administrator's `SlaRecalculated`: finished clocks in its scope judged again."""

    position: int
    calendar_version: int
    scope: sla.RecalculationScope
    month: str | None = None
    ticket_id: str | None = None

    def covers(self, ticket_id: str, ended: datetime) -> bool:
        """Whether a clock of `ticket_id` that ended at `ended` is in the scope."""
        match self.scope:
            case sla.RecalculationScope.ALL:
                return True
            case sla.RecalculationScope.TICKET:
                return self.ticket_id == ticket_id
            case sla.RecalculationScope.MONTH:
                return self.month == month_of(ended)


def month_of(moment: datetime) -> str:
    """The month (WIB) of a moment, `YYYY-MM`."""
    return moment.astimezone(WIB).strftime("%Y-%m")


@dataclass(frozen=True)
class Intake:
    """What the clocks need to know of the request beyond its facts."""

    ticket_id: str
    intake_day: date | None = None
    """The day the request's clocks start (the next opening after its receipt)."""
    overloaded: bool = False
    """It came beyond that day's capacity: its first clocks start the next working day."""


def judging_calendar(
    track: Track,
    *,
    ticket_id: str,
    book: CalendarBook,
    recalculations: Sequence[Recalculation],
    ended: datetime | None,
) -> WorkingCalendar:
    """The calendar a clock is measured by: the current one while it runs; once done, the one in
    force when it ended, or the one of the latest recalculation that covers it."""
    if not track.done or track.end_position is None or ended is None:
        return book.current
    calendar = book.in_force_at(track.end_position)
    for recalculation in recalculations:
        if recalculation.position > track.end_position and recalculation.covers(ticket_id, ended):
            calendar = book.version(recalculation.calendar_version)
    return calendar


def request_clocks(
    facts: Iterable[Fact],
    *,
    intake: Intake,
    book: CalendarBook,
    recalculations: Sequence[Recalculation] = (),
    now: datetime,
) -> list[Clock]:
    """Every started clock of one request, in SOP order, as it stands at `now`."""
    overload_day = intake.intake_day if intake.overloaded else None
    clocks = []
    for track in tracks(facts, overload_day=overload_day).values():
        ended = track.segments[-1].end if track.done else None
        calendar = judging_calendar(
            track, ticket_id=intake.ticket_id, book=book, recalculations=recalculations, ended=ended
        )
        clocks.append(measure(track, calendar, now=now, overloaded=intake.overloaded))
    return clocks


def intake_day(calendar: WorkingCalendar, received_at: datetime) -> date:
    """The day a request's clocks start: the day of the next opening after its receipt."""
    return calendar.next_opening(received_at).date()
