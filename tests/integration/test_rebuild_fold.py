"""The in-memory rebuild equals the live appliers, table by table, on random histories.

Each history is a realistic log of its own (`write_log(realistic=True)` with a random seed, day
size and calendar rhythm: requests open for weeks among others, pauses, warnings, returns,
calendar changes and recalculations). It is applied event by event through the live appliers
(SQL per event) into one schema and folded in memory and COPYed (`rebuild`) into another; every
projected table must hold the same rows in both.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import pytest

from penghubung.bench.history import write_log
from penghubung.db import connect, create_pool
from penghubung.eventstore import EventStore
from reporting.adapters import rebuild_db
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
