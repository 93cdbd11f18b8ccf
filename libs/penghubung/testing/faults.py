"""A system under test with breakable servers and a driver: what the fault tests work on."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg

from penghubung.db import connect
from penghubung.runtime.nats import EmbeddedNats
from penghubung.runtime.postgres import EmbeddedPostgres
from penghubung.soak import Sop
from penghubung.testing.system import System
from penghubung.testing.tally import Tally, settled_tally

AGENCY = "Dinas Komunikasi Uji Gangguan"
"""The agency whose applicant the fault tests submit for."""
ACK_WAIT_SECONDS = 5
"""The durables' ack wait in the fault tests (30 s in production)."""
GRACEFUL_TIMEOUT_SECONDS = 10.0
"""How long a stopping service waits for handlers in flight, in the fault tests."""


@dataclass
class Bench:
    """The system under test, its breakable servers, and a driver of the SOP."""

    system: System
    postgres: EmbeddedPostgres
    nats: EmbeddedNats
    sop: Sop
    timeline_types: frozenset[str]
    """The event types the reporting projection puts on a timeline (given by the tests)."""
    foreign_messages: int = 0
    """Messages a test put on the stream by hand: they are on the bus but not in the log."""
    dead_letters: int = 0
    """Dead letters a test left on purpose (poison that no fix can heal)."""

    @property
    def database_url(self) -> str:
        """The run's database."""
        return self.system.config.database_url

    @contextlib.asynccontextmanager
    async def db(self) -> AsyncIterator[asyncpg.Connection]:
        """A connection to the run's database."""
        conn = await connect(self.database_url)
        try:
            yield conn
        finally:
            await conn.close()

    async def settled(self, *, within: float = 90.0) -> Tally:
        """The tally once the log, the bus and every effect agree (or the timeout passed)."""
        return await settled_tally(
            self.database_url,
            self.system.nats,
            within=within,
            timeline_types=self.timeline_types,
            foreign_messages=self.foreign_messages,
            dead_letters=self.dead_letters,
        )

    def problems(self, tally: Tally) -> list[str]:
        """What disagrees in a tally, given what the tests put there on purpose."""
        return tally.problems(
            foreign_messages=self.foreign_messages, dead_letters=self.dead_letters
        )

    async def until(
        self, check: Callable[[], Awaitable[Any]], *, seconds: float = 60.0, what: str = "condition"
    ) -> Any:
        """Poll `check` until it gives something truthy; fail naming `what` after `seconds`."""
        deadline = time.monotonic() + seconds
        while True:
            value = await check()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"{what}: not reached within {seconds:.0f} s")
            await asyncio.sleep(0.05)

    async def handled(self, consumer: str) -> int:
        """How many events a durable has handled so far (its inbox rows)."""
        async with self.db() as conn:
            count: int = await conn.fetchval(
                "SELECT count(*) FROM messaging.inbox WHERE consumer = $1", consumer
            )
        return count
