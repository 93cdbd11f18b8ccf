"""What every section uses: the servers, a fresh database per section, percentiles, RSS."""

from __future__ import annotations

import asyncio
import contextlib
import math
import re
import statistics
import threading
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
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


def spread(values: Sequence[float], scale: float = 1000.0, *, lost: int = 0) -> dict[str, float]:
    """p50, p95, p99 and max, times `scale` (seconds to milliseconds by default).

    `lost` counts what was sent and never came back: each is infinitely late, so that a
    percentile is over everything sent, not only over what arrived (with more than 1 % lost,
    the p99 is infinite)."""
    every = [*values, *([math.inf] * lost)]
    return {
        "count": float(len(every)),
        "lost": float(lost),
        "p50": percentile(every, 50) * scale,
        "p95": percentile(every, 95) * scale,
        "p99": percentile(every, 99) * scale,
        "max": (max(every) * scale) if every else math.nan,
    }


@dataclass(frozen=True)
class Rounds:
    """Interleaved rounds of a measured side and its baseline (A B A B …): the medians, and
    the ratio of each round to the baseline round beside it, by its median and its range."""

    measured: list[float]
    baseline: list[float]

    @property
    def value(self) -> float:
        """The measured side's median."""
        return statistics.median(self.measured)

    @property
    def baseline_value(self) -> float:
        """The baseline's median."""
        return statistics.median(self.baseline)

    @property
    def ratios(self) -> list[float]:
        """Each round's measure over the baseline of the same round."""
        return [m / b for m, b in zip(self.measured, self.baseline, strict=True) if b]

    def as_json(self) -> dict[str, Any]:
        """Both sides' rounds and the ratios."""
        return {"measured": self.measured, "baseline": self.baseline, "ratios": self.ratios}


@dataclass
class Search:
    """A capacity search: the highest rate that passed below the lowest that failed."""

    good: float | None = None
    """The highest rate that passed; None when none did."""
    bad: float | None = None
    """The lowest rate that failed; None when none did."""
    tried: list[tuple[float, bool]] = field(default_factory=list)
    """Each rate tried, in order, and whether it passed."""

    @property
    def value(self) -> float:
        """The highest rate that passed, else the lowest that failed (NaN: nothing tried)."""
        found = self.bad if self.good is None else self.good
        return math.nan if found is None else found

    @property
    def bound(self) -> str:
        """ "below" when even the lowest rate tried failed (the value is that rate), "at least"
        when none failed (the value is the highest tried), else ""."""
        if self.good is None:
            return "below"
        return "at least" if self.bad is None else ""

    def as_json(self) -> dict[str, Any]:
        """What was tried and what was found."""
        return {"tried": self.tried, "good": self.good, "bad": self.bad, "bound": self.bound}


async def search_capacity(
    tries: Callable[[float], Awaitable[bool]],
    start: float,
    *,
    lowest: float,
    highest: float,
    steps: int,
    first: bool | None = None,
    closest: float = 1.1,
) -> Search:
    """The highest rate that passes, in at most `steps` tries (`first`: the verdict of `start`,
    when it is known already).

    Bracket, then bisect: from `start`, double while a rate passes (up to `highest`) or halve
    while it fails (down to `lowest`); then try the middle of the bracket while the failing
    rate is more than `closest` times the passing one. It is monotone: every rate it tries lies
    below the lowest that failed and above the highest that passed, so it never reports a rate
    above one that failed. When even `lowest` fails, it reports none (`below …`)."""
    found = Search()

    async def attempt(rate: float) -> None:
        ok = await tries(rate)
        found.tried.append((rate, ok))
        if ok:
            found.good = rate
        else:
            found.bad = rate

    if first is None:
        await attempt(start)
    else:
        found.tried.append((start, first))
        found.good, found.bad = (start, None) if first else (None, start)
    while len(found.tried) < steps:
        if found.bad is None and found.good is not None and found.good * 2 <= highest:
            await attempt(found.good * 2)
        elif found.good is None and found.bad is not None and found.bad / 2 >= lowest:
            await attempt(found.bad / 2)
        else:
            break
    while (
        len(found.tried) < steps
        and found.good is not None
        and found.bad is not None
        and found.bad > found.good * closest
    ):
        await attempt((found.good + found.bad) / 2)
    return found


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

