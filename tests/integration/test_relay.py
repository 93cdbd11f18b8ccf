"""The relay against real PostgreSQL and NATS: order, acks, take-over, outages, lost tails."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal

import asyncpg
import nats
import pytest

import penghubung.bus.relay as relay_module
from penghubung.bus.relay import Relay
from penghubung.bus.topology import bootstrap
from penghubung.db import create_pool
from penghubung.events import Actor, Event, EventRegistry, Metadata, NewEvent, Role
from penghubung.eventstore import EventStore
from penghubung.settings import NatsSettings, RelaySettings

pytestmark = pytest.mark.integration

events = EventRegistry()


@events.register
class Pinged(Event):
    """A test fact."""

    type: Literal["Pinged"] = "Pinged"
    schema_version: int = 1
    category: ClassVar[str] = "intake"
    n: int


def ping(n: int) -> NewEvent:
    meta = Metadata(
        event_id=uuid.uuid4(),
        occurred_at=datetime.now(UTC),
        actor=Actor(name="test", role=Role.SYSTEM),
        correlation_id=f"T-{n}",
    )
    return NewEvent(event=Pinged(n=n), meta=meta)


@dataclass
class Bed:
    """One test's private database, stream and relay settings."""

    url: str
    pool: asyncpg.Pool
    log: EventStore
    nats: NatsSettings
    relay: RelaySettings

    def candidate(self, name: str) -> Relay:
        return Relay(database_url=self.url, nats=self.nats, relay=self.relay, name=name)

    async def append(self, count: int, start: int = 0) -> None:
        for n in range(start, start + count):
            await self.log.append(f"intake-{uuid.uuid4()}", expected_version=0, events=[ping(n)])

    async def checkpoint(self) -> int:
        async with self.pool.acquire() as conn:
            value: int = await conn.fetchval("SELECT position FROM eventstore.relay_checkpoint")
        return value


async def until(check: Callable[[], Awaitable[bool]], *, seconds: float = 30.0) -> None:
    """Poll a condition until it holds; fail when the deadline passes."""
    deadline = time.monotonic() + seconds
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached before the deadline")
        await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def running(relay: Relay) -> AsyncIterator[asyncio.Event]:
    stop = asyncio.Event()
    task = asyncio.create_task(relay.run(stop))
    try:
        yield stop
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=15)


async def stream_positions(nats_url: str, settings: NatsSettings) -> list[int]:
    """Every message's log position, in stream order."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        info = await js.stream_info(settings.stream_name)
        positions = []
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            msg = await js.get_msg(settings.stream_name, seq=seq)
            assert msg.headers is not None
            assert msg.headers["Nats-Msg-Id"]
            positions.append(int(msg.headers["Penghubung-Position"]))
        return positions
    finally:
        await nc.close()


async def drop_stream(nats_url: str, name: str) -> None:
    nc = await nats.connect(nats_url)
    try:
        await nc.jetstream().delete_stream(name)
    finally:
        await nc.close()


@pytest.fixture
async def bed(new_database: Any, nats_url: str, run_id: str) -> AsyncIterator[Bed]:
    url = await new_database()
    suffix = uuid.uuid4().hex[:8]
    settings = NatsSettings(
        nats_url=nats_url,
        stream_name=f"RELAY_{run_id}_{suffix}",
        subject_prefix=f"r{run_id}{suffix}.events",
    )
    await bootstrap(settings, [])
    async with create_pool(url, size=4) as pool:
        yield Bed(
            url,
            pool,
            EventStore(pool, events=events),
            settings,
            RelaySettings(relay_poll_seconds=0.2, relay_batch_size=50),
        )
    with contextlib.suppress(Exception):
        await drop_stream(nats_url, settings.stream_name)


async def test_relay_publishes_every_event_once_in_log_order(bed: Bed, nats_url: str) -> None:
    await bed.append(120)
    async with running(bed.candidate("a")):
        await until(lambda: _at(bed, 120))
        await bed.append(30, start=120)  # woken by NOTIFY, not only by polling
        await until(lambda: _at(bed, 150))

    assert await stream_positions(nats_url, bed.nats) == list(range(1, 151))


async def test_only_one_candidate_relays_and_another_takes_over(bed: Bed, nats_url: str) -> None:
    first, second = bed.candidate("first"), bed.candidate("second")
    await bed.append(10)
    async with running(first) as stop_first, running(second) as stop_second:
        await until(lambda: _at(bed, 10))
        assert [first.is_leader, second.is_leader].count(True) == 1
        standby = second if first.is_leader else first
        (stop_first if first.is_leader else stop_second).set()
        started = time.monotonic()
        await until(lambda: _true(standby.is_leader), seconds=15)
        took = time.monotonic() - started
        await bed.append(10, start=10)
        await until(lambda: _at(bed, 20))
    print(f"relay take-over took {took:.2f} s")
    assert await stream_positions(nats_url, bed.nats) == list(range(1, 21))


async def test_crash_between_publish_and_checkpoint_loses_nothing_and_doubles_nothing(
    bed: Bed, nats_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The relay publishes, then dies every time before its checkpoint is written down."""
    await bed.append(40)

    async def crash(*_: Any) -> None:
        raise asyncpg.InterfaceError("process died before the checkpoint moved")

    with monkeypatch.context() as patched:
        patched.setattr(relay_module, "_move_checkpoint", crash)
        async with running(bed.candidate("crashing")):
            await until(lambda: _stream_has(nats_url, bed.nats, 40))
    assert await bed.checkpoint() == 0

    async with running(bed.candidate("successor")):
        await until(lambda: _at(bed, 40))

    assert await stream_positions(nats_url, bed.nats) == list(range(1, 41))


