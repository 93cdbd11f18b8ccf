"""The integration service's rules: given a work item's events, when a command, then events."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from integration.domain import errors
from integration.domain.commands import AnalyseFeasibility, ImplementIntegration
from integration.domain.decide import decide
from integration.domain.state import Status, WorkItem, evolve, fold, stream_id
from penghubung.events.base import Actor, Event, Role
from penghubung.events.catalog import ClosureReason, FeasibilityDone, Integrated, RequestClosed
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
from penghubung.refusals import Refused
from penghubung.sop import Difficulty

TICKET = "SC05-2026-00042"
ASSIGNED = Officer(nip="198001012005011001", name="Budi Santoso")
OTHER = Officer(nip="199002022015022002", name="Siti Aminah")


def contact(name: str, nip: str) -> ContactPerson:
    return ContactPerson(
        name=name,
        nip=nip,
        position="Kepala Seksi",
        work_unit="Bidang Aplikasi",
        office_address="Jl. Pulau Bangka, Air Itam, Pangkalpinang",
        mobile_phone="0821-8064-0997",
        email="teknis@babelprov.go.id",
    )


VULNERABILITY = VulnerabilityAssessmentForm(
    application_name="SIMPEG",
    application_ip="10.10.1.20",
    database_ip="10.10.1.21",
    network_ip="10.10.1.0/24",
    description="Sistem informasi kepegawaian",
    platforms=(Platform.LINUX,),
    languages=("PHP",),
    dbms=("PostgreSQL",),
    structural_contact=contact("Andi Wijaya", "197505052000031002"),
    technical_contact=contact("Rina Putri", "198812122012122001"),
    has_source_code_or_database=True,
    has_installation_manual=True,
    has_user_manual=True,
    has_uat_document=False,
)
STRESS = StressTestForm(
    max_users_per_day=500,
    effective_hours_per_day=8,
    transaction_seconds=30,
    has_test_scenario_document=True,
)
DETAILS = IntegrationDetails(
    mechanism=MechanismChoice(kind=Mechanism.API),
    base_url="https://simpeg.babelprov.go.id/api/v1",
    operations=("GET /pegawai", "GET /pegawai/{nip}"),
    authentication=AuthenticationType.API_KEY,
)


def actor(officer: Officer | None = ASSIGNED, *, on_behalf_of: Officer | None = None) -> Actor:
    return Actor(
        nip=officer.nip if officer else None,
        name=officer.name if officer else "Tanpa NIP",
        role=Role.PETUGAS,
        on_behalf_of_nip=on_behalf_of.nip if on_behalf_of else None,
        on_behalf_of_name=on_behalf_of.name if on_behalf_of else None,
    )


def analyse(
    *,
    feasible: bool = True,
    recommendations: tuple[str, ...] = (),
    by: Actor | None = None,
    ticket_id: str = TICKET,
) -> AnalyseFeasibility:
    return AnalyseFeasibility(
        ticket_id=ticket_id,
        actor=by or actor(),
        difficulty=Difficulty.MEDIUM,
        feasible=feasible,
        vulnerability=VULNERABILITY,
        stress_test=STRESS,
        notes="Server dan basis data siap diintegrasikan.",
        recommendations=recommendations,
    )


def implement(*, by: Actor | None = None, ticket_id: str = TICKET) -> ImplementIntegration:
    return ImplementIntegration(
        ticket_id=ticket_id,
        actor=by or actor(),
        details=DETAILS,
        notes="Layanan diterbitkan di GSB dan diuji bersama OPD.",
    )


def given(*events: Event, officer: Officer = ASSIGNED) -> WorkItem:
    """A work item assigned to `officer` whose stream holds `events`."""
    return fold(WorkItem(ticket_id=TICKET, officer=officer), events)


def feasible_done() -> FeasibilityDone:
    (done,) = decide(analyse(), given())
    assert isinstance(done, FeasibilityDone)
    return done


def not_feasible_done() -> list[Event]:
    return decide(analyse(feasible=False, recommendations=("Perbarui server",)), given())


# --- feasibility ----------------------------------------------------------------------------


def test_a_feasible_analysis_is_recorded_with_its_forms() -> None:
    events = decide(analyse(recommendations=("Aktifkan HTTPS",)), given())

    assert events == [
        FeasibilityDone(
            ticket_id=TICKET,
            difficulty=Difficulty.MEDIUM,
            feasible=True,
            vulnerability=VULNERABILITY,
            stress_test=STRESS,
            notes="Server dan basis data siap diintegrasikan.",
            recommendations=("Aktifkan HTTPS",),
        )
    ]


def test_a_feasible_analysis_needs_no_recommendation() -> None:
    events = decide(analyse(recommendations=()), given())

    assert [type(e) for e in events] == [FeasibilityDone]


def test_an_analysis_found_not_feasible_also_closes_the_request_with_the_recommendation() -> None:
    cmd = analyse(feasible=False, recommendations=("Perbarui server", "Sediakan dokumen UAT"))

    done, closed = decide(cmd, given())

    assert isinstance(done, FeasibilityDone)
    assert done.feasible is False
    assert closed == RequestClosed(
        ticket_id=TICKET,
        reason=ClosureReason.NOT_FEASIBLE,
        recommendation="Perbarui server\n\nSediakan dokumen UAT",
    )


def test_an_analysis_found_not_feasible_needs_a_recommendation() -> None:
    with pytest.raises(errors.RecommendationRequired) as refused:
        decide(analyse(feasible=False, recommendations=()), given())

    assert refused.value.code == "recommendation_required"
    assert refused.value.field == "recommendations"


def test_the_joined_recommendations_of_a_closed_request_must_fit_one_text() -> None:
    cmd = analyse(feasible=False, recommendations=("a" * 2500, "b" * 2499))

    with pytest.raises(errors.RecommendationsTooLong) as refused:
        decide(cmd, given())

    assert refused.value.field == "recommendations"


def test_recommendations_that_just_fit_close_the_request() -> None:
    cmd = analyse(feasible=False, recommendations=("a" * 2499, "b" * 2499))

    _, closed = decide(cmd, given())

    assert isinstance(closed, RequestClosed)
    assert len(closed.recommendation) == 5000


@pytest.mark.parametrize("outcome", [True, False])
def test_the_analysis_is_done_once(outcome: bool) -> None:
    first = decide(analyse(feasible=outcome, recommendations=("Perbarui server",)), given())

    with pytest.raises(errors.AlreadyAnalysed) as refused:
        decide(analyse(), given(*first))

    assert refused.value.code == "already_analysed"


def test_the_analysis_is_refused_once_integrated() -> None:
    state = given(feasible_done(), *decide(implement(), given(feasible_done())))

    with pytest.raises(errors.AlreadyAnalysed):
        decide(analyse(), state)


# --- implementation -------------------------------------------------------------------------


def test_after_a_feasible_analysis_the_integration_is_recorded() -> None:
    events = decide(implement(), given(feasible_done()))

    assert events == [
        Integrated(
            ticket_id=TICKET,
            details=DETAILS,
            notes="Layanan diterbitkan di GSB dan diuji bersama OPD.",
        )
    ]


def test_no_integration_before_the_analysis() -> None:
    with pytest.raises(errors.FeasibilityMissing) as refused:
        decide(implement(), given())

    assert refused.value.code == "feasibility_missing"


def test_no_integration_of_a_request_found_not_feasible() -> None:
    with pytest.raises(errors.NotFeasible) as refused:
        decide(implement(), given(*not_feasible_done()))

    assert refused.value.code == "not_feasible"


def test_an_analysis_not_feasible_without_the_closure_is_still_not_implemented() -> None:
    (done, _) = not_feasible_done()

    with pytest.raises(errors.NotFeasible):
        decide(implement(), given(done))


def test_the_integration_is_recorded_once() -> None:
    integrated = decide(implement(), given(feasible_done()))

    with pytest.raises(errors.AlreadyIntegrated) as refused:
        decide(implement(), given(feasible_done(), *integrated))

    assert refused.value.code == "already_integrated"


# --- who may act ----------------------------------------------------------------------------


@pytest.mark.parametrize("command", [analyse(), implement()], ids=["analyse", "implement"])
def test_a_request_without_a_work_item_is_not_found(
    command: AnalyseFeasibility | ImplementIntegration,
) -> None:
    with pytest.raises(errors.WorkItemNotFound) as refused:
        decide(command, None)

    assert refused.value.code == "work_item_not_found"


@pytest.mark.parametrize(
    "command", [analyse(by=actor(OTHER)), implement(by=actor(OTHER))], ids=["analyse", "implement"]
)
def test_only_the_assigned_officer_may_act(
    command: AnalyseFeasibility | ImplementIntegration,
) -> None:
    with pytest.raises(errors.NotAssignedToYou) as refused:
        decide(
            command,
            given(feasible_done()) if isinstance(command, ImplementIntegration) else given(),
        )

    assert refused.value.code == "not_assigned_to_you"


def test_a_token_without_a_nip_holds_no_work_item() -> None:
    with pytest.raises(errors.NotAssignedToYou):
        decide(analyse(by=actor(None)), given())


def test_a_stand_in_may_act_for_the_assigned_officer() -> None:
    stand_in = actor(OTHER, on_behalf_of=ASSIGNED)

    events = decide(analyse(by=stand_in), given())

    assert [type(e) for e in events] == [FeasibilityDone]


def test_a_stand_in_for_someone_else_may_not_act() -> None:
    stand_in = actor(OTHER, on_behalf_of=Officer(nip="197001011995031001", name="Joko"))

    with pytest.raises(errors.NotAssignedToYou):
        decide(analyse(by=stand_in), given())


def test_after_a_reassignment_the_new_officer_continues_and_the_old_one_is_refused() -> None:
    moved = given(feasible_done(), officer=OTHER)

    assert [type(e) for e in decide(implement(by=actor(OTHER)), moved)] == [Integrated]
    with pytest.raises(errors.NotAssignedToYou):
        decide(implement(by=actor(ASSIGNED)), moved)


# --- state ----------------------------------------------------------------------------------


def test_status_follows_the_facts() -> None:
    assert given().status is Status.ASSIGNED
    assert given(feasible_done()).status is Status.ANALYSED
    assert given(feasible_done(), *decide(implement(), given(feasible_done()))).status is (
        Status.INTEGRATED
    )
    assert given(*not_feasible_done()).status is Status.CLOSED


def test_facts_of_other_kinds_leave_the_work_item_as_it_is() -> None:
    state = given()
    other = Event(type="SomethingElse")

    assert evolve(state, other) is state


def test_the_stream_of_a_request_is_its_integration_stream() -> None:
    assert stream_id(TICKET) == "integration-SC05-2026-00042"


# --- commands and errors --------------------------------------------------------------------


def test_a_command_names_a_valid_ticket() -> None:
    with pytest.raises(ValidationError):
        analyse(ticket_id="TIKET-1")


def test_every_refusal_has_its_own_code_and_a_message_for_people() -> None:
    refusals = [
        errors.WorkItemNotFound,
        errors.NotAssignedToYou,
        errors.AlreadyAnalysed,
        errors.FeasibilityMissing,
        errors.NotFeasible,
        errors.AlreadyIntegrated,
        errors.RecommendationRequired,
        errors.RecommendationsTooLong,
    ]

    codes = [r.code for r in refusals]
    assert len(set(codes)) == len(codes)
    assert all(r.message and r.message != Refused.message for r in refusals)
