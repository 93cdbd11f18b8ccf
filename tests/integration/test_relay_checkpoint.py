"""The relay's checkpoint, kept in memory while it leads: written down seldom, and safe when stale.

A leader writes its checkpoint down at most every `relay_checkpoint_seconds` and when it stops.
One that dies in between leaves the database behind what the stream holds; its successor
publishes that stretch again. Within JetStream's duplicate window the stream drops the copies by
`Nats-Msg-Id`; beyond it they reach the consumers, whose inbox keeps each effect once.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal

import asyncpg
import nats
import pytest

from penghubung.bus.consumer import Subscription, serve_consumers
from penghubung.bus.relay import Relay
from penghubung.bus.topology import ConsumerSpec, bootstrap
from penghubung.db import create_pool
from penghubung.events import Actor, Envelope, Event, EventRegistry, Metadata, NewEvent, Role
from penghubung.eventstore import EventStore
from penghubung.settings import NatsSettings, RelaySettings

pytestmark = pytest.mark.integration

events = EventRegistry()


@events.register
class Counted(Event):
    """A test fact."""

    type: Literal["Counted"] = "Counted"
    schema_version: int = 1
    category: ClassVar[str] = "intake"
    n: int


def counted(n: int) -> NewEvent:
    meta = Metadata(
        event_id=uuid.uuid4(),
        occurred_at=datetime.now(UTC),
        actor=Actor(name="test", role=Role.SYSTEM),
        correlation_id=f"T-{n}",
    )
    return NewEvent(event=Counted(n=n), meta=meta)


async def until(check: Callable[[], Awaitable[bool]], *, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached before the deadline")
        await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def running(relay: Relay) -> AsyncIterator[None]:
    stop = asyncio.Event()
    task = asyncio.create_task(relay.run(stop))
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=15)


class Bed:
    """A database of the test's own, a stream, a durable consumer writing one effect per event."""

    def __init__(self, url: str, pool: asyncpg.Pool, settings: NatsSettings) -> None:
        self.url, self.pool, self.settings = url, pool, settings
        self.log = EventStore(pool, events=events)
        self.spec = ConsumerSpec(durable="effects", ack_wait_seconds=10)

    def relay(self, name: str, *, checkpoint_seconds: float) -> Relay:
        settings = RelaySettings(
            relay_poll_seconds=0.2, relay_batch_size=7, relay_checkpoint_seconds=checkpoint_seconds
        )
        return Relay(database_url=self.url, nats=self.settings, relay=settings, name=name)

    async def append(self, numbers: range) -> None:
        for n in numbers:
            await self.log.append(f"intake-{uuid.uuid4()}", expected_version=0, events=[counted(n)])

    async def scalar(self, sql: str) -> int:
        async with self.pool.acquire() as conn:
            value: int = await conn.fetchval(sql)
        return value

    async def checkpoint(self) -> int:
        return await self.scalar("SELECT position FROM eventstore.relay_checkpoint")

    async def stream_messages(self) -> int:
        nc = await nats.connect(self.settings.nats_url)
        try:
            info = await nc.jetstream().stream_info(self.settings.stream_name)
            return int(info.state.messages)
        finally:
            await nc.close()

    async def record(self, conn: asyncpg.Connection, envelope: Envelope) -> None:
        await conn.execute(
            "INSERT INTO relay_effects (event_id, n) VALUES ($1, $2)",
            envelope.event_id,
            envelope.event.n,  # type: ignore[attr-defined]
        )


@pytest.fixture
async def bed(new_database: Any, nats_url: str, run_id: str) -> AsyncIterator[Bed]:
    url = await new_database()
    suffix = uuid.uuid4().hex[:8]
    settings = NatsSettings(
        nats_url=nats_url,
        stream_name=f"RELAYCP_{run_id}_{suffix}",
        subject_prefix=f"rc{run_id}{suffix}.events",
        duplicate_window_seconds=1,  # short, so that a test can outwait it
    )
    async with create_pool(url, size=4) as pool:
        async with pool.acquire() as conn:
            await conn.execute("CREATE TABLE relay_effects (event_id uuid NOT NULL, n int)")
        bed = Bed(url, pool, settings)
        await bootstrap(settings, [bed.spec])
        try:
            yield bed
        finally:
            nc = await nats.connect(nats_url)
            with contextlib.suppress(Exception):
                await nc.jetstream().delete_stream(settings.stream_name)
            await nc.close()


async def test_the_leader_writes_its_checkpoint_down_when_due_and_when_it_stops(bed: Bed) -> None:
    await bed.append(range(30))

    async with running(bed.relay("seldom", checkpoint_seconds=3600)):
        await until(lambda: _equals(bed.stream_messages(), 30))
        await asyncio.sleep(0.5)  # five polls: none writes the checkpoint down, none is due
        while_leading = await bed.checkpoint()
    on_stop = await bed.checkpoint()

    async with running(bed.relay("often", checkpoint_seconds=0.1)):
        await bed.append(range(30, 40))
        await until(lambda: _equals(bed.checkpoint(), 40))  # written while it leads

    assert (while_leading, on_stop) == (0, 30)
    assert await bed.stream_messages() == 40


@pytest.mark.parametrize("window", ["within", "beyond"])
async def test_a_relay_on_a_stale_checkpoint_repeats_no_effect(bed: Bed, window: str) -> None:
    """A leader died having published 30 events but written its checkpoint down at 10 only."""
    if window == "within":
        bed.settings = bed.settings.model_copy(update={"duplicate_window_seconds": 600})
        await bootstrap(bed.settings, [bed.spec])
    await bed.append(range(30))
    subscription = Subscription(bed.spec, bed.record)
    async with serve_consumers(
        pool=bed.pool, settings=bed.settings, subscriptions=[subscription], events=events
    ):
        async with running(bed.relay("first", checkpoint_seconds=3600)):
            await until(lambda: _equals(bed.scalar("SELECT count(*) FROM relay_effects"), 30))
        async with bed.pool.acquire() as conn:
            await conn.execute("UPDATE eventstore.relay_checkpoint SET position = 10")
        if window == "beyond":
            await asyncio.sleep(1.5)  # JetStream no longer knows the message ids it saw

        async with running(bed.relay("successor", checkpoint_seconds=0.1)):
            await bed.append(range(30, 40))
            await until(lambda: _equals(bed.checkpoint(), 40))
            inbox = "SELECT count(*) FROM messaging.inbox WHERE consumer = 'effects'"
            await until(lambda: _equals(bed.scalar(inbox), 40))
            await until(lambda: _pending_none(bed))

    async with bed.pool.acquire() as conn:
        effects = await conn.fetch("SELECT n, count(*) AS c FROM relay_effects GROUP BY n")
        inboxed = await conn.fetchval(
            "SELECT count(DISTINCT event_id) FROM messaging.inbox WHERE consumer = 'effects'"
        )
    assert sorted(r["n"] for r in effects) == list(range(40))
    assert {r["c"] for r in effects} == {1}
    assert inboxed == 40
    # Within the window the stream dropped the 20 published again; beyond it, it holds them.
    assert await bed.stream_messages() == (40 if window == "within" else 60)


async def _equals(value: Awaitable[int], expected: int) -> bool:
    return await value == expected


async def _pending_none(bed: Bed) -> bool:
    nc = await nats.connect(bed.settings.nats_url)
    try:
        info = await nc.jetstream().consumer_info(bed.settings.stream_name, bed.spec.durable)
        return not info.num_pending and not info.num_ack_pending
    finally:
        await nc.close()
