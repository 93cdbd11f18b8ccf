"""The in-memory rebuild equals the live appliers, table by table, on random histories.

Each history is a realistic log of its own (`write_log(realistic=True)` with a random seed, day
size and calendar rhythm: requests open for weeks among others, pauses, warnings, returns,
calendar changes and recalculations). It is applied event by event through the live appliers
(SQL per event) into one schema and folded in memory and COPYed (`rebuild`) into another; every
projected table must hold the same rows in both.
"""

from __future__ import annotations

import gc
import random
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import pytest

from penghubung.bench.history import write_log
from penghubung.db import connect, create_pool
from penghubung.events import Envelope
from penghubung.eventstore import EventStore
from reporting.adapters import rebuild_db
from reporting.projections import fold
from reporting.projections import rebuild as rebuilding
from reporting.projections.apply import apply_event
from reporting.projections.rebuild import rebuild
from reporting.projections.tables import PROJECTED

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("seed", [11, 23, 37])
async def test_a_rebuild_in_memory_equals_the_live_appliers_on_a_random_history(
    new_database: Callable[[], Awaitable[str]], seed: int
) -> None:
    rng = random.Random(seed)
    url = await new_database()
    written = await write_log(
        url,
        rng.randint(800, 2500),
        per_day=rng.randint(3, 15),
        chunk=500,
        realistic=True,
        seed=seed,
        calendar_every=rng.randint(2, 6),
    )
    conn = await connect(url)
    try:
        async with create_pool(url, size=2) as pool:
            store = EventStore(pool)
            await rebuild_db.create_tables(conn, "by_statement")
            counting = Counting(conn)
            most: dict[str, int] = {}
            async with conn.transaction():
                async for envelope in store.read_all():
                    counting.statements = 0
                    await apply_event(counting, envelope, schema="by_statement")  # type: ignore[arg-type]
                    most[envelope.type] = max(most.get(envelope.type, 0), counting.statements)
            await rebuild_db.create_tables(conn, "in_memory")
            assert await rebuild(conn, store, schema="in_memory") == written
        different = []
        async with conn.transaction():
            await conn.execute("SET LOCAL TimeZone = 'UTC'")
            for table in PROJECTED:
                names = await rebuild_db.columns(conn, table)
                live = await rebuild_db.digest(conn, "by_statement", table, names=names)
                folded = await rebuild_db.digest(conn, "in_memory", table, names=names)
                if live != folded:
                    different.append((table, live, folded))
        counts = {
            t: await conn.fetchval(f"SELECT count(*) FROM in_memory.{t}")
            for t in ("sla_warnings", "calendar_versions", "sla_recalculations", "reports")
        }
    finally:
        await conn.close()
    assert different == []
    assert all(n > 1 for n in counts.values()), counts  # the history held each kind of row
    # the live appliers: at most three statements (round trips) per event, whatever its type
    assert len(most) >= 12
    assert max(most.values()) <= 3, most


class Counting:
    """A connection that counts the statements sent through it."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn
        self.statements = 0

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._conn, name)
        if name in ("execute", "executemany", "fetch", "fetchrow", "fetchval"):
            self.statements += 1
        return found


async def _small_log(new_database: Callable[[], Awaitable[str]]) -> tuple[str, int]:
    url = await new_database()
    written = await write_log(url, 600, per_day=6, chunk=300, realistic=True, seed=5)
    return url, written


async def test_the_envelopes_of_a_rebuild_equal_the_validated_ones(
    new_database: Callable[[], Awaitable[str]],
) -> None:
    url, written = await _small_log(new_database)
    async with create_pool(url, size=2) as pool:
        store = EventStore(pool)
        validated = [e async for e in store.read_all()]
        taken = [store.envelope_of_text(r) async for rows in store.scan_rows() for r in rows]
    assert len(taken) == written
    assert taken == validated
    assert [e.model_dump_json() for e in taken] == [e.model_dump_json() for e in validated]


async def test_a_copy_refused_while_the_fold_goes_on_fails_the_rebuild_and_leaves_nothing(
    new_database: Callable[[], Awaitable[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, _ = await _small_log(new_database)
    # the growing tables written as they fill, while the next batches are folded
    monkeypatch.setattr(rebuilding, "FLUSH_ROWS", 100)
    monkeypatch.setattr(rebuilding, "SCAN_BATCH", 100)
    conn = await connect(url)
    try:
        async with create_pool(url, size=2) as pool:
            await rebuild_db.create_tables(conn, "refused")
            # the database refuses the timeline's rows past position 150
            await conn.execute(
                "ALTER TABLE refused.timeline ADD CONSTRAINT early CHECK (global_position < 150)"
            )
            with pytest.raises(asyncpg.CheckViolationError):
                await rebuild(conn, EventStore(pool), schema="refused")
        assert not conn.is_in_transaction()
        for table in PROJECTED:
            if table != "calendar_versions":
                assert await conn.fetchval(f"SELECT count(*) FROM refused.{table}") == 0, table
    finally:
        await conn.close()
    assert gc.isenabled()


async def test_a_fold_that_fails_gives_the_collector_back_and_leaves_nothing(
    new_database: Callable[[], Awaitable[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, _ = await _small_log(new_database)
    monkeypatch.setattr(rebuilding, "FLUSH_ROWS", 100)
    monkeypatch.setattr(rebuilding, "SCAN_BATCH", 100)
    apply = fold.Folded.apply

    def failing(self: fold.Folded, envelope: Envelope) -> None:
        if envelope.global_position == 400:  # after some COPY went out
            raise RuntimeError("broken rule")
        apply(self, envelope)

    monkeypatch.setattr(fold.Folded, "apply", failing)
    conn = await connect(url)
    try:
        async with create_pool(url, size=2) as pool:
            await rebuild_db.create_tables(conn, "failed")
            with pytest.raises(RuntimeError, match="broken rule"):
                await rebuild(conn, EventStore(pool), schema="failed")
        assert await conn.fetchval("SELECT count(*) FROM failed.timeline") == 0
    finally:
        await conn.close()
    assert gc.isenabled()


async def test_keys_deferred_are_made_again_and_a_row_that_breaks_one_fails_the_block(
    new_database: Callable[[], Awaitable[str]],
) -> None:
    url = await new_database()
    conn = await connect(url)
    try:
        await rebuild_db.create_tables(conn, "deferred")
        keys = "SELECT count(*) FROM pg_indexes WHERE schemaname = 'deferred'"
        made = await conn.fetchval(keys)
        async with conn.transaction(), rebuild_db.keys_deferred(conn, "deferred"):
            assert await conn.fetchval(keys) == 0
        assert await conn.fetchval(keys) == made > len(PROJECTED)
        insert = (
            "INSERT INTO deferred.sla_facts (global_position, ticket_id, kind, fact)"
            " VALUES (7, 't', 'report_written', '{}')"
        )
        with pytest.raises(asyncpg.UniqueViolationError):
            async with conn.transaction(), rebuild_db.keys_deferred(conn, "deferred"):
                await conn.execute(insert)
                await conn.execute(insert)  # no key yet: taken, and refused at the end
        assert await conn.fetchval("SELECT count(*) FROM deferred.sla_facts") == 0
        assert await conn.fetchval(keys) == made
    finally:
        await conn.close()
