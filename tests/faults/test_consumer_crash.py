"""A consumer process killed, or stopped, in the middle of a burst: every effect happens once.

The burst is a batch of submissions sent while the process dies; the process comes back and
the tally must agree exactly: one inbox row per event for each durable, one timeline row per
logged event for each ticket, no dead letter (no message was terminated), and each ticket in
the kadis inbox exactly once.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from penghubung.testing.faults import AGENCY, GRACEFUL_TIMEOUT_SECONDS, Bench

pytestmark = pytest.mark.faults

BURST = 40
"""Submissions sent while the process dies."""
CONCURRENCY = 6

DURABLE_OF = {"disposition": "disposition-intake", "reporting": "reporting-projection"}


async def _each_ticket_once(bench: Bench, tickets: list[str]) -> None:
    """Each ticket: once in the kadis inbox, once in each inbox, its timeline equal to its log."""
    async with bench.db() as conn:
        rows = await conn.fetch(
            "SELECT e.correlation_id AS ticket,"
            " (SELECT count(*) FROM disposition.requests d WHERE d.ticket_id = e.correlation_id"
            "   AND d.holder_role = 'kadis') AS at_kadis,"
            " (SELECT count(*) FROM messaging.inbox i WHERE i.event_id = e.event_id"
            "   AND i.consumer = 'disposition-intake') AS disposition_inbox,"
            " (SELECT count(*) FROM messaging.inbox i WHERE i.event_id = e.event_id"
            "   AND i.consumer = 'reporting-projection') AS reporting_inbox,"
            " (SELECT count(*) FROM reporting.timeline t WHERE t.event_id = e.event_id) AS shown"
            " FROM eventstore.events e"
            " WHERE e.type = 'RequestSubmitted' AND e.correlation_id = ANY($1::text[])",
            tickets,
        )
    assert len(rows) == len(tickets) == len(set(tickets))
    wrong = [dict(r) for r in rows if (r[1], r[2], r[3], r[4]) != (1, 1, 1, 1)]
    assert not wrong, wrong


@pytest.mark.parametrize("victim", ["disposition", "reporting"])
async def test_a_consumer_killed_mid_burst_applies_every_event_once(
    bench: Bench, victim: str
) -> None:
    durable = DURABLE_OF[victim]
    before = await bench.handled(durable)
    burst = asyncio.create_task(
        bench.sop.submit_many(BURST, concurrency=CONCURRENCY, agency=AGENCY)
    )
    await bench.until(
        lambda: _past(bench, durable, before + 5), what=f"{durable} handling the burst"
    )

    bench.system.kill(victim)
    handled_at_kill = await bench.handled(durable) - before
    await asyncio.sleep(1.0)  # the burst goes on while the consumer is dead
    bench.system.launch(victim)
    restart = await bench.system.wait_ready([victim])
    tickets = await burst
    started = time.monotonic()
    tally = await bench.settled()
    caught_up = time.monotonic() - started

    print(
        f"\n{victim} SIGKILLed after {handled_at_kill} of {BURST} events; ready again"
        f" {restart:.1f} s after the restart; everything agreed {caught_up:.1f} s after the burst"
        f"\n{tally.summary()}"
    )
    assert not bench.problems(tally), bench.problems(tally)
    await _each_ticket_once(bench, tickets)


async def test_sigterm_lets_the_message_in_flight_finish_and_loses_none(bench: Bench) -> None:
    """The projection's handler is held mid-transaction (the test locks the checkpoint row it
    needs) when SIGTERM arrives: the process waits for it, it commits, the process exits 0."""
    victim = "reporting"
    await bench.settled()
    async with bench.db() as holder, holder.transaction():
        checkpoint: int = await holder.fetchval(
            "SELECT position FROM reporting.checkpoint WHERE projection = 'requests' FOR UPDATE"
        )
        burst = asyncio.create_task(bench.sop.submit_many(10, concurrency=4, agency=AGENCY))
        await bench.until(lambda: _waiting_for_a_lock(bench), what="a handler held in flight")
        stopping = asyncio.create_task(
            asyncio.to_thread(bench.system.terminate, victim, timeout=GRACEFUL_TIMEOUT_SECONDS + 15)
        )
        await asyncio.sleep(1.0)
        waited_for_it = bench.system.processes[victim].alive()
    # The lock is released: the handler in flight goes on, commits and acks; then the exit.
    code, stopped_in = await stopping
    async with bench.db() as conn:
        applied_before_exit: int = await conn.fetchval(
            "SELECT position FROM reporting.checkpoint WHERE projection = 'requests'"
        )
    if code is None:  # it did not stop within the graceful timeout: the test fails below
        bench.system.kill(victim)
    bench.system.launch(victim)
    await bench.system.wait_ready([victim])
    tickets = await burst
    tally = await bench.settled()

    print(
        f"\n{victim} stopped by SIGTERM in {stopped_in:.2f} s (exit {code}), one handler in"
        f" flight held 1 s; projection {checkpoint} -> {applied_before_exit} before the exit"
        f"\n{tally.summary()}"
    )
    assert waited_for_it, "the process ended with a handler in flight"
    assert code == 0, bench.system.processes[victim].describe_exit()
    assert applied_before_exit > checkpoint, "the message in flight was not finished"
    assert not bench.problems(tally), bench.problems(tally)
    await _each_ticket_once(bench, tickets)


async def _waiting_for_a_lock(bench: Bench) -> bool:
    async with bench.db() as conn:
        waiting: int = await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
    return waiting > 0


async def _past(bench: Bench, durable: str, count: int) -> bool:
    return await bench.handled(durable) >= count
