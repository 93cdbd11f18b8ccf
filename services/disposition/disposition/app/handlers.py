"""The use cases: load the request's round and stream, decide, write — in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from disposition.adapters import db
from disposition.adapters.db import RequestRecord
from disposition.domain import errors
from disposition.domain.commands import Command, Dispose, Reassign, ReturnRequest, StartAtKadis
from disposition.domain.decide import acting_actor, decide
from disposition.domain.state import evolve_all, fold, stream_id
from penghubung.clock import Clock, IdFactory
from penghubung.events.base import Envelope, Event, Metadata, NewEvent, Role
from penghubung.events.directory import (
    DelegationEnded,
    DelegationGranted,
    PersonRegistered,
    RoleGranted,
    RoleRevoked,
)
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
    officers_from_directory: bool = False
    """Order work only to an active petugas, as the directory said over the bus."""

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

    async def reassign(
        self, conn: asyncpg.Connection, cmd: Reassign, *, causation_id: str | None = None
    ) -> Recorded:
        """Move the request's work to another petugas, with a reason, in the caller's
        transaction."""
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
        if isinstance(cmd, Dispose | Reassign):
            await self._check_with_directory(conn, cmd)
        if isinstance(cmd, Reassign) and await db.is_finished(conn, cmd.ticket_id):
            raise errors.NotAssigned(cmd.ticket_id)
        now = self.clock()
        await db.save_state(conn, evolve_all(state, events), since=now)
        new = self._new_events(events, cmd, now=now, key=key)
        result = await self.store.append(
            stream.id, expected_version=stream.version, events=new, conn=conn
        )
        return Recorded(new[-1].event, new[-1].meta, result.stream_version)

    async def _check_with_directory(
        self, conn: asyncpg.Connection, cmd: Dispose | Reassign
    ) -> None:
        """What the directory told disposition: the officer is a petugas, the delegation runs."""
        officer = cmd.to_officer
        checked = self.officers_from_directory and officer is not None
        if checked and officer is not None and not await db.is_petugas(conn, officer.nip):
            raise errors.OfficerNotPetugas(officer.nip)
        delegation = cmd.delegation_id if isinstance(cmd, Dispose) else None
        if delegation is not None and await db.delegation_ended(conn, delegation):
            raise errors.DelegationEnded()

    async def finish(self, conn: asyncpg.Connection, ticket_id: str, *, at: datetime) -> None:
        """Integration finished the work on a request: it leaves its petugas's inbox."""
        await db.mark_finished(conn, ticket_id, at=at)

    async def learn(self, conn: asyncpg.Connection, envelope: Envelope) -> None:
        """Keep what disposition needs of a directory fact in its own rows."""
        event = envelope.event
        match event:
            case PersonRegistered():
                await db.learn_person(conn, event.nip, event.name)
            case RoleGranted() | RoleRevoked() if event.role is Role.PETUGAS:
                petugas = isinstance(event, RoleGranted)
                await db.learn_petugas(
                    conn, event.nip, petugas=petugas, version=envelope.stream_version
                )
            case DelegationGranted():
                await db.learn_delegation(
                    conn, event.delegation_id, delegate_nip=event.delegate_nip, ended_on=None
                )
            case DelegationEnded():
                await db.learn_delegation(
                    conn, event.delegation_id, delegate_nip=None, ended_on=event.ended_on
                )

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
