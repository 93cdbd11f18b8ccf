"""Append to and read from the event log, with optimistic concurrency and a gapless position.

Appends made through the pool are committed in groups: while one transaction holds the head
lock, the appends that arrive meanwhile wait, and the next transaction writes them all — one
head lock, one extension of the hash chain, one batch of inserts — then answers each caller
with its own result or its own error. Appends that join a caller's transaction (`conn=`) are
written in that transaction, alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import deque
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from penghubung.events.base import Actor, Envelope, Event, NewEvent, stream_category
from penghubung.events.canonical import canonical_time, chain_hash
from penghubung.events.registry import EventRegistry, registry

log = logging.getLogger(__name__)

NOTIFY_CHANNEL = "penghubung_events"
"""Channel notified (at commit) with the last position of each append."""

ANY_VERSION = -1
"""`expected_version` that skips the concurrency check (for streams with one writer)."""

MAX_GROUP_EVENTS = 1000
"""The most events one group commit writes (an append larger than that is written alone)."""


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

_TEXT_COLUMNS = _COLUMNS.replace(" actor,", " actor::text AS actor,").replace(
    " payload,", " payload::text AS payload,"
)
_DECODED_ACTORS = 10_000
"""Actors kept decoded by `envelope_of_text` (the same people act again and again)."""

_LOCK_HEAD = "SELECT 1 FROM eventstore.head FOR UPDATE"

# Read after the head lock, in a statement of its own: a statement's snapshot is taken when it
# starts, so one that waited for the lock would not see what the lock's holder committed.
# One row for the head (its hash is not null), one per stream (its version), one per event id
# already stored.
_KNOWN = (
    "SELECT NULL::text AS stream_id, NULL::uuid AS event_id, position AS global_position,"
    " NULL::integer AS stream_version, hash, clock_timestamp() AS now FROM eventstore.head"
    " UNION ALL SELECT s.id, NULL, NULL,"
    " (SELECT max(e.stream_version) FROM eventstore.events e WHERE e.stream_id = s.id),"
    " NULL, NULL FROM unnest($2::text[]) AS s(id)"
    " UNION ALL SELECT stream_id, event_id, global_position, stream_version, NULL, NULL"
    " FROM eventstore.events WHERE event_id = ANY($1::uuid[])"
)

# Every row of the transaction in one statement (a column per array), the head moved over
# them, and the notification (sent by PostgreSQL at commit).
_APPEND = (
    "WITH appended AS (INSERT INTO eventstore.events (global_position, event_id, stream_id,"
    " stream_version, type, schema_version, occurred_at, recorded_at, actor, correlation_id,"
    " causation_id, payload, prev_hash, hash)"
    " SELECT r.global_position, r.event_id, r.stream_id, r.stream_version, r.type,"
    " r.schema_version, r.occurred_at, $8, r.actor::jsonb, r.correlation_id, r.causation_id,"
    " r.payload::jsonb, r.prev_hash, r.hash"
    " FROM unnest($1::bigint[], $2::uuid[], $3::text[], $4::integer[], $5::text[],"
    " $6::integer[], $7::timestamptz[], $9::text[], $10::text[], $11::text[], $12::text[],"
    " $13::bytea[], $14::bytea[]) AS r(global_position, event_id, stream_id, stream_version,"
    " type, schema_version, occurred_at, actor, correlation_id, causation_id, payload,"
    " prev_hash, hash)),"
    " moved AS (UPDATE eventstore.head SET position = $15, hash = $16)"
    " SELECT pg_notify($17, $15::text)"
)


@dataclass(frozen=True, slots=True)
class _Prepared:
    """An event serialised before the lock: all of its canonical form but what the lock gives
    (position, stream version, recorded_at, the previous hash)."""

    event_id: UUID
    type: str
    schema_version: int
    occurred_at: datetime
    occurred_text: str
    actor: str
    correlation_id: str
    causation_id: str | None
    payload: str
    """Canonical JSON (sorted keys): hashed as part of the event, and stored as jsonb."""


@dataclass
class _Append:
    """One caller's append, serialised, waiting for the transaction that writes it."""

    stream_id: str
    expected_version: int
    events: list[_Prepared]
    done: asyncio.Future[AppendResult] | None = None
    ids: list[UUID] = field(init=False)

    def __post_init__(self) -> None:
        self.ids = [e.event_id for e in self.events]


