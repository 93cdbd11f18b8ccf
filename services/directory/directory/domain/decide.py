"""The directory's decisions: pure functions of a command, the state it touches, and the day."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from directory.domain.commands import (
    EndDelegation,
    GrantDelegation,
    GrantRole,
    RegisterAgency,
    RegisterPerson,
    RevokeRole,
    SetPassword,
)
from directory.domain.errors import (
    AgencyExists,
    AgencyUnknown,
    DelegateIsHolder,
    DelegateUnknown,
    DelegationAlreadyEnded,
    DelegationDates,
    DelegationInactive,
    DelegationNotFound,
    HolderLacksPosition,
    PasswordChangeRequired,
    PasswordWeak,
    PersonExists,
    PersonNotFound,
    RoleAlreadyHeld,
    RoleNotGrantable,
    RoleNotHeld,
    RoleNotRevocable,
)
from directory.domain.state import AgencyState, DelegationState, PersonState
from penghubung.events.base import Event, Role
from penghubung.events.directory import (
    AgencyRegistered,
    CredentialChange,
    CredentialChanged,
    DelegationEnded,
    DelegationGranted,
    PersonRegistered,
    RoleGranted,
    RoleRevoked,
)
from penghubung.forms import StandIn

MIN_PASSWORD_LENGTH = 10

POSITION_LABELS = {Role.KADIS: "Kepala Dinas", Role.KABID: "Kepala Bidang", Role.PRAKOM: "Prakom"}
ROLE_LABELS = {
    Role.PEMOHON: "Pemohon",
    Role.KADIS: "Kepala Dinas",
    Role.KABID: "Kepala Bidang e-Government",
    Role.PRAKOM: "Pranata Komputer",
    Role.PETUGAS: "Petugas Service Desk",
    Role.ADMIN: "Administrator",
    Role.AUDITOR: "Auditor",
}


def register_agency(command: RegisterAgency, state: AgencyState) -> list[Event]:
    """A new agency; a code already taken is refused."""
    if state.registered:
        raise AgencyExists()
    return [AgencyRegistered(code=command.code, name=command.name)]


def register_person(
    command: RegisterPerson, state: PersonState, *, agency: AgencyState
) -> list[Event]:
    """A new person of a known agency, their roles, and that an initial password was set."""
    if state.registered:
        raise PersonExists()
    if not agency.registered:
        raise AgencyUnknown()
    for role in command.roles:
        _grantable(role)
    fields = command.model_dump(exclude={"actor", "roles"})
    events: list[Event] = [PersonRegistered(**fields)]
    events += [RoleGranted(nip=command.nip, role=r) for r in dict.fromkeys(command.roles)]
    events.append(
        CredentialChanged(nip=command.nip, change=CredentialChange.INITIAL, must_change=True)
    )
    return events


def grant_role(command: GrantRole, state: PersonState) -> list[Event]:
    """One more role for a registered person."""
    _known(state)
    _grantable(command.role)
    if command.role in state.roles:
        raise RoleAlreadyHeld()
    return [RoleGranted(nip=command.nip, role=command.role)]


def revoke_role(command: RevokeRole, state: PersonState) -> list[Event]:
    """One role less for a registered person."""
    _known(state)
    if command.role not in state.roles:
        raise RoleNotRevocable()
    return [RoleRevoked(nip=command.nip, role=command.role)]


def set_password(command: SetPassword, state: PersonState) -> list[Event]:
    """That a password changed: by its owner (done), or by the admin (to change at sign-in)."""
    _known(state)
    if command.by_owner:
        return [
            CredentialChanged(nip=command.nip, change=CredentialChange.CHANGED, must_change=False)
        ]
    return [CredentialChanged(nip=command.nip, change=CredentialChange.RESET, must_change=True)]


def check_password(password: str, *, nip: str, field: str) -> None:
    """Refuse a weak password: short, without letters or digits, or holding the NIP."""
    weak = (
        len(password) < MIN_PASSWORD_LENGTH
        or not any(c.isalpha() for c in password)
        or not any(c.isdigit() for c in password)
        or nip in password
    )
    if weak:
        raise PasswordWeak(field=field)


def grant_delegation(
    command: GrantDelegation,
    state: DelegationState,
    *,
    holder: PersonState | None,
    delegate: PersonState,
) -> list[Event]:
    """A Plt/Plh of a position for a known, active person, standing in for its holder."""
    if command.ends_on < command.starts_on:
        raise DelegationDates()
    if not delegate.registered or not delegate.active:
        raise DelegateUnknown()
    position = Role(command.position.value)
    if holder is not None and (not holder.registered or position not in holder.roles):
        raise HolderLacksPosition()
    if command.holder_nip == command.delegate_nip:
        raise DelegateIsHolder()
    fields = command.model_dump(exclude={"actor"})
    return [
        DelegationGranted(
            **fields,
            holder_name=holder.name if holder is not None else None,
            delegate_name=delegate.name,
        )
    ]


def end_delegation(command: EndDelegation, state: DelegationState, *, today: date) -> list[Event]:
    """End a delegation that still runs (or has not begun) as of today."""
    if not state.granted:
        raise DelegationNotFound()
    over = state.ended_on is not None or state.ends_on < today
    if over:
        raise DelegationAlreadyEnded()
    return [
        DelegationEnded(delegation_id=command.delegation_id, ended_on=today, reason=command.reason)
    ]


@dataclass(frozen=True)
class Choice:
    """A role a signed-in person may ask a token for; through a delegation for a stand-in."""

    role: Role
    agency: str | None
    delegation_id: UUID | None
    label: str


def choices(
    person: PersonState, delegations: Sequence[DelegationState], *, today: date
) -> list[Choice]:
    """The roles the person holds, then the positions they stand in for today."""
    held = [
        Choice(r, person.agency if r is Role.PEMOHON else None, None, ROLE_LABELS[r])
        for r in sorted(person.roles)
        if r is not Role.SYSTEM
    ]
    standing = [
        Choice(Role(d.position.value), None, d.delegation_id, stand_in_label(d))
        for d in delegations
        if d.delegate_nip == person.nip and d.active_on(today)
    ]
    return held + standing


def stand_in_label(delegation: DelegationState) -> str:
    """`Plt. Kepala Dinas (SK 800/123/BKPSDM/2026)`."""
    kind = "Plt." if delegation.kind is StandIn.PLT else "Plh."
    position = POSITION_LABELS[Role(delegation.position.value)]
    return f"{kind} {position} (SK {delegation.decree_number})"


def choose(
    person: PersonState,
    role: Role,
    delegation: DelegationState | None,
    *,
    today: date,
) -> Choice:
    """The choice a token may carry: a role held, or an active delegation of the person."""
    if person.must_change_password:
        raise PasswordChangeRequired()
    if delegation is None:
        if role not in person.roles or role is Role.SYSTEM:
            raise RoleNotHeld(field="role")
        return Choice(
            role, person.agency if role is Role.PEMOHON else None, None, ROLE_LABELS[role]
        )
    mine = delegation.delegate_nip == person.nip and delegation.active_on(today)
    if not mine or Role(delegation.position.value) is not role:
        raise DelegationInactive(field="delegation_id")
    return Choice(role, None, delegation.delegation_id, stand_in_label(delegation))


def _known(state: PersonState) -> None:
    if not state.registered:
        raise PersonNotFound()


def _grantable(role: Role) -> None:
    if role is Role.SYSTEM:
        raise RoleNotGrantable()
