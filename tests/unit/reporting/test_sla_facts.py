"""What the clocks take from each event (`fact_of`), and reporting's SLA settings."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from penghubung.events import Actor, Envelope, Event, Role
from penghubung.events.catalog import (
    BeritaAcaraNumberReserved,
    Disposed,
    FeasibilityDone,
    Integrated,
    RequestClosed,
    RequestSubmitted,
    WorkReassigned,
)
from penghubung.events.sla import ClockPaused, PauseReason
from penghubung.forms import Officer
from penghubung.settings import ServiceSettings
from penghubung.sop import Channel, Step
from reporting.settings import ReportingSettings
from reporting.sla.domain.clocks import (
    FACT,
    AnalysedFact,
    DisposedFact,
    FinishedFact,
    PausedFact,
    ReassignedFact,
    SubmittedFact,
    fact_of,
    registered_at,
)

TICKET = "SC05-2026-00007"
RECORDED = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
PLH = Actor(
    nip="198004042006041004",
    name="Sekretaris Dinas",
    role=Role.KADIS,
    on_behalf_of_nip="197501012000031001",
    on_behalf_of_name="Kadis Kominfo",
)


def envelope(event: Event, *, at: datetime, actor: Actor = PLH, position: int = 9) -> Envelope:
    return Envelope(
        event_id=uuid.uuid4(),
        stream_id=f"{type(event).category}-{TICKET}",
        stream_version=1,
        global_position=position,
        type=event.type,
        schema_version=1,
        occurred_at=at,
        recorded_at=RECORDED,
        actor=actor,
        correlation_id=TICKET,
        causation_id=None,
        event=event,
        hash="0" * 64,
    )


def test_a_letter_is_registered_when_the_desk_records_it(
    submitted: Callable[..., RequestSubmitted],
) -> None:
    event = submitted()  # a letter received 2026-03-02 09:15 WIB = 02:15 UTC, recorded 03:00
    fact = fact_of(envelope(event, at=event.received_at))
    assert isinstance(fact, SubmittedFact)
    assert (fact.received_at, fact.at, fact.channel) == (
        event.received_at,
        RECORDED,
        Channel.LETTER,
    )
    assert fact.registered_by is not None
    assert fact.registered_by.name == "Budi Santoso"


def test_the_portal_registers_on_receipt(submitted: Callable[..., RequestSubmitted]) -> None:
    event = submitted(channel="portal", registered_by=None)
    fact = fact_of(envelope(event, at=event.received_at))
    assert isinstance(fact, SubmittedFact)
    assert fact.at == event.received_at
    # A registration is never before the receipt, whatever the log's clock says.
    early = RECORDED - timedelta(days=1)
    assert registered_at(Channel.EMAIL, received_at=RECORDED, recorded_at=early) == RECORDED


def test_a_disposition_answers_for_the_holder_a_stand_in_acted_for(
    disposed: Callable[..., Disposed],
) -> None:
    fact = fact_of(envelope(disposed(Role.KADIS, Role.KABID), at=RECORDED))
    assert isinstance(fact, DisposedFact)
    assert fact.step is Step.DISPOSE_KABID
    assert fact.by.answerable().name == "Kadis Kominfo"
    assert fact.by.name == "Sekretaris Dinas"


def test_analysis_integration_closure_and_pause(
    feasibility: Callable[..., FeasibilityDone],
    integrated: Callable[..., Integrated],
    closed: Callable[..., RequestClosed],
) -> None:
    analysed = fact_of(envelope(feasibility(difficulty="tinggi"), at=RECORDED))
    assert isinstance(analysed, AnalysedFact)
    assert (analysed.difficulty.value, analysed.feasible) == ("tinggi", True)
    done = fact_of(envelope(integrated(), at=RECORDED))
    shut = fact_of(envelope(closed(), at=RECORDED))
    assert isinstance(done, FinishedFact)
    assert isinstance(shut, FinishedFact)
    assert (done.integrated, shut.integrated) == (True, False)
    pause = ClockPaused(ticket_id=TICKET, step=Step.FEASIBILITY, reason=PauseReason.VENDOR)
    fact = fact_of(envelope(pause, at=RECORDED))
    assert isinstance(fact, PausedFact)
    assert fact.reason is PauseReason.VENDOR


def test_events_the_clocks_do_not_use_give_no_fact() -> None:
    event = BeritaAcaraNumberReserved(
        ticket_id=TICKET, year=2026, sequence=1, number="001/BA-LIA/SC-05/DISKOMINFO/2026"
    )
    assert fact_of(envelope(event, at=RECORDED)) is None


def test_facts_survive_a_json_round_trip(submitted: Callable[..., RequestSubmitted]) -> None:
    fact = fact_of(envelope(submitted(), at=RECORDED))
    assert fact is not None
    assert FACT.validate_json(FACT.dump_json(fact)) == fact


def test_reporting_settings_read_their_fields_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PENGHUBUNG_SLA_DAILY_CAPACITY", "5")
    monkeypatch.setenv("PENGHUBUNG_SLA_WARNING_PERCENTS", "[100, 50, 80, 50]")
    monkeypatch.setenv("PENGHUBUNG_SERVICE_URLS", '{"intake": "http://127.0.0.1:8001"}')
    settings = ReportingSettings.of(ServiceSettings())
    assert settings.sla_daily_capacity == 5
    assert settings.sla_warning_percents == (50, 80, 100)
    assert settings.service_urls == {"intake": "http://127.0.0.1:8001"}
    assert ReportingSettings.of(settings) is settings


@pytest.mark.parametrize(
    ("field", "value"), [("sla_warning_percents", (0, 50)), ("sla_daily_capacity", 0)]
)
def test_bad_sla_settings_are_refused(field: str, value: Any) -> None:
    with pytest.raises(ValidationError):
        ReportingSettings.model_validate({field: value})


def test_a_reassignment_names_who_lost_and_who_got_the_work() -> None:
    first = Officer(nip="199005052015031005", name="Petugas Service Desk")
    second = Officer(nip="199104042016041004", name="Yoga Pratama")
    moved = WorkReassigned(ticket_id=TICKET, from_officer=first, to_officer=second, reason="cuti")
    prakom = Actor(nip="198503032010011003", name="Prakom Aplikasi", role=Role.PRAKOM)
    fact = fact_of(envelope(moved, at=RECORDED, actor=prakom))
    assert isinstance(fact, ReassignedFact)
    assert (fact.from_officer.nip, fact.to_officer.nip, fact.by.role) == (
        first.nip,
        second.nip,
        Role.PRAKOM,
    )
    assert FACT.validate_json(FACT.dump_json(fact)) == fact  # as the projection stores it
