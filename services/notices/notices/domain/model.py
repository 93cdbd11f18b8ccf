"""What the notices service knows: people and their positions, stand-ins, requests, choices."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from penghubung.events.base import Role
from penghubung.events.notices import NoticeKind
from penghubung.sop import Step

SUPERIOR: Mapping[Role, Role] = {
    Role.PETUGAS: Role.PRAKOM,
    Role.PRAKOM: Role.KABID,
    Role.KABID: Role.KADIS,
}
"""Whom a position answers to; the Kadis answers to nobody here."""

STEP_HOLDER: Mapping[Step, Role] = {
    Step.SUBMIT: Role.PETUGAS,
    Step.DISPOSE_KABID: Role.KADIS,
    Step.DISPOSE_PRAKOM: Role.KABID,
    Step.DISPOSE_PETUGAS: Role.PRAKOM,
    Step.FEASIBILITY: Role.PETUGAS,
    Step.IMPLEMENTATION: Role.PETUGAS,
    Step.REPORT: Role.PETUGAS,
    Step.ARCHIVE: Role.PETUGAS,
}
"""The position whose work a step is (the desk registers, the petugas does steps 5–7)."""


@dataclass(frozen=True)
class Person:
    """Someone who may be told: NIP, name and how to reach them."""

    nip: str
    name: str
    email: str | None = None
    mobile: str | None = None
    roles: frozenset[Role] = frozenset()


@dataclass(frozen=True)
class Preferences:
    """A person's choice of channels, and whether the daily digest reaches them."""

    email: bool = True
    whatsapp: bool = False
    digests: bool = True


@dataclass(frozen=True)
class Delegation:
    """A Plt/Plh standing in for a position over a range of days (WIB)."""

    position: Role
    delegate_nip: str
    starts_on: date
    ends_on: date

    def active_on(self, day: date) -> bool:
        """Whether the stand-in acts on that day."""
        return self.starts_on <= day <= self.ends_on


@dataclass(frozen=True)
class Directory:
    """The people and the delegations in force, as the notices service learned them."""

    people: Mapping[str, Person] = field(default_factory=dict)
    delegations: tuple[Delegation, ...] = ()

    def holders(self, position: Role, day: date) -> list[Person]:
        """Who is told for a position: its active Plt/Plh if there is one, else its holders."""
        stand_ins = [
            self.people[d.delegate_nip]
            for d in self.delegations
            if d.position is position and d.active_on(day) and d.delegate_nip in self.people
        ]
        if stand_ins:
            return _unique(stand_ins)
        return sorted((p for p in self.people.values() if position in p.roles), key=lambda p: p.nip)

    def person(self, nip: str, *, name: str) -> Person:
        """The person with that NIP, or one known only by NIP and name (told in the mailbox)."""
        return self.people.get(nip) or Person(nip=nip, name=name)


@dataclass(frozen=True)
class RequestFacts:
    """What notices say about a request: its ticket, agency, application, applicant, petugas."""

    ticket_id: str
    agency: str
    application_name: str
    applicant: Person
    step: Step | None
    since: datetime
    petugas: Person | None = None
    integrated_at: datetime | None = None
    berita_acara: str | None = None
    berita_acara_at: datetime | None = None
    reminded_at: datetime | None = None
    archived_at: datetime | None = None
    berita_acara_returned_at: datetime | None = None


@dataclass(frozen=True)
class Breach:
    """A clock of a request that reached 100 % of its standard."""

    ticket_id: str
    step: Step
    reached_at: datetime
    due_at: datetime


@dataclass(frozen=True)
class Notice:
    """One thing to tell one person, with what its template needs."""

    kind: NoticeKind
    recipient: Person
    ticket_id: str | None
    context: Mapping[str, Any] = field(default_factory=dict)


def _unique(people: list[Person]) -> list[Person]:
    seen: dict[str, Person] = {}
    for person in people:
        seen.setdefault(person.nip, person)
    return list(seen.values())
