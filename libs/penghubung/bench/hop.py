"""Hop latency: append → relay → a consumer → its own append, at a fixed rate and at the limit.

Everything runs as in a service process, on one event loop: a pacer appends `RequestSubmitted`
events to fresh intake streams at a fixed rate (each append on its own task, so a slow one
does not hold back the schedule), the relay (`Relay.run`, woken by NOTIFY) publishes them, and
a durable consumer (`serve_consumers` with one `Subscription`) handles each by appending a
`Disposed` to the ticket's disposition stream in its inbox transaction. A hop is timed from the
call of the first append to the notification of the consumer's commit (LISTEN on the log's
channel, which PostgreSQL sends at commit).

The baseline is the append alone (call to return) measured in the same runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import asyncpg
import nats

from penghubung.bench.common import Bench, spread
from penghubung.bench.history import KADIS, Templates, applicant
from penghubung.bench.profile import py_spy, summary
from penghubung.bench.results import Figure, Goal, GoalKind
from penghubung.bus.consumer import Subscription, serve_consumers
from penghubung.bus.relay import Relay
from penghubung.bus.topology import ConsumerSpec, declare_consumer
from penghubung.db import connect, create_pool
from penghubung.events import Envelope, Metadata, NewEvent
from penghubung.eventstore import EventStore
from penghubung.eventstore.store import NOTIFY_CHANNEL
from penghubung.forms import format_ticket_id
from penghubung.settings import NatsSettings, RelaySettings

SECTION = "hop"
RATE = 200.0
P99_LIMIT_MS = 50.0
GOAL_P99_MS = 20.0
SPEC = ConsumerSpec(durable="bench-hop", filter="intake.>")


@dataclass
class Hops:
    """The hops in flight and done: start times by event id, ends by the reply's position."""

    started: dict[uuid.UUID, float] = field(default_factory=dict)
    replies: dict[int, uuid.UUID] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    appends: list[float] = field(default_factory=list)
    failed: int = 0
    drained: asyncio.Event = field(default_factory=asyncio.Event)
    """Set when no hop is in flight."""

    def notified(self, position: int) -> None:
        """The log's head moved to `position` at a commit: a reply, if it is one of ours."""
        source = self.replies.pop(position, None)
        if source is not None:
            start = self.started.pop(source, None)
            if start is not None:
                self.latencies.append(time.perf_counter() - start)
            if not self.started:
                self.drained.set()


class Desk:
    """The system of one process: the store, the relay, the consumer, the listener."""

    def __init__(self, store: EventStore, settings: NatsSettings) -> None:
        self.store = store
        self.settings = settings
        self.templates = Templates()
        self.hops = Hops()
        self._tickets = itertools.count(1)

    async def reply(self, conn: asyncpg.Connection, envelope: Envelope) -> None:
        """The consumer's handler: a kadis disposition of the submitted request, appended."""
        ticket = envelope.correlation_id
        event = self.templates.disposed[0].model_copy(update={"ticket_id": ticket})
        meta = Metadata(
            event_id=uuid.uuid4(),
            occurred_at=datetime.now(UTC),
            actor=KADIS,
            correlation_id=ticket,
            causation_id=str(envelope.event_id),
        )
        result = await self.store.append(
            f"disposition-{ticket}",
            expected_version=0,
            events=[NewEvent(event=event, meta=meta)],
            conn=conn,
        )
        self.hops.replies[result.positions[-1]] = envelope.event_id

    def submission(self) -> tuple[str, NewEvent]:
        """A fresh ticket's submission."""
        n = next(self._tickets)
        ticket = format_ticket_id(2000 + n // 99_999, n % 99_999 + 1)
        template = self.templates.submitted["Dinas Kesehatan"]
        now = datetime.now(UTC)
        event = template.model_copy(update={"ticket_id": ticket, "received_at": now})
        meta = Metadata(
            event_id=uuid.uuid4(),
            occurred_at=now,
            actor=applicant("Dinas Kesehatan"),
            correlation_id=ticket,
        )
        return f"intake-{ticket}", NewEvent(event=event, meta=meta)

    async def settle(self, seconds: float = 60.0) -> None:
        """Wait until the relay and the consumer have caught up with the log (a backlog left
        by a rate too high would otherwise delay the next measure)."""
        nc = await nats.connect(self.settings.nats_url)
        try:
            js = nc.jetstream()
            deadline = time.perf_counter() + seconds
            while time.perf_counter() < deadline:
                async with self.store.pool.acquire() as conn:
                    behind = await conn.fetchval(
                        "SELECT h.position - c.position FROM eventstore.head h,"
                        " eventstore.relay_checkpoint c"
                    )
                info = await js.consumer_info(self.settings.stream_name, SPEC.durable)
                if not behind and not info.num_pending and not info.num_ack_pending:
                    return
                await asyncio.sleep(0.1)
        finally:
            await nc.close()

    async def fire(self, rate: float, seconds: float) -> Hops:
        """Append at `rate` for `seconds`; wait for the hops to land (at most 10 s more)."""
        await self.settle()
        self.hops = hops = Hops()
        loop = asyncio.get_running_loop()
        tasks: list[asyncio.Task[None]] = []
        start = loop.time()
        for i in range(int(rate * seconds)):
            delay = start + i / rate - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(self._one(hops)))
        await asyncio.gather(*tasks)
        if hops.started:
            hops.drained.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(hops.drained.wait(), 10)
        hops.failed += len(hops.started)
        return hops

    async def _one(self, hops: Hops) -> None:
        stream, new = self.submission()
        begun = time.perf_counter()
        hops.started[new.meta.event_id] = begun
        try:
            await self.store.append(stream, expected_version=0, events=[new])
        except Exception:
            hops.started.pop(new.meta.event_id, None)
            hops.failed += 1
            return
        hops.appends.append(time.perf_counter() - begun)


