"""The event log against real PostgreSQL: concurrency, idempotency, order, chain, append-only."""

from __future__ import annotations

import asyncio
import random
import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal

import asyncpg
import pytest

from penghubung.audit.verdict import verify_chain
from penghubung.db import connect, create_pool
from penghubung.events import Actor, Event, EventRegistry, Metadata, NewEvent, Role
from penghubung.eventstore import ConcurrencyError, EventStore, IdempotencyConflict
from penghubung.eventstore.migrations import migrate, pending

pytestmark = pytest.mark.integration

events = EventRegistry()


@events.register
class Noted(Event):
    """A test fact in the `intake` category."""

    type: Literal["Noted"] = "Noted"
    schema_version: int = 1
    category: ClassVar[str] = "intake"
    text: str
    n: int = 0


def new(text: str = "x", n: int = 0, *, correlation: str = "T-1") -> NewEvent:
    meta = Metadata(
        event_id=uuid.uuid4(),
        occurred_at=datetime(2026, 3, 2, 1, 0, tzinfo=UTC),
        actor=Actor(nip="198501012010011001", name="Siti", role=Role.PEMOHON, agency="Dinkes"),
        correlation_id=correlation,
    )
    return NewEvent(event=Noted(text=text, n=n), meta=meta)


@pytest.fixture(scope="module")
def log(pool: asyncpg.Pool) -> EventStore:
    return EventStore(pool, events=events)


def sid() -> str:
    return f"intake-{uuid.uuid4()}"


async def test_append_then_read_stream_gives_the_events_back_in_order(log: EventStore) -> None:
    stream = sid()
    first = await log.append(stream, expected_version=0, events=[new("a"), new("b")])
    second = await log.append(stream, expected_version=2, events=[new("c")])

    read = await log.read_stream(stream)

    assert first.stream_version == 2
    assert second.stream_version == 3
    assert [e.event.text for e in read.events] == ["a", "b", "c"]  # type: ignore[attr-defined]
    assert read.version == 3
    assert [e.global_position for e in read.events] == [*first.positions, *second.positions]
    assert read.events[0].actor.name == "Siti"
    assert read.events[0].occurred_at == datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


async def test_stale_expected_version_raises_concurrency_error(log: EventStore) -> None:
    stream = sid()
    await log.append(stream, expected_version=0, events=[new()])

    with pytest.raises(ConcurrencyError) as raised:
        await log.append(stream, expected_version=0, events=[new()])

    assert (raised.value.expected, raised.value.actual) == (0, 1)
    assert (await log.read_stream(stream)).version == 1


async def test_retried_append_is_a_no_op_returning_the_stored_positions(log: EventStore) -> None:
    stream = sid()
    batch = [new("a"), new("b")]
    first = await log.append(stream, expected_version=0, events=batch)

    again = await log.append(stream, expected_version=0, events=batch)

    assert again.duplicate
    assert again.positions == first.positions
    assert (await log.read_stream(stream)).version == 2


async def test_partly_stored_batch_is_refused(log: EventStore) -> None:
    stream = sid()
    stored = new("a")
    await log.append(stream, expected_version=0, events=[stored])

    with pytest.raises(IdempotencyConflict):
        await log.append(stream, expected_version=1, events=[stored, new("b")])


async def test_event_of_another_category_is_refused(log: EventStore) -> None:
    with pytest.raises(ValueError, match="belongs to intake"):
        await log.append(f"reporting-{uuid.uuid4()}", expected_version=0, events=[new()])


async def test_append_inside_a_caller_transaction_rolls_back_with_it(
    log: EventStore, pool: asyncpg.Pool
) -> None:
    stream = sid()
    with pytest.raises(RuntimeError, match="effect failed"):
        async with pool.acquire() as conn, conn.transaction():
            await log.append(stream, expected_version=0, events=[new()], conn=conn)
            raise RuntimeError("effect failed")

    assert (await log.read_stream(stream)).version == 0


async def test_read_all_walks_the_log_in_batches(log: EventStore) -> None:
    start = await log.head()
    stream = sid()
    await log.append(stream, expected_version=0, events=[new(str(i)) for i in range(7)])

    seen = [e async for e in log.read_all(after=start, batch_size=3)]

    mine = [e for e in seen if e.stream_id == stream]
    assert [e.stream_version for e in mine] == list(range(1, 8))
    positions = [e.global_position for e in seen]
    assert positions == sorted(positions)
    assert positions[0] == start + 1


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE eventstore.events SET type = 'Forged' WHERE global_position = 1",
        "DELETE FROM eventstore.events WHERE global_position = 1",
        "TRUNCATE eventstore.events",
    ],
    ids=["update", "delete", "truncate"],
)
async def test_database_refuses_changes_to_the_log(
    log: EventStore, pool: asyncpg.Pool, statement: str
) -> None:
    await log.append(sid(), expected_version=0, events=[new()])
    async with pool.acquire() as conn:
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
            await conn.execute(statement)
        assert await conn.fetchval("SELECT count(*) FROM eventstore.events") >= 1


