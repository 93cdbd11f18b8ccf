"""Group commit: concurrent appends through the pool share one transaction, each its own verdict."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import ClassVar, Literal

import asyncpg
import pytest

from penghubung.audit.verdict import verify_chain
from penghubung.db import create_pool
from penghubung.events import Actor, Event, EventRegistry, Metadata, NewEvent, Role
from penghubung.eventstore import AppendResult, ConcurrencyError, EventStore, IdempotencyConflict

pytestmark = pytest.mark.integration

events = EventRegistry()


@events.register
class Noted(Event):
    """A test fact in the `intake` category."""

    type: Literal["Noted"] = "Noted"
    schema_version: int = 1
    category: ClassVar[str] = "intake"
    text: str


def new(text: str = "x") -> NewEvent:
    meta = Metadata(
        event_id=uuid.uuid4(),
        occurred_at=datetime(2026, 3, 2, 1, 0, tzinfo=UTC),
        actor=Actor(nip="198501012010011001", name="Siti", role=Role.PEMOHON, agency="Dinkes"),
        correlation_id="T-1",
    )
    return NewEvent(event=Noted(text=text), meta=meta)


def sid() -> str:
    return f"intake-{uuid.uuid4()}"


Outcome = AppendResult | BaseException


@pytest.fixture
async def fresh(new_database: Callable[[], Awaitable[str]]) -> AsyncIterator[EventStore]:
    """A store on a database of its own, so that positions start at 1."""
    async with create_pool(await new_database(), size=4) as pool:
        yield EventStore(pool, events=events)


async def together(*calls: Awaitable[AppendResult]) -> list[Outcome]:
    """Start the appends at once (they reach the store before its first transaction starts)."""
    return list(await asyncio.gather(*calls, return_exceptions=True))


async def log_rows(store: EventStore) -> list[asyncpg.Record]:
    async with store.pool.acquire() as conn:
        return list(
            await conn.fetch(
                "SELECT global_position, stream_id, stream_version, payload"
                " FROM eventstore.events ORDER BY global_position"
            )
        )


async def chain_is_whole(store: EventStore, expected: int) -> None:
    async with store.pool.acquire() as conn:
        report = await verify_chain(conn)
    assert report.ok, report
    assert report.checked == expected


async def test_concurrent_appends_share_one_transaction_in_call_order(fresh: EventStore) -> None:
    streams = [sid() for _ in range(6)]

    outcomes = await together(
        *(fresh.append(s, expected_version=0, events=[new(s), new(s)]) for s in streams)
    )

    assert fresh.group_commits == 1
    assert fresh.grouped_appends == 6
    assert [o.positions for o in outcomes if isinstance(o, AppendResult)] == [
        (2 * i + 1, 2 * i + 2) for i in range(6)
    ]
    assert [(r["stream_id"], r["stream_version"]) for r in await log_rows(fresh)] == [
        (s, v) for s in streams for v in (1, 2)
    ]
    await chain_is_whole(fresh, 12)


async def test_a_conflicting_caller_fails_alone(fresh: EventStore) -> None:
    contested, other, third = sid(), sid(), sid()
    await fresh.append(contested, expected_version=0, events=[new("first")])

    outcomes = await together(
        fresh.append(other, expected_version=0, events=[new("a")]),
        fresh.append(contested, expected_version=1, events=[new("wins")]),
        fresh.append(contested, expected_version=1, events=[new("loses")]),
        fresh.append(third, expected_version=0, events=[new("b")]),
    )

    won, lost = outcomes[1], outcomes[2]
    assert isinstance(won, AppendResult)
    assert won.stream_version == 2
    assert isinstance(lost, ConcurrencyError)
    assert (lost.stream_id, lost.expected, lost.actual) == (contested, 1, 2)
    assert all(isinstance(o, AppendResult) for o in (outcomes[0], outcomes[3]))
    positions = [r["global_position"] for r in await log_rows(fresh)]
    assert positions == [1, 2, 3, 4]  # the loser took no position
    assert fresh.group_commits == 2
    await chain_is_whole(fresh, 4)


async def test_a_retry_in_the_same_group_gets_the_stored_positions(fresh: EventStore) -> None:
    stream = sid()
    batch = [new("a"), new("b")]

    first, again, partly = await together(
        fresh.append(stream, expected_version=0, events=batch),
        fresh.append(stream, expected_version=0, events=batch),
        fresh.append(stream, expected_version=2, events=[batch[0], new("c")]),
    )

    assert isinstance(first, AppendResult)
    assert not first.duplicate
    assert again == AppendResult(2, first.positions, duplicate=True)
    assert isinstance(partly, IdempotencyConflict)
    assert len(await log_rows(fresh)) == 2


async def test_a_retry_of_a_committed_append_is_a_no_op(fresh: EventStore) -> None:
    stream = sid()
    batch = [new("a")]
    first = await fresh.append(stream, expected_version=0, events=batch)

    again, other = await together(
        fresh.append(stream, expected_version=0, events=batch),
        fresh.append(sid(), expected_version=0, events=[new("b")]),
    )

    assert again == AppendResult(1, first.positions, duplicate=True)
    assert isinstance(other, AppendResult)
    assert other.positions == (2,)


async def test_rows_the_database_refuses_fail_only_their_caller(fresh: EventStore) -> None:
    good = [sid() for _ in range(3)]

    outcomes = await together(
        fresh.append(good[0], expected_version=0, events=[new("a")]),
        fresh.append(sid(), expected_version=0, events=[new("nul \x00 refused by jsonb")]),
        fresh.append(good[1], expected_version=0, events=[new("b")]),
        fresh.append(good[2], expected_version=0, events=[new("c")]),
    )

    assert isinstance(outcomes[1], asyncpg.UntranslatableCharacterError)
    assert [o.positions for o in outcomes if isinstance(o, AppendResult)] == [(1,), (2,), (3,)]
    assert [r["stream_id"] for r in await log_rows(fresh)] == good
    await chain_is_whole(fresh, 3)


async def test_a_caller_of_the_wrong_category_fails_alone(fresh: EventStore) -> None:
    wrong, right = await together(
        fresh.append(f"reporting-{uuid.uuid4()}", expected_version=0, events=[new()]),
        fresh.append(sid(), expected_version=0, events=[new()]),
    )

    assert isinstance(wrong, ValueError)
    assert isinstance(right, AppendResult)
    assert right.positions == (1,)


async def test_a_failed_transaction_fails_every_caller_of_its_group(
    new_database: Callable[[], Awaitable[str]],
) -> None:
    url = await new_database()
    name = url.rsplit("/", 1)[1]
    admin = await asyncpg.connect(url)
    try:  # connections made from now on wait at most 200 ms for a lock
        await admin.execute(f'ALTER DATABASE "{name}" SET lock_timeout = 200')
    finally:
        await admin.close()
    async with create_pool(url, size=4) as pool:
        store = EventStore(pool, events=events)
        blocker = await pool.acquire()
        try:
            async with blocker.transaction():
                await blocker.execute("SELECT 1 FROM eventstore.head FOR UPDATE")
                outcomes = await together(
                    *(store.append(sid(), expected_version=0, events=[new()]) for _ in range(5))
                )
        finally:
            await pool.release(blocker)

        assert all(isinstance(o, asyncpg.LockNotAvailableError) for o in outcomes), outcomes
        assert await store.head() == 0
        after = await store.append(sid(), expected_version=0, events=[new()])

    assert after.positions == (1,)


async def test_a_caller_that_gives_up_does_not_stop_the_others(fresh: EventStore) -> None:
    quitter = asyncio.ensure_future(fresh.append(sid(), expected_version=0, events=[new("q")]))
    stayer = asyncio.ensure_future(fresh.append(sid(), expected_version=0, events=[new("s")]))
    await asyncio.sleep(0)  # both are waiting for the group's transaction
    quitter.cancel()

    result = await stayer

    assert quitter.cancelled()
    assert isinstance(result, AppendResult)
    assert [r["payload"]["text"] for r in await log_rows(fresh)] == ["s"]


async def test_a_large_crowd_is_split_into_groups_that_keep_the_chain(
    new_database: Callable[[], Awaitable[str]],
) -> None:
    async with create_pool(await new_database(), size=4) as pool:
        store = EventStore(pool, events=events, max_group_events=10)
        streams = [sid() for _ in range(40)]

        outcomes = await together(
            *(store.append(s, expected_version=0, events=[new(), new(), new()]) for s in streams)
        )

        assert all(isinstance(o, AppendResult) for o in outcomes)
        assert store.group_commits == 14  # 3 appends of 3 events fit in 10, the 40th alone
        async with pool.acquire() as conn:
            report = await verify_chain(conn)
            positions = [
                r[0]
                for r in await conn.fetch(
                    "SELECT global_position FROM eventstore.events ORDER BY 1"
                )
            ]

    assert positions == list(range(1, 121))
    assert report.ok


async def test_the_chain_holds_for_text_that_needs_escaping(fresh: EventStore) -> None:
    texts = [
        'kutip "ganda" dan \\ garis miring',
        "baris\nbaru\ttab",
        "Dinas Kesehatan — é ü 漢字 🙂",
        "\u2028\u2029 pemisah",
    ]
    meta = new().meta.model_copy(update={"causation_id": 'sebab "khusus" ✓'})
    special = NewEvent(event=Noted(text="sebab"), meta=meta)

    outcomes = await together(
        *(
            fresh.append(f'intake-ü-{i}-"x"', expected_version=0, events=[new(t)])
            for i, t in enumerate(texts)
        ),
        fresh.append(sid(), expected_version=0, events=[special]),
    )

    assert all(isinstance(o, AppendResult) for o in outcomes), outcomes
    assert [r["payload"]["text"] for r in (await log_rows(fresh))[:4]] == texts
    await chain_is_whole(fresh, 5)


async def test_without_a_connection_every_waiting_caller_gets_the_error(
    new_database: Callable[[], Awaitable[str]],
) -> None:
    async with create_pool(await new_database(), size=2) as pool:
        store = EventStore(pool, events=events)
    # The pool is closed: no group can have a connection.

    outcomes = await asyncio.wait_for(
        together(*(store.append(sid(), expected_version=0, events=[new()]) for _ in range(3))),
        timeout=30,
    )

    assert all(isinstance(o, asyncpg.InterfaceError) for o in outcomes), outcomes
