"""Counts that must agree after any fault: the log, the bus, and every consumer's effects.

The log is the record. Each durable consumer's inbox holds one row per logged event of the
types it handles (more would be an effect twice, fewer an effect lost); the reporting
projection's checkpoint reaches the log's head and its timeline holds one row per event it
shows, ticket by ticket; the stream holds each event once (the relay's `Nats-Msg-Id`
de-duplication) and every durable has acknowledged all it was given; the relay's checkpoint
is the head; nothing waits in the dead letters unless the caller put it there.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

import asyncpg
import nats
from nats.js.errors import NotFoundError

from penghubung.bus.relay import stream_last_position
from penghubung.bus.topology import service_consumers
from penghubung.db import connect
from penghubung.settings import NatsSettings

HANDLED: Mapping[str, frozenset[str] | None] = {
    "intake-returns": frozenset({"RequestReturned"}),
    "disposition-intake": frozenset({"RequestSubmitted", "RequestResubmitted"}),
    "integration-dispositions": frozenset({"Disposed", "WorkReassigned"}),
    "integration-reports": frozenset({"ReportArchived"}),
    "disposition-directory": frozenset(
        {"PersonRegistered", "RoleGranted", "RoleRevoked", "DelegationGranted", "DelegationEnded"}
    ),
    "disposition-integration": frozenset({"Integrated", "RequestClosed"}),
    "reporting-projection": None,
    "reporting-reactions": frozenset(
        {"Integrated", "RequestClosed", "FeasibilityCorrected", "ImplementationCorrected"}
    ),
    "notices-events": frozenset(
        {
            "PersonRegistered",
            "RoleGranted",
            "RoleRevoked",
            "DelegationGranted",
            "DelegationEnded",
            "RequestSubmitted",
            "RequestResubmitted",
            "Disposed",
            "RequestReturned",
            "FeasibilityDone",
            "Integrated",
            "RequestClosed",
            "ReportWritten",
            "BeritaAcaraNumberReserved",
            "ReportArchived",
            "SlaWarningRaised",
            "CalendarDayOffAdded",
            "CalendarDayOffRemoved",
            "CalendarHoursReduced",
        }
    ),
}
"""The event types each durable's handler takes (None: every type), as its subscription says.

Kept here by hand: a durable the services declare and this table lacks, or an inbox row of a
type it does not list, stops the tally with a message rather than passing for a lost effect.
"""


@dataclass(frozen=True)
class DurableState:
    """Where one durable consumer stands on the stream."""

    name: str
    delivered: int
    """Consumer sequence of the last message given to it."""
    ack_floor: int
    """Consumer sequence up to which it acknowledged everything."""
    pending: int
    ack_pending: int
    redelivered: int


@dataclass(frozen=True)
class Tally:
    """One reading of the log, the bus and the effects, taken together."""

    log_head: int
    log_by_type: Mapping[str, int]
    relay_checkpoint: int
    projection_checkpoint: int
    timeline_rows: int
    timeline_expected: int
    tickets_off_timeline: tuple[str, ...]
    """Tickets whose timeline rows differ in number from their logged events."""
    inbox: Mapping[str, int]
    inbox_expected: Mapping[str, int]
    open_dead_letters: Mapping[str, int]
    stream_messages: int
    stream_last_position: int
    durables: Mapping[str, DurableState] = field(default_factory=dict)

    @property
    def log_events(self) -> int:
        """Events in the log."""
        return sum(self.log_by_type.values())

    def problems(self, *, foreign_messages: int = 0, dead_letters: int = 0) -> list[str]:
        """What disagrees; `foreign_messages` were put on the stream by hand, not from the log."""
        found: list[str] = []
        if self.log_events != self.log_head:
            found.append(f"log holds {self.log_events} events but its head is {self.log_head}")
        if self.relay_checkpoint != self.log_head:
            found.append(f"relay checkpoint {self.relay_checkpoint} != log head {self.log_head}")
        if self.stream_messages != self.log_head + foreign_messages:
            found.append(
                f"stream holds {self.stream_messages} messages, log {self.log_head}"
                f" (+{foreign_messages} put there by hand)"
            )
        if self.stream_last_position != self.log_head and not foreign_messages:
            found.append(f"stream ends at position {self.stream_last_position}")
        if self.projection_checkpoint != self.log_head:
            found.append(f"projection at {self.projection_checkpoint} of {self.log_head}")
        if self.timeline_rows != self.timeline_expected:
            found.append(f"timeline rows {self.timeline_rows} != {self.timeline_expected} events")
        if self.tickets_off_timeline:
            found.append(f"timeline differs from the log for {list(self.tickets_off_timeline)}")
        for durable, expected in self.inbox_expected.items():
            if self.inbox.get(durable, 0) != expected:
                found.append(f"inbox of {durable}: {self.inbox.get(durable, 0)} != {expected}")
        for state in self.durables.values():
            if state.pending or state.ack_pending or state.ack_floor != state.delivered:
                found.append(f"durable {state.name} not done: {state}")
        if sum(self.open_dead_letters.values()) != dead_letters:
            found.append(f"open dead letters {dict(self.open_dead_letters)} != {dead_letters}")
        return found

    def summary(self) -> str:
        """One line of the figures."""
        inbox = ", ".join(f"{k} {v}" for k, v in sorted(self.inbox.items()))
        return (
            f"log {self.log_head} events; stream {self.stream_messages} messages; relay at"
            f" {self.relay_checkpoint}; projection at {self.projection_checkpoint}; timeline"
            f" {self.timeline_rows}; inbox: {inbox}; open dead letters"
            f" {sum(self.open_dead_letters.values())}"
        )


async def take_tally(
    conn: asyncpg.Connection, bus: NatsSettings, *, timeline_types: Collection[str]
) -> Tally:
    """Read the log, the effects and the bus once; `timeline_types` are the event types the
    reporting projection puts on a request's timeline (`reporting.projections.apply.APPLIERS`)."""
    head: int = await conn.fetchval("SELECT position FROM eventstore.head")
    by_type = {
        r["type"]: r["n"]
        for r in await conn.fetch("SELECT type, count(*) AS n FROM eventstore.events GROUP BY 1")
    }
    reading = await _bus(bus)
    off = await conn.fetch(
        "WITH logged AS (SELECT correlation_id AS ticket, count(*) AS n FROM eventstore.events"
        "   WHERE type = ANY($1::text[]) GROUP BY 1),"
        " shown AS (SELECT ticket_id AS ticket, count(*) AS n FROM reporting.timeline GROUP BY 1)"
        " SELECT coalesce(l.ticket, s.ticket) AS ticket FROM logged l"
        " FULL JOIN shown s ON s.ticket = l.ticket"
        " WHERE l.n IS DISTINCT FROM s.n ORDER BY 1 LIMIT 20",
        sorted(timeline_types),
    )
    return Tally(
        log_head=head,
        log_by_type=by_type,
        relay_checkpoint=await conn.fetchval("SELECT position FROM eventstore.relay_checkpoint"),
        projection_checkpoint=await conn.fetchval(
            "SELECT position FROM reporting.checkpoint WHERE projection = 'requests'"
        ),
        timeline_rows=await conn.fetchval("SELECT count(*) FROM reporting.timeline"),
        timeline_expected=sum(n for t, n in by_type.items() if t in timeline_types),
        tickets_off_timeline=tuple(r["ticket"] for r in off),
        inbox={
            r["consumer"]: r["n"]
            for r in await conn.fetch(
                "SELECT consumer, count(*) AS n FROM messaging.inbox GROUP BY 1"
            )
        },
        inbox_expected=await _inbox_expected(conn),
        open_dead_letters={
            r["consumer"]: r["n"]
            for r in await conn.fetch(
                "SELECT consumer, count(*) AS n FROM messaging.dead_letters"
                " WHERE status <> 'redriven' GROUP BY 1"
            )
        },
        stream_messages=reading.messages,
        stream_last_position=reading.last_position,
        durables=reading.durables,
    )


