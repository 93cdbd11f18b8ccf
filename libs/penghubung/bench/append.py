"""Append: events/s into the log with every guarantee, beside a raw INSERT of the same rows.

The guarded appends go through `EventStore.append` (pool path: group commit), each a command
on a ticket's stream with its expected version: optimistic concurrency, idempotency by event
id, the gapless position and the hash chain. The baseline inserts the same rows (already
serialised, with a position and a hash computed beforehand) into `bench_raw.events`, a table
shaped like `eventstore.events` (same columns, keys and indexes), with no lock and no chain:
one autocommitted INSERT per row, or one `executemany` per batch.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg

from penghubung.bench.common import Bench, Rounds
from penghubung.bench.history import Histories, Step_
from penghubung.bench.results import Figure, Goal, GoalKind
from penghubung.db import create_pool
from penghubung.events import Metadata, NewEvent
from penghubung.eventstore import EventStore

SECTION = "append"
WRITERS = 8
BATCH = 100
ROUNDS = 3
"""Rounds of each side, interleaved (measured, baseline, measured, baseline, …)."""

_RAW_INSERT = (
    "INSERT INTO bench_raw.events (global_position, event_id, stream_id, stream_version, type,"
    " schema_version, occurred_at, recorded_at, actor, correlation_id, causation_id, payload,"
    " prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
)


@dataclass(frozen=True)
class Command:
    """One append: a stream, the version it expects, its events."""

    stream_id: str
    expected_version: int
    events: list[NewEvent]


class Workload:
    """Tickets' histories, replayed as commands under fresh event ids as often as needed."""

    def __init__(self, tickets: int) -> None:
        histories = Histories(seed=11)
        days = histories.days(per_day=20)
        self.tickets: list[list[Step_]] = []
        while len(self.tickets) < tickets:
            day = next(days)
            by_ticket: dict[str, list[Step_]] = {}
            for step in day:
                by_ticket.setdefault(step.ticket_id, []).append(step)
            self.tickets.extend(by_ticket.values())
        self._round = itertools.count()
        self._events: dict[int, Any] = {}

    def singles(self, writer: int, writers: int) -> Iterator[Command]:
        """Single-event commands of this writer's tickets, round after round."""
        while True:
            tag = f"r{next(self._round)}"
            for ticket in self.tickets[writer::writers]:
                versions: dict[str, int] = {}
                for step in ticket:
                    stream = f"{step.stream_id}-{tag}"
                    version = versions.get(stream, 0)
                    versions[stream] = version + 1
                    yield Command(stream, version, [self._new(step)])

    def batches(self, size: int) -> Iterator[Command]:
        """Commands of `size` events of one category each, into fresh streams."""
        steps = [s for t in self.tickets for s in t]
        while True:
            tag = f"b{next(self._round)}"
            for category in ("intake", "disposition", "integration", "reporting"):
                mine = [s for s in steps if s.stream_id.startswith(f"{category}-")]
                for k in range(0, len(mine) - size + 1, size):
                    events = [self._new(s) for s in mine[k : k + size]]
                    yield Command(f"{category}-{tag}-{k}", 0, events)

    def _new(self, step: Step_) -> NewEvent:
        event = self._events.get(id(step))
        if event is None:
            event = self._events[id(step)] = step.event
        meta = Metadata.model_construct(
            event_id=uuid.uuid4(),
            occurred_at=step.occurred_at,
            actor=step.actor,
            correlation_id=step.ticket_id,
            causation_id=None,
        )
        return NewEvent.model_construct(event=event, meta=meta)


class RawRows:
    """The same rows as the guarded appends write, for a table without lock or chain."""

    def __init__(self) -> None:
        self._position = itertools.count(1)
        self._now = datetime.now(UTC)
        self._actors: dict[int, dict[str, Any]] = {}
        self._payloads: dict[int, dict[str, Any]] = {}
        self._zero = bytes(32)

    def rows(self, command: Command) -> list[tuple[Any, ...]]:
        """The rows of one command, serialised beforehand as the store would."""
        out = []
        for i, new in enumerate(command.events, start=1):
            event, meta = new.event, new.meta
            actor = self._actors.get(id(meta.actor))
            if actor is None:
                actor = self._actors[id(meta.actor)] = meta.actor.model_dump(mode="json")
            payload = self._payloads.get(id(event))
            if payload is None:
                payload = self._payloads[id(event)] = event.payload()
            out.append(
                (
                    next(self._position),
                    meta.event_id,
                    command.stream_id,
                    command.expected_version + i,
                    event.type,
                    event.schema_version,
                    meta.occurred_at,
                    self._now,
                    actor,
                    meta.correlation_id,
                    meta.causation_id,
                    payload,
                    self._zero,
                    os.urandom(32),
                )
            )
        return out


Worker = Callable[[float], Awaitable[int]]
"""Appends until the deadline it is given; how many events."""


async def _for(seconds: float, workers: list[Worker]) -> tuple[int, float]:
    """Run the workers together until the deadline; the events and the elapsed seconds."""
    start = time.perf_counter()
    counts = await asyncio.gather(*(w(start + seconds) for w in workers))
    return sum(counts), time.perf_counter() - start


