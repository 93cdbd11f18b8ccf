"""Who is told what, for each fact: pure functions of the event, the request and the directory.

`evolve` moves a request's facts by an event of the SOP; `notices_for` names the notices the
event raises (before any channel or text is chosen: that is `channels` and the templates).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from datetime import date, datetime

from notices.domain.model import (
    STEP_HOLDER,
    SUPERIOR,
    Breach,
    Directory,
    Notice,
    Person,
    Preferences,
    RequestFacts,
)
from penghubung.events.base import Event, Role
from penghubung.events.catalog import (
    BeritaAcaraNumberReserved,
    Disposed,
    FeasibilityDone,
    Integrated,
    ReportArchived,
    ReportWritten,
    RequestClosed,
    RequestResubmitted,
    RequestReturned,
    RequestSubmitted,
)
from penghubung.events.documents import BeritaAcaraSigned
from penghubung.events.notices import NoticeKind
from penghubung.events.sla import SlaWarningRaised
from penghubung.forms import ServiceRequestForm
from penghubung.sop import Step
from penghubung.workcal import WorkingCalendar

BREACH_PERCENT = 100
"""A warning at this share of the standard is a breach: the holder's superior is told too."""

_NEXT_STEP: Mapping[Role, Step] = {
    Role.KADIS: Step.DISPOSE_PRAKOM,
    Role.KABID: Step.DISPOSE_PETUGAS,
    Role.PRAKOM: Step.FEASIBILITY,
}


def applicant_of(form: ServiceRequestForm) -> Person:
    """The applicant as the form names them, with the form's contacts."""
    a = form.applicant
    return Person(nip=a.nip, name=a.name, email=a.email, mobile=a.mobile_phone)


def evolve(facts: RequestFacts | None, event: Event, *, at: datetime) -> RequestFacts | None:
    """The request's facts after an event of the SOP (None until it was submitted)."""
    if isinstance(event, RequestSubmitted | RequestResubmitted):
        return RequestFacts(
            ticket_id=event.ticket_id,
            agency=event.form.applicant.agency,
            application_name=event.form.application.name,
            applicant=applicant_of(event.form),
            step=Step.DISPOSE_KABID,
            since=at,
            petugas=facts.petugas if facts else None,
        )
    if facts is None:
        return None
    return _evolve_known(facts, event, at=at)


def _evolve_known(facts: RequestFacts, event: Event, *, at: datetime) -> RequestFacts:
    change = dataclasses.replace
    if isinstance(event, Disposed):
        petugas = facts.petugas
        if event.to_officer is not None:
            petugas = Person(nip=event.to_officer.nip, name=event.to_officer.name)
        return change(facts, step=_NEXT_STEP[event.from_role], since=at, petugas=petugas)
    if isinstance(event, RequestReturned):
        return change(facts, step=None, since=at)
    if isinstance(event, FeasibilityDone):
        step = Step.IMPLEMENTATION if event.feasible else Step.REPORT
        return change(facts, step=step, since=at)
    if isinstance(event, Integrated):
        return change(facts, step=Step.REPORT, since=at, integrated_at=at)
    if isinstance(event, RequestClosed):
        return change(facts, step=Step.REPORT, since=at)
    if isinstance(event, ReportWritten):
        return change(facts, step=Step.ARCHIVE, since=at)
    if isinstance(event, BeritaAcaraNumberReserved):
        return change(facts, berita_acara=event.number, berita_acara_at=at)
    if isinstance(event, ReportArchived):
        return change(facts, step=None, since=at, archived_at=at)
    if isinstance(event, BeritaAcaraSigned):  # the request stays where it stands
        return change(facts, berita_acara_returned_at=event.returned_at)
    return facts


# --- the notices ------------------------------------------------------------------------------

Rule = Callable[[Event, RequestFacts, Directory, date], list[Notice]]


def notices_for(
    event: Event,
    *,
    before: RequestFacts | None,
    after: RequestFacts | None,
    directory: Directory,
    day: date,
) -> list[Notice]:
    """The notices an event raises; `day` (WIB) decides which stand-ins are in force."""
    if after is None:
        return []
    if isinstance(event, BeritaAcaraNumberReserved | Integrated):
        return _berita_acara_ready(before, after, directory, day)
    rule = _RULES.get(type(event))
    return [] if rule is None else rule(event, after, directory, day)


def _new_request(
    event: Event, facts: RequestFacts, directory: Directory, day: date
) -> list[Notice]:
    assert isinstance(event, RequestSubmitted | RequestResubmitted)
    context = {"step": Step.DISPOSE_KABID, "resubmission": event.resubmission}
    return _tell(directory.holders(Role.KADIS, day), NoticeKind.INBOX_ITEM, facts, context)


def _disposed(event: Event, facts: RequestFacts, directory: Directory, day: date) -> list[Notice]:
    assert isinstance(event, Disposed)
    if event.to_role is Role.PETUGAS:
        assert event.to_officer is not None  # a petugas order names its officer
        people = [directory.person(event.to_officer.nip, name=event.to_officer.name)]
    else:
        people = directory.holders(event.to_role, day)
    context = {"step": facts.step, "instruction": event.instruction, "from_role": event.from_role}
    return _tell(people, NoticeKind.INBOX_ITEM, facts, context)


