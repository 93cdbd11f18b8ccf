"""The SLA use cases: change the calendar, recalculate, measure clocks, raise warnings.

Commands decide on the log itself (the `reporting-calendar` stream, a request's `reporting-…`
stream), never on the read tables, which may lag. Readings measure the projected facts on the
projected calendar versions at the service clock's `now` — or, as of a past moment, the facts and
versions the log held then at that moment (`app/as_of.py`).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime, time

import asyncpg

from penghubung.clock import Clock, IdFactory
from penghubung.events import Actor, Envelope, Event, Metadata, NewEvent
from penghubung.events.sla import (
    CALENDAR_STREAM,
    RECALCULATION_STREAM,
    SlaRecalculated,
    SlaWarningRaised,
)
from penghubung.eventstore import ConcurrencyError, EventStore
from reporting.app.as_of import Moment, ReadModels
from reporting.app.handlers import stream_id
from reporting.sla.adapters import db as sla_db
from reporting.sla.adapters.db import SlaRequest
from reporting.sla.domain import calendar, warnings
from reporting.sla.domain.calendar import CalendarChange, CalendarCommand, Recalculate
from reporting.sla.domain.clocks import WIB, CalendarBook, Recalculation, request_clocks
from reporting.sla.domain.clocks import Clock as SlaClock
from reporting.sla.domain.compliance import RequestClocks

log = logging.getLogger(__name__)

SYSTEM = Actor.system("reporting-sla")
"""The actor of the warnings the warning task raises."""


@dataclass(frozen=True)
class RequestReading:
    """One request's clocks at a moment, on the calendar versions that judge them."""

    request: SlaRequest
    clocks: list[SlaClock]
    calendar_version: int
    at: datetime