@dataclass
class _Plan:
    """What one transaction writes, and what each of its appends gets once it commits."""

    rows: list[tuple[Any, ...]] = field(default_factory=list)
    outcomes: list[AppendResult | Exception] = field(default_factory=list)


class EventStore:
    """The event log. Every method takes an optional connection to join a caller's transaction."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        *,
        events: EventRegistry = registry,
        max_group_events: int = MAX_GROUP_EVENTS,
    ) -> None:
        self._pool = pool
        self._registry = events
        self._actors: dict[str, Actor] = {}
        self._max_group_events = max_group_events
        self._waiting: deque[_Append] = deque()
        self._committer: asyncio.Task[None] | None = None
        self.group_commits = 0
        """Transactions written by group commit (appends / group_commits: the mean group)."""
        self.grouped_appends = 0
        """Appends written by group commit."""

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
        Without it, the append is committed together with the others waiting at that moment;
        each caller gets its own result or error (a conflict fails that caller alone).
        """
        if not events:
            raise ValueError("nothing to append")
        # Serialised here, by the caller, while the transaction of the group before runs.
        append = _Append(stream_id, expected_version, _prepare(stream_id, events))
        if conn is None:
            return await self._enqueue(append)
        if not conn.is_in_transaction():
            raise RuntimeError("append(conn=...) needs the caller's open transaction")
        stored = await _already_stored(conn, append.ids)
        if stored is not None:
            return stored
        (outcome,) = await _write(conn, [append])
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    async def _enqueue(self, append: _Append) -> AppendResult:
        """Wait for the group commit that writes this append."""
        loop = asyncio.get_running_loop()
        append.done = loop.create_future()
        self._waiting.append(append)
        committer = self._committer
        if committer is None or committer.done() or committer.get_loop() is not loop:
            self._committer = loop.create_task(self._commit_waiting())
        return await append.done

    async def _commit_waiting(self) -> None:
        """Commit groups of waiting appends, one transaction at a time, until none waits.

        One connection serves group after group (a connection given back to the pool is reset,
        a round trip that would stand between two groups); a broken one is exchanged.
        """
        try:
            while self._waiting:
                group: list[_Append] = []
                try:
                    async with self._pool.acquire() as conn:
                        while self._waiting and not conn.is_closed():
                            group = self._next_group()
                            await self._commit_group(conn, group)
                            group = []
                            # The callers just answered may append again at once: let them,
                            # and their appends go on the same connection.
                            await asyncio.sleep(0)
                except Exception as exc:  # no connection to be had: the group learns why
                    _settle(group or self._next_group(), exc)
        finally:
            # Only when stopped from outside (the loop closing): nobody may wait forever.
            waiting, self._waiting = self._waiting, deque()
            for append in waiting:
                if append.done is not None:
                    append.done.cancel()

    def _next_group(self) -> list[_Append]:
        """The appends waiting longest, up to the group's size (callers that gave up left)."""
        group: list[_Append] = []
        count = 0
        while self._waiting:
            append = self._waiting[0]
            if group and count + len(append.events) > self._max_group_events:
                break
            self._waiting.popleft()
            if append.done is not None and not append.done.done():
                group.append(append)
                count += len(append.events)
        return group

    async def _commit_group(self, conn: asyncpg.Connection, group: list[_Append]) -> None:
        """One transaction for the group; each caller gets its outcome once it committed."""
        if not group:
            return
        try:
            outcomes = await _commit(conn, group)
        except asyncpg.PostgresError as exc:
            if len(group) > 1 and _caused_by_data(exc):
                # One caller's rows were refused: write each alone so only that one fails.
                log.warning("group commit of %d appends refused (%s): one by one", len(group), exc)
                for append in group:
                    await self._commit_group(conn, [append])
                return
            _settle(group, exc)
            return
        except BaseException as exc:  # the connection failed (or the loop is closing)
            _settle(group, exc)
            if not isinstance(exc, Exception):
                raise
            conn.terminate()  # so that the pool does not hand it out again
            return
        self.group_commits += 1
        self.grouped_appends += len(group)
        for append, outcome in zip(group, outcomes, strict=True):
            _settle([append], outcome)

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

    async def scan_rows(
        self, *, after: int = 0, until: int | None = None, batch_size: int = 5000
    ) -> AsyncIterator[list[asyncpg.Record]]:
        """Raw rows after a position up to `until`, in batches, through one server-side cursor
        in one read-only snapshot (for rebuilds: the next batch is fetched while the caller
        works on this one). Their `actor` and `payload` are JSON text: `envelope_of_text`."""
        async with (
            self._pool.acquire() as conn,
            conn.transaction(isolation="repeatable_read", readonly=True),
        ):
            cursor = await conn.cursor(
                f"SELECT {_TEXT_COLUMNS} FROM eventstore.events WHERE global_position > $1"
                " AND ($2::bigint IS NULL OR global_position <= $2) ORDER BY global_position",
                after,
                until,
            )
            ahead = asyncio.ensure_future(cursor.fetch(batch_size))
            try:
                while rows := await ahead:
                    ahead = asyncio.ensure_future(cursor.fetch(batch_size))
                    yield rows
            finally:
                # the fetch in flight ends before the cursor's transaction does
                await asyncio.gather(ahead, return_exceptions=True)

    async def head(self) -> int:
        """The last position given out."""
        async with self._pool.acquire() as conn:
            position: int = await conn.fetchval("SELECT position FROM eventstore.head")
        return position

    def envelope_of_text(self, row: asyncpg.Record) -> Envelope:
        """A row of `scan_rows` (its actor and payload as JSON text) as a typed envelope: the
        event validated straight from its text, as a stored event (the forms' costly checks of
        values it stores canonical are skipped: `EventRegistry.load_json(trusted=True)`), each
        actor once per process, and the columns PostgreSQL typed taken as they are
        (`_typed_envelope`). Only for rows read from the log itself."""
        actor = self._actors.get(row["actor"])
        if actor is None:
            if len(self._actors) > _DECODED_ACTORS:
                self._actors.clear()
            actor = self._actors[row["actor"]] = Actor.model_validate_json(row["actor"])
        return _typed_envelope(
            {
                "event_id": row["event_id"],
                "stream_id": row["stream_id"],
                "stream_version": row["stream_version"],
                "global_position": row["global_position"],
                "type": row["type"],
                "schema_version": row["schema_version"],
                "occurred_at": row["occurred_at"],
                "recorded_at": row["recorded_at"],
                "actor": actor,
                "correlation_id": row["correlation_id"],
                "causation_id": row["causation_id"],
                "event": self._registry.load_json(
                    row["type"], row["schema_version"], row["payload"], trusted=True
                ),
                "hash": row["hash"].hex(),
            }
        )

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


