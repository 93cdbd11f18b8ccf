"""The process holding the relay is killed while it publishes: another takes over, nothing twice.

The relay moves its checkpoint only over acknowledged publishes, so its successor publishes
again whatever was sent but not yet checkpointed; JetStream drops those by `Nats-Msg-Id` and
the inboxes would absorb any that got through. The stream must end up holding each logged
event exactly once, and every consumer must have applied each once.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from penghubung.services import SERVICES
from penghubung.testing.faults import AGENCY, Bench

pytestmark = pytest.mark.faults

BURST = 60


async def _relay_checkpoint(bench: Bench) -> int:
    async with bench.db() as conn:
        position: int = await conn.fetchval("SELECT position FROM eventstore.relay_checkpoint")
    return position


async def test_killing_the_relay_holder_hands_the_relay_over_and_keeps_effects_once(
    bench: Bench,
) -> None:
    holder = await bench.system.relay_holder()
    start = await _relay_checkpoint(bench)
    burst = asyncio.create_task(bench.sop.submit_many(BURST, concurrency=6, agency=AGENCY))

    async def publishing() -> bool:
        return await _relay_checkpoint(bench) >= start + 10

    await bench.until(publishing, what="the relay publishing the burst")
    bench.system.kill(holder)
    killed_at = time.monotonic()
    at_kill = await _relay_checkpoint(bench)
    successor = await bench.system.relay_holder()
    take_over = time.monotonic() - killed_at
    bench.system.launch(holder)
    await bench.system.wait_ready([holder])
    tickets = await burst
    tally = await bench.settled()

    print(
        f"\nrelay holder {holder} SIGKILLed at relay checkpoint {at_kill} (from {start});"
        f" {successor} reported itself active {take_over:.2f} s later\n{tally.summary()}"
    )
    assert successor != holder
    assert not bench.problems(tally), bench.problems(tally)
    states = await bench.system.relay_states()
    assert sorted(states.values()) == ["active"] + ["standby"] * (len(states) - 1), states
    assert len(states) == len(SERVICES)
    async with bench.db() as conn:
        effects = await conn.fetch(
            "SELECT d.ticket_id, t.event_type FROM disposition.requests d"
            " JOIN reporting.timeline t ON t.ticket_id = d.ticket_id"
            " WHERE d.ticket_id = ANY($1::text[])",
            tickets,
        )
    assert sorted(r["ticket_id"] for r in effects) == sorted(tickets)
