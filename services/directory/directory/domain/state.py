"""The directory's state, folded from its streams: an agency, a person, a delegation."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from uuid import UUID

from penghubung.events.base import Event, Role
from penghubung.events.directory import (
    AgencyRegistered,
    CredentialChanged,
    DelegatedPosition,
    DelegationEnded,
    DelegationGranted,
    PersonRegistered,
    RoleGranted,
    RoleRevoked,
)
from penghubung.forms import StandIn


@dataclass(frozen=True)
class AgencyState:
    """An agency, once registered."""

    code: str
    name: str | None = None

    @property
    def registered(self) -> bool:
        """Whether the agency is in the directory."""
        return self.name is not None


@dataclass(frozen=True)
class PersonState:
    """A person: registered or not, their name and agency, the roles they hold."""

    nip: str
    registered: bool = False
    name: str = ""
    agency: str = ""
    roles: frozenset[Role] = field(default_factory=frozenset)
    active: bool = True
    must_change_password: bool = False


@dataclass(frozen=True)
class DelegationState:
    """A delegation: who stands in for which position, from when to when, ended or not."""

    delegation_id: UUID
    granted: bool = False
    position: DelegatedPosition = DelegatedPosition.KADIS
    kind: StandIn = StandIn.PLT
    holder_nip: str | None = None
    holder_name: str | None = None
    delegate_nip: str = ""
    delegate_name: str = ""
    starts_on: date = date.min
    ends_on: date = date.min
    decree_number: str = ""
    ended_on: date | None = None

    def active_on(self, day: date) -> bool:
        """Whether the stand-in may act on `day` (WIB): begun, not past, not ended."""
        if not self.granted or not self.starts_on <= day <= self.ends_on:
            return False
        return self.ended_on is None or day < self.ended_on


def evolve_agency(state: AgencyState, event: Event) -> AgencyState:
    """The agency after one of its events."""
    if isinstance(event, AgencyRegistered):
        return replace(state, name=event.name)
    return state


def evolve_person(state: PersonState, event: Event) -> PersonState:
    """The person after one of their events."""
    match event:
        case PersonRegistered():
            return replace(state, registered=True, name=event.name, agency=event.agency)
        case RoleGranted():
            return replace(state, roles=state.roles | {event.role})
        case RoleRevoked():
            return replace(state, roles=state.roles - {event.role})
        case CredentialChanged():
            return replace(state, must_change_password=event.must_change)
    return state


def evolve_delegation(state: DelegationState, event: Event) -> DelegationState:
    """The delegation after one of its events."""
    match event:
        case DelegationGranted():
            return replace(
                state,
                granted=True,
                position=event.position,
                kind=event.kind,
                holder_nip=event.holder_nip,
                holder_name=event.holder_name,
                delegate_nip=event.delegate_nip,
                delegate_name=event.delegate_name,
                starts_on=event.starts_on,
                ends_on=event.ends_on,
                decree_number=event.decree_number,
            )
        case DelegationEnded():
            return replace(state, ended_on=event.ended_on)
    return state


def fold_agency(code: str, events: Iterable[Event]) -> AgencyState:
    """An agency from its stream."""
    state = AgencyState(code=code)
    for event in events:
        state = evolve_agency(state, event)
    return state


def fold_person(nip: str, events: Iterable[Event]) -> PersonState:
    """A person from their stream."""
    state = PersonState(nip=nip)
    for event in events:
        state = evolve_person(state, event)
    return state


def fold_delegation(delegation_id: UUID, events: Iterable[Event]) -> DelegationState:
    """A delegation from its stream."""
    state = DelegationState(delegation_id=delegation_id)
    for event in events:
        state = evolve_delegation(state, event)
    return state