@dataclass(frozen=True)
class Sla:
    """The SLA use cases, bound to the event log, the clock, the ids and the settings."""

    store: EventStore
    clock: Clock
    new_id: IdFactory
    capacity: int
    percents: tuple[int, ...]
    reads: ReadModels | None = None
    """Where the readings read (live, or as of a moment); default: the live tables only."""

    @property
    def pool(self) -> asyncpg.Pool:
        """The pool of the event log's database (reporting's tables live there too)."""
        return self.store.pool

    @property
    def _reads(self) -> ReadModels:
        return self.reads or ReadModels(pool=self.pool, clock=self.clock)

    # --- commands ------------------------------------------------------------------------------

    async def change_calendar(
        self,
        conn: asyncpg.Connection,
        command: CalendarCommand,
        *,
        actor: Actor,
        causation_id: str | None,
    ) -> CalendarChange:
        """Add or remove a day off, or reduce hours: the next calendar version (in the caller's
        transaction)."""
        stream = await self.store.read_stream(CALENDAR_STREAM, conn=conn)
        event = calendar.decide(command, calendar.fold(e.event for e in stream.events))
        new = self._new(event, actor=actor, correlation="calendar", causation=causation_id)
        await self.store.append(stream.id, expected_version=stream.version, events=[new], conn=conn)
        return event

    async def recalculate(
        self,
        conn: asyncpg.Connection,
        command: Recalculate,
        *,
        actor: Actor,
        causation_id: str | None,
    ) -> SlaRecalculated:
        """Have finished clocks in scope judged again under the current calendar version (in
        the caller's transaction)."""
        changes = await self.store.read_stream(CALENDAR_STREAM, conn=conn)
        event = calendar.recalculate(command, calendar.fold(e.event for e in changes.events))
        stream = await self.store.read_stream(RECALCULATION_STREAM, conn=conn)
        correlation = event.ticket_id or "sla-recalculation"
        new = self._new(event, actor=actor, correlation=correlation, causation=causation_id)
        await self.store.append(stream.id, expected_version=stream.version, events=[new], conn=conn)
        return event

    async def calendar_changes(
        self, *, until: int | None = None, conn: asyncpg.Connection | None = None
    ) -> list[Envelope]:
        """Every change of the calendar (up to a log position), from the log, in version order."""
        changes = (await self.store.read_stream(CALENDAR_STREAM, conn=conn)).events
        return [e for e in changes if until is None or e.global_position <= until]

    # --- readings ------------------------------------------------------------------------------

    async def request(self, ticket_id: str, *, at: Moment | None = None) -> RequestReading | None:
        """A request's clocks now (or as of `at`); None when the projection has not seen it."""
        async with self._reads.open(at) as read:
            conn, schema = read.conn, read.schema
            found = await sla_db.request(conn, ticket_id, capacity=self.capacity, schema=schema)
            if found is None:
                return None
            book = await sla_db.calendar_book(conn, schema=schema)
            recalculations = await sla_db.recalculations(conn, schema=schema)
        clocks = request_clocks(
            found.facts, intake=found.intake, book=book, recalculations=recalculations, now=read.now
        )
        return RequestReading(found, clocks, book.current.version, read.now)

    async def month(self, month: str, *, at: Moment | None = None) -> AsyncIterator[RequestClocks]:
        """The measured clocks of every request that may have one settled in `month` (YYYY-MM),
        now (or as of `at`), batch by batch, on one connection held while the caller iterates."""
        first, following = sla_db.month_bounds(month)
        start = datetime.combine(first, time(0), tzinfo=WIB)
        end = datetime.combine(following, time(0), tzinfo=WIB)
        async with self._reads.open(at) as read:
            conn, schema = read.conn, read.schema
            async with conn.transaction(isolation="repeatable_read"):
                book = await sla_db.calendar_book(conn, schema=schema)
                recalculations = await sla_db.recalculations(conn, schema=schema)
                batches = sla_db.requests_between(
                    conn, start=start, end=end, capacity=self.capacity, schema=schema
                )
                async for batch in batches:
                    for found in batch:
                        yield _measured(found, book, recalculations, now=read.now)

    # --- the warning task ----------------------------------------------------------------------

    async def raise_warnings(self) -> int:
        """Raise the warnings due now (only in service hours); how many were raised."""
        now = self.clock()
        due: list[tuple[str, list[SlaWarningRaised]]] = []
        async with self.pool.acquire() as conn, conn.transaction(isolation="repeatable_read"):
            book = await sla_db.calendar_book(conn)
            if not book.current.is_open(now):
                return 0
            async for batch in sla_db.open_requests(conn, capacity=self.capacity):
                known = await sla_db.warnings_raised(conn, [r.intake.ticket_id for r in batch])
                for found in batch:
                    ticket = found.intake.ticket_id
                    candidates = warnings.due_warnings(
                        found.facts,
                        intake=found.intake,
                        book=book,
                        percents=self.percents,
                        already=known[ticket],
                        now=now,
                    )
                    if candidates:
                        due.append((ticket, candidates))
        raised = 0
        for ticket, candidates in due:
            raised += await self._append_warnings(ticket, candidates, now=now)
        return raised

    async def _append_warnings(
        self, ticket_id: str, candidates: Sequence[SlaWarningRaised], *, now: datetime
    ) -> int:
        """Append the warnings the request's stream does not hold yet, in one transaction."""
        try:
            async with self.pool.acquire() as conn, conn.transaction():
                stream = await self.store.read_stream(stream_id(ticket_id), conn=conn)
                fresh = warnings.decide(candidates, warnings.raised(e.event for e in stream.events))
                if not fresh:
                    return 0
                new = [
                    self._new(w, actor=SYSTEM, correlation=ticket_id, causation=None, at=now)
                    for w in fresh
                ]
                await self.store.append(
                    stream.id, expected_version=stream.version, events=new, conn=conn
                )
        except ConcurrencyError:
            # Another process (or the report) moved the stream: the next round decides again.
            log.info("warnings of %s deferred: its stream changed meanwhile", ticket_id)
            return 0
        return len(fresh)

    def _new(
        self,
        event: Event,
        *,
        actor: Actor,
        correlation: str,
        causation: str | None,
        at: datetime | None = None,
    ) -> NewEvent:
        meta = Metadata(
            event_id=self.new_id(),
            occurred_at=at or self.clock(),
            actor=actor,
            correlation_id=correlation,
            causation_id=causation,
        )
        return NewEvent(event=event, meta=meta)


def _measured(
    found: SlaRequest,
    book: CalendarBook,
    recalculations: Sequence[Recalculation],
    *,
    now: datetime,
) -> RequestClocks:
    clocks = request_clocks(
        found.facts, intake=found.intake, book=book, recalculations=recalculations, now=now
    )
    return RequestClocks(found.intake.ticket_id, found.agency, clocks)