Processes = Callable[[], Iterable[Any]]
"""The psutil processes of one group, as they are now (a group's members come and go)."""


def family(pid: int) -> Processes:
    """A process and its children."""
    process = psutil.Process(pid)
    return lambda: [process, *process.children(recursive=True)]


def postgres_processes(pid: int, database: str) -> tuple[Processes, Processes]:
    """PostgreSQL's processes, from one backend's `pg_backend_pid()`: the backends of
    `database` (their titles name it), and the server's own (the postmaster, the WAL writer,
    the checkpointer …: those without a client). Other databases' backends are in neither."""
    postmaster = psutil.Process(pid).parent()

    def split() -> tuple[list[Any], list[Any]]:
        ours, server = [], [postmaster]
        for child in postmaster.children():
            with contextlib.suppress(psutil.Error):
                title = " ".join(child.cmdline())
                if database in title.split():
                    ours.append(child)
                elif not _CLIENT.search(title):
                    server.append(child)
        return ours, server

    return (lambda: split()[0]), (lambda: split()[1])


_CLIENT = re.compile(r"\(\d+\)|\[local\]")
"""A backend's title names its client: `host(port)`, or `[local]` on a socket."""


def nats_processes(url: str) -> Processes | None:
    """The NATS server listening on the URL's port on this machine, if it can be found."""
    port = urlsplit(url).port or 4222
    for process in psutil.process_iter(["name", "cmdline"]):
        with contextlib.suppress(psutil.Error):
            if "nats-server" not in (process.info["name"] or ""):
                continue
            listening = any(
                c.laddr and c.laddr.port == port and c.status == psutil.CONN_LISTEN
                for c in process.net_connections(kind="tcp")
            )
            if listening:
                return family(process.pid)
    return None


class CpuMeter:
    """CPU seconds (user + system) of groups of processes, sampled in a thread; each group's
    count only grows (a process seen for the first time after the start counts whole, one that
    existed at the start from then on, one that ends keeps what was seen of it)."""

    def __init__(self, groups: dict[str, Processes], every: float = 0.5) -> None:
        self._groups = groups
        self._every = every
        self._seen: dict[tuple[str, int, float], float] = {}
        self._first = True
        self.totals: dict[str, float] = dict.fromkeys(groups, 0.0)
        self.samples: list[tuple[float, dict[str, float]]] = []
        """(time.monotonic(), each group's CPU seconds so far)."""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> CpuMeter:
        self._take()
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self._take()

    def between(self, start: float, end: float) -> dict[str, float]:
        """Each group's CPU seconds from the last sample at or before `start` to the first at
        or after `end` (the monotonic clock is the machine's, the same in every process)."""
        before = [s for t, s in self.samples if t <= start] or [self.samples[0][1]]
        after = [s for t, s in self.samples if t >= end] or [self.samples[-1][1]]
        return {name: after[0][name] - before[-1][name] for name in self._groups}

    def _take(self) -> None:
        for name, members in self._groups.items():
            with contextlib.suppress(psutil.Error):
                for process in members():
                    with contextlib.suppress(psutil.Error):
                        times = process.cpu_times()
                        used = times.user + times.system
                        key = (name, process.pid, process.create_time())
                        last = self._seen.get(key, used if self._first else 0.0)
                        self._seen[key] = used
                        self.totals[name] += max(0.0, used - last)
        self._first = False
        self.samples.append((time.monotonic(), dict(self.totals)))

    def _sample(self) -> None:
        while not self._stop.wait(self._every):
            self._take()


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
