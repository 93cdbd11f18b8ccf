"""Availability: sample every service's readiness in service hours, and report it by month.

One sampling round calls `GET <url>/health/ready` of every configured service at once, each with
a timeout: 200 is up; any other status, a refused connection or a timeout is down. Rounds run
only while the office is open (by the current calendar), so the figure is availability *in
service hours*, as the catalog promises it. A round's time is the start of its interval, the
same for every service, so a second reporting process sampling the same round adds nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from time import monotonic

import asyncpg
import httpx

from penghubung.clock import Clock
from reporting.sla.adapters import db as sla_db
from reporting.sla.adapters.db import Sample


def round_of(now: datetime, interval_seconds: float) -> datetime:
    """The start of the sampling interval `now` falls in (UTC, whole seconds)."""
    step = max(1, int(interval_seconds))
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % step, tz=UTC)


async def probe(
    client: httpx.AsyncClient, service: str, url: str, *, round_at: datetime, limit_seconds: float
) -> Sample:
    """One readiness call: up on 200, down on anything else, within `limit_seconds`."""
    started = monotonic()
    status: int | None = None
    error: str | None = None
    try:
        async with asyncio.timeout(limit_seconds):
            response = await client.get(f"{url.rstrip('/')}/health/ready", timeout=limit_seconds)
        status = response.status_code
        if status != 200:
            error = f"status {status}"
    except (TimeoutError, httpx.TimeoutException):
        error = "timeout"
    except httpx.HTTPError as exc:
        error = type(exc).__name__
    latency = int((monotonic() - started) * 1000)
    return Sample(service, round_at, status == 200, status, error, latency)


@dataclass(frozen=True)
class AvailabilitySampler:
    """Takes a sampling round of every configured service, in service hours."""

    pool: asyncpg.Pool
    clock: Clock
    urls: Mapping[str, str]
    interval_seconds: float
    timeout_seconds: float

    async def sample(self) -> int:
        """One round: how many samples were taken (0 outside service hours)."""
        now = self.clock()
        async with self.pool.acquire() as conn:
            book = await sla_db.calendar_book(conn)
        if not self.urls or not book.current.is_open(now):
            return 0
        round_at = round_of(now, self.interval_seconds)
        async with httpx.AsyncClient() as client:
            samples = await asyncio.gather(
                *(
                    probe(client, name, url, round_at=round_at, limit_seconds=self.timeout_seconds)
                    for name, url in sorted(self.urls.items())
                )
            )
        async with self.pool.acquire() as conn:
            return await sla_db.save_samples(conn, samples)
