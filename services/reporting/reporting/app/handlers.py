"""Reporting's handlers: load the `reporting-<ticket>` stream, decide, append, in one transaction.

A number (agenda book, Berita Acara) is taken from its yearly counter in the same transaction as
the append of the event that carries it: a refused or failed command gives its number back.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import asyncpg

from penghubung.clock import Clock, IdFactory
from penghubung.events import Actor, Envelope, Event, Metadata, NewEvent
from penghubung.events.catalog import (
    FeasibilityCorrected,
    FeasibilityDone,
    ImplementationCorrected,
    Integrated,
    ReportArchived,
    RequestClosed,
)
from penghubung.eventstore import EventStore
from reporting.adapters import db
from reporting.domain import decide
from reporting.domain.commands import ArchiveReport, ReserveBeritaAcaraNumber
from reporting.domain.numbers import Series, office_year
from reporting.domain.report import (
    closure_report,
    integration_report,
    latest_feasibility,
    report_of,
)
from reporting.domain.state import fold

SYSTEM = Actor.system("reporting")
"""The actor of the events reporting writes by itself (the report, the Berita Acara number)."""


def stream_id(ticket_id: str) -> str:
    """The stream of one request's report: `reporting-<ticket>`."""
    return f"reporting-{ticket_id}"


async def write_integration_report(
    conn: asyncpg.Connection, cause: Envelope, *, store: EventStore, clock: Clock, new_id: IdFactory
) -> None:
    """Write the report of an integrated request and reserve its Berita Acara number."""
    integrated = cause.event
    assert isinstance(integrated, Integrated)
    feasibility = await _feasibility_before(conn, cause, store=store)
    stream = await store.read_stream(stream_id(integrated.ticket_id), conn=conn)
    state = fold(e.event for e in stream.events)
    events = decide.write_report(integration_report(integrated, feasibility), state)
    number = await db.take_number(conn, Series.BERITA_ACARA, office_year(cause.occurred_at))
    reserve = ReserveBeritaAcaraNumber(ticket_id=integrated.ticket_id)
    events += decide.reserve_berita_acara_number(reserve, fold(events, state), number=number)
    new = _stamp(events, integrated.ticket_id, cause=cause, now=clock(), new_id=new_id)
    await store.append(stream.id, expected_version=stream.version, events=new, conn=conn)


async def write_closure_report(
    conn: asyncpg.Connection, cause: Envelope, *, store: EventStore, clock: Clock, new_id: IdFactory
) -> None:
    """Write the report of a request closed as not feasible, with the recommendation."""
    closed = cause.event
    assert isinstance(closed, RequestClosed)
    feasibility = await _feasibility_before(conn, cause, store=store)
    stream = await store.read_stream(stream_id(closed.ticket_id), conn=conn)
    state = fold(e.event for e in stream.events)
    events = decide.write_report(closure_report(closed, feasibility), state)
    new = _stamp(events, closed.ticket_id, cause=cause, now=clock(), new_id=new_id)
    await store.append(stream.id, expected_version=stream.version, events=new, conn=conn)


async def revise_report(
    conn: asyncpg.Connection, cause: Envelope, *, store: EventStore, clock: Clock, new_id: IdFactory
) -> None:
    """A correction after the report: the report written again from the corrected facts."""
    correction = cause.event
    assert isinstance(correction, FeasibilityCorrected | ImplementationCorrected)
    upstream = await store.read_stream(cause.stream_id, conn=conn)
    facts = [e.event for e in upstream.events if e.stream_version <= cause.stream_version]
    content = report_of(facts)
    if content is None:
        return  # not finished: the report, when written, takes the corrected facts
    stream = await store.read_stream(stream_id(correction.ticket_id), conn=conn)
    state = fold(e.event for e in stream.events)
    events = decide.revise_report(content, state, correction=correction)
    if events:
        new = _stamp(events, correction.ticket_id, cause=cause, now=clock(), new_id=new_id)
        await store.append(stream.id, expected_version=stream.version, events=new, conn=conn)


async def archive_report(
    conn: asyncpg.Connection,
    cmd: ArchiveReport,
    *,
    actor: Actor,
    causation_id: str | None,
    store: EventStore,
    clock: Clock,
    new_id: IdFactory,
) -> ReportArchived:
    """Enter a written report in the agenda book under the year's next number, in the caller's
    transaction."""
    now = clock()
    # The number first: a concurrent archive of the same request waits here, then reads the
    # stream with the first one's entry in it and is refused as already archived.
    number = await db.take_number(conn, Series.AGENDA_BOOK, office_year(now))
    stream = await store.read_stream(stream_id(cmd.ticket_id), conn=conn)
    events = decide.archive_report(cmd, fold(e.event for e in stream.events), number=number)
    new = [
        _new(e, cmd.ticket_id, actor=actor, now=now, new_id=new_id, causation=causation_id)
        for e in events
    ]
    await store.append(stream.id, expected_version=stream.version, events=new, conn=conn)
    archived = events[0]
    assert isinstance(archived, ReportArchived)
    return archived


async def _feasibility_before(
    conn: asyncpg.Connection, cause: Envelope, *, store: EventStore
) -> FeasibilityDone | None:
    """The last feasibility analysis in the cause's integration stream, before the cause."""
    upstream = await store.read_stream(cause.stream_id, conn=conn)
    return latest_feasibility(
        e.event for e in upstream.events if e.stream_version < cause.stream_version
    )


def _stamp(
    events: Sequence[Event], ticket_id: str, *, cause: Envelope, now: datetime, new_id: IdFactory
) -> list[NewEvent]:
    """A reaction's events: by the system, caused by the upstream event."""
    causation = str(cause.event_id)
    return [
        _new(e, ticket_id, actor=SYSTEM, now=now, new_id=new_id, causation=causation)
        for e in events
    ]


def _new(
    event: Event,
    ticket_id: str,
    *,
    actor: Actor,
    now: datetime,
    new_id: IdFactory,
    causation: str | None,
) -> NewEvent:
    meta = Metadata(
        event_id=new_id(),
        occurred_at=now,
        actor=actor,
        correlation_id=ticket_id,
        causation_id=causation,
    )
    return NewEvent(event=event, meta=meta)
