"""The directory's rules: given a person's, an agency's or a delegation's events, when a command,
then events — or the refusal, with its stable code."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID, uuid4

import pytest

from directory.domain import decide
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
from directory.domain.state import (
    DelegationState,
    PersonState,
    evolve_delegation,
    fold_agency,
    fold_delegation,
    fold_person,
)
from penghubung.events.base import Actor, Event, Role
from penghubung.events.directory import (
    AgencyRegistered,
    CredentialChange,
    CredentialChanged,
    DelegatedPosition,
    DelegationEnded,
    DelegationGranted,
    PersonRegistered,
    RoleGranted,
    RoleRevoked,
)
from penghubung.forms import StandIn

ADMIN = Actor(nip="198001012005011001", name="Admin", role=Role.ADMIN)
KADIS_NIP = "197001012000011001"
PLT_NIP = "198502022010012002"
TODAY = date(2026, 3, 12)


def person(nip: str, *roles: Role, must_change: bool = False) -> PersonState:
    events: list[Event] = [
        PersonRegistered(nip=nip, name=f"Orang {nip[-3:]}", position="Staf", agency="diskominfo")
    ]
    events += [RoleGranted(nip=nip, role=r) for r in roles]
    events.append(
        CredentialChanged(nip=nip, change=CredentialChange.INITIAL, must_change=must_change)
    )
    return fold_person(nip, events)


def delegation(
    *, starts: date = TODAY, ends: date = TODAY + timedelta(days=6), ended: date | None = None
) -> DelegationState:
    delegation_id = uuid4()
    events: list[Event] = [
        DelegationGranted(
            delegation_id=delegation_id,
            position=DelegatedPosition.KADIS,
            kind=StandIn.PLT,
            holder_nip=KADIS_NIP,
            holder_name="Kadis",
            delegate_nip=PLT_NIP,
            delegate_name="Plt",
            starts_on=starts,
            ends_on=ends,
            decree_number="800/123/BKPSDM/2026",
        )
    ]
    if ended is not None:
        events.append(
            DelegationEnded(delegation_id=delegation_id, ended_on=ended, reason="Kembali")
        )
    return fold_delegation(delegation_id, events)


def grant(**changes: object) -> GrantDelegation:
    fields: dict[str, object] = {
        "actor": ADMIN,
        "delegation_id": UUID(int=7),
        "position": DelegatedPosition.KADIS,
        "kind": StandIn.PLT,
        "holder_nip": KADIS_NIP,
        "delegate_nip": PLT_NIP,
        "starts_on": TODAY,
        "ends_on": TODAY + timedelta(days=6),
        "decree_number": "800/123/BKPSDM/2026",
    }
    fields.update(changes)
    return GrantDelegation.model_validate(fields)


# --- agencies and people ---------------------------------------------------------------------


def test_a_new_agency_is_registered_and_a_known_code_refused() -> None:
    command = RegisterAgency(actor=ADMIN, code="dinkes", name="Dinas Kesehatan")
    events = decide.register_agency(command, fold_agency("dinkes", []))
    assert events == [AgencyRegistered(code="dinkes", name="Dinas Kesehatan")]
    with pytest.raises(AgencyExists):
        decide.register_agency(command, fold_agency("dinkes", events))


def test_a_person_is_registered_with_roles_and_an_initial_password_to_change() -> None:
    command = RegisterPerson(
        actor=ADMIN,
        nip=PLT_NIP,
        name="Sari",
        position="Pranata Komputer",
        agency="diskominfo",
        roles=(Role.PRAKOM, Role.PETUGAS, Role.PRAKOM),
    )
    agency = fold_agency("diskominfo", [AgencyRegistered(code="diskominfo", name="Diskominfo")])
    events = decide.register_person(command, PersonState(nip=PLT_NIP), agency=agency)
    assert [e.type for e in events] == [
        "PersonRegistered",
        "RoleGranted",
        "RoleGranted",
        "CredentialChanged",
    ]
    assert events[-1] == CredentialChanged(
        nip=PLT_NIP, change=CredentialChange.INITIAL, must_change=True
    )
    state = fold_person(PLT_NIP, events)
    assert state.roles == {Role.PRAKOM, Role.PETUGAS}
    assert state.must_change_password
    with pytest.raises(PersonExists):
        decide.register_person(command, state, agency=agency)
    with pytest.raises(AgencyUnknown):
        decide.register_person(command, PersonState(nip=PLT_NIP), agency=fold_agency("x", []))
    with pytest.raises(RoleNotGrantable):
        decide.register_person(
            command.model_copy(update={"roles": (Role.SYSTEM,)}),
            PersonState(nip=PLT_NIP),
            agency=agency,
        )


def test_roles_are_granted_once_and_revoked_only_when_held() -> None:
    state = person(PLT_NIP, Role.PETUGAS)
    assert decide.grant_role(GrantRole(actor=ADMIN, nip=PLT_NIP, role=Role.PRAKOM), state) == [
        RoleGranted(nip=PLT_NIP, role=Role.PRAKOM)
    ]
    with pytest.raises(RoleAlreadyHeld):
        decide.grant_role(GrantRole(actor=ADMIN, nip=PLT_NIP, role=Role.PETUGAS), state)
    with pytest.raises(RoleNotGrantable):
        decide.grant_role(GrantRole(actor=ADMIN, nip=PLT_NIP, role=Role.SYSTEM), state)
    revoke = RevokeRole(actor=ADMIN, nip=PLT_NIP, role=Role.PETUGAS)
    assert decide.revoke_role(revoke, state) == [RoleRevoked(nip=PLT_NIP, role=Role.PETUGAS)]
    with pytest.raises(RoleNotRevocable):
        decide.revoke_role(RevokeRole(actor=ADMIN, nip=PLT_NIP, role=Role.KADIS), state)
    with pytest.raises(PersonNotFound):
        decide.grant_role(
            GrantRole(actor=ADMIN, nip=PLT_NIP, role=Role.PRAKOM), PersonState(PLT_NIP)
        )


def test_a_password_change_is_recorded_without_the_secret() -> None:
    state = person(PLT_NIP, Role.PETUGAS, must_change=True)
    own = decide.set_password(SetPassword(actor=ADMIN, nip=PLT_NIP, by_owner=True), state)
    assert own == [
        CredentialChanged(nip=PLT_NIP, change=CredentialChange.CHANGED, must_change=False)
    ]
    reset = decide.set_password(SetPassword(actor=ADMIN, nip=PLT_NIP, by_owner=False), state)
    assert reset == [
        CredentialChanged(nip=PLT_NIP, change=CredentialChange.RESET, must_change=True)
    ]
    assert set(CredentialChanged.model_fields) == {
        "type",
        "schema_version",
        "nip",
        "change",
        "must_change",
    }


@pytest.mark.parametrize(
    "password",
    ["pendek1", "hanyahurufsaja", "12345678901234", f"x{PLT_NIP}1"],
)
def test_a_weak_password_is_refused_naming_the_field(password: str) -> None:
    with pytest.raises(PasswordWeak) as refused:
        decide.check_password(password, nip=PLT_NIP, field="new_password")
    assert refused.value.field == "new_password"
    assert refused.value.code == "password_weak"


def test_a_good_password_passes() -> None:
    decide.check_password("Bangka-Belitung-2026", nip=PLT_NIP, field="new_password")


# --- delegations -----------------------------------------------------------------------------


def test_a_delegation_names_both_people() -> None:
    holder, delegate = person(KADIS_NIP, Role.KADIS), person(PLT_NIP, Role.KABID)
    (event,) = decide.grant_delegation(
        grant(), DelegationState(UUID(int=7)), holder=holder, delegate=delegate
    )
    assert isinstance(event, DelegationGranted)
    assert (event.holder_name, event.delegate_name) == (holder.name, delegate.name)
    state = evolve_delegation(DelegationState(UUID(int=7)), event)
    assert state.active_on(TODAY)
    assert not state.active_on(TODAY - timedelta(days=1))


def test_a_vacant_position_may_have_a_plt() -> None:
    (event,) = decide.grant_delegation(
        grant(holder_nip=None),
        DelegationState(UUID(int=7)),
        holder=None,
        delegate=person(PLT_NIP),
    )
    assert isinstance(event, DelegationGranted)
    assert event.holder_nip is None


@pytest.mark.parametrize(
    ("changes", "holder", "delegate", "refusal"),
    [
        ({"ends_on": TODAY - timedelta(days=1)}, (Role.KADIS,), (), DelegationDates),
        ({}, (Role.KABID,), (), HolderLacksPosition),
        ({}, (Role.KADIS,), None, DelegateUnknown),
        ({"delegate_nip": KADIS_NIP}, (Role.KADIS,), (), DelegateIsHolder),
    ],
)
def test_a_delegation_is_refused(
    changes: dict[str, object],
    holder: tuple[Role, ...],
    delegate: tuple[Role, ...] | None,
    refusal: type[Exception],
) -> None:
    command = grant(**changes)
    delegate_state = (
        PersonState(nip=command.delegate_nip)
        if delegate is None
        else person(command.delegate_nip, *delegate)
    )
    with pytest.raises(refusal):
        decide.grant_delegation(
            command,
            DelegationState(UUID(int=7)),
            holder=person(KADIS_NIP, *holder),
            delegate=delegate_state,
        )


def test_a_delegation_ends_once() -> None:
    state = delegation()
    end = EndDelegation(actor=ADMIN, delegation_id=state.delegation_id, reason="Kadis kembali")
    (event,) = decide.end_delegation(end, state, today=TODAY + timedelta(days=2))
    assert event == DelegationEnded(
        delegation_id=state.delegation_id,
        ended_on=TODAY + timedelta(days=2),
        reason="Kadis kembali",
    )
    ended = evolve_delegation(state, event)
    assert not ended.active_on(TODAY + timedelta(days=2))
    assert ended.active_on(TODAY + timedelta(days=1))
    with pytest.raises(DelegationAlreadyEnded):
        decide.end_delegation(end, ended, today=TODAY + timedelta(days=3))
    with pytest.raises(DelegationAlreadyEnded):
        decide.end_delegation(end, state, today=TODAY + timedelta(days=30))
    with pytest.raises(DelegationNotFound):
        decide.end_delegation(end, DelegationState(uuid4()), today=TODAY)


# --- what a token may carry ------------------------------------------------------------------


def test_the_choices_are_the_roles_held_then_the_delegations_running_today() -> None:
    me = person(PLT_NIP, Role.KABID, Role.PETUGAS)
    running, over = (
        delegation(),
        delegation(starts=TODAY - timedelta(days=9), ends=TODAY - timedelta(days=1)),
    )
    found = decide.choices(me, [running, over], today=TODAY)
    assert [(c.role, c.delegation_id) for c in found] == [
        (Role.KABID, None),
        (Role.PETUGAS, None),
        (Role.KADIS, running.delegation_id),
    ]
    assert found[-1].label == "Plt. Kepala Dinas (SK 800/123/BKPSDM/2026)"


def test_a_token_carries_a_role_held_or_an_active_delegation() -> None:
    me = person(PLT_NIP, Role.KABID)
    assert decide.choose(me, Role.KABID, None, today=TODAY).delegation_id is None
    with pytest.raises(RoleNotHeld):
        decide.choose(me, Role.KADIS, None, today=TODAY)
    running = delegation()
    assert (
        decide.choose(me, Role.KADIS, running, today=TODAY).delegation_id == running.delegation_id
    )
    for inactive in (
        delegation(ended=TODAY),
        delegation(starts=TODAY + timedelta(days=1)),
        delegation(ends=TODAY - timedelta(days=1), starts=TODAY - timedelta(days=3)),
    ):
        with pytest.raises(DelegationInactive):
            decide.choose(me, Role.KADIS, inactive, today=TODAY)
    with pytest.raises(DelegationInactive):
        decide.choose(me, Role.PRAKOM, running, today=TODAY)
    with pytest.raises(DelegationInactive):
        decide.choose(person("199001012015011003"), Role.KADIS, running, today=TODAY)


def test_no_token_before_the_initial_password_is_changed() -> None:
    with pytest.raises(PasswordChangeRequired):
        decide.choose(person(PLT_NIP, Role.KABID, must_change=True), Role.KABID, None, today=TODAY)
