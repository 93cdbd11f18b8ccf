"""The SLA part of the projection: facts, calendar versions, recalculations, warnings (`apply_sla`).

Called by `apply_event` for every event, after the request tables' applier, live and in a rebuild:
the rows depend only on the events (and on the calendar versions projected before them), never
on `now()` or on settings. The clocks are computed from these rows when they are read. The tables
are those of `schema` (`projections/tables.py`).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

import asyncpg

from penghubung.events import Envelope, audit, catalog, directory, notices, sla
from penghubung.events.documents import BeritaAcaraSigned, DocumentIssued
from penghubung.events.routing import Routes
from penghubung.events.survey import SatisfactionSurveyAnswered
from penghubung.workcal import CalendarSpec, WorkingCalendar
from reporting.projections.rows import Insert, Json, Row, insert, write
from reporting.projections.tables import LIVE
from reporting.sla.domain import calendar
from reporting.sla.domain.clocks import FACT, FACTS, Fact, fact_of, intake_day


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
    row = sla_fact_row(envelope, fact)
    if isinstance(envelope.event, catalog.RequestSubmitted):
        opened = await _open_request(conn, envelope, envelope.event, fact, schema=schema)
        await write(conn, schema, Insert("sla_facts", row), opened)
        return
    await write(
        conn,
        schema,
        Insert("sla_facts", row),
        Touch(row["ticket_id"], fact.at, envelope.global_position, keeps_open(envelope)),
    )


async def _open_request(
    conn: asyncpg.Connection,
    envelope: Envelope,
    event: catalog.RequestSubmitted,
    fact: Fact,
    *,
    schema: str,
) -> Opened:
    """The request's row: its intake day on the calendar then in force (its rank that day is
    counted as it is inserted), with its first fact's touch (the fold does it after, the same)."""
    version, spec = await latest_calendar(conn, schema=schema)
    day = intake_day(WorkingCalendar(spec), event.received_at)
    request = sla_request_row(envelope, event, version=version, day=day, rank=0)
    request["last_event_at"] = max(request["last_event_at"], fact.at)
    request["open"] = keeps_open(envelope)
    return Opened(request)


@dataclass(frozen=True)
class Opened:
    """A request's SLA row inserted with its rank among the requests of its intake day."""

    row: Row

    def sql(self, schema: str, first: int) -> tuple[str, list[Any]]:
        """The INSERT, its parameters numbered from `first` (the rank: a count by the day)."""
        names = ", ".join(self.row)
        values = ", ".join(
            f"(SELECT count(*) FROM {schema}.sla_requests WHERE intake_day = ${n})::integer"
            if name == "intake_rank"
            else f"${n}"
            for n, name in enumerate(self.row, start=first)
        )
        day = self.row["intake_day"]
        args = [day if name == "intake_rank" else value for name, value in self.row.items()]
        return f"INSERT INTO {schema}.sla_requests ({names}) VALUES ({values})", args


async def apply_calendar_change(
    conn: asyncpg.Connection, envelope: Envelope, *, schema: str = LIVE
) -> None:
    """The next calendar version: the previous one with this change (the pure fold)."""
    _, spec = await latest_calendar(conn, schema=schema)
    changed = calendar.evolve(spec, envelope.event)
    await insert(conn, schema, "calendar_versions", calendar_version_row(envelope, changed))


async def apply_sla_recalculated(
    conn: asyncpg.Connection, envelope: Envelope, *, schema: str = LIVE
) -> None:
    """An administrator's recalculation: finished clocks in its scope judged on its version."""
    await insert(conn, schema, "sla_recalculations", recalculation_row(envelope))


async def apply_sla_warning_raised(
    conn: asyncpg.Connection, envelope: Envelope, *, schema: str = LIVE
) -> None:
    """A warning raised; a second one for the same threshold (never appended) changes nothing."""
    await insert(
        conn, schema, "sla_warnings", warning_row(envelope), on_conflict=ON_CONFLICT_NOTHING
    )


ON_CONFLICT_NOTHING = "ON CONFLICT DO NOTHING"


@dataclass(frozen=True)
class Touch:
    """A request's SLA row after one more fact: its latest time, its position, still open."""

    ticket_id: str
    at: datetime
    position: int
    open: bool

    def sql(self, schema: str, first: int) -> tuple[str, list[Any]]:
        """The UPDATE, its parameters numbered from `first`."""
        n = first
        return (
            f"UPDATE {schema}.sla_requests SET last_event_at = greatest(last_event_at, ${n + 1}),"
            f" last_position = ${n + 2}, open = open AND ${n + 3} WHERE ticket_id = ${n}",
            [self.ticket_id, self.at, self.position, self.open],
        )


# --- the rows (shared with the in-memory rebuild, `projections/fold.py`) -----------------------


def sla_request_row(
    envelope: Envelope, event: catalog.RequestSubmitted, *, version: int, day: date, rank: int
) -> Row:
    """A request's SLA row: its intake day, its 0-based rank that day, the calendar version."""
    return {
        "ticket_id": event.ticket_id,
        "received_at": event.received_at,
        "intake_day": day,
        "intake_rank": rank,
        "intake_calendar_version": version,
        "open": True,
        "last_event_at": event.received_at,
        "last_position": envelope.global_position,
    }


def sla_fact_row(envelope: Envelope, fact: Fact) -> Row:
    """The fact's row."""
    ticket: str = getattr(envelope.event, "ticket_id", envelope.correlation_id)
    return {
        "global_position": envelope.global_position,
        "ticket_id": ticket,
        "kind": fact.kind,
        "fact": Json(FACT.dump_json(fact).decode()),
    }


def keeps_open(envelope: Envelope) -> bool:
    """Whether the request stays open after this fact (the archive closes it)."""
    return envelope.type != "ReportArchived"


def calendar_version_row(envelope: Envelope, changed: CalendarSpec) -> Row:
    """The row of the calendar version a change made (`calendar.evolve` of the latest one)."""
    return {
        "version": changed.version,
        "spec": Json(changed.model_dump_json()),
        "global_position": envelope.global_position,
        "change_type": envelope.type,
        "change": Json(json.dumps(envelope.event.payload(), ensure_ascii=False)),
        "changed_at": envelope.occurred_at,
        "changed_by": Json(envelope.actor.model_dump_json()),
    }


def recalculation_row(envelope: Envelope) -> Row:
    """A recalculation's row."""
    event = envelope.event
    assert isinstance(event, sla.SlaRecalculated)
    return {
        "global_position": envelope.global_position,
        "calendar_version": event.calendar_version,
        "scope": event.scope.value,
        "month": event.month,
        "ticket_id": event.ticket_id,
        "reason": event.reason,
        "recalculated_at": envelope.occurred_at,
        "recalculated_by": Json(envelope.actor.model_dump_json()),
    }


def warning_row(envelope: Envelope) -> Row:
    """A warning's row (the first one of a ticket, step and threshold stands)."""
    event = envelope.event
    assert isinstance(event, sla.SlaWarningRaised)
    return {
        "ticket_id": event.ticket_id,
        "step": event.step.value,
        "threshold_percent": event.threshold_percent,
        "reached_at": event.reached_at,
        "due_at": event.due_at,
        "raised_at": envelope.occurred_at,
        "calendar_version": event.calendar_version,
        "global_position": envelope.global_position,
    }


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
