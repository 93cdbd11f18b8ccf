"""Relay: events/s from the log to acknowledged JetStream publishes, beside raw nats-py.

The relay measured is `Relay.publish_pending`, called until the checkpoint reaches the head:
it reads a batch after the checkpoint, encodes each row, publishes them pipelined and moves the
checkpoint over what was acknowledged. The baseline publishes the same payloads (encoded
beforehand) with the same headers, `Nats-Msg-Id` among them, to a stream of its own, pipelined
the same way (`js.publish_async`, then awaiting the futures), in chunks of the relay's batch.
The two take turns, three rounds each, each round publishing the whole log to a fresh stream
(the relay from a checkpoint set back to 0); the figures are the medians, the ratio the median
of the rounds' ratios.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import nats

from penghubung.bench.common import Bench, Rounds
from penghubung.bench.history import write_log
from penghubung.bench.results import Figure, Goal, GoalKind
from penghubung.bus import wire
from penghubung.bus.relay import Relay
from penghubung.bus.topology import subject
from penghubung.db import connect
from penghubung.settings import RelaySettings

SECTION = "relay"
ROUNDS = 3


async def run(bench: Bench) -> tuple[list[Figure], dict[str, Any]]:
    """The relay's rate beside raw pipelined publishing of the same payloads, in interleaved
    rounds (raw, relay, raw, relay, …), each round to a fresh stream of its own."""
    events = int(bench.pick(40_000, 8_000))
    url = await bench.database("relay")
    bench.say(f"relay: writing {events:,} events")
    written = await write_log(url, events)
    batch = RelaySettings().relay_batch_size
    conn = await connect(url)
    nc = await nats.connect(bench.nats_url)
    rounds = Rounds([], [])
    published: list[int] = []
    on_stream: list[int] = []
    try:
        js = nc.jetstream()
        rows = await conn.fetch("SELECT * FROM eventstore.events ORDER BY global_position")
        encoded = [(wire.category_of(r), r["type"], *wire.encode(r)) for r in rows]
        bench.say(f"relay: {ROUNDS} rounds of each side, raw publishing first")
        for k in range(ROUNDS):
            raw_settings = await bench.stream(f"relayraw{k}")
            messages = [
                (subject(raw_settings, category, kind), data, headers)
                for category, kind, data, headers in encoded
            ]
            start = time.perf_counter()
            for i in range(0, len(messages), batch):
                futures = [
                    await js.publish_async(topic, data, headers=headers)
                    for topic, data, headers in messages[i : i + batch]
                ]
                await asyncio.gather(*futures)
            rounds.baseline.append(len(messages) / (time.perf_counter() - start))
            settings = await bench.stream(f"relay{k}")
            await conn.execute("UPDATE eventstore.relay_checkpoint SET position = 0")
            relay = Relay(database_url=url, nats=settings, relay=RelaySettings(), name="bench")
            start = time.perf_counter()
            while await relay.publish_pending(conn, js):
                pass
            rounds.measured.append(relay.published / (time.perf_counter() - start))
            published.append(relay.published)
            on_stream.append((await js.stream_info(settings.stream_name)).state.messages)
            for name in (raw_settings.stream_name, settings.stream_name):
                await js.delete_stream(name)
            bench.say(
                f"relay: round {k + 1}: raw {rounds.baseline[-1]:,.0f} ev/s,"
                f" relay {rounds.measured[-1]:,.0f} ev/s"
            )
    finally:
        await nc.close()
        await conn.close()
    figure = Figure(
        SECTION,
        f"log → acknowledged JetStream publishes (median of {ROUNDS})",
        rounds.value,
        "ev/s",
        "raw js.publish_async, pipelined",
        rounds.baseline_value,
        Goal(GoalKind.RATIO_AT_LEAST, 0.5),
        ratios=rounds.ratios,
    )
    return [figure], {
        "events": written,
        "published": published,
        "on_stream": on_stream,
        "batch": batch,
        "rounds": rounds.as_json(),
        "mean_message_bytes": sum(len(m[2]) for m in encoded) / max(1, len(encoded)),
    }