async def _alternating(
    seconds: float, rounds: int, measured: list[Worker], baseline: list[Worker]
) -> Rounds:
    """Each side's events per second in each round, the sides taking turns (A B A B …) for
    `rounds` rounds of `seconds` each, so that a change of load on a shared machine falls on
    both alike."""
    out = Rounds([], [])
    for _ in range(rounds):
        for side, workers in ((out.measured, measured), (out.baseline, baseline)):
            events, elapsed = await _for(seconds, workers)
            side.append(events / elapsed)
    return out


def _guarded(store: EventStore, commands: Iterator[Command]) -> Worker:
    async def work(deadline: float) -> int:
        done = 0
        while time.perf_counter() < deadline:
            c = next(commands)
            await store.append(c.stream_id, expected_version=c.expected_version, events=c.events)
            done += len(c.events)
        return done

    return work


def _own_transaction(store: EventStore, commands: Iterator[Command]) -> Worker:
    """A command in a transaction of its own, appended with `conn=` as the services do."""

    async def work(deadline: float) -> int:
        done = 0
        while time.perf_counter() < deadline:
            c = next(commands)
            async with store.pool.acquire() as conn, conn.transaction():
                await store.append(
                    c.stream_id, expected_version=c.expected_version, events=c.events, conn=conn
                )
            done += len(c.events)
        return done

    return work


def _raw(pool: asyncpg.Pool, raw: RawRows, commands: Iterator[Command]) -> Worker:
    async def work(deadline: float) -> int:
        done = 0
        async with pool.acquire() as conn:
            while time.perf_counter() < deadline:
                rows = raw.rows(next(commands))
                if len(rows) == 1:
                    await conn.execute(_RAW_INSERT, *rows[0])
                else:
                    async with conn.transaction():
                        await conn.executemany(_RAW_INSERT, rows)
                done += len(rows)
        return done

    return work


async def run(bench: Bench) -> tuple[list[Figure], dict[str, Any]]:
    """The append figures, each beside the raw INSERT of the same rows, in interleaved rounds."""
    seconds = bench.pick(2.0, 0.5)
    rounds = ROUNDS
    url = await bench.database("append")
    work = Workload(tickets=400)
    raw = RawRows()
    async with create_pool(url, size=2 * WRITERS + 4) as pool:
        async with pool.acquire() as conn:
            await conn.execute("CREATE SCHEMA bench_raw")
            await conn.execute(
                "CREATE TABLE bench_raw.events (LIKE eventstore.events INCLUDING ALL)"
            )
        store = EventStore(pool)

        async def pair(name: str, guarded: list[Worker], baseline: list[Worker]) -> Rounds:
            bench.say(f"append: {name}, {rounds} rounds of {seconds:g} s each side")
            return await _alternating(seconds, rounds, guarded, baseline)

        one = await pair(
            "1 writer", [_guarded(store, work.singles(0, 1))], [_raw(pool, raw, work.singles(0, 1))]
        )
        commits, grouped = store.group_commits, store.grouped_appends
        eight = await pair(
            "8 writers",
            [_guarded(store, work.singles(w, WRITERS)) for w in range(WRITERS)],
            [_raw(pool, raw, work.singles(w, WRITERS)) for w in range(WRITERS)],
        )
        group = (store.grouped_appends - grouped) / max(1, store.group_commits - commits)
        own = await pair(
            "8 writers, a transaction per command",
            [_own_transaction(store, work.singles(w, WRITERS)) for w in range(WRITERS)],
            [_raw(pool, raw, work.singles(w, WRITERS)) for w in range(WRITERS)],
        )
        batches = work.batches(BATCH)
        batch = await pair("batches of 100", [_guarded(store, batches)], [_raw(pool, raw, batches)])
        async with pool.acquire() as conn:
            stored = await conn.fetchval("SELECT count(*) FROM eventstore.events")
            head = await conn.fetchval("SELECT position FROM eventstore.head")

    def figure(
        name: str, rounds: Rounds, baseline: str, goal: Goal | None = None, note: str = ""
    ) -> Figure:
        return Figure(
            SECTION,
            name,
            rounds.value,
            "ev/s",
            baseline,
            rounds.baseline_value,
            goal,
            note=note,
            ratios=rounds.ratios,
        )

    figures = [
        figure("1 writer, single-event commands", one, "raw INSERT, 1 conn"),
        figure(
            "8 writers, single-event commands",
            eight,
            "raw INSERT, 8 conns",
            Goal(GoalKind.RATIO_AT_LEAST, 1.0),
            note=f"group commit: {group:.1f} commands per transaction",
        ),
        figure(
            "8 writers, a transaction per command (conn=, as services append)",
            own,
            "raw INSERT, 8 conns",
            Goal(GoalKind.RATIO_AT_LEAST, 0.5),
        ),
        figure("1 writer, batches of 100", batch, "raw executemany of 100, 1 conn"),
    ]
    details = {
        "seconds_per_round": seconds,
        "rounds_each_side": rounds,
        "rounds": {
            "1 writer": one.as_json(),
            "8 writers": eight.as_json(),
            "8 writers, own transactions": own.as_json(),
            "batches of 100": batch.as_json(),
        },
        "mean_group_8_writers": group,
        "log_rows": stored,
        "log_head": head,
    }
    return figures, details