_ENVELOPE_FIELDS = frozenset(Envelope.model_fields)


def _typed_envelope(values: dict[str, Any]) -> Envelope:
    """An envelope of values that need no validation: the columns as PostgreSQL typed them (a
    uuid, integers, texts, times with their zone), an actor and an event validated already.
    Validating them again costs a rebuild more than the rest of the envelope (pydantic's own
    `model_construct` is slower still)."""
    envelope = Envelope.__new__(Envelope)
    object.__setattr__(envelope, "__dict__", values)
    object.__setattr__(envelope, "__pydantic_fields_set__", set(_ENVELOPE_FIELDS))
    object.__setattr__(envelope, "__pydantic_extra__", None)
    object.__setattr__(envelope, "__pydantic_private__", None)
    return envelope


async def _write(
    conn: asyncpg.Connection, appends: Sequence[_Append], *, locked: bool = False
) -> list[AppendResult | Exception]:
    """Under the head lock, write the appends that may be written; each one's outcome."""
    if not locked:
        await conn.execute(_LOCK_HEAD)
    ids = [i for a in appends for i in a.ids]
    known = await conn.fetch(_KNOWN, ids, list({a.stream_id: None for a in appends}))
    plan = _plan(appends, known)
    if plan.rows:
        columns = list(zip(*plan.rows, strict=True))
        last = plan.rows[-1]
        await conn.execute(
            _APPEND, *columns[:7], last[7], *columns[8:], last[0], last[13], NOTIFY_CHANNEL
        )
    return plan.outcomes