async def _inbox_expected(conn: asyncpg.Connection) -> dict[str, int]:
    """Per durable: the logged events of its filter's category and of the types it handles."""
    specs = {spec.durable: spec for spec in service_consumers()}
    if set(specs) != set(HANDLED):
        raise RuntimeError(f"the tally knows {sorted(HANDLED)}, the services {sorted(specs)}")
    for row in await conn.fetch(
        "SELECT DISTINCT i.consumer, e.type FROM messaging.inbox i"
        " JOIN eventstore.events e ON e.event_id = i.event_id"
    ):
        wanted = HANDLED.get(row["consumer"])
        if wanted is not None and row["type"] not in wanted:
            raise RuntimeError(f"{row['consumer']} handles {row['type']}: update HANDLED")
    expected: dict[str, int] = {}
    for durable, types in HANDLED.items():
        category = specs[durable].filter.removesuffix(">").removesuffix(".") or None
        expected[durable] = await conn.fetchval(
            "SELECT count(*) FROM eventstore.events"
            " WHERE ($1::text IS NULL OR split_part(stream_id, '-', 1) = $1)"
            " AND ($2::text[] IS NULL OR type = ANY($2::text[]))",
            category,
            None if types is None else sorted(types),
        )
    return expected


@dataclass(frozen=True)
class _BusReading:
    messages: int
    last_position: int
    durables: dict[str, DurableState]


async def _bus(bus: NatsSettings) -> _BusReading:
    nc = await nats.connect(bus.nats_servers, connect_timeout=5, max_reconnect_attempts=1)
    try:
        js = nc.jetstream()
        info = await js.stream_info(bus.stream_name)
        durables: dict[str, DurableState] = {}
        for durable in HANDLED:
            try:
                ci = await js.consumer_info(bus.stream_name, durable)
            except NotFoundError:
                continue
            durables[durable] = DurableState(
                name=durable,
                # Consumer sequences: what the durable was given and what it acknowledged. The
                # stream sequence of a filtered durable's ack floor stays behind the messages it
                # never matched after a cluster's consumer leader changes, with nothing pending.
                delivered=(ci.delivered.consumer_seq or 0) if ci.delivered else 0,
                ack_floor=(ci.ack_floor.consumer_seq or 0) if ci.ack_floor else 0,
                pending=ci.num_pending or 0,
                ack_pending=ci.num_ack_pending or 0,
                redelivered=ci.num_redelivered or 0,
            )
        last = await stream_last_position(js, bus.stream_name)
        return _BusReading(info.state.messages, last, durables)
    finally:
        await nc.close()


async def settled_tally(
    database_url: str,
    bus: NatsSettings,
    *,
    within: float,
    timeline_types: Collection[str],
    foreign_messages: int = 0,
    dead_letters: int = 0,
) -> Tally:
    """Read until everything agrees or `within` seconds pass; the last reading either way."""
    deadline = time.monotonic() + within
    conn = await connect(database_url)
    try:
        while True:
            tally = await take_tally(conn, bus, timeline_types=timeline_types)
            problems = tally.problems(foreign_messages=foreign_messages, dead_letters=dead_letters)
            if not problems or time.monotonic() > deadline:
                return tally
            await asyncio.sleep(0.25)
    finally:
        await conn.close()
