"""The embedded servers of `penghubung up` start, serve, and keep their data across restarts."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import asyncpg
import nats
import psutil
import pytest
from nats.js.api import StreamConfig, StreamInfo

from penghubung.runtime.nats import EmbeddedNats
from penghubung.runtime.postgres import EmbeddedPostgres

pytestmark = pytest.mark.integration


async def _gone(pid: int) -> None:
    """Wait (bounded) until a killed process has exited and is no longer a zombie."""
    for _ in range(200):
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return
        except psutil.NoSuchProcess:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"process {pid} still runs 10 s after SIGKILL")


async def _count(url: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        return int(await conn.fetchval("SELECT count(*) FROM kept"))
    finally:
        await conn.close()


async def test_postgres_keeps_its_rows_across_a_restart(private_dir: Path) -> None:
    postgres = await asyncio.to_thread(EmbeddedPostgres(private_dir).start)
    try:
        url = await asyncio.to_thread(postgres.ensure_database, "penghubung")
        assert url == f"postgresql://postgres@127.0.0.1:{postgres.port}/penghubung"
        conn = await asyncpg.connect(url)
        try:
            await conn.execute("CREATE TABLE kept (note text NOT NULL)")
            await conn.execute("INSERT INTO kept VALUES ('arsip')")
        finally:
            await conn.close()
    finally:
        await asyncio.to_thread(postgres.stop)
    assert not postgres.is_running()

    again = await asyncio.to_thread(EmbeddedPostgres(private_dir).start)
    try:
        assert again.port == postgres.port  # the saved port is preferred
        assert await asyncio.to_thread(again.ensure_database, "penghubung") == url
        assert await _count(url) == 1
    finally:
        await asyncio.to_thread(again.stop)


_KEEP_ONE_ROW = "CREATE TABLE kept (note text); INSERT INTO kept VALUES ('arsip')"


async def test_postgres_left_by_a_crashed_run_is_reused(private_dir: Path) -> None:
    first = await asyncio.to_thread(EmbeddedPostgres(private_dir).start)
    try:
        await asyncio.to_thread(first.psql, _KEEP_ONE_ROW)
        # A second supervisor on the same folder, as after a crash that left the server up.
        second = await asyncio.to_thread(EmbeddedPostgres(private_dir).start)
        assert second.port == first.port
        assert await _count(second.url) == 1
        await asyncio.to_thread(second.stop)
        assert not first.is_running()
    finally:
        await asyncio.to_thread(first.stop)


async def test_postgres_recovers_after_being_killed(private_dir: Path) -> None:
    killed = await asyncio.to_thread(EmbeddedPostgres(private_dir).start)
    await asyncio.to_thread(killed.psql, _KEEP_ONE_ROW)
    postmaster = int((killed.pgdata / "postmaster.pid").read_text().split()[0])
    os.kill(postmaster, signal.SIGKILL)
    await _gone(postmaster)  # as after a crash: the dead server's process is no more

    again = await asyncio.to_thread(EmbeddedPostgres(private_dir).start)
    try:
        assert again.is_running()
        assert await _count(again.url) == 1
    finally:
        await asyncio.to_thread(again.stop)
        await asyncio.to_thread(killed.stop)


async def _stream_info(url: str, stream: str) -> StreamInfo:
    client = await nats.connect(url, connect_timeout=5, max_reconnect_attempts=0)
    try:
        return await client.jetstream().stream_info(stream)
    finally:
        await client.close()


async def test_nats_keeps_its_streams_across_restarts_and_kills(tmp_path: Path) -> None:
    server = await asyncio.to_thread(EmbeddedNats(tmp_path).start)
    try:
        client = await nats.connect(server.url, connect_timeout=5)
        try:
            js = client.jetstream()
            await js.account_info()
            await js.add_stream(StreamConfig(name="KEPT", subjects=["kept.>"]))
            ack = await js.publish("kept.one", b"arsip")
            assert ack.seq == 1
        finally:
            await client.close()

        port = server.port
        await asyncio.to_thread(server.restart)  # a clean stop flushes the store
        assert server.port == port
        assert (await _stream_info(server.url, "KEPT")).state.messages == 1

        await asyncio.to_thread(server.kill)
        assert not server.is_running()
        await asyncio.to_thread(server.restart)
        assert server.port == port
        # The stream survives a kill (its unsynced messages need not: DESIGN §7).
        assert (await _stream_info(server.url, "KEPT")).config.name == "KEPT"
    finally:
        await asyncio.to_thread(server.stop)
    assert not server.is_running()


async def test_nats_left_by_a_crashed_run_is_replaced(tmp_path: Path) -> None:
    orphan = await asyncio.to_thread(EmbeddedNats(tmp_path).start)
    orphan_pid = orphan.pid
    assert orphan_pid is not None
    successor = await asyncio.to_thread(EmbeddedNats(tmp_path).start)
    try:
        assert orphan.port == successor.port
        assert orphan_pid != successor.pid
        assert not orphan.is_running()
        client = await nats.connect(successor.url, connect_timeout=5)
        await client.jetstream().account_info()
        await client.close()
    finally:
        await asyncio.to_thread(successor.stop)
        await asyncio.to_thread(orphan.stop)


async def test_several_servers_run_side_by_side(tmp_path: Path) -> None:
    servers = [EmbeddedNats(tmp_path / name) for name in ("a", "b")]
    try:
        for server in servers:
            await asyncio.to_thread(server.start)
        assert servers[0].port != servers[1].port
        for server in servers:
            client = await nats.connect(server.url, connect_timeout=5)
            await client.jetstream().account_info()
            await client.close()
    finally:
        for server in servers:
            await asyncio.to_thread(server.stop)