async def _commit(conn: asyncpg.Connection, appends: Sequence[_Append]) -> list[Any]:
    """One transaction of the group's own; its outcomes once it committed."""
    try:
        # BEGIN and the lock in one round trip (the simple protocol takes both statements).
        await conn.execute(f"BEGIN; {_LOCK_HEAD}")
        outcomes = await _write(conn, appends, locked=True)
        await conn.execute("COMMIT")
    except BaseException:
        if conn.is_in_transaction():
            with contextlib.suppress(Exception):
                await conn.execute("ROLLBACK")
        raise
    return outcomes


def _plan(appends: Sequence[_Append], known: Sequence[asyncpg.Record]) -> _Plan:
    """Decide each append in turn, as if alone: a retry, a conflict, or rows on the chain."""
    versions: dict[str, int] = {}
    stored: dict[UUID, tuple[int, int]] = {}  # event id -> (position, stream version)
    head = next(row for row in known if row["hash"] is not None)
    position, prev_hash = head["global_position"], bytes(head["hash"])
    now: datetime = head["now"]
    for row in known:
        if row["hash"] is not None:
            continue
        if row["event_id"] is None:
            versions[row["stream_id"]] = row["stream_version"] or 0
        else:
            stored[row["event_id"]] = (row["global_position"], row["stream_version"])
    plan = _Plan()
    for append in appends:
        outcome: AppendResult | Exception
        try:
            retried = _decide(append, versions, stored)
            if retried is not None:
                outcome = retried
            else:
                version = versions[append.stream_id]
                rows = _rows(append.stream_id, version, position, prev_hash, now, append.events)
                outcome = AppendResult(rows[-1][3], tuple(r[0] for r in rows))
                plan.rows.extend(rows)
                position, prev_hash = rows[-1][0], rows[-1][13]
                versions[append.stream_id] = rows[-1][3]
                stored.update({r[1]: (r[0], r[3]) for r in rows})
        except Exception as exc:  # this caller's own mistake; the others go on
            outcome = exc
        plan.outcomes.append(outcome)
    return plan


def _decide(
    append: _Append, versions: dict[str, int], stored: dict[UUID, tuple[int, int]]
) -> AppendResult | None:
    """The result of a retry, an error, or None when the append is to be written."""
    found = sorted(stored[i] for i in append.ids if i in stored)
    if found:
        if len(found) != len(append.ids):
            raise IdempotencyConflict(f"{len(found)} of {len(append.ids)} event ids already stored")
        return AppendResult(found[-1][1], tuple(p for p, _ in found), True)
    if len(set(append.ids)) != len(append.ids):
        raise ValueError("an append carries the same event id twice")
    version = versions.setdefault(append.stream_id, 0)
    if append.expected_version not in (ANY_VERSION, version):
        raise ConcurrencyError(append.stream_id, append.expected_version, version)
    return None


def _settle(appends: Sequence[_Append], outcome: AppendResult | BaseException) -> None:
    """Give each waiting caller its outcome (a caller that gave up gets nothing)."""
    for append in appends:
        done = append.done
        if done is None or done.done():
            continue
        if isinstance(outcome, AppendResult):
            done.set_result(outcome)
        elif isinstance(outcome, Exception):
            done.set_exception(outcome)
        else:
            done.cancel()


