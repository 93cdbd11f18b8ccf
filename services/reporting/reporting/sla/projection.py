"""The SLA part of the projection: facts, calendar versions, recalculations, warnings (`apply_sla`).

Called by `apply_event` for every event, after the request tables' applier, live and in a rebuild:
the rows depend only on the events (and on the calendar versions projected before them), never
on `now()` or on settings. The clocks are computed from these rows when they are read. The tables
are those of `schema` (`projections/tables.py`).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable
from typing import Protocol

import asyncpg

from penghubung.events import Envelope, audit, catalog, directory, notices, sla
from penghubung.events.documents import BeritaAcaraSigned, DocumentIssued
from penghubung.events.routing import Routes
from penghubung.events.survey import SatisfactionSurveyAnswered
from penghubung.workcal import CalendarSpec, WorkingCalendar
from reporting.projections.tables import LIVE
from reporting.sla.domain import calendar
from reporting.sla.domain.clocks import FACT, FACTS, fact_of, intake_day


class SlaApplier(Protocol):
    """Writes one event's SLA rows into the tables of `schema`."""

    def __call__(
        self, conn: asyncpg.Connection, envelope: Envelope, *, schema: str = ...
    ) -> Awaitable[None]: ...


async def apply_sla_fact(
    conn: asyncpg.Connection, envelope: Envelope, *, schema: str = LIVE
) -> None:
    """Keep the event's clock-relevant fact; a first submission also opens the request's row."""
    fact = fact_of(envelope)
    if fact is None:
        return
    ticket: str = getattr(envelope.event, "ticket_id", envelope.correlation_id)
    if isinstance(envelope.event, catalog.RequestSubmitted):
        await _open_request(conn, envelope, envelope.event, schema=schema)
    await conn.execute(
        f"INSERT INTO {schema}.sla_facts (global_position, ticket_id, kind, fact)"
        " VALUES ($1, $2, $3, $4::text::jsonb)",
        envelope.global_position,
        ticket,
        fact.kind,
        FACT.dump_json(fact).decode(),
    )
    await conn.execute(
        f"UPDATE {schema}.sla_requests SET last_event_at = greatest(last_event_at, $2),"
        " last_position = $3, open = open AND $4 WHERE ticket_id = $1",
        ticket,
        fact.at,
        envelope.global_position,
        envelope.type != "ReportArchived",
    )


async def _open_request(
    conn: asyncpg.Connection, envelope: Envelope, event: catalog.RequestSubmitted, *, schema: str
) -> None:
    """The request's row: its intake day and its rank that day, on the calendar then in force."""
    version, spec = await latest_calendar(conn, schema=schema)
    day = intake_day(WorkingCalendar(spec), event.received_at)
    rank: int = await conn.fetchval(
        f"SELECT count(*) FROM {schema}.sla_requests WHERE intake_day = $1", day
    )
    await conn.execute(
        f"INSERT INTO {schema}.sla_requests (ticket_id, received_at, intake_day, intake_rank,"
        " intake_calendar_version, last_event_at, last_position)"
        " VALUES ($1, $2, $3, $4, $5, $2, $6)",
        event.ticket_id,
        event.received_at,
        day,
        rank,
        version,
        envelope.global_position,
    )


async def apply_calendar_change(
    conn: asyncpg.Connection, envelope: Envelope, *, schema: str = LIVE
) -> None:
    """The next calendar version: the previous one with this change (the pure fold)."""
    _, spec = await latest_calendar(conn, schema=schema)
    changed = calendar.evolve(spec, envelope.event)
    await conn.execute(
        f"INSERT INTO {schema}.calendar_versions (version, spec, global_position, change_type,"
        " change, changed_at, changed_by)"
        " VALUES ($1, $2::text::jsonb, $3, $4, $5::text::jsonb, $6, $7::text::jsonb)",
        changed.version,
        changed.model_dump_json(),
        envelope.global_position,
        envelope.type,
        json.dumps(envelope.event.payload(), ensure_ascii=False),
        envelope.occurred_at,
        envelope.actor.model_dump_json(),
    )


async def apply_sla_recalculated(
    conn: asyncpg.Connection, envelope: Envelope, *, schema: str = LIVE
) -> None:
    """An administrator's recalculation: finished clocks in its scope judged on its version."""
    event = envelope.event
    assert isinstance(event, sla.SlaRecalculated)
    await conn.execute(
        f"INSERT INTO {schema}.sla_recalculations (global_position, calendar_version, scope,"
        " month, ticket_id, reason, recalculated_at, recalculated_by)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text::jsonb)",
        envelope.global_position,
        event.calendar_version,
        event.scope.value,
        event.month,
        event.ticket_id,
        event.reason,
        envelope.occurred_at,
        envelope.actor.model_dump_json(),
    )


async def apply_sla_warning_raised(
    conn: asyncpg.Connection, envelope: Envelope, *, schema: str = LIVE
) -> None:
    """A warning raised; a second one for the same threshold (never appended) changes nothing."""
    event = envelope.event
    assert isinstance(event, sla.SlaWarningRaised)
    await conn.execute(
        f"INSERT INTO {schema}.sla_warnings (ticket_id, step, threshold_percent, reached_at,"
        " due_at, raised_at, calendar_version, global_position)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
        event.ticket_id,
        event.step.value,
        event.threshold_percent,
        event.reached_at,
        event.due_at,
        envelope.occurred_at,
        event.calendar_version,
        envelope.global_position,
    )


SLA_APPLIERS = Routes[SlaApplier](
    "reporting SLA",
    {
        **dict.fromkeys(FACTS.classes, apply_sla_fact),
        **dict.fromkeys(sla.CALENDAR_CHANGES, apply_calendar_change),
        sla.SlaRecalculated: apply_sla_recalculated,
        sla.SlaWarningRaised: apply_sla_warning_raised,
    },
    # the number rides with the report; the auditor's events are about the log itself,
    # and the papers (an issue, a returned signed copy) start or stop no clock
    ignored={
        catalog.BeritaAcaraNumberReserved,
        *audit.AUDIT_EVENTS,
        *directory.DIRECTORY_EVENTS,
        catalog.ReportRevised,
        catalog.FeasibilityCorrected,
        catalog.ImplementationCorrected,
        DocumentIssued,
        BeritaAcaraSigned,
        # the applicant's survey after the archive: no clock runs any more
        SatisfactionSurveyAnswered,
        # who is who, and who was told: no clock, no status, no SLA fact
        *directory.DIRECTORY_EVENTS,
        *notices.NOTICE_EVENTS,
        # an upload removed before any request took it starts no clock
        catalog.AttachmentDiscarded,
    },
)
"""The SLA applier of each event class (a clock fact for each class the clocks use)."""


async def apply_sla(conn: asyncpg.Connection, envelope: Envelope, *, schema: str = LIVE) -> bool:
    """Write one event's SLA rows; False when the clocks have no use for its type."""
    applier = SLA_APPLIERS.get(envelope.type)
    if applier is None:
        return False
    await applier(conn, envelope, schema=schema)
    return True


async def latest_calendar(
    conn: asyncpg.Connection, *, schema: str = LIVE
) -> tuple[int, CalendarSpec]:
    """The latest projected calendar version and its spec."""
    row = await conn.fetchrow(
        f"SELECT version, spec FROM {schema}.calendar_versions ORDER BY version DESC LIMIT 1"
    )
    assert row is not None  # version 1 is inserted by the migration
    return row["version"], CalendarSpec.model_validate(row["spec"])
