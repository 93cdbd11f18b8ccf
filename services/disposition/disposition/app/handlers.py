"""The use cases: load the request's round and stream, decide, write — in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from disposition.adapters import db
from disposition.adapters.db import RequestRecord
from disposition.domain.commands import Command, Dispose, ReturnRequest, StartAtKadis
from disposition.domain.decide import acting_actor, decide
from disposition.domain.state import evolve_all, fold, stream_id
from penghubung.clock import Clock, IdFactory
from penghubung.events.base import Envelope, Event, Metadata, NewEvent, Role
from penghubung.eventstore import EventStore, Stream


@dataclass(frozen=True)
class Recorded:
    """An event as recorded: the fact, its metadata and its version in the request's stream."""

    event: Event
    meta: Metadata
    stream_version: int

    @classmethod
    def of(cls, envelope: Envelope) -> Recorded:
        """A stored event as recorded."""
        meta = Metadata.model_validate(envelope.model_dump(include=set(Metadata.model_fields)))
        return cls(envelope.event, meta, envelope.stream_version)


@dataclass(frozen=True)
class Handlers:
    """Disposition's use cases, bound to the event log, the clock and the id factory."""

    store: EventStore
    clock: Clock
    new_id: IdFactory

    async def dispose(
        self, conn: asyncpg.Connection, cmd: Dispose, *, causation_id: str | None = None
    ) -> Recorded:
        """Hand the request one level down the chain, in the caller's transaction."""
        return await self._execute(conn, cmd, causation_id)

    async def return_request(
        self, conn: asyncpg.Connection, cmd: ReturnRequest, *, causation_id: str | None = None
    ) -> Recorded:
        """Send the request back to the applicant with the reasons, in the caller's transaction."""
        return await self._execute(conn, cmd, causation_id)

    async def start_at_kadis(self, conn: asyncpg.Connection, cmd: StartAtKadis) -> bool:
        """Put a (re)submitted request in the kadis inbox; False for an older or known one."""
        stream = await self.store.read_stream(stream_id(cmd.ticket_id), conn=conn)
        return await db.start_at_kadis(conn, cmd, round_start=stream.version)

    async def inbox(
        self, role: Role, *, nip: str | None, limit: int, offset: int
    ) -> tuple[list[RequestRecord], int]:
        """One page of a role's inbox, and how many requests it holds."""
        async with self.store.pool.acquire() as conn:
            return await db.inbox(conn, role, nip=nip, limit=limit, offset=offset)

    async def history(self, ticket_id: str) -> tuple[RequestRecord, Stream] | None:
        """A request's row and its disposition stream; None if it is unknown."""
        async with self.store.pool.acquire() as conn:
            record = await db.find(conn, ticket_id)
            if record is None:
                return None
            return record, await self.store.read_stream(stream_id(ticket_id), conn=conn)

    async def _execute(self, conn: asyncpg.Connection, cmd: Command, key: str | None) -> Recorded:
        round_ = await db.round_of(conn, cmd.ticket_id)
        stream = await self.store.read_stream(stream_id(cmd.ticket_id), conn=conn)
        state = fold(round_, [e.event for e in stream.events])
        events = decide(cmd, state)
        assert state is not None  # decide refuses an unknown request
        now = self.clock()
        await db.save_state(conn, evolve_all(state, events), since=now)
        new = self._new_events(events, cmd, now=now, key=key)
        result = await self.store.append(
            stream.id, expected_version=stream.version, events=new, conn=conn
        )
        return Recorded(new[-1].event, new[-1].meta, result.stream_version)

    def _new_events(
        self, events: Sequence[Event], cmd: Command, *, now: datetime, key: str | None
    ) -> list[NewEvent]:
        actor = acting_actor(cmd) if isinstance(cmd, Dispose) else cmd.actor
        return [
            NewEvent(
                event=event,
                meta=Metadata(
                    event_id=self.new_id(),
                    occurred_at=now,
                    actor=actor,
                    correlation_id=cmd.ticket_id,
                    causation_id=key,
                ),
            )
            for event in events
        ]