_REFUSED_ROWS = ("22", "23", "42", "54", "P0")
"""SQLSTATE classes of a refusal of the rows themselves: bad data, a constraint, a privilege
(row-level security), a limit, a trigger's exception — as opposed to the connection or the
server failing, which fails the whole group."""


def _caused_by_data(exc: asyncpg.PostgresError) -> bool:
    """Whether PostgreSQL refused the rows themselves rather than the transaction failing."""
    sqlstate = str(getattr(exc, "sqlstate", "") or "")
    return sqlstate[:2] in _REFUSED_ROWS


async def _already_stored(conn: asyncpg.Connection, ids: list[UUID]) -> AppendResult | None:
    """A retry's result, read before taking the lock, so that a retry does not wait for it."""
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


def _prepare(stream_id: str, events: Sequence[NewEvent]) -> list[_Prepared]:
    """Each event's serialised parts; `ValueError` for an event of another category."""
    category = stream_category(stream_id)
    prepared = []
    for new in events:
        event, meta = new.event, new.meta
        if event.category and event.category != category:
            raise ValueError(f"{event.type} belongs to {event.category}-… streams, not {stream_id}")
        prepared.append(
            _Prepared(
                event_id=meta.event_id,
                type=event.type,
                schema_version=event.schema_version,
                occurred_at=meta.occurred_at,
                occurred_text=canonical_time(meta.occurred_at),
                actor=_actor(meta.actor),
                correlation_id=meta.correlation_id,
                causation_id=meta.causation_id,
                payload=_canonical_json(event.payload()),
            )
        )
    return prepared


def _rows(
    stream_id: str,
    version: int,
    position: int,
    prev_hash: bytes,
    now: datetime,
    events: Sequence[_Prepared],
) -> list[tuple[Any, ...]]:
    """The rows of one append, chained from `prev_hash`; actor and payload as JSON text."""
    stream_json, recorded = _canonical_json(stream_id), canonical_time(now)
    rows: list[tuple[Any, ...]] = []
    for i, e in enumerate(events, start=1):
        # `canonical_bytes` of the envelope, assembled from the parts serialised beforehand:
        # the same sorted keys, separators and escaping (json.dumps of a nested value is the
        # nested part of the json.dumps of the whole).
        canonical = (
            f'{{"actor":{e.actor},"causation_id":{_canonical_json(e.causation_id)},'
            f'"correlation_id":{_canonical_json(e.correlation_id)},"event_id":"{e.event_id}",'
            f'"global_position":{position + i},"occurred_at":"{e.occurred_text}",'
            f'"payload":{e.payload},"recorded_at":"{recorded}",'
            f'"schema_version":{e.schema_version},"stream_id":{stream_json},'
            f'"stream_version":{version + i},"type":{_canonical_json(e.type)}}}'
        )
        digest = chain_hash(prev_hash, canonical.encode())
        rows.append(
            (
                position + i,
                e.event_id,
                stream_id,
                version + i,
                e.type,
                e.schema_version,
                e.occurred_at,
                now,
                e.actor,
                e.correlation_id,
                e.causation_id,
                e.payload,
                prev_hash,
                digest,
            )
        )
        prev_hash = digest
    return rows


_ACTORS: dict[Actor, str] = {}
"""Actors seen lately, as canonical JSON (the same few people act again and again)."""


def _actor(actor: Actor) -> str:
    found = _ACTORS.get(actor)
    if found is None:
        if len(_ACTORS) >= 1024:
            _ACTORS.clear()
        found = _ACTORS[actor] = _canonical_json(actor.model_dump(mode="json"))
    return found


def _canonical_json(value: Any) -> str:
    """JSON as `canonical_bytes` writes it: sorted keys, no spaces, UTF-8 as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
