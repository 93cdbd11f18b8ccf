"""Hop latency: append → relay → a consumer → its own append, at a fixed rate and at the limit.

Everything runs as in a service process, on one event loop: a pacer appends `RequestSubmitted`
events to fresh intake streams at a fixed rate (each append on its own task, so a slow one
does not hold back the schedule), the relay (`Relay.run`, woken by NOTIFY) publishes them, and
a durable consumer (`serve_consumers` with one `Subscription`) handles each by appending a
`Disposed` to the ticket's disposition stream in its inbox transaction. A hop is timed from the
call of the first append to the notification of the consumer's commit (LISTEN on the log's
channel, which PostgreSQL sends at commit).

Every hop sent counts: one whose reply has not landed `DRAIN` seconds after the last append
(or whose append failed) is lost, and counts as infinitely late in the percentiles. The
capacity search brackets and bisects (`common.search_capacity`) in steps of `STEP_SECONDS`.

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

from penghubung.bench.common import Bench, Search, search_capacity, spread
from penghubung.bench.history import KADIS, Templates, applicant
from penghubung.bench.profile import py_spy, summary
from penghubung.bench.results import Figure, Goal, GoalKind, number
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
LOWEST, HIGHEST = 25.0, 3200.0
"""The capacity search's range: below the lowest it says "below 25/s"."""
GOAL_P99_MS = 20.0
DRAIN = 5.0
"""Seconds after the last append that a hop may still land in; later, it is lost."""
STEP_SECONDS = 5.0
"""Each step of the capacity search, in both modes."""
SPEC = ConsumerSpec(durable="bench-hop", filter="intake.>")


@dataclass
class Hops:
    """The hops in flight and done: start times by event id, ends by the reply's position."""

    started: dict[uuid.UUID, float] = field(default_factory=dict)
    replies: dict[int, uuid.UUID] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    appends: list[float] = field(default_factory=list)
    failed: int = 0
    """Hops lost: the append failed, or the reply had not landed within `DRAIN` seconds."""
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
        self.settled = True
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

    async def settle(self, seconds: float = 120.0) -> bool:
        """Wait until the relay and the consumer have caught up with the log (a backlog left
        by a rate too high would otherwise delay the next measure); whether they did."""
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
                    return True
                await asyncio.sleep(0.1)
            return False
        finally:
            await nc.close()

    async def fire(self, rate: float, seconds: float) -> Hops:
        """Append at `rate` for `seconds`; wait for the hops to land, at most `DRAIN` seconds
        more: a hop that has not landed by then is lost."""
        self.settled = await self.settle()
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
                await asyncio.wait_for(hops.drained.wait(), DRAIN)
        hops.failed += len(hops.started)
        hops.started.clear()
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


def figures_of(hops: Hops) -> dict[str, float]:
    """The hops' percentiles (ms) over every hop sent, a lost one infinitely late."""
    return spread(hops.latencies, lost=hops.failed)


def passes(figures: dict[str, float]) -> bool:
    """Nothing lost and a p99 under `P99_LIMIT_MS`."""
    return not figures["lost"] and figures["p99"] < P99_LIMIT_MS


async def _limit(bench: Bench, desk: Desk, fixed_ok: bool) -> tuple[Search, list[dict[str, float]]]:
    """The highest rate with nothing lost and a p99 under 50 ms: bracket from 200/s (double
    while it holds, halve while it does not), then bisect; `STEP_SECONDS` per step."""
    steps: list[dict[str, float]] = []

    async def tries(rate: float) -> bool:
        hops = await desk.fire(rate, STEP_SECONDS)
        figures = figures_of(hops)
        ok = passes(figures)
        steps.append({"rate": rate, **figures, "settled_before": float(desk.settled)})
        bench.say(
            f"hop: {rate:g}/s → p99 {number(figures['p99'], 'ms')},"
            f" {hops.failed} lost {'ok' if ok else 'over'}"
        )
        return ok

    found = await search_capacity(
        tries,
        RATE,
        lowest=LOWEST,
        highest=HIGHEST,
        steps=int(bench.pick(6, 4)),
        first=fixed_ok,
    )
    return found, steps


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
    """p50/p95/p99 at 200 events/s (every hop sent counted), and the highest rate with nothing
    lost and p99 under 50 ms."""
    seconds = bench.pick(30.0, STEP_SECONDS)
    async with running(bench) as desk:
        await desk.fire(50, 1.0)  # warm up: connections, the durable, the relay's lead
        bench.say(f"hop: {RATE:.0f} events/s for {seconds:.0f} s")
        with _profiling(bench, seconds):
            hops = await desk.fire(RATE, seconds)
        fixed = figures_of(hops)
        appended = spread(hops.appends)
        bench.say(
            f"hop: p99 {number(fixed['p99'], 'ms')}, {hops.failed} of {fixed['count']:.0f} lost"
        )
        found, steps = await _limit(bench, desk, passes(fixed))
    sent = int(fixed["count"])
    every = f"over all {sent:,} hops sent; a hop not landed {DRAIN:g} s after the last is lost (∞)"
    figures = [
        Figure(
            SECTION,
            "p50 at 200 ev/s",
            fixed["p50"],
            "ms",
            "append alone, p50",
            appended["p50"],
            note=every,
        ),
        Figure(
            SECTION,
            "p95 at 200 ev/s",
            fixed["p95"],
            "ms",
            "append alone, p95",
            appended["p95"],
            note=every,
        ),
        Figure(
            SECTION,
            "p99 at 200 ev/s (lost hops count as ∞)",
            fixed["p99"],
            "ms",
            "append alone, p99",
            appended["p99"],
            Goal(GoalKind.AT_MOST, GOAL_P99_MS),
            note=every,
        ),
        Figure(
            SECTION,
            f"hops lost at 200 ev/s (of {sent:,})",
            float(hops.failed),
            "hops",
            goal=Goal(GoalKind.AT_MOST, 0),
            note=every,
        ),
        Figure(
            SECTION,
            f"highest rate with p99 < {P99_LIMIT_MS:g} ms, nothing lost",
            found.value,
            "ev/s",
            note=(
                f"{STEP_SECONDS:g} s steps from 200/s: doubling (or halving), then bisecting;"
                f" tried {', '.join(f'{r:g}' + ('✓' if ok else '✗') for r, ok in found.tried)}"
            ),
            bound=found.bound,
        ),
    ]
    details = {
        "fixed_rate": {
            "rate": RATE,
            "seconds": seconds,
            "hop_ms": fixed,
            "append_ms": appended,
            "lost": hops.failed,
        },
        "drain_seconds": DRAIN,
        "profile": bench.profiles.get("hop"),
        "search": found.as_json(),
        "steps": steps,
    }
    return figures, details
