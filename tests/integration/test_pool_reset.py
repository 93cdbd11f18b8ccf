"""The pool resets a released connection only when its session was changed, and always safely.

Each test works on a pool of one connection, so the next acquire gets the same session back, and
watches that session's last statement from another connection (`pg_stat_activity.query`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest

from penghubung.db import changes_session, connect, create_pool

pytestmark = pytest.mark.integration


class Watched:
    """A pool of one connection, and a connection of its own that looks at it."""

    def __init__(self, pool: asyncpg.Pool, watcher: asyncpg.Connection, pid: int) -> None:
        self.pool, self.watcher, self.pid = pool, watcher, pid

    async def last_statement(self) -> str:
        query: str = await self.watcher.fetchval(
            "SELECT query FROM pg_stat_activity WHERE pid = $1", self.pid
        )
        return query

    async def was_reset(self) -> bool:
        return "RESET ALL" in await self.last_statement()


@pytest.fixture
async def watched(database_url: str) -> AsyncIterator[Watched]:
    async with create_pool(database_url, size=1) as pool:
        watcher = await connect(database_url)
        try:
            async with pool.acquire() as conn:
                pid: int = await conn.fetchval("SELECT pg_backend_pid()")
            yield Watched(pool, watcher, pid)
        finally:
            await watcher.close()


async def test_a_connection_whose_session_did_not_change_is_not_reset(watched: Watched) -> None:
    async with watched.pool.acquire() as conn, conn.transaction():
        await conn.fetchval("SELECT 1 AS plain_read")
        await conn.execute("SET LOCAL statement_timeout = '5s'")  # ends with the transaction
    assert await watched.last_statement() == "COMMIT;"


@pytest.mark.parametrize(
    ("change", "check", "default"),
    [
        ("SET statement_timeout = '1234ms'", "SHOW statement_timeout", "0"),
        ("SELECT set_config('work_mem', '9MB', false)", "SHOW work_mem", "4MB"),
        (
            "SELECT pg_advisory_lock(4242)",
            "SELECT count(*)::text FROM pg_locks WHERE locktype = 'advisory'"
            " AND pid = pg_backend_pid()",
            "0",
        ),
    ],
    ids=["set", "set_config", "advisory-lock"],
)
async def test_a_connection_whose_session_changed_is_reset(
    watched: Watched, change: str, check: str, default: str
) -> None:
    async with watched.pool.acquire() as conn:
        await conn.execute(change)
    assert await watched.was_reset()

    async with watched.pool.acquire() as conn:
        assert await conn.fetchval(check) == default
    assert not await watched.was_reset()  # and the next release is cheap again


@pytest.mark.filterwarnings("ignore:.*active notification listener")
async def test_a_connection_that_listened_is_reset(watched: Watched) -> None:
    async with watched.pool.acquire() as conn:
        await conn.add_listener("penghubung_test_channel", lambda *_: None)
    assert await watched.was_reset()

    async with watched.pool.acquire() as conn:
        assert await conn.fetch("SELECT pg_listening_channels()") == []


async def test_a_connection_given_back_inside_a_transaction_is_rolled_back(
    watched: Watched,
) -> None:
    async with watched.pool.acquire() as conn:
        await conn.execute("CREATE TABLE IF NOT EXISTS pool_reset_rows (n int)")
    # A transaction left open by hand, and one broken by an error, both given back as they are.
    async with watched.pool.acquire() as conn:
        await conn.execute("BEGIN")
        await conn.execute("INSERT INTO pool_reset_rows VALUES (1)")
    async with watched.pool.acquire() as conn:
        transaction = conn.transaction()
        await transaction.start()
        await conn.execute("INSERT INTO pool_reset_rows VALUES (2)")
        with pytest.raises(asyncpg.DivisionByZeroError):
            await conn.execute("SELECT 1 / 0")

    async with watched.pool.acquire() as conn:
        assert not conn.is_in_transaction()
        assert await conn.fetchval("SELECT count(*) FROM pool_reset_rows") == 0
        assert await conn.fetchval("SELECT txid_current_if_assigned()") is None


async def test_the_role_survives_a_reset(database_url: str) -> None:
    async with create_pool(database_url, size=1, role="pg_read_all_data") as pool:
        async with pool.acquire() as conn:
            await conn.execute("SET work_mem = '8MB'")
        async with pool.acquire() as conn:
            assert await conn.fetchval("SELECT current_user") == "pg_read_all_data"
            assert await conn.fetchval("SHOW work_mem") == "4MB"


def test_statements_that_change_a_session_are_told_from_those_that_do_not() -> None:
    changing = [
        "SET statement_timeout = 0",
        "  set search_path TO x",
        "RESET ALL",
        "LISTEN x",
        "SELECT 1; SET work_mem = '1MB'",
        "SELECT set_config('a.b', 'c', false)",
        "SELECT pg_advisory_lock(1)",
        "SELECT pg_try_advisory_lock($1)",
        "DECLARE c CURSOR WITH HOLD FOR SELECT 1",
    ]
    keeping = [
        "UPDATE messaging.dead_letters SET status = 'dead' WHERE id = $1",
        "INSERT INTO t VALUES (1) ON CONFLICT (k) DO UPDATE SET v = excluded.v",
        "SET LOCAL lock_timeout = '30s'",
        "SELECT pg_advisory_xact_lock(1)",
        "SELECT position FROM eventstore.head FOR UPDATE",
        "BEGIN ISOLATION LEVEL READ COMMITTED",
    ]
    assert [q for q in changing if not changes_session(q)] == []
    assert [q for q in keeping if changes_session(q)] == []


async def test_many_releases_send_no_reset(watched: Watched) -> None:
    """A burst of plain work through the pool: not one reset between them."""

    async def work(n: int) -> None:
        async with watched.pool.acquire() as conn, conn.transaction():
            await conn.fetchval("SELECT $1::int", n)

    await asyncio.gather(*(work(n) for n in range(20)))
    assert not await watched.was_reset()
