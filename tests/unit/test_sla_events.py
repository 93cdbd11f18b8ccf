"""The SLA events: registered, in their service's category, round-tripped, validated, no floats."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from typing import Any

import pytest
from pydantic import ValidationError

import penghubung.events
from penghubung.events import Event, registry
from penghubung.events.sla import (
    CalendarDayOffAdded,
    CalendarDayOffRemoved,
    CalendarHoursReduced,
    CalendarWorkingDayDecreed,
    CalendarWorkingDayWithdrawn,
    ClockPaused,
    ClockResumed,
    PauseReason,
    RecalculationScope,
    SlaRecalculated,
    SlaWarningRaised,
)
from penghubung.sop import Step

TICKET = "SC05-2026-00001"
AT = datetime(2026, 3, 2, 2, tzinfo=UTC)

SAMPLES: dict[str, Event] = {
    e.type: e
    for e in (
        ClockPaused(ticket_id=TICKET, step=Step.FEASIBILITY, reason=PauseReason.UAT, note="UAT"),
        ClockResumed(ticket_id=TICKET, step=Step.IMPLEMENTATION),
        CalendarDayOffAdded(version=2, day=date(2026, 7, 8), name="Hari Jadi Provinsi"),
        CalendarDayOffRemoved(version=3, day=date(2026, 5, 15), name="Kantor buka"),
        CalendarHoursReduced(
            version=4,
            first_day=date(2026, 2, 19),
            last_day=date(2026, 3, 19),
            opening=time(8),
            closing=time(15),
            friday_closing=time(15, 30),
            name="Ramadan 1447 H",
        ),
        CalendarWorkingDayDecreed(
            version=5, day=date(2026, 3, 28), name="Keputusan Gubernur 7/2026: Sabtu masuk"
        ),
        CalendarWorkingDayWithdrawn(version=6, day=date(2026, 3, 28), name="Keputusan dicabut"),
        SlaRecalculated(
            calendar_version=4, scope=RecalculationScope.MONTH, month="2026-03", reason="Ramadan"
        ),
        SlaWarningRaised(
            ticket_id=TICKET,
            step=Step.DISPOSE_KABID,
            threshold_percent=75,
            reached_at=AT,
            due_at=AT,
            used_seconds=1350,
            budget_seconds=1800,
            calendar_version=1,
        ),
    )
}

CATEGORIES = {
    "ClockPaused": "integration",
    "ClockResumed": "integration",
    "CalendarDayOffAdded": "reporting",
    "CalendarDayOffRemoved": "reporting",
    "CalendarHoursReduced": "reporting",
    "CalendarWorkingDayDecreed": "reporting",
    "CalendarWorkingDayWithdrawn": "reporting",
    "SlaRecalculated": "reporting",
    "SlaWarningRaised": "reporting",
}


def test_importing_the_events_package_registers_the_sla_events() -> None:
    assert penghubung.events.sla is not None
    assert set(CATEGORIES) <= set(registry.types())
    assert set(SAMPLES) == set(CATEGORIES)


@pytest.mark.parametrize("type_name", sorted(CATEGORIES))
def test_each_has_its_category_a_docstring_version_1_and_round_trips(type_name: str) -> None:
    cls = registry.cls(type_name)
    assert cls.category == CATEGORIES[type_name]
    assert cls.__doc__
    assert cls.model_fields["schema_version"].default == 1
    event = SAMPLES[type_name]
    payload = json.loads(json.dumps(event.payload()))
    assert registry.load(type_name, 1, payload) == event


@pytest.mark.parametrize("type_name", sorted(CATEGORIES))
def test_no_float_and_every_field_described(type_name: str) -> None:
    cls = registry.cls(type_name)
    assert '"number"' not in json.dumps(cls.model_json_schema())
    assert all(info.description for info in cls.model_fields.values())


def _error_code(build: Any) -> str:
    with pytest.raises(ValidationError) as refused:
        build()
    code: str = refused.value.errors()[0]["ctx"]["error"].code
    return code


def test_only_the_petugas_steps_are_paused() -> None:
    assert (
        _error_code(
            lambda: ClockPaused(ticket_id=TICKET, step=Step.DISPOSE_KABID, reason=PauseReason.UAT)
        )
        == "step"
    )
    assert _error_code(lambda: ClockResumed(ticket_id=TICKET, step=Step.REPORT)) == "step"


def test_reduced_hours_must_be_coherent() -> None:
    fields: dict[str, Any] = {
        "version": 2,
        "first_day": date(2026, 3, 2),
        "last_day": date(2026, 3, 1),
        "opening": time(8),
        "closing": time(15),
        "name": "x",
    }
    assert _error_code(lambda: CalendarHoursReduced(**fields)) == "last_day"
    fields.update(last_day=date(2026, 3, 3), closing=time(8))
    assert _error_code(lambda: CalendarHoursReduced(**fields)) == "closing"


def test_a_recalculation_names_exactly_what_its_scope_needs() -> None:
    assert (
        _error_code(
            lambda: SlaRecalculated(
                calendar_version=1, scope=RecalculationScope.ALL, month="2026-03", reason="x"
            )
        )
        == "month"
    )
    assert (
        _error_code(
            lambda: SlaRecalculated(calendar_version=1, scope=RecalculationScope.TICKET, reason="x")
        )
        == "ticket_id"
    )


def test_the_first_calendar_change_makes_version_2() -> None:
    with pytest.raises(ValidationError):
        CalendarDayOffAdded(version=1, day=date(2026, 7, 8), name="x")