async def test_a_plain_role_has_no_update_delete_or_truncate_privilege(pool: asyncpg.Pool) -> None:
    role = f"ph_probe_{uuid.uuid4().hex[:8]}"
    async with pool.acquire() as conn:
        await conn.execute(f"CREATE ROLE {role}")
        try:
            rows = await conn.fetch(
                "SELECT p FROM unnest(ARRAY['UPDATE','DELETE','TRUNCATE']) AS p"
                " WHERE has_table_privilege($1, 'eventstore.events', p)",
                role,
            )
        finally:
            await conn.execute(f"DROP ROLE {role}")
    assert rows == []


async def test_migrations_are_recorded_and_idempotent(database_url: str) -> None:
    conn = await connect(database_url)
    try:
        assert await migrate(conn) == []
        assert await pending(conn) == []
        count = await conn.fetchval("SELECT count(*) FROM penghubung_migrations")
    finally:
        await conn.close()
    assert count >= 1


async def test_stored_v1_event_is_upcast_on_read(pool: asyncpg.Pool) -> None:
    v1 = EventRegistry()

    @v1.register
    class Renamed(Event):
        type: Literal["Renamed"] = "Renamed"
        schema_version: int = 1
        category: ClassVar[str] = "intake"
        name: str

    v2 = EventRegistry()

    @v2.register
    class RenamedV2(Event):
        type: Literal["Renamed"] = "Renamed"
        schema_version: int = 2
        category: ClassVar[str] = "intake"
        full_name: str
        source: str

    @v2.upcaster("Renamed", 1)
    def _v1_to_v2(payload: dict[str, Any]) -> dict[str, Any]:
        return {"full_name": payload["name"], "source": "v1"}

    stream = sid()
    meta = new().meta
    await EventStore(pool, events=v1).append(
        stream, expected_version=0, events=[NewEvent(event=Renamed(name="Budi"), meta=meta)]
    )

    read = await EventStore(pool, events=v2).read_stream(stream)

    event = read.events[0].event
    assert isinstance(event, RenamedV2)
    assert (event.full_name, event.source, event.schema_version) == ("Budi", "v1", 2)
    assert read.events[0].schema_version == 1  # the stored row is never edited


WRITERS = 8
APPENDS_PER_WRITER = 250


async def test_concurrent_writers_get_gapless_positions_in_commit_order(new_database: Any) -> None:
    """8 writers append thousands of events while a reader polls `position > last`."""
    url = await new_database()
    async with create_pool(url, size=WRITERS + 2) as pool:
        log = EventStore(pool, events=events)
        done = asyncio.Event()
        seen: list[int] = []

        async def writer(w: int) -> int:
            rng = random.Random(w)
            streams = [f"intake-w{w}-{k}" for k in range(5)]
            versions = dict.fromkeys(streams, 0)
            written = 0
            for i in range(APPENDS_PER_WRITER):
                stream = rng.choice(streams)
                batch = [new(f"{w}-{i}-{j}", n=j) for j in range(rng.randint(1, 3))]
                result = await log.append(stream, expected_version=versions[stream], events=batch)
                versions[stream] = result.stream_version
                written += len(batch)
            return written

        async def reader() -> None:
            last = 0
            async with pool.acquire() as conn:
                while True:
                    finished = done.is_set()
                    rows = await conn.fetch(
                        "SELECT global_position FROM eventstore.events"
                        " WHERE global_position > $1 ORDER BY global_position",
                        last,
                    )
                    for r in rows:
                        seen.append(r["global_position"])
                        last = r["global_position"]
                    if finished and not rows:
                        return
                    await asyncio.sleep(0.001)

        reading = asyncio.create_task(reader())
        totals = await asyncio.gather(*(writer(w) for w in range(WRITERS)))
        done.set()
        await reading

        total = sum(totals)
        async with pool.acquire() as conn:
            positions = [
                r[0]
                for r in await conn.fetch(
                    "SELECT global_position FROM eventstore.events ORDER BY 1"
                )
            ]
            report = await verify_chain(conn)

    assert total >= 2 * WRITERS * APPENDS_PER_WRITER * 0.9  # thousands of events
    assert positions == list(range(1, total + 1))
    assert seen == positions, "the polling reader missed or reordered an event"
    assert report.ok, report
    assert report.checked == total


async def test_verify_names_the_first_tampered_position(new_database: Any) -> None:
    url = await new_database()
    async with create_pool(url, size=2) as pool:
        log = EventStore(pool, events=events)
        await log.append(sid(), expected_version=0, events=[new(str(i)) for i in range(5)])
        async with pool.acquire() as conn:
            assert (await verify_chain(conn)).ok
            await conn.execute(
                "ALTER TABLE eventstore.events DISABLE TRIGGER events_no_update_delete"
            )
            await conn.execute(
                "UPDATE eventstore.events SET payload = jsonb_set(payload, '{text}', '\"forged\"')"
                " WHERE global_position = 3"
            )
            report = await verify_chain(conn)

    assert not report.ok
    assert report.first_bad_position == 3
    assert report.problem is not None
    assert "hash" in report.problem
