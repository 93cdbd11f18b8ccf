"""Poison and unknown events on the bus, and a real event that failed until the database was fixed.

- Poison: bytes that are no event at all, published by hand on `<prefix>.intake.RequestSubmitted`.
  Both durables that take intake's subjects dead-letter it (`invalid_payload`). No fix can heal
  it: a re-drive puts it back to dead with one attempt more, and changes nothing.
- Unknown: a well-formed envelope of a type no service knows, on `<prefix>.intake.Unheard` (as a
  newer intake might publish before its readers are upgraded). `reporting-projection`, which
  takes every type, dead-letters it (`unknown_event_type`); `disposition-intake` skips it by
  its type header, as it skips every intake event it does not handle.
- The realistic one, fixed: a migration run ahead of the code has added a rule (a CHECK
  constraint) that disposition's row for one request breaks. Its RequestSubmitted fails on
  every delivery, is retried with backoff, and is dead-lettered after `max_attempts` with the
  database's reason, while the requests behind it go on. The fix is the operator's: the rule
  is dropped; then a re-drive applies the event, once; a second re-drive finds nothing to do.
"""

from __future__ import annotations

import json
import uuid

import asyncpg
import nats
import pytest

from penghubung.bus import wire
from penghubung.bus.deadletters import request_redrive
from penghubung.bus.relay import stream_last_position
from penghubung.testing.faults import AGENCY, Bench

pytestmark = pytest.mark.faults


async def _letters(conn: asyncpg.Connection, consumer: str) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await conn.fetch(
        "SELECT id, event_id, event_type, error_code, reason, status, attempts"
        " FROM messaging.dead_letters WHERE consumer = $1 ORDER BY id",
        consumer,
    )
    return rows


async def _publish_poison_and_unknown(bench: Bench) -> int:
    """Put a poison and an unknown event on the stream by hand; the stream's relayed end after."""
    bus = bench.system.nats
    async with bench.db() as conn:
        row = await conn.fetchrow(
            "SELECT * FROM eventstore.events WHERE type = 'RequestSubmitted'"
            " ORDER BY global_position DESC LIMIT 1"
        )
    data, _ = wire.encode(row)
    unheard = {**json.loads(data), "event_id": str(uuid.uuid4()), "type": "Unheard"}
    unheard |= {"global_position": 0, "payload": {"note": "dari intake versi baru"}}
    nc = await nats.connect(bus.nats_url)
    try:
        js = nc.jetstream()
        for event_type, body in (
            ("RequestSubmitted", b"\x00{bukan peristiwa"),
            ("Unheard", json.dumps(unheard).encode()),
        ):
            await js.publish(
                f"{bus.subject_prefix}.intake.{event_type}",
                body,
                stream=bus.stream_name,
                headers={wire.MSG_ID: str(uuid.uuid4()), wire.TYPE: event_type},
            )
        return await stream_last_position(js, bus.stream_name)
    finally:
        await nc.close()


async def test_poison_and_unknown_are_dead_lettered_and_a_fixed_failure_redrives_once(
    bench: Bench,
) -> None:
    sop = bench.sop
    await bench.settled()
    rule, application = f"faults_rule_{uuid.uuid4().hex[:8]}", f"SIMRS-{uuid.uuid4().hex[:6]}"
    async with bench.db() as conn:
        await conn.execute(
            f"ALTER TABLE disposition.requests ADD CONSTRAINT {rule}"
            f" CHECK (application_name <> '{application}') NOT VALID"
        )
    try:
        broken = await sop.submit(AGENCY, application=application)
        relayed_end = await _publish_poison_and_unknown(bench)
        bench.foreign_messages += 2
        # the poison three times (disposition, reporting, notices), the unknown once (reporting;
        # notices skips a type it does not take): none can be healed
        bench.dead_letters += 4
        following = await sop.submit(AGENCY)
        await sop.wait_holder(following, "kadis")  # the consumer went on

        async def all_dead() -> bool:
            async with bench.db() as conn:
                counts = (
                    len(await _letters(conn, "disposition-intake")),
                    len(await _letters(conn, "reporting-projection")),
                    len(await _letters(conn, "notices-events")),
                )
            return counts == (2, 2, 1)

        await bench.until(all_dead, what="the dead letters")
        async with bench.db() as conn:
            disposition = await _letters(conn, "disposition-intake")
            projection = await _letters(conn, "reporting-projection")
            notices = await _letters(conn, "notices-events")
            head: int = await conn.fetchval("SELECT position FROM eventstore.head")
        codes = {r["error_code"]: r for r in disposition}
        assert set(codes) == {"invalid_payload", "too_many_attempts"}, disposition
        assert rule in codes["too_many_attempts"]["reason"]
        assert codes["too_many_attempts"]["event_type"] == "RequestSubmitted"
        assert {r["error_code"] for r in projection} == {"invalid_payload", "unknown_event_type"}
        assert [r["error_code"] for r in notices] == ["invalid_payload"]
        assert all(r["reason"] for r in (*disposition, *projection))
        # The relay's end-of-stream check steps over the two (it read 0 before, and rewound).
        assert 0 < relayed_end <= head
        assert await sop.holder(broken) is None  # not applied while the rule stands
    finally:
        async with bench.db() as conn:
            await conn.execute(f"ALTER TABLE disposition.requests DROP CONSTRAINT IF EXISTS {rule}")

    fixed_id = codes["too_many_attempts"]["id"]
    async with bench.db() as conn:
        assert await request_redrive(conn, [fixed_id]) == 1
    await sop.wait_holder(broken, "kadis")
    poison_ids = [r["id"] for r in (*disposition, *projection) if r["id"] != fixed_id]
    async with bench.db() as conn:
        assert await request_redrive(conn, [fixed_id]) == 0  # re-driven already: nothing to do
        assert await request_redrive(conn, poison_ids) == 3

    async def poison_dead_again() -> bool:
        async with bench.db() as conn:
            rows = await conn.fetch(
                "SELECT status, attempts FROM messaging.dead_letters WHERE id = ANY($1::bigint[])",
                poison_ids,
            )
        return all(r["status"] == "dead" and r["attempts"] >= 2 for r in rows)

    await bench.until(poison_dead_again, what="the poison dead again after its re-drive")
    tally = await bench.settled()
    async with bench.db() as conn:
        letters = await conn.fetch(
            "SELECT id, consumer, event_type, error_code, status, attempts"
            " FROM messaging.dead_letters ORDER BY id"
        )
        status = await conn.fetchval(
            "SELECT status FROM messaging.dead_letters WHERE id = $1", fixed_id
        )
        applied = await conn.fetchval(
            "SELECT count(*) FROM messaging.inbox i JOIN eventstore.events e"
            " ON e.event_id = i.event_id WHERE i.consumer = 'disposition-intake'"
            " AND e.correlation_id = $1",
            broken,
        )
    print("\ndead letters after the fix and the re-drives:")
    for letter in letters:
        print(f"  {dict(letter)}")
    print(tally.summary())
    assert (status, applied) == ("redriven", 1)
    assert not bench.problems(tally), bench.problems(tally)