def _returned(event: Event, facts: RequestFacts, directory: Directory, day: date) -> list[Notice]:
    assert isinstance(event, RequestReturned)
    context = {"step": event.step, "reasons": list(event.reasons)}
    return _tell([_applicant(facts, directory)], NoticeKind.RETURNED, facts, context)


def _feasibility(
    event: Event, facts: RequestFacts, directory: Directory, day: date
) -> list[Notice]:
    assert isinstance(event, FeasibilityDone)
    context = {
        "step": Step.FEASIBILITY,
        "feasible": event.feasible,
        "difficulty": event.difficulty,
        "notes": event.notes,
        "recommendations": list(event.recommendations),
    }
    return _tell([_applicant(facts, directory)], NoticeKind.FEASIBILITY_DONE, facts, context)


def _berita_acara_ready(
    before: RequestFacts | None, after: RequestFacts, directory: Directory, day: date
) -> list[Notice]:
    """Once the integration works and the BA has its number: the applicant and the Kadis sign."""
    ready = after.integrated_at is not None and after.berita_acara is not None
    was_ready = before is not None and before.integrated_at and before.berita_acara
    if not ready or was_ready:
        return []
    people = [_applicant(after, directory), *directory.holders(Role.KADIS, day)]
    context = {"step": Step.IMPLEMENTATION, "number": after.berita_acara}
    return _tell(people, NoticeKind.BERITA_ACARA_READY, after, context)


def _sla_warning(
    event: Event, facts: RequestFacts, directory: Directory, day: date
) -> list[Notice]:
    assert isinstance(event, SlaWarningRaised)
    holders = _holders_of(event.step, facts, directory, day)
    kind = NoticeKind.SLA_WARNING
    if event.threshold_percent >= BREACH_PERCENT:
        kind = NoticeKind.SLA_BREACHED
        superior = SUPERIOR.get(STEP_HOLDER[event.step])
        if superior is not None:
            holders = holders + directory.holders(superior, day)
    context = {
        "step": event.step,
        "percent": event.threshold_percent,
        "due_at": event.due_at,
        "reached_at": event.reached_at,
        "used_seconds": event.used_seconds,
        "budget_seconds": event.budget_seconds,
    }
    return _tell(holders, kind, facts, context)


_RULES: Mapping[type[Event], Rule] = {
    RequestSubmitted: _new_request,
    RequestResubmitted: _new_request,
    Disposed: _disposed,
    RequestReturned: _returned,
    FeasibilityDone: _feasibility,
    SlaWarningRaised: _sla_warning,
}


def _holders_of(step: Step, facts: RequestFacts, directory: Directory, day: date) -> list[Person]:
    """Who holds a step of this request: its ordered petugas for steps 5–7, else the position."""
    role = STEP_HOLDER[step]
    if role is Role.PETUGAS and facts.petugas is not None and step is not Step.SUBMIT:
        return [directory.person(facts.petugas.nip, name=facts.petugas.name)]
    return directory.holders(role, day)


def _applicant(facts: RequestFacts, directory: Directory) -> Person:
    """The applicant, reached as the directory knows them, else by the form's contacts."""
    known = directory.people.get(facts.applicant.nip)
    if known is None:
        return facts.applicant
    return dataclasses.replace(
        known,
        email=known.email or facts.applicant.email,
        mobile=known.mobile or facts.applicant.mobile,
    )


def _tell(
    people: list[Person], kind: NoticeKind, facts: RequestFacts, context: Mapping[str, object]
) -> list[Notice]:
    """One notice per person (a person holding two of the positions is told once)."""
    seen: dict[str, Notice] = {}
    for person in people:
        seen.setdefault(person.nip, Notice(kind, person, facts.ticket_id, dict(context)))
    return list(seen.values())


# --- the periodic notices ---------------------------------------------------------------------


def berita_acara_overdue(
    facts: RequestFacts, *, now: datetime, calendar: WorkingCalendar, days: int
) -> bool:
    """Whether a reserved BA is still not back after `days` working days (and nobody was told).

    The BA counts as back once its signed copy is recorded (BeritaAcaraSigned), or once the
    request's report is archived.
    """
    if facts.berita_acara_at is None or facts.reminded_at:
        return False
    if facts.berita_acara_returned_at or facts.archived_at:
        return False
    return calendar.add_working_days(facts.berita_acara_at, days) <= now


def berita_acara_reminders(facts: RequestFacts, directory: Directory, *, days: int) -> list[Notice]:
    """The applicant who must return the BA, and the petugas who follows it up."""
    people = [_applicant(facts, directory)]
    if facts.petugas is not None:
        people.append(directory.person(facts.petugas.nip, name=facts.petugas.name))
    context = {"step": Step.IMPLEMENTATION, "number": facts.berita_acara, "days": days}
    return _tell(people, NoticeKind.BERITA_ACARA_OVERDUE, facts, context)


def digest(
    directory: Directory,
    *,
    day: date,
    waiting: list[RequestFacts],
    breaches: list[Breach],
    preferences: Mapping[str, Preferences],
) -> list[Notice]:
    """The Kadis's morning digest (and their Plt/Plh's), unless they muted it."""
    context = {
        "day": day,
        "waiting": [w for w in waiting if w.step is Step.DISPOSE_KABID],
        "open": waiting,
        "breaches": breaches,
    }
    return [
        Notice(NoticeKind.DIGEST, person, None, context)
        for person in directory.holders(Role.KADIS, day)
        if preferences.get(person.nip, Preferences()).digests
    ]