@contextlib.asynccontextmanager
async def running(bench: Bench) -> AsyncIterator[Desk]:
    """The relay, the consumer and the listener on a database and stream of their own."""
    url = await bench.database("hop")
    settings: NatsSettings = await bench.stream("hop")
    nc = await nats.connect(bench.nats_url)
    try:
        await declare_consumer(nc.jetstream(), SPEC, settings)
    finally:
        await nc.close()
    stop = asyncio.Event()
    async with create_pool(url, size=10) as pool:
        desk = Desk(EventStore(pool), settings)
        relay = Relay(database_url=url, nats=settings, relay=RelaySettings(), name="bench")
        relaying = asyncio.create_task(relay.run(stop))
        listener = await connect(url)

        def notified(*args: Any) -> None:
            desk.hops.notified(int(args[3]))

        await listener.add_listener(NOTIFY_CHANNEL, notified)
        try:
            async with serve_consumers(
                pool=pool, settings=settings, subscriptions=[Subscription(SPEC, desk.reply)]
            ):
                yield desk
        finally:
            stop.set()
            await relaying
            await listener.close()


def _passes(hops: Hops, fired: int) -> bool:
    return (
        not hops.failed
        and len(hops.latencies) == fired
        and spread(hops.latencies)["p99"] < (P99_LIMIT_MS)
    )


async def _limit(bench: Bench, desk: Desk, fixed_ok: bool) -> tuple[float, list[dict[str, float]]]:
    """The highest rate whose p99 stays under 50 ms: from 200/s, doubling while it holds (or
    halving until it does), then halving the gap between the last good and the first bad."""
    seconds = bench.pick(5.0, 2.0)
    steps: list[dict[str, float]] = []

    async def tries(rate: float) -> bool:
        hops = await desk.fire(rate, seconds)
        ok = _passes(hops, int(rate * seconds))
        steps.append({"rate": rate, **spread(hops.latencies), "failed": float(hops.failed)})
        bench.say(f"hop: {rate:.0f}/s → p99 {steps[-1]['p99']:.1f} ms {'ok' if ok else 'over'}")
        return ok

    good, bad = (RATE, 0.0) if fixed_ok else (0.0, RATE)
    for _ in range(int(bench.pick(5, 3))):
        rate = good * 2 if fixed_ok else bad / 2
        if await tries(rate):
            good = rate
            if not fixed_ok:
                break
        else:
            bad = rate
            if fixed_ok:
                break
    for _ in range(int(bench.pick(2, 1))):
        if not (good and bad):
            break
        middle = (good + bad) / 2
        if await tries(middle):
            good = middle
        else:
            bad = middle
    return good, steps


@contextlib.contextmanager
def _profiling(bench: Bench, seconds: float) -> Iterator[None]:
    """py-spy on this very process for the fixed-rate window (with `--profile`)."""
    spy = py_spy()
    if not bench.profile or spy is None:
        yield
        return
    path = bench.out / "profile-hop.txt"
    args = [
        spy, "record", "--pid", str(os.getpid()), "--format", "raw", "--rate", "97",
        "--duration", str(int(seconds)), "--output", str(path),
    ]  # fmt: skip
    spying = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield
    finally:
        with contextlib.suppress(subprocess.TimeoutExpired):
            spying.wait(30)
        if path.exists():
            bench.profiles["hop"] = summary(path)


async def run(bench: Bench) -> tuple[list[Figure], dict[str, Any]]:
    """p50/p95/p99 at 200 events/s, and the highest rate with p99 under 50 ms."""
    seconds = bench.pick(30.0, 5.0)
    async with running(bench) as desk:
        await desk.fire(50, 1.0)  # warm up: connections, the durable, the relay's lead
        bench.say(f"hop: {RATE:.0f} events/s for {seconds:.0f} s")
        with _profiling(bench, seconds):
            hops = await desk.fire(RATE, seconds)
        fixed = spread(hops.latencies)
        appended = spread(hops.appends)
        fixed_ok = _passes(hops, int(RATE * seconds))
        limit, steps = await _limit(bench, desk, fixed_ok)
    figures = [
        Figure(
            SECTION, "p50 at 200 ev/s", fixed["p50"], "ms", "append alone, p50", appended["p50"]
        ),
        Figure(
            SECTION, "p95 at 200 ev/s", fixed["p95"], "ms", "append alone, p95", appended["p95"]
        ),
        Figure(
            SECTION,
            "p99 at 200 ev/s",
            fixed["p99"],
            "ms",
            "append alone, p99",
            appended["p99"],
            Goal(GoalKind.AT_MOST, GOAL_P99_MS),
        ),
        Figure(
            SECTION,
            "highest rate with p99 < 50 ms",
            limit,
            "ev/s",
            note="from 200/s: doubling (or halving), then halving the gap",
        ),
    ]
    details = {
        "fixed_rate": {"rate": RATE, "seconds": seconds, "hop_ms": fixed, "append_ms": appended},
        "failed_at_fixed_rate": hops.failed,
        "profile": bench.profiles.get("hop"),
        "steps": steps,
    }
    return figures, details
