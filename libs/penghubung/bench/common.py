"""What every section uses: the servers, a fresh database per section, percentiles, RSS."""

from __future__ import annotations

import asyncio
import contextlib
import math
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import nats
import psutil  # type: ignore[import-untyped]  # no stubs in the lock
from rich.console import Console

from penghubung.bus.topology import declare_stream
from penghubung.eventstore.migrations import migrate
from penghubung.settings import NatsSettings


@dataclass
class Bench:
    """One run of the suite: its servers, its mode, where it writes, and what it made."""

    database_url: str
    nats_url: str
    quick: bool
    out: Path
    console: Console
    replay_events: int = 0
    """Size of the replayed log; 0 for the mode's default."""
    profile: bool = False
    """Record py-spy profiles of the worker processes."""
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    databases: list[str] = field(default_factory=list)
    streams: list[str] = field(default_factory=list)
    profiles: dict[str, Any] = field(default_factory=dict)
    """Summaries of the py-spy profiles taken in the run (with `profile`)."""

    def pick(self, full: float, quick: float) -> float:
        """A size or a duration, by mode."""
        return quick if self.quick else full

    def say(self, text: str) -> None:
        """A progress line."""
        self.console.print(f"[dim]{time.strftime('%H:%M:%S')}[/] {text}", highlight=False)

    async def database(self, label: str) -> str:
        """A new, migrated database of this run; dropped when the run ends."""
        name = f"bench_{self.run_id}_{label}"
        admin = await asyncpg.connect(self.database_url)
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
        self.databases.append(name)
        url = url_of_database(self.database_url, name)
        conn = await asyncpg.connect(url)
        try:
            await migrate(conn)
        finally:
            await conn.close()
        return url

    def nats_settings(self, label: str) -> NatsSettings:
        """A stream and subject prefix of this run's own."""
        name = f"BENCH_{self.run_id}_{label}".upper()
        return NatsSettings(
            nats_url=self.nats_url,
            stream_name=name,
            subject_prefix=f"bench{self.run_id}{label}.events",
        )

    async def stream(self, label: str) -> NatsSettings:
        """Declare a stream of this run's own; deleted when the run ends."""
        settings = self.nats_settings(label)
        nc = await nats.connect(self.nats_url)
        try:
            await declare_stream(nc.jetstream(), settings)
        finally:
            await nc.close()
        self.streams.append(settings.stream_name)
        return settings

    async def clean_up(self) -> None:
        """Drop the run's databases and delete its streams."""
        with contextlib.suppress(Exception):
            nc = await nats.connect(self.nats_url)
            try:
                js = nc.jetstream()
                for name in self.streams:
                    with contextlib.suppress(Exception):
                        await js.delete_stream(name)
            finally:
                await nc.close()
        admin = await asyncpg.connect(self.database_url)
        try:
            for name in self.databases:
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


def url_of_database(url: str, name: str) -> str:
    """The same server URL pointing at another database."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (nearest rank) of values; NaN for none."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def spread(values: Sequence[float], scale: float = 1000.0) -> dict[str, float]:
    """p50, p95, p99 and max, times `scale` (seconds to milliseconds by default)."""
    return {
        "count": float(len(values)),
        "p50": percentile(values, 50) * scale,
        "p95": percentile(values, 95) * scale,
        "p99": percentile(values, 99) * scale,
        "max": (max(values) * scale) if values else math.nan,
    }


class PeakRss:
    """Samples the resident memory of some processes (each with its children) in a thread;
    keeps each one's peak. (A child's own `ru_maxrss` would not do: Linux carries the parent's
    high-water mark over the fork.)"""

    def __init__(self, pids: dict[str, int], every: float = 0.2) -> None:
        self._processes = {name: psutil.Process(pid) for name, pid in pids.items()}
        self.peaks: dict[str, int] = dict.fromkeys(pids, 0)
        self._every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while True:
            for name, process in self._processes.items():
                with contextlib.suppress(psutil.Error):
                    family = [process, *process.children(recursive=True)]
                    rss = sum(p.memory_info().rss for p in family)
                    self.peaks[name] = max(self.peaks[name], rss)
            if self._stop.wait(self._every):
                return


MIB = 1024 * 1024


def machine() -> dict[str, Any]:
    """What the run ran on."""
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "nproc": psutil.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 1024**3, 1),
        "cpu_model": model,
        "load_average_at_start": [round(x, 2) for x in psutil.getloadavg()],
    }


async def server_versions(database_url: str, nats_url: str) -> dict[str, str]:
    """The PostgreSQL and NATS versions the run measured."""
    conn = await asyncpg.connect(database_url)
    try:
        pg: str = await conn.fetchval("SHOW server_version")
    finally:
        await conn.close()
    nc = await nats.connect(nats_url)
    try:
        v = nc.connected_server_version
        version = f"{v.major}.{v.minor}.{v.patch}"
    finally:
        await nc.close()
    return {"postgresql": pg, "nats": version}


@contextlib.asynccontextmanager
async def timed() -> AsyncIterator[list[float]]:
    """`async with timed() as t:` … `t[0]` is the elapsed seconds afterwards."""
    box: list[float] = []
    start = time.perf_counter()
    try:
        yield box
    finally:
        box.append(time.perf_counter() - start)


async def gather_all(aws: Iterable[Any]) -> list[Any]:
    """Await them all, together."""
    return list(await asyncio.gather(*aws))
