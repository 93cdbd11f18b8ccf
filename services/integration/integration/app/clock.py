"""The petugas pauses and resumes the clock of their work item: lock, read, decide, append."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from integration.adapters import db
from integration.domain.pause import ClockCommand, ClockState, decide, fold
from integration.domain.state import WorkItem, stream_id
from penghubung.clock import Clock, IdFactory
from penghubung.events.base import Event, Metadata, NewEvent
from penghubung.events.sla import ClockPaused, ClockResumed
from penghubung.eventstore import EventStore


@dataclass(frozen=True)
class ClockChanged:
    """The pause or resumption appended, and when."""

    event: Event
    at: datetime


@dataclass(frozen=True)
class ClockReading:
    """The clock as it stands, and when its latest pause or resumption was made."""

    state: ClockState
    at: datetime | None


@dataclass(frozen=True)
class ClockHandlers:
    """Pause and resume, bound to the event log, the clock and the id factory."""

    store: EventStore
    clock: Clock
    new_id: IdFactory

    async def execute(
        self, conn: asyncpg.Connection, cmd: ClockCommand, *, causation_id: str | None = None
    ) -> ClockChanged:
        """Append the pause or the resumption to `integration-<ticket>`, in the caller's
        transaction."""
        now = self.clock()
        row = await db.lock(conn, cmd.ticket_id)  # queues behind the analysis or integration
        stream = await self.store.read_stream(stream_id(cmd.ticket_id), conn=conn)
        item = WorkItem(row.ticket_id, row.officer) if row is not None else None
        [event] = decide(cmd, item, fold(e.event for e in stream.events))
        meta = Metadata(
            event_id=self.new_id(),
            occurred_at=now,
            actor=cmd.actor,
            correlation_id=cmd.ticket_id,
            causation_id=causation_id,
        )
        new = [NewEvent(event=event, meta=meta)]
        await self.store.append(stream.id, expected_version=stream.version, events=new, conn=conn)
        return ClockChanged(event, now)

    async def state(self, ticket_id: str) -> ClockReading:
        """Where the work item's clock stands, from its stream, and since when."""
        stream = await self.store.read_stream(stream_id(ticket_id))
        changes = [e for e in stream.events if isinstance(e.event, ClockPaused | ClockResumed)]
        at = changes[-1].occurred_at if changes else None
        return ClockReading(fold(e.event for e in stream.events), at)
