"""NATS stopped for half a minute, and NATS killed while events flow: nothing lost, nothing twice.

PostgreSQL is the record: intake takes requests while the bus is away, and the relay publishes
them when it is back. A killed nats-server may lose messages it had already acknowledged (it
syncs to disk every two minutes by default); the relay looks, on every reconnect, where the
stream really ends and publishes the lost tail again (README, "Lost acknowledged messages").
"""

from __future__ import annotations

import asyncio
import time

import nats
import pytest

from penghubung.bus.relay import stream_last_position
from penghubung.testing.faults import AGENCY, Bench

pytestmark = pytest.mark.faults

OUTAGE_SECONDS = 30.0
"""How long NATS stays stopped (the issue's figure)."""
SUBMIT_EVERY_SECONDS = 1.0
"""One submission a second during the outage: at most OUTAGE_SECONDS of them."""
BURST = 60


async def _scalar(bench: Bench, sql: str, *args: object) -> int:
    async with bench.db() as conn:
        value: int = await conn.fetchval(sql, *args)
    return value


async def _each_ticket_once(bench: Bench, tickets: list[str], *, in_order: bool) -> None:
    """Each ticket once in the kadis inbox and on its timeline; with `in_order`, disposition
    took them in log order (after a SIGKILL of the broker a message lost on its way to the
    consumer comes back after the ack wait, behind later ones: once, but not in order)."""
    async with bench.db() as conn:
        at_kadis = await conn.fetchval(
            "SELECT count(*) FROM disposition.requests WHERE ticket_id = ANY($1::text[])",
            tickets,
        )
        shown = await conn.fetchval(
            "SELECT count(*) FROM reporting.timeline WHERE ticket_id = ANY($1::text[])"
            " AND event_type = 'RequestSubmitted'",
            tickets,
        )
        handled = await conn.fetch(
            "SELECT i.global_position FROM messaging.inbox i JOIN eventstore.events e"
            " ON e.event_id = i.event_id WHERE i.consumer = 'disposition-intake'"
            " AND e.correlation_id = ANY($1::text[]) ORDER BY i.handled_at, i.global_position",
            tickets,
        )
    assert (at_kadis, shown, len(handled)) == (len(tickets),) * 3
    positions = [r["global_position"] for r in handled]
    if in_order:
        assert positions == sorted(positions), "disposition handled them out of log order"


async def test_nats_stopped_for_30_s_takes_requests_and_delivers_them_afterwards_once(
    bench: Bench,
) -> None:
    await bench.settled()
    gaps_before = await _scalar(bench, "SELECT count(*) FROM reporting.gaps")
    await asyncio.to_thread(bench.nats.stop)
    stopped = time.monotonic()
    not_ready = await bench.system.wait_not_ready()
    noticed = time.monotonic() - stopped

    tickets: list[str] = []
    while time.monotonic() - stopped < OUTAGE_SECONDS and len(tickets) < OUTAGE_SECONDS:
        sent = time.monotonic()
        tickets.append(await bench.sop.submit(AGENCY, retry=False))  # a 201, or it fails here
        await asyncio.sleep(max(0.0, SUBMIT_EVERY_SECONDS - (time.monotonic() - sent)))
    logged = await _scalar(
        bench,
        "SELECT count(*) FROM eventstore.events WHERE type = 'RequestSubmitted'"
        " AND correlation_id = ANY($1::text[])",
        tickets,
    )
    arrived = await _scalar(
        bench,
        "SELECT count(*) FROM disposition.requests WHERE ticket_id = ANY($1::text[])",
        tickets,
    )
    await asyncio.to_thread(bench.nats.start)
    back = time.monotonic()
    ready_in = await bench.system.wait_ready()
    tally = await bench.settled()
    delivered_in = time.monotonic() - back

    print(
        f"\nNATS stopped {back - stopped:.0f} s;"
        f" all four services said not ready {noticed:.2f} s after the stop;"
        f" {len(tickets)} requests accepted meanwhile; after the restart ready in {ready_in:.2f} s,"
        f" everything delivered and agreeing in {delivered_in:.2f} s\n{tally.summary()}"
    )
    assert all(body["checks"]["nats"] == "unreachable" for _, body in not_ready.values())
    assert logged == len(tickets) > 0
    assert arrived == 0, "something reached a consumer while the bus was down"
    assert not bench.problems(tally), bench.problems(tally)
    await _each_ticket_once(bench, tickets, in_order=True)
    gaps = await _scalar(bench, "SELECT count(*) FROM reporting.gaps")
    assert gaps == gaps_before, "the projection had to fill a gap: the bus skipped a position"


@pytest.mark.parametrize("tail_lost", [False, True], ids=["sigkill", "sigkill-and-lost-tail"])
async def test_nats_killed_while_events_flow_still_delivers_each_event_once(
    bench: Bench, tail_lost: bool
) -> None:
    """A SIGKILL; and a SIGKILL after which the end of the stream's file is gone, as when the
    machine dies before nats-server synced: the consumers are then behind what they had acked
    and the relay must publish the lost tail again."""
    await bench.settled()
    relay_at = "SELECT position FROM eventstore.relay_checkpoint"
    start = await _scalar(bench, relay_at)
    burst = asyncio.create_task(bench.sop.submit_many(BURST, concurrency=6, agency=AGENCY))

    async def flowing() -> bool:
        return await _scalar(bench, relay_at) >= start + 15

    await bench.until(flowing, what="events flowing through the relay")
    acknowledged = await _scalar(bench, relay_at)
    await asyncio.to_thread(bench.nats.kill)
    if tail_lost:
        _cut_the_streams_file(bench, LOST_TAIL_BYTES)
    await asyncio.sleep(1.0)
    await asyncio.to_thread(bench.nats.start)
    back = time.monotonic()
    survived = await _stream_end(bench)
    await bench.system.wait_ready()
    tickets = await burst
    tally = await bench.settled()
    recovered_in = time.monotonic() - back

    print(
        f"\nnats-server SIGKILLed{' and its file cut' if tail_lost else ''} with the relay at"
        f" {acknowledged} (acknowledged); the stream came back ending at position {survived};"
        f" everything delivered and agreeing {recovered_in:.2f} s after the restart"
        f"\n{tally.summary()}"
    )
    if tail_lost:
        assert survived < acknowledged, "the cut lost nothing: the test proves nothing"
    assert not bench.problems(tally), bench.problems(tally)
    await _each_ticket_once(bench, tickets, in_order=False)


LOST_TAIL_BYTES = 24 * 1024
"""What the "machine" loses of the stream's last block: the last ten or so messages."""


def _cut_the_streams_file(bench: Bench, nbytes: int) -> None:
    """Cut the end off the stream's last message block, as an unsynced write is lost."""
    folder = bench.nats.store_dir / "jetstream" / "$G" / "streams"
    blocks = sorted(
        (folder / bench.system.nats.stream_name / "msgs").glob("*.blk"),
        key=lambda p: int(p.stem),
    )
    last = blocks[-1]
    size = last.stat().st_size
    with last.open("r+b") as block:
        block.truncate(max(size - nbytes, size // 2))


async def _stream_end(bench: Bench) -> int:
    """The position of the stream's last message, as the restarted server has it."""
    nc = await nats.connect(bench.nats.url, connect_timeout=5)
    try:
        return await stream_last_position(nc.jetstream(), bench.system.nats.stream_name)
    finally:
        await nc.close()
