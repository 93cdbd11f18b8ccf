"""Pausing a work item's clock: given the work item's events, when pause/resume, then events."""

from __future__ import annotations

from typing import Any

import pytest

from integration.domain import errors
from integration.domain.pause import (
    ClockState,
    PauseClock,
    ResumeClock,
    decide,
    evolve,
    fold,
)
from integration.domain.state import WorkItem
from penghubung.events.base import Actor, Event, Role
from penghubung.events.catalog import (
    ClosureReason,
    FeasibilityDone,
    Integrated,
    Outcome,
    ReportWritten,
    RequestClosed,
)
from penghubung.events.sla import ClockPaused, ClockResumed, PauseReason
from penghubung.forms import (
    AuthenticationType,
    ContactPerson,
    IntegrationDetails,
    Mechanism,
    MechanismChoice,
    Officer,
    Platform,
    StressTestForm,
    VulnerabilityAssessmentForm,
)
from penghubung.sop import Difficulty, Step

TICKET = "SC05-2026-00042"
ASSIGNED = Officer(nip="198001012005011001", name="Budi Santoso")
OTHER = Officer(nip="199002022015022002", name="Siti Aminah")
ITEM = WorkItem(ticket_id=TICKET, officer=ASSIGNED)


def actor(officer: Officer = ASSIGNED, *, on_behalf_of: Officer | None = None) -> Actor:
    return Actor(
        nip=officer.nip,
        name=officer.name,
        role=Role.PETUGAS,
        on_behalf_of_nip=on_behalf_of.nip if on_behalf_of else None,
        on_behalf_of_name=on_behalf_of.name if on_behalf_of else None,
    )


def pause(reason: PauseReason = PauseReason.AGENCY_DOCUMENTS, **more: Any) -> PauseClock:
    return PauseClock(ticket_id=TICKET, actor=more.pop("by", actor()), reason=reason, **more)


def resume(**more: Any) -> ResumeClock:
    return ResumeClock(ticket_id=TICKET, actor=more.pop("by", actor()), **more)


def contact(name: str) -> ContactPerson:
    return ContactPerson(
        name=name,
        nip="197505052000031002",
        position="Kepala Seksi",
        work_unit="Bidang Aplikasi",
        office_address="Jl. Pulau Bangka, Air Itam, Pangkalpinang",
        mobile_phone="0821-8064-0997",
        email="teknis@babelprov.go.id",
    )


def analysed(*, feasible: bool) -> FeasibilityDone:
    return FeasibilityDone(
        ticket_id=TICKET,
        difficulty=Difficulty.MEDIUM,
        feasible=feasible,
        vulnerability=VulnerabilityAssessmentForm(
            application_name="SIMPEG",
            application_ip="10.10.1.20",
            description="Sistem informasi kepegawaian",
            platforms=(Platform.LINUX,),
            structural_contact=contact("Andi Wijaya"),
            technical_contact=contact("Rina Putri"),
            has_source_code_or_database=True,
            has_installation_manual=True,
            has_user_manual=True,
            has_uat_document=False,
        ),
        stress_test=StressTestForm(
            max_users_per_day=500,
            effective_hours_per_day=8,
            transaction_seconds=30,
            has_test_scenario_document=True,
        ),
        notes="Catatan analisis",
    )


def integrated() -> Integrated:
    return Integrated(
        ticket_id=TICKET,
        details=IntegrationDetails(
            mechanism=MechanismChoice(kind=Mechanism.GSB),
            gsb_service_name="simpeg",
            operations=("cari",),
            authentication=AuthenticationType.MTLS,
        ),
        notes="Selesai",
    )


def paused(step: Step = Step.FEASIBILITY) -> ClockPaused:
    return ClockPaused(ticket_id=TICKET, step=step, reason=PauseReason.UAT)


def given(*events: Event) -> ClockState:
    return fold(events)


def test_the_feasibility_clock_is_paused_with_its_reason_and_note() -> None:
    events = decide(
        pause(PauseReason.IP_ALLOCATION, note="Menunggu IP dari jaringan"), ITEM, given()
    )
    assert events == [
        ClockPaused(
            ticket_id=TICKET,
            step=Step.FEASIBILITY,
            reason=PauseReason.IP_ALLOCATION,
            note="Menunggu IP dari jaringan",
        )
    ]


def test_after_a_feasible_analysis_the_implementation_clock_is_paused() -> None:
    events = decide(pause(PauseReason.VENDOR), ITEM, given(analysed(feasible=True)))
    assert events == [
        ClockPaused(ticket_id=TICKET, step=Step.IMPLEMENTATION, reason=PauseReason.VENDOR)
    ]


def test_a_paused_clock_is_resumed() -> None:
    events = decide(resume(note="Dokumen diterima"), ITEM, given(paused()))
    assert events == [
        ClockResumed(ticket_id=TICKET, step=Step.FEASIBILITY, note="Dokumen diterima")
    ]


def test_a_stand_in_pauses_for_the_assigned_officer() -> None:
    events = decide(pause(by=actor(OTHER, on_behalf_of=ASSIGNED)), ITEM, given())
    assert len(events) == 1


def test_a_paused_clock_is_not_paused_again() -> None:
    with pytest.raises(errors.ClockAlreadyPaused) as refused:
        decide(pause(), ITEM, given(paused()))
    assert refused.value.code == "clock_already_paused"


def test_a_running_clock_is_not_resumed() -> None:
    with pytest.raises(errors.ClockNotPaused):
        decide(resume(), ITEM, given())
    with pytest.raises(errors.ClockNotPaused):
        decide(
            resume(), ITEM, given(paused(), ClockResumed(ticket_id=TICKET, step=Step.FEASIBILITY))
        )


def test_recording_the_analysis_ends_the_pause_and_the_next_step_runs() -> None:
    state = given(paused(), analysed(feasible=True))
    assert state == ClockState(step=Step.IMPLEMENTATION, paused=None)


@pytest.mark.parametrize(
    "events",
    [
        (analysed(feasible=False),),
        (
            analysed(feasible=False),
            RequestClosed(
                ticket_id=TICKET, reason=ClosureReason.NOT_FEASIBLE, recommendation="Perbaiki"
            ),
        ),
        (analysed(feasible=True), integrated()),
    ],
)
def test_when_the_work_is_done_no_clock_is_paused_or_resumed(events: tuple[Event, ...]) -> None:
    for command in (pause(), resume()):
        with pytest.raises(errors.WorkFinished) as refused:
            decide(command, ITEM, given(*events))
        assert refused.value.code == "work_finished"


def test_another_officer_gets_a_conflict() -> None:
    with pytest.raises(errors.NotAssignedToYou):
        decide(pause(by=actor(OTHER)), ITEM, given())


def test_no_work_item_is_not_found() -> None:
    with pytest.raises(errors.WorkItemNotFound):
        decide(pause(), None, given())


def test_other_events_leave_the_clock_as_it_is() -> None:
    state = given(paused())
    other = ReportWritten(ticket_id=TICKET, outcome=Outcome.INTEGRATED, summary="Ringkasan")
    assert evolve(state, other) == state
