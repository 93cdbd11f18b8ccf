"""Disposition's rules: given its events, when a command, then events — or the refusal."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from disposition.domain import errors
from disposition.domain.commands import Dispose, Reassign, ReturnRequest
from disposition.domain.decide import acting_actor, decide
from disposition.domain.state import Request, Round, Status, evolve_all, fold, next_role
from penghubung.events.base import Actor, Event, Role
from penghubung.events.catalog import Disposed, RequestReturned, WorkReassigned
from penghubung.forms import Officer, StandIn
from penghubung.refusals import Conflict, Forbidden
from penghubung.sop import DocumentKind, Step

TICKET = "SC05-2026-00042"
KADIS = Actor(nip="197501012000031001", name="Kadis Kominfo", role=Role.KADIS)
KABID = Actor(nip="197802022003121002", name="Kabid eGotik", role=Role.KABID)
PRAKOM = Actor(nip="198503032010011003", name="Prakom Aplikasi", role=Role.PRAKOM)
PLH_KADIS = Actor(
    nip="198004042006041004",
    name="Sekretaris Dinas",
    role=Role.KADIS,
    on_behalf_of_nip=KADIS.nip,
    on_behalf_of_name=KADIS.name,
)
OFFICER = Officer(nip="199005052015031005", name="Petugas Service Desk")

LETTER = DocumentKind.REQUEST_LETTER
BY_KADIS = DocumentKind.KADIS_DISPOSITION
BY_KABID = DocumentKind.KABID_DISPOSITION
PAPERS = {
    Role.KADIS: frozenset({LETTER}),
    Role.KABID: frozenset({LETTER, BY_KADIS}),
    Role.PRAKOM: frozenset({LETTER, BY_KADIS, BY_KABID}),
}
ACTORS = {Role.KADIS: KADIS, Role.KABID: KABID, Role.PRAKOM: PRAKOM}


def given(*events: Event, round_start: int = 0) -> Request | None:
    """The request after intake submitted it and these disposition events happened."""
    return fold(Round(ticket_id=TICKET, round_start=round_start), list(events))


def disposed(from_role: Role, to_role: Role) -> Disposed:
    return Disposed(
        ticket_id=TICKET,
        from_role=from_role,
        to_role=to_role,
        instruction="lanjutkan",
        to_officer=OFFICER if to_role is Role.PETUGAS else None,
        documents=tuple(sorted(PAPERS[from_role])),
    )


def returned(step: Step) -> RequestReturned:
    return RequestReturned(ticket_id=TICKET, step=step, reasons=("surat belum ditandatangani",))


AT_KABID = (disposed(Role.KADIS, Role.KABID),)
AT_PRAKOM = (*AT_KABID, disposed(Role.KABID, Role.PRAKOM))
AT_PETUGAS = (*AT_PRAKOM, disposed(Role.PRAKOM, Role.PETUGAS))
HISTORIES = {Role.KADIS: (), Role.KABID: AT_KABID, Role.PRAKOM: AT_PRAKOM}


def dispose(actor: Actor = KADIS, **changes: object) -> Dispose:
    """A disposition by `actor` with the papers of its step, unless changed."""
    fields: dict[str, object] = {
        "ticket_id": TICKET,
        "actor": actor,
        "instruction": "mohon ditindaklanjuti",
        "documents": PAPERS.get(actor.role, frozenset()),
        "to_officer": OFFICER if actor.role is Role.PRAKOM else None,
    }
    return Dispose.model_validate({**fields, **changes})


def return_(actor: Actor = KADIS) -> ReturnRequest:
    return ReturnRequest(ticket_id=TICKET, actor=actor, reasons=("lampiran belum lengkap",))


# --- the chain, one level at a time ---------------------------------------------------------


def test_kadis_disposes_a_submitted_request_to_kabid() -> None:
    assert decide(dispose(KADIS, instruction="  segera proses  "), given()) == [
        Disposed(
            ticket_id=TICKET,
            from_role=Role.KADIS,
            to_role=Role.KABID,
            instruction="segera proses",
            documents=(LETTER,),
        )
    ]


def test_kabid_disposes_to_prakom_after_kadis() -> None:
    assert decide(dispose(KABID), given(*AT_KABID)) == [
        Disposed(
            ticket_id=TICKET,
            from_role=Role.KABID,
            to_role=Role.PRAKOM,
            instruction="mohon ditindaklanjuti",
            documents=(BY_KADIS, LETTER),
        )
    ]


def test_prakom_orders_the_named_petugas_after_kabid() -> None:
    [event] = decide(dispose(PRAKOM), given(*AT_PRAKOM))
    assert event == Disposed(
        ticket_id=TICKET,
        from_role=Role.PRAKOM,
        to_role=Role.PETUGAS,
        instruction="mohon ditindaklanjuti",
        to_officer=OFFICER,
        documents=(BY_KABID, BY_KADIS, LETTER),
    )


@pytest.mark.parametrize("role", [Role.KADIS, Role.KABID, Role.PRAKOM])
def test_a_stated_next_role_is_accepted(role: Role) -> None:
    [event] = decide(dispose(ACTORS[role], to_role=next_role(role)), given(*HISTORIES[role]))
    assert isinstance(event, Disposed)
    assert event.to_role is next_role(role)


def test_a_resubmitted_request_starts_again_at_kadis() -> None:
    history = (*AT_KABID, returned(Step.DISPOSE_PRAKOM))
    state = given(*history, round_start=len(history))
    [event] = decide(dispose(KADIS), state)
    assert isinstance(event, Disposed)
    assert (event.from_role, event.to_role) == (Role.KADIS, Role.KABID)


def test_duplicate_papers_are_stated_once() -> None:
    [event] = decide(dispose(KABID, documents=[LETTER, BY_KADIS, LETTER]), given(*AT_KABID))
    assert isinstance(event, Disposed)
    assert event.documents == (BY_KADIS, LETTER)


# --- who may act, and when ------------------------------------------------------------------


@pytest.mark.parametrize("command", [dispose(), return_()], ids=["dispose", "return"])
def test_an_unknown_request_is_not_found(command: Dispose | ReturnRequest) -> None:
    with pytest.raises(errors.RequestNotFound) as caught:
        decide(command, fold(None, []))
    assert caught.value.code == "request_not_found"
    assert TICKET in caught.value.message


@pytest.mark.parametrize("role", [Role.PEMOHON, Role.AUDITOR, Role.PETUGAS, Role.ADMIN])
@pytest.mark.parametrize("make", [dispose, return_], ids=["dispose", "return"])
def test_roles_outside_the_disposers_are_forbidden(
    role: Role, make: Callable[[Actor], Dispose | ReturnRequest]
) -> None:
    actor = Actor(nip="198101012005011001", name="Seseorang", role=role)
    command = make(actor)
    with pytest.raises(errors.RoleCannotAct) as caught:
        decide(command, given())
    assert isinstance(caught.value, Forbidden)
    assert caught.value.code == "role_not_allowed"


@pytest.mark.parametrize(
    ("actor", "history", "holder"),
    [
        (KABID, (), Role.KADIS),
        (PRAKOM, (), Role.KADIS),
        (KADIS, AT_KABID, Role.KABID),
        (PRAKOM, AT_KABID, Role.KABID),
        (KADIS, AT_PRAKOM, Role.PRAKOM),
        (KABID, AT_PRAKOM, Role.PRAKOM),
    ],
)
@pytest.mark.parametrize("action", ["dispose", "return"])
def test_only_the_holder_acts(
    actor: Actor, history: tuple[Event, ...], holder: Role, action: str
) -> None:
    command = dispose(actor) if action == "dispose" else return_(actor)
    with pytest.raises(errors.NotYourTurn) as caught:
        decide(command, given(*history))
    assert caught.value.code == "out_of_order"
    assert isinstance(caught.value, Conflict)
    assert f"berada pada {holder.value}" in caught.value.message


@pytest.mark.parametrize(
    ("role", "asked"),
    [
        (Role.KADIS, Role.PRAKOM),
        (Role.KADIS, Role.PETUGAS),
        (Role.KABID, Role.PETUGAS),
        (Role.KABID, Role.KABID),
        (Role.PRAKOM, Role.KABID),
    ],
)
def test_a_disposition_goes_one_level_down_only(role: Role, asked: Role) -> None:
    command = dispose(ACTORS[role], to_role=asked)
    with pytest.raises(errors.SkipsALevel) as caught:
        decide(command, given(*HISTORIES[role]))
    assert caught.value.code == "out_of_order"


@pytest.mark.parametrize("action", ["dispose", "return"])
@pytest.mark.parametrize(
    "step", [Step.DISPOSE_KABID, Step.DISPOSE_PRAKOM, Step.DISPOSE_PETUGAS], ids=str
)
def test_a_returned_request_waits_for_its_resubmission(action: str, step: Step) -> None:
    history = {Step.DISPOSE_KABID: (), Step.DISPOSE_PRAKOM: AT_KABID}.get(step, AT_PRAKOM)
    state = given(*history, returned(step))
    command = dispose(KADIS) if action == "dispose" else return_(KADIS)
    with pytest.raises(errors.AwaitingResubmission) as caught:
        decide(command, state)
    assert caught.value.code == "request_returned"


@pytest.mark.parametrize("actor", [KADIS, KABID, PRAKOM])
@pytest.mark.parametrize("action", ["dispose", "return"])
def test_nothing_is_disposed_or_returned_once_a_petugas_is_ordered(
    actor: Actor, action: str
) -> None:
    command = dispose(actor) if action == "dispose" else return_(actor)
    with pytest.raises(errors.DispositionComplete) as caught:
        decide(command, given(*AT_PETUGAS))
    assert caught.value.code == "disposition_complete"


# --- the papers (kelengkapan) ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "stated", "missing"),
    [
        (Role.KADIS, set(), {LETTER}),
        (Role.KABID, {LETTER}, {BY_KADIS}),
        (Role.KABID, set(), {LETTER, BY_KADIS}),
        (Role.PRAKOM, {LETTER, BY_KADIS}, {BY_KABID}),
        (Role.PRAKOM, {BY_KABID}, {LETTER, BY_KADIS}),
    ],
)
def test_missing_papers_are_named(
    role: Role, stated: set[DocumentKind], missing: set[DocumentKind]
) -> None:
    command = dispose(ACTORS[role], documents=stated)
    with pytest.raises(errors.DocumentsMissing) as caught:
        decide(command, given(*HISTORIES[role]))
    assert set(caught.value.missing) == missing
    assert caught.value.field == "documents"
    assert all(kind.value in caught.value.message for kind in missing)


@pytest.mark.parametrize(
    ("role", "extra"),
    [(Role.KADIS, {BY_KADIS}), (Role.KADIS, {BY_KABID}), (Role.KABID, {BY_KABID})],
)
def test_papers_of_a_later_step_cannot_be_at_hand(role: Role, extra: set[DocumentKind]) -> None:
    command = dispose(ACTORS[role], documents=PAPERS[role] | extra)
    with pytest.raises(errors.DocumentsNotYetMade) as caught:
        decide(command, given(*HISTORIES[role]))
    assert set(caught.value.extra) == extra
    assert caught.value.code == "documents_not_yet_made"


# --- the officer ----------------------------------------------------------------------------


def test_the_prakom_names_the_petugas() -> None:
    with pytest.raises(errors.OfficerRequired) as caught:
        decide(dispose(PRAKOM, to_officer=None), given(*AT_PRAKOM))
    assert caught.value.field == "to_officer"


@pytest.mark.parametrize("role", [Role.KADIS, Role.KABID])
def test_kadis_and_kabid_dispose_to_a_role_not_an_officer(role: Role) -> None:
    with pytest.raises(errors.OfficerNotExpected) as caught:
        decide(dispose(ACTORS[role], to_officer=OFFICER), given(*HISTORIES[role]))
    assert caught.value.field == "to_officer"


# --- stand-ins (Plt / Plh) ------------------------------------------------------------------


def test_a_stand_in_named_by_the_token_disposes_for_the_holder() -> None:
    command = dispose(PLH_KADIS, stand_in=StandIn.PLH)
    [event] = decide(command, given())
    assert isinstance(event, Disposed)
    assert event.stand_in is StandIn.PLH
    assert acting_actor(command) == PLH_KADIS


def test_a_stand_in_the_token_does_not_carry_is_refused() -> None:
    plt = Actor(nip="198004042006041004", name="Plt Kabid", role=Role.KABID)
    holder = Officer(nip=KABID.nip or "", name=KABID.name)
    for command in (
        dispose(plt, stand_in=StandIn.PLT, on_behalf_of=holder),
        dispose(plt, on_behalf_of=holder),
        dispose(plt, stand_in=StandIn.PLT),
    ):
        with pytest.raises(errors.StandInNotInToken) as caught:
            decide(command, given(*AT_KABID))
        assert caught.value.code == "stand_in_not_in_token"


def test_a_directory_delegation_token_says_plt_or_plh_itself() -> None:
    command = dispose(PLH_KADIS, token_stand_in=StandIn.PLT, delegation_id="d-1")
    [event] = decide(command, given())
    assert isinstance(event, Disposed)
    assert event.stand_in is StandIn.PLT
    assert acting_actor(command) == PLH_KADIS
    with pytest.raises(errors.StandInConflict) as caught:
        decide(dispose(PLH_KADIS, token_stand_in=StandIn.PLT, stand_in=StandIn.PLH), given())
    assert caught.value.field == "stand_in"


def test_token_and_body_may_both_name_the_same_holder() -> None:
    holder = Officer(nip=KADIS.nip or "", name="Kepala Dinas")
    command = dispose(PLH_KADIS, stand_in=StandIn.PLH, on_behalf_of=holder)
    assert decide(command, given())
    assert acting_actor(command) == PLH_KADIS  # the token's words stand


def test_the_holder_acting_is_recorded_as_themself() -> None:
    assert acting_actor(dispose(KADIS)) == KADIS


def test_a_stand_in_says_whether_plt_or_plh() -> None:
    with pytest.raises(errors.StandInKindMissing) as caught:
        decide(dispose(PLH_KADIS), given())
    assert caught.value.field == "stand_in"


def test_body_and_token_must_name_the_same_holder() -> None:
    other = Officer(nip="196001012000031001", name="Orang Lain")
    command = dispose(PLH_KADIS, stand_in=StandIn.PLH, on_behalf_of=other)
    with pytest.raises(errors.StandInConflict) as caught:
        decide(command, given())
    assert caught.value.code == "stand_in_conflict"


def test_no_one_stands_in_for_themself() -> None:
    itself = KADIS.model_copy(update={"on_behalf_of_nip": KADIS.nip, "on_behalf_of_name": "X"})
    command = dispose(itself, stand_in=StandIn.PLT)
    with pytest.raises(errors.StandInForSelf):
        decide(command, given())


# --- returns --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "step"),
    [
        (Role.KADIS, Step.DISPOSE_KABID),
        (Role.KABID, Step.DISPOSE_PRAKOM),
        (Role.PRAKOM, Step.DISPOSE_PETUGAS),
    ],
)
def test_the_holder_returns_the_request_at_its_step(role: Role, step: Step) -> None:
    assert decide(return_(ACTORS[role]), given(*HISTORIES[role])) == [
        RequestReturned(ticket_id=TICKET, step=step, reasons=("lampiran belum lengkap",))
    ]


def test_a_stand_in_may_return_for_the_holder() -> None:
    [event] = decide(return_(PLH_KADIS), given())
    assert isinstance(event, RequestReturned)


# --- the state the rules read ---------------------------------------------------------------


def test_a_request_intake_never_submitted_has_no_state() -> None:
    assert fold(None, list(AT_KABID)) is None


@pytest.mark.parametrize(
    ("history", "holder", "status"),
    [
        ((), Role.KADIS, Status.DISPOSING),
        (AT_KABID, Role.KABID, Status.DISPOSING),
        (AT_PRAKOM, Role.PRAKOM, Status.DISPOSING),
        (AT_PETUGAS, Role.PETUGAS, Status.ASSIGNED),
        ((*AT_KABID, returned(Step.DISPOSE_PRAKOM)), Role.PEMOHON, Status.RETURNED),
    ],
)
def test_the_fold_follows_the_chain(
    history: tuple[Event, ...], holder: Role, status: Status
) -> None:
    state = given(*history)
    assert state is not None
    assert (state.holder, state.status) == (holder, status)
    assert state.officer == (OFFICER if holder is Role.PETUGAS else None)


def test_a_round_counts_only_the_events_after_its_start() -> None:
    history = (*AT_PETUGAS, returned(Step.DISPOSE_PETUGAS), *AT_KABID)
    assert given(*history) == Request(ticket_id=TICKET, holder=Role.KABID)
    assert given(*history, round_start=len(AT_PETUGAS) + 1) == Request(
        ticket_id=TICKET, holder=Role.KABID
    )
    assert given(*history, round_start=len(history)) == Request(ticket_id=TICKET)


def test_the_next_role_below_each_disposer() -> None:
    assert [next_role(r) for r in (Role.KADIS, Role.KABID, Role.PRAKOM)] == [
        Role.KABID,
        Role.PRAKOM,
        Role.PETUGAS,
    ]
    assert next_role(Role.PETUGAS) is None
    assert next_role(Role.PEMOHON) is None


# --- reassignment ---------------------------------------------------------------------------


def reassign(actor: Actor = PRAKOM, **changes: object) -> Reassign:
    fields: dict[str, object] = {
        "ticket_id": TICKET,
        "actor": actor,
        "to_officer": Officer(nip="199106062016041006", name="Petugas Lain"),
        "reason": "Petugas semula cuti panjang",
    }
    fields.update(changes)
    return Reassign.model_validate(fields)


def test_prakom_or_kabid_moves_the_work_to_another_petugas() -> None:
    for by in (PRAKOM, KABID):
        [event] = decide(reassign(by), given(*AT_PETUGAS))
        assert event == WorkReassigned(
            ticket_id=TICKET,
            from_officer=OFFICER,
            to_officer=Officer(nip="199106062016041006", name="Petugas Lain"),
            reason="Petugas semula cuti panjang",
        )
    moved = evolve_all(given(*AT_PETUGAS) or Request(ticket_id=TICKET), [event])
    assert moved.officer == event.to_officer
    assert moved.status is Status.ASSIGNED


def test_work_not_yet_ordered_cannot_move() -> None:
    with pytest.raises(errors.NotAssigned):
        decide(reassign(), given(*AT_PRAKOM))


def test_only_prakom_or_kabid_reassigns() -> None:
    with pytest.raises(errors.RoleCannotAct):
        decide(reassign(KADIS), given(*AT_PETUGAS))


def test_work_does_not_move_to_the_petugas_who_has_it() -> None:
    with pytest.raises(errors.SameOfficer) as caught:
        decide(reassign(to_officer=OFFICER), given(*AT_PETUGAS))
    assert caught.value.field == "to_officer.nip"
