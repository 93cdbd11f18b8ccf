"""Append to and read from the event log, with optimistic concurrency and a gapless position."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg

from penghubung.events.base import Actor, Envelope, Event, NewEvent, stream_category
from penghubung.events.canonical import canonical_bytes, chain_hash
from penghubung.events.registry import EventRegistry, registry

NOTIFY_CHANNEL = "penghubung_events"
"""Channel notified (at commit) with the last position of each append."""

ANY_VERSION = -1
"""`expected_version` that skips the concurrency check (for streams with one writer)."""


class ConcurrencyError(Exception):
    """The stream moved on since it was read: someone else appended first."""

    def __init__(self, stream_id: str, expected: int, actual: int) -> None:
        super().__init__(f"stream {stream_id}: expected version {expected}, found {actual}")
        self.stream_id = stream_id
        self.expected = expected
        self.actual = actual


class IdempotencyConflict(Exception):
    """A retried append reuses some stored event ids but not all: it is not the same append."""


@dataclass(frozen=True)
class AppendResult:
    """Where the appended events landed in their stream and in the log."""

    stream_version: int
    positions: tuple[int, ...]
    duplicate: bool = False
    """True when every event was already stored (an idempotent retry)."""


@dataclass(frozen=True)
class Stream:
    """One stream as read: its id, its version (0 if it has no events) and its events."""

    id: str
    version: int
    events: tuple[Envelope, ...]


_COLUMNS = (
    "global_position, event_id, stream_id, stream_version, type, schema_version, occurred_at,"
    " recorded_at, actor, correlation_id, causation_id, payload, hash"
)


class EventStore:
    """The event log. Every method takes an optional connection to join a caller's transaction."""

    def __init__(self, pool: asyncpg.Pool, *, events: EventRegistry = registry) -> None:
        self._pool = pool
        self._registry = events

    @property
    def pool(self) -> asyncpg.Pool:
        """The pool this store draws connections from."""
        return self._pool

    async def append(
        self,
        stream_id: str,
        *,
        expected_version: int,
        events: Sequence[NewEvent],
        conn: asyncpg.Connection | None = None,
    ) -> AppendResult:
        """Append events to one stream, atomically, if the stream is at `expected_version`.

        With `conn`, the append joins the caller's open transaction (effects, inbox and events
        commit together). Append last in that transaction: the head lock is held until commit.
        """
        if not events:
            raise ValueError("nothing to append")
        if conn is None:
            async with self._pool.acquire() as own, own.transaction():
                return await self._append(own, stream_id, expected_version, events)
        if not conn.is_in_transaction():
            raise RuntimeError("append(conn=...) needs the caller's open transaction")
        return await self._append(conn, stream_id, expected_version, events)

    async def _append(
        self,
        conn: asyncpg.Connection,
        stream_id: str,
        expected_version: int,
        events: Sequence[NewEvent],
    ) -> AppendResult:
        stored = await self._already_stored(conn, [e.meta.event_id for e in events])
        if stored is not None:
            return stored
        head = await conn.fetchrow(
            "SELECT position, hash, clock_timestamp() AS now FROM eventstore.head FOR UPDATE"
        )
        # A concurrent retry may have committed while we waited for the lock.
        stored = await self._already_stored(conn, [e.meta.event_id for e in events])
        if stored is not None:
            return stored
        version = await conn.fetchval(
            "SELECT coalesce(max(stream_version), 0) FROM eventstore.events WHERE stream_id = $1",
            stream_id,
        )
        if expected_version != ANY_VERSION and version != expected_version:
            raise ConcurrencyError(stream_id, expected_version, version)
        rows = _rows(stream_id, version, head["position"], head["hash"], head["now"], events)
        await conn.executemany(
            "INSERT INTO eventstore.events (global_position, event_id, stream_id, stream_version,"
            " type, schema_version, occurred_at, recorded_at, actor, correlation_id,"
            " causation_id, payload, prev_hash, hash)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
            rows,
        )
        last = rows[-1]
        await conn.execute("UPDATE eventstore.head SET position = $1, hash = $2", last[0], last[13])
        await conn.execute("SELECT pg_notify($1, $2)", NOTIFY_CHANNEL, str(last[0]))
        return AppendResult(last[3], tuple(r[0] for r in rows))

    async def _already_stored(
        self, conn: asyncpg.Connection, ids: list[UUID]
    ) -> AppendResult | None:
        found = await conn.fetch(
            "SELECT global_position, stream_version FROM eventstore.events"
            " WHERE event_id = ANY($1::uuid[]) ORDER BY global_position",
            ids,
        )
        if not found:
            return None
        if len(found) != len(ids):
            raise IdempotencyConflict(f"{len(found)} of {len(ids)} event ids already stored")
        return AppendResult(
            found[-1]["stream_version"], tuple(r["global_position"] for r in found), True
        )

    async def read_stream(
        self, stream_id: str, *, conn: asyncpg.Connection | None = None
    ) -> Stream:
        """Every event of one stream, in order."""
        sql = (
            f"SELECT {_COLUMNS} FROM eventstore.events WHERE stream_id = $1 ORDER BY stream_version"
        )
        if conn is None:
            async with self._pool.acquire() as own:
                rows = await own.fetch(sql, stream_id)
        else:
            rows = await conn.fetch(sql, stream_id)
        events = tuple(self.envelope(r) for r in rows)
        return Stream(stream_id, events[-1].stream_version if events else 0, events)

    async def read_all(
        self, *, after: int = 0, batch_size: int = 1000, until: int | None = None
    ) -> AsyncIterator[Envelope]:
        """Every event after a position, in log order, fetched in batches."""
        async for rows in self.read_all_rows(after=after, batch_size=batch_size, until=until):
            for row in rows:
                yield self.envelope(row)

    async def read_all_rows(
        self, *, after: int = 0, batch_size: int = 1000, until: int | None = None
    ) -> AsyncIterator[list[asyncpg.Record]]:
        """Raw rows after a position, in batches (for replay and the relay)."""
        last = after
        while True:
            async with self._pool.acquire() as conn:
                rows = await conn.fetch(
                    f"SELECT {_COLUMNS} FROM eventstore.events WHERE global_position > $1"
                    " AND ($2::bigint IS NULL OR global_position <= $2)"
                    " ORDER BY global_position LIMIT $3",
                    last,
                    until,
                    batch_size,
                )
            if not rows:
                return
            yield rows
            last = rows[-1]["global_position"]
            if len(rows) < batch_size:
                return

    async def head(self) -> int:
        """The last position given out."""
        async with self._pool.acquire() as conn:
            position: int = await conn.fetchval("SELECT position FROM eventstore.head")
        return position

    def envelope(self, row: asyncpg.Record | dict[str, Any]) -> Envelope:
        """A stored row as a typed envelope (old schema versions upcast)."""
        event: Event = self._registry.load(row["type"], row["schema_version"], row["payload"])
        return Envelope(
            event_id=row["event_id"],
            stream_id=row["stream_id"],
            stream_version=row["stream_version"],
            global_position=row["global_position"],
            type=row["type"],
            schema_version=row["schema_version"],
            occurred_at=row["occurred_at"],
            recorded_at=row["recorded_at"],
            actor=Actor.model_validate(row["actor"]),
            correlation_id=row["correlation_id"],
            causation_id=row["causation_id"],
            event=event,
            hash=bytes(row["hash"]).hex(),
        )


def _rows(
    stream_id: str,
    version: int,
    position: int,
    prev_hash: bytes,
    now: Any,
    events: Sequence[NewEvent],
) -> list[tuple[Any, ...]]:
    category = stream_category(stream_id)
    rows: list[tuple[Any, ...]] = []
    for i, new in enumerate(events, start=1):
        event, meta = new.event, new.meta
        if event.category and event.category != category:
            raise ValueError(f"{event.type} belongs to {event.category}-… streams, not {stream_id}")
        record = {
            "global_position": position + i,
            "event_id": meta.event_id,
            "stream_id": stream_id,
            "stream_version": version + i,
            "type": event.type,
            "schema_version": event.schema_version,
            "occurred_at": meta.occurred_at,
            "recorded_at": now,
            "actor": meta.actor.model_dump(mode="json"),
            "correlation_id": meta.correlation_id,
            "causation_id": meta.causation_id,
            "payload": event.payload(),
        }
        digest = chain_hash(prev_hash, canonical_bytes(record))
        rows.append((*record.values(), prev_hash, digest))
        prev_hash = digest
    return rows
