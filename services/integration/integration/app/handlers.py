"""The use cases: load the work item and its stream, decide, write, in one transaction."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from integration.adapters import db
from integration.adapters.db import WorkItemRecord
from integration.domain.commands import (
    AnalyseFeasibility,
    AssignOfficer,
    Command,
    CorrectFeasibility,
    CorrectImplementation,
    ImplementIntegration,
)
from integration.domain.decide import decide
from integration.domain.errors import RequestArchived
from integration.domain.state import WorkItem, fold, stream_id
from penghubung.clock import Clock, IdFactory
from penghubung.events.base import Event, Metadata, NewEvent
from penghubung.eventstore import EventStore, Stream

log = logging.getLogger(__name__)


async def mark_archived(conn: asyncpg.Connection, ticket_id: str, *, at: datetime) -> None:
    """Reporting archived the report: no more corrections of its facts."""
    await db.mark_archived(conn, ticket_id, at=at)


async def assign_officer(conn: asyncpg.Connection, cmd: AssignOfficer) -> bool:
    """Open the officer's work item, or move it to them; False if a later order already holds."""
    moved = await db.assign(conn, cmd)
    if not moved:
        log.info("work item %s keeps a later assignment", cmd.ticket_id)
    return moved


@dataclass(frozen=True)
class Handlers:
    """The petugas's commands, bound to the event log, the clock and the id factory."""

    store: EventStore
    clock: Clock
    new_id: IdFactory

    async def analyse_feasibility(
        self, conn: asyncpg.Connection, cmd: AnalyseFeasibility, *, causation_id: str | None = None
    ) -> WorkItemRecord:
        """Record the analysis (in the caller's transaction); a request found not feasible is
        closed with it."""
        return await self._execute(conn, cmd, causation_id)

    async def implement_integration(
        self,
        conn: asyncpg.Connection,
        cmd: ImplementIntegration,
        *,
        causation_id: str | None = None,
    ) -> WorkItemRecord:
        """Record that the integration works, in the caller's transaction."""
        return await self._execute(conn, cmd, causation_id)

    async def correct_feasibility(
        self, conn: asyncpg.Connection, cmd: CorrectFeasibility, *, causation_id: str | None = None
    ) -> WorkItemRecord:
        """Correct the recorded analysis (in the caller's transaction); the original stays in
        the log."""
        return await self._execute(conn, cmd, causation_id)

    async def correct_implementation(
        self,
        conn: asyncpg.Connection,
        cmd: CorrectImplementation,
        *,
        causation_id: str | None = None,
    ) -> WorkItemRecord:
        """Correct the recorded implementation (in the caller's transaction); the original
        stays in the log."""
        return await self._execute(conn, cmd, causation_id)

    async def _execute(
        self, conn: asyncpg.Connection, cmd: Command, causation_id: str | None
    ) -> WorkItemRecord:
        row = await db.lock(conn, cmd.ticket_id)
        stream = await self.store.read_stream(stream_id(cmd.ticket_id), conn=conn)
        state = _load(row, stream)
        events = decide(cmd, state)
        assert state is not None  # decide refuses a missing work item
        correction = isinstance(cmd, CorrectFeasibility | CorrectImplementation)
        if correction and await db.is_archived(conn, cmd.ticket_id):
            raise RequestArchived()
        now = self.clock()
        record = await db.save_progress(conn, fold(state, events), at=now)
        new = self._new_events(events, cmd, now=now, causation_id=causation_id)
        await self.store.append(stream.id, expected_version=stream.version, events=new, conn=conn)
        return record

    def _new_events(
        self, events: Sequence[Event], cmd: Command, *, now: datetime, causation_id: str | None
    ) -> list[NewEvent]:
        return [
            NewEvent(
                event=event,
                meta=Metadata(
                    event_id=self.new_id(),
                    occurred_at=now,
                    actor=cmd.actor,
                    correlation_id=cmd.ticket_id,
                    causation_id=causation_id,
                ),
            )
            for event in events
        ]


def _load(row: WorkItemRecord | None, stream: Stream) -> WorkItem | None:
    """The work item as the rules see it: its officer from the row, its facts from the stream."""
    if row is None:
        return None
    start = WorkItem(ticket_id=row.ticket_id, officer=row.officer)
    return fold(start, (envelope.event for envelope in stream.events))
