"""Relay: events/s from the log to acknowledged JetStream publishes, beside raw nats-py.

The relay measured is `Relay.publish_pending`, called until the checkpoint reaches the head:
it reads a batch after the checkpoint, encodes each row, publishes them pipelined and moves the
checkpoint over what was acknowledged. The baseline publishes the same payloads (encoded
beforehand) with the same headers, `Nats-Msg-Id` among them, to a stream of its own, pipelined
the same way (`js.publish_async`, then awaiting the futures), in chunks of the relay's batch.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import nats

from penghubung.bench.common import Bench
from penghubung.bench.history import write_log
from penghubung.bench.results import Figure, Goal, GoalKind
from penghubung.bus import wire
from penghubung.bus.relay import Relay
from penghubung.bus.topology import subject
from penghubung.db import connect
from penghubung.settings import RelaySettings

SECTION = "relay"


async def run(bench: Bench) -> tuple[list[Figure], dict[str, Any]]:
    """The relay's rate beside raw pipelined publishing of the same payloads."""
    events = int(bench.pick(40_000, 8_000))
    url = await bench.database("relay")
    bench.say(f"relay: writing {events:,} events")
    written = await write_log(url, events)
    settings = await bench.stream("relay")
    raw_settings = await bench.stream("relayraw")
    batch = RelaySettings().relay_batch_size
    conn = await connect(url)
    nc = await nats.connect(bench.nats_url)
    try:
        js = nc.jetstream()
        rows = await conn.fetch("SELECT * FROM eventstore.events ORDER BY global_position")
        messages = [
            (subject(raw_settings, wire.category_of(r), r["type"]), *wire.encode(r)) for r in rows
        ]
        bench.say("relay: raw pipelined publishing")
        start = time.perf_counter()
        for k in range(0, len(messages), batch):
            futures = [
                await js.publish_async(topic, data, headers=headers)
                for topic, data, headers in messages[k : k + batch]
            ]
            await asyncio.gather(*futures)
        raw = len(messages) / (time.perf_counter() - start)
        bench.say("relay: Relay.publish_pending")
        relay = Relay(database_url=url, nats=settings, relay=RelaySettings(), name="bench")
        start = time.perf_counter()
        while await relay.publish_pending(conn, js):
            pass
        rate = relay.published / (time.perf_counter() - start)
        stored = (await js.stream_info(settings.stream_name)).state.messages
    finally:
        await nc.close()
        await conn.close()
    figure = Figure(
        SECTION,
        "log → acknowledged JetStream publishes",
        rate,
        "ev/s",
        "raw js.publish_async, pipelined",
        raw,
        Goal(GoalKind.RATIO_AT_LEAST, 0.5),
    )
    return [figure], {
        "events": written,
        "published": relay.published,
        "on_stream": stored,
        "batch": batch,
        "mean_message_bytes": sum(len(m[1]) for m in messages) / max(1, len(messages)),
    }