async def test_relay_republishes_a_tail_the_broker_lost(bed: Bed, nats_url: str) -> None:
    await bed.append(25)
    async with running(bed.candidate("a")):
        await until(lambda: _at(bed, 25))
    # The broker lost what it had acknowledged: here, the whole stream.
    await drop_stream(nats_url, bed.nats.stream_name)
    await bootstrap(bed.nats, [])

    async with running(bed.candidate("b")):
        await until(lambda: _stream_has(nats_url, bed.nats, 25))
        await bed.append(5, start=25)
        await until(lambda: _at(bed, 30))

    assert await stream_positions(nats_url, bed.nats) == list(range(1, 31))


async def _at(bed: Bed, position: int) -> bool:
    return await bed.checkpoint() >= position


async def _true(value: bool) -> bool:
    return value


async def _stream_has(nats_url: str, settings: NatsSettings, count: int) -> bool:
    nc = await nats.connect(nats_url)
    try:
        info = await nc.jetstream().stream_info(settings.stream_name)
        return bool(info.state.messages >= count)
    finally:
        await nc.close()


@pytest.mark.parametrize("how", ["stop", "kill"])
async def test_events_appended_while_nats_is_down_all_arrive_in_order_after_it_returns(
    new_database: Any, tmp_path: Any, how: str
) -> None:
    """A graceful stop, and a SIGKILL that may lose what JetStream acked but had not synced."""
    from penghubung.testing.servers import spawn_private_nats

    server = await asyncio.to_thread(spawn_private_nats, tmp_path)
    try:
        url = await new_database()
        settings = NatsSettings(nats_url=server.url, stream_name="OUTAGE", subject_prefix="o.ev")
        await bootstrap(settings, [])
        async with create_pool(url, size=4) as pool:
            bed = Bed(
                url,
                pool,
                EventStore(pool, events=events),
                settings,
                RelaySettings(relay_poll_seconds=0.2, relay_batch_size=50),
            )
            async with running(bed.candidate("a")):
                await bed.append(20)
                await until(lambda: _at(bed, 20))
                await asyncio.to_thread(getattr(server, how))
                await bed.append(60, start=20)  # accepted: the log is the record
                assert await bed.checkpoint() < 80
                await asyncio.to_thread(server.start)
                await until(lambda: _at(bed, 80), seconds=60)
            assert await stream_positions(server.url, settings) == list(range(1, 81))
    finally:
        await asyncio.to_thread(server.stop)
