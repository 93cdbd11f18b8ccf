"""The relay: one active process publishes the log to JetStream, in order, checkpointed on ack.

Every service process runs a candidate. The one holding a PostgreSQL advisory lock (on a
connection of its own) is the relay; when that process dies its connection closes, the lock
is released and another candidate takes over within one poll interval.

JetStream acknowledges a publish before it reaches the disk, so a killed nats-server can lose
acknowledged messages from the tail of the stream. PostgreSQL is the record: whenever the relay
(re)connects it reads the position of the stream's last message and, if the checkpoint is
ahead of it, rewinds and publishes the lost tail again (the duplicate window absorbs any that
survived; the consumers' inbox absorbs anything older).

While it leads, the relay keeps its checkpoint in memory and writes it down at most every
`relay_checkpoint_seconds` (and whenever it stops leading, stops relaying over a NATS connection,
or stops): one UPDATE, and its WAL flush, a few times a second instead of after every batch. A
checkpoint written down behind what was published is safe by the same argument as a crash
between a publish and its checkpoint: whoever leads next reads it, publishes again from there,
the duplicate window drops what JetStream holds already, and the inboxes and the projection's
checkpoint absorb anything older than the window.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from typing import Any

import asyncpg
import nats
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from penghubung.bus import wire
from penghubung.bus.topology import subject
from penghubung.db import connect
from penghubung.eventstore.store import NOTIFY_CHANNEL
from penghubung.settings import NatsSettings, RelaySettings

log = logging.getLogger(__name__)

RELAY_LOCK_KEY = 0x5048_524C  # "PHRL"
PUBLISH_ACK_TIMEOUT = 10.0
FOREIGN_TAIL_LIMIT = 100
"""How many messages without a log position the end-of-stream check steps over."""


class Relay:
    """A relay candidate; `run` competes for leadership and relays while it holds it."""

    def __init__(
        self,
        *,
        database_url: str,
        nats: NatsSettings,
        relay: RelaySettings,
        name: str = "relay",
        database_role: str | None = None,
    ) -> None:
        self._database_url = database_url
        self._database_role = database_role
        self._nats = nats
        self._relay = relay
        self.name = name
        self.is_leader = False
        self.published = 0
        self._rewind_needed = True
        self._nats_lost = asyncio.Event()
        self._position: int | None = None
        """How far the stream holds the log, while leading (None: read it from the database)."""
        self._written: int | None = None
        """The checkpoint as last read or written in the database."""
        self._written_at = 0.0

    async def run(self, stop: asyncio.Event) -> None:
        """Compete for leadership until `stop` is set; relay while leading; survive outages."""
        backoff = self._relay.relay_poll_seconds
        while not stop.is_set():
            try:
                conn = await connect(self._database_url, role=self._database_role)
            except (OSError, asyncpg.PostgresError) as exc:
                log.warning("relay cannot reach PostgreSQL: %s", exc)
                await _wait(stop, backoff)
                continue
            try:
                if await conn.fetchval("SELECT pg_try_advisory_lock($1)", RELAY_LOCK_KEY):
                    log.info("relay %s is now the active relay", self.name)
                    self.is_leader = True
                    try:
                        await self._lead(conn, stop)
                    finally:
                        await self._write_down_on_leaving(conn)
                else:
                    await _wait(stop, self._relay.relay_poll_seconds)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("relay %s lost PostgreSQL: %s", self.name, exc)
                await _wait(stop, backoff)
            finally:
                self.is_leader = False
                self._position = self._written = None  # another may lead before this one again
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(conn.close(), timeout=2)

    async def _lead(self, conn: asyncpg.Connection, stop: asyncio.Event) -> None:
        wake = asyncio.Event()

        def notified(*_: object) -> None:
            wake.set()

        await conn.add_listener(NOTIFY_CHANNEL, notified)
        while not stop.is_set():
            nc = await self._connect_nats(stop, wake)
            if nc is None:
                return
            try:
                await self._relay_over(conn, nc, stop, wake)
            finally:
                await nc.close()
            await self._write_down(conn)
            if not stop.is_set():
                log.warning("relay lost NATS; connecting again, then checking for lost messages")

    async def _relay_over(
        self, conn: asyncpg.Connection, nc: NatsClient, stop: asyncio.Event, wake: asyncio.Event
    ) -> None:
        """Relay over one NATS connection until it is lost (it does not reconnect by itself)."""
        js = nc.jetstream()
        while not stop.is_set() and nc.is_connected:
            wake.clear()
            try:
                if self._rewind_needed:
                    await self._rewind_to_stream(conn, js)
                sent = await self.publish_pending(conn, js)
            except (TimeoutError, nats.errors.Error) as exc:
                log.warning("relay publish failed, will retry: %s", exc)
                self._rewind_needed = True
                await _wait(stop, self._relay.relay_poll_seconds, self._nats_lost)
                continue
            if sent < self._relay.relay_batch_size:
                await _wait(stop, self._idle_seconds(), wake)
            await self._write_down(conn, due_only=True)

    async def _connect_nats(self, stop: asyncio.Event, wake: asyncio.Event) -> NatsClient | None:
        """A fresh connection, never a reconnected one, checked for lost messages before use.

        A client that reconnects by itself sends what it buffered meanwhile as soon as it is
        back, before anyone can look: after a broker that lost its unsynced tail, those later
        publishes land behind the hole and hide it from the check. A fresh connection has
        nothing buffered, and no other candidate publishes, so the stream's end is the truth.
        """
        lost = self._nats_lost = asyncio.Event()

        async def disconnected() -> None:
            lost.set()
            wake.set()

        while not stop.is_set():
            try:
                nc = await nats.connect(
                    self._nats.nats_servers,
                    connect_timeout=3,
                    allow_reconnect=False,
                    disconnected_cb=disconnected,
                    closed_cb=disconnected,
                )
            except (OSError, TimeoutError, nats.errors.Error) as exc:
                log.warning("relay cannot reach NATS: %s", exc)
                await _wait(stop, self._relay.relay_poll_seconds)
                continue
            self._rewind_needed = True
            return nc
        return None

    async def _rewind_to_stream(self, conn: asyncpg.Connection, js: JetStreamContext) -> None:
        """Move the checkpoint back to the stream's last message if the broker lost a tail."""
        on_stream = await stream_last_position(js, self._nats.stream_name)
        checkpoint = await self._checkpoint(conn)
        if on_stream < checkpoint:
            log.warning(
                "the stream ends at position %d but the relay had reached %d: re-publishing",
                on_stream,
                checkpoint,
            )
            self._position = on_stream
            await self._write_down(conn)
        self._rewind_needed = False

    async def publish_pending(self, conn: asyncpg.Connection, js: JetStreamContext) -> int:
        """Publish one batch after the checkpoint; move the checkpoint over what was acked.

        The checkpoint moves in memory, and is written down when `relay_checkpoint_seconds` have
        passed since it last was.
        """
        checkpoint = await self._checkpoint(conn)
        rows = await conn.fetch(
            "SELECT global_position, event_id, stream_id, stream_version, type, schema_version,"
            " occurred_at, recorded_at, actor, correlation_id, causation_id, payload, hash"
            " FROM eventstore.events WHERE global_position > $1 ORDER BY global_position"
            " LIMIT $2",
            checkpoint,
            self._relay.relay_batch_size,
        )
        if not rows:
            return 0
        acked = await self._publish(js, rows)
        if acked:
            self._position = rows[acked - 1]["global_position"]
            self.published += acked
            await self._write_down(conn, due_only=True)
        if acked < len(rows):
            raise TimeoutError(f"{len(rows) - acked} publishes not acknowledged")
        return acked

    async def _checkpoint(self, conn: asyncpg.Connection) -> int:
        """How far the stream holds the log: from memory while leading, else from the database."""
        if self._position is None:
            self._position = self._written = await _checkpoint(conn)
            self._written_at = time.monotonic()
        return self._position

    async def _write_down(self, conn: asyncpg.Connection, *, due_only: bool = False) -> None:
        """Write the checkpoint to the database if it moved (with `due_only`: and is due)."""
        position = self._position
        if position is None or position == self._written or conn.is_closed():
            return
        if due_only and time.monotonic() - self._written_at < self._relay.relay_checkpoint_seconds:
            return
        await _move_checkpoint(conn, position)
        self._written, self._written_at = position, time.monotonic()

    async def _write_down_on_leaving(self, conn: asyncpg.Connection) -> None:
        """The last write of a leader; if it fails, the next leader publishes a little again."""
        try:
            await self._write_down(conn)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            log.warning("relay %s could not write its checkpoint down: %s", self.name, exc)

    def _idle_seconds(self) -> float:
        """How long to wait for new events: the poll interval, or until the checkpoint is due."""
        poll = self._relay.relay_poll_seconds
        if self._position is None or self._position == self._written:
            return poll
        due = self._written_at + self._relay.relay_checkpoint_seconds - time.monotonic()
        return max(0.0, min(poll, due))

    async def _publish(self, js: JetStreamContext, rows: Sequence[asyncpg.Record]) -> int:
        """Pipelined publishes in log order; the count of the leading rows that were acked."""
        futures: list[asyncio.Future[Any]] = []
        for row in rows:
            data, headers = wire.encode(row)
            topic = subject(self._nats, wire.category_of(row), row["type"])
            futures.append(await js.publish_async(topic, data, headers=headers))
        # Until every ack is in, the timeout passes, or the connection is lost (acks never come).
        lost = asyncio.ensure_future(self._nats_lost.wait())
        waiters: set[asyncio.Future[Any]] = {asyncio.gather(*futures, return_exceptions=True), lost}
        try:
            await asyncio.wait(
                waiters, timeout=PUBLISH_ACK_TIMEOUT, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            lost.cancel()
        done = {f for f in futures if f.done()}
        for f in futures:
            if not f.done():
                f.cancel()
        acked = 0
        for f in futures:
            if f in done and not f.cancelled() and f.exception() is None:
                acked += 1
            else:
                break
        return acked


async def stream_last_position(js: JetStreamContext, stream_name: str) -> int:
    """The log position carried by the stream's last relayed message (0 for an empty stream).

    Messages that did not come from the relay (no position header: poison published by hand)
    are stepped over, up to FOREIGN_TAIL_LIMIT of them; read as 0, one would make the relay
    publish the whole log again.
    """
    info = await js.stream_info(stream_name)
    last_seq = info.state.last_seq
    if not last_seq or not info.state.messages:
        return 0
    first_seq = max(info.state.first_seq, last_seq - FOREIGN_TAIL_LIMIT)
    for seq in range(last_seq, first_seq - 1, -1):
        try:
            msg = await js.get_msg(stream_name, seq=seq)
        except NotFoundError:
            continue
        position = (msg.headers or {}).get(wire.POSITION)
        if position is not None:
            return int(position)
    return 0


async def _checkpoint(conn: asyncpg.Connection) -> int:
    position: int = await conn.fetchval("SELECT position FROM eventstore.relay_checkpoint")
    return position


async def _move_checkpoint(conn: asyncpg.Connection, position: int) -> None:
    await conn.execute(
        "UPDATE eventstore.relay_checkpoint SET position = $1, updated_at = now()", position
    )


async def _wait(stop: asyncio.Event, seconds: float, wake: asyncio.Event | None = None) -> None:
    """Sleep up to `seconds`, returning early when stopped or woken."""
    waiters = [asyncio.ensure_future(stop.wait())]
    if wake is not None:
        waiters.append(asyncio.ensure_future(wake.wait()))
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waiters:
            w.cancel()
