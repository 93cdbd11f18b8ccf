"""Journeys: the highest rate of complete SOP journeys sustained, their CPU, their memory.

The four services run as `make up` runs them (`start_service`: one process each, on a database
and a stream of this run's own, after the `migrate` and `bootstrap` steps). The actors run in a
second process (`penghubung.bench.actors`), open-loop: journeys start at a fixed rate, and the
rates are searched for the highest whose p95 journey time stays within `BOUND` seconds.
Meanwhile every service's RSS is sampled for its peak, and the CPU seconds of each process —
the PostgreSQL backends of this database and the server's own processes, each service, NATS,
the actors — so that the CPU of a journey can be told by process. With `--profile`, py-spy
records each service while the actors drive them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import psutil  # type: ignore[import-untyped]  # no stubs in the lock
from rich.console import Console
from rich.table import Table

from penghubung.bench.common import (
    MIB,
    Bench,
    CpuMeter,
    PeakRss,
    Processes,
    family,
    nats_processes,
    postgres_processes,
)
from penghubung.bench.profile import profiled, py_spy, summary
from penghubung.bench.results import Figure, Goal, GoalKind, number
from penghubung.runtime.supervisor import (
    ServiceProcess,
    StopSignals,
    pick_ports,
    run_step,
    start_service,
    stop_services,
    wait_ready,
)
from penghubung.runtime.welcome import DEMO_USERS
from penghubung.services import SERVICES
from penghubung.settings import AuthSettings
from penghubung.testing.system import LOAD_UPLOAD_QUOTAS
from penghubung.web.auth import mint_token

SECTION = "journeys"
SECRET = "bench-secret-" + "x" * 32
BOUND = 10.0
"""A rate is sustained when the p95 of its journeys' durations is within this, in seconds."""
GOAL, REACH = 50.0, 100.0
"""Journeys a second sustained: the goal, and what we reach for."""


@contextlib.contextmanager
def services(bench: Bench, env: dict[str, str], logs: Path) -> Iterator[list[ServiceProcess]]:
    """The four services, ready; stopped at the end of the block."""
    quiet = Console(quiet=True)
    for step in ("migrate", "bootstrap"):
        run_step(quiet, step, env=env, log_dir=logs)
    ports = pick_ports(len(SERVICES), base_port=None, host="127.0.0.1")
    processes = [
        start_service(name, port=port, host="127.0.0.1", env=env, log_dir=logs)
        for name, port in zip(SERVICES, ports, strict=True)
    ]
    try:
        dead = wait_ready(processes, timeout=120, signals=StopSignals())
        if dead is not None:
            raise RuntimeError(dead.describe_exit())
        yield processes
    finally:
        stop_services(quiet, processes)


async def run(bench: Bench) -> tuple[list[Figure], dict[str, Any]]:
    """The highest rate of journeys sustained, latencies at it, CPU by process, peak RSS."""
    url = await bench.database("journeys")
    stream = bench.nats_settings("journeys")
    bench.streams.append(stream.stream_name)
    env = {
        **os.environ,
        "PENGHUBUNG_DATABASE_URL": url,
        "PENGHUBUNG_NATS_URL": bench.nats_url,
        "PENGHUBUNG_STREAM_NAME": stream.stream_name,
        "PENGHUBUNG_SUBJECT_PREFIX": stream.subject_prefix,
        "PENGHUBUNG_JWT_SECRET": SECRET,
        "PENGHUBUNG_LOG_JSON": "true",
        # No directory runs here: the demo petugas is nobody's, work goes to them unchecked.
        "PENGHUBUNG_OFFICERS_FROM_DIRECTORY": "false",
        **LOAD_UPLOAD_QUOTAS,
    }
    logs = bench.out / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    settings = AuthSettings(jwt_secret=SECRET)
    tokens = {
        u.role: mint_token(settings, role=u.role, name=u.name, nip=u.nip, agency=u.agency)
        for u in DEMO_USERS
    }
    orders = {
        "tokens": tokens,
        "start_rate": 6.25,  # doubling: 12.5, 25, 50, 100
        "lowest": 0.75,
        "highest": 200.0,
        "steps": int(bench.pick(6, 4)),
        "step_seconds": bench.pick(15.0, 5.0),
        "bound": BOUND,
        "wait": bench.pick(2 * BOUND, BOUND),
        "pause": 3.0,
        "warmup_journeys": 3,
        "concurrency": 24,
        "baseline_seconds": bench.pick(5.0, 2.0),
        "poll": 0.5,
        "poll_max": 1.0,
    }
    bench.say("journeys: starting the services")
    with services(bench, env, logs) as processes:
        orders["urls"] = {p.name: p.url for p in processes}
        bench.say(
            f"journeys: open loop from {orders['start_rate']:g}/s, {orders['step_seconds']:g} s"
            f" a step, at most {orders['steps']} steps; sustained: p95 ≤ {BOUND:g} s"
        )
        report, peaks, cpu, profiles = await _drive(bench, url, orders, processes)
    found = report["search"]
    best = _best(report)
    cpu_of = _cpu_per_journey(cpu, report)
    figures = [*_figures(report, best), *_cpu_figures(cpu_of), *_memory(peaks)]
    if best is not None:
        bench.console.print(_commands_table(best))
    bench.console.print(_cpu_table(cpu_of))
    details = {
        "orders": {k: v for k, v in orders.items() if k != "tokens"},
        "search": found,
        "steps": [{k: v for k, v in s.items() if k != "window"} for s in report["steps"]],
        "baseline": report["baseline"],
        "cpu_per_journey": cpu_of,
        "peak_rss_mib": {k: v / MIB for k, v in peaks.items()},
        "profiles": profiles,
    }
    return figures, details


def _best(report: dict[str, Any]) -> dict[str, Any] | None:
    """The step at the highest rate that passed."""
    passed = [s for s in report["steps"] if s["passed"]]
    return max(passed, key=lambda s: s["rate"]) if passed else None


async def _drive(
    bench: Bench, url: str, orders: dict[str, Any], processes: list[ServiceProcess]
) -> tuple[dict[str, Any], dict[str, int], dict[str, Any], dict[str, Any]]:
    """The actors' process under the RSS and CPU meters; its report, the peaks, the CPU seconds
    of each group in each step's window, and the profiles."""
    command = [sys.executable, "-m", "penghubung.bench.actors"]
    profile = bench.out / "profile-actors.txt" if bench.profile else None
    spies = _spy_on(bench, processes, orders)
    path = bench.out / "actors.json"
    groups = await _cpu_groups(bench, url, processes)
    async with profiled(command, profile, stdin=True) as actors:
        pids = {p.name: p.process.pid for p in processes}
        groups["actors (load generator)"] = family(actors.pid)
        with PeakRss({**pids, "actors": actors.pid}) as rss, CpuMeter(groups) as meter:
            await actors.communicate(json.dumps({**orders, "report": str(path)}).encode())
    for spy in spies.values():  # the search may end before the longest it could take
        spy.send_signal(signal.SIGINT)  # py-spy writes what it recorded, and stops
        with contextlib.suppress(subprocess.TimeoutExpired):
            await asyncio.to_thread(spy.wait, 30)
    if actors.returncode != 0 or not path.exists():
        raise RuntimeError(f"the actors' process failed (exit {actors.returncode})")
    report: dict[str, Any] = json.loads(path.read_text())
    cpu = {
        "groups": list(groups),
        "steps": [meter.between(*s["window"]) for s in report["steps"]],
        "whole": meter.totals,
    }
    profiles = {
        name: summary(path)
        for name in spies
        if (path := bench.out / f"profile-{name}.txt").exists()
    }
    if profile is not None and profile.exists():
        profiles["actors"] = summary(profile)
    return report, rss.peaks, cpu, profiles


async def _cpu_groups(
    bench: Bench, url: str, processes: list[ServiceProcess]
) -> dict[str, Processes]:
    """The processes whose CPU a journey costs, by group (those that cannot be found on this
    machine — a server in a container — are left out)."""
    groups: dict[str, Processes] = {}
    conn = await asyncpg.connect(url)
    try:  # while the connection is open: its backend leads to the postmaster
        backend = await conn.fetchval("SELECT pg_backend_pid()")
        database = await conn.fetchval("SELECT current_database()")
        with contextlib.suppress(psutil.Error):
            ours, server = postgres_processes(backend, database)
            groups["PostgreSQL backends (this database)"] = ours
            groups["PostgreSQL server processes (WAL writer, checkpointer …)"] = server
    finally:
        await conn.close()
    if not groups:
        bench.say("journeys: PostgreSQL's processes are not on this machine; no CPU rows for it")
    for p in processes:
        groups[p.name] = family(p.process.pid)
    found = nats_processes(bench.nats_url)
    if found is not None:
        groups["NATS"] = found
    else:
        bench.say("journeys: the NATS server is not on this machine; no CPU row for it")
    return groups


def _cpu_per_journey(cpu: dict[str, Any], report: dict[str, Any]) -> dict[str, Any]:
    """CPU seconds per finished journey by group, in the windows of the steps that passed
    (every step's when none did): from the first start to the last journey's end or cancel."""
    steps = report["steps"]
    chosen = [i for i, s in enumerate(steps) if s["passed"]] or list(range(len(steps)))
    journeys = sum(steps[i]["finished"] for i in chosen)
    seconds = {g: sum(cpu["steps"][i][g] for i in chosen) for g in cpu["groups"]}
    total = sum(seconds.values())
    return {
        "steps": [steps[i]["rate"] for i in chosen],
        "journeys": journeys,
        "wall_seconds": sum(steps[i]["window"][1] - steps[i]["window"][0] for i in chosen),
        "cpu_seconds": seconds,
        "per_journey": {g: (v / journeys if journeys else math.nan) for g, v in seconds.items()},
        "share": {g: (v / total if total else math.nan) for g, v in seconds.items()},
        "total_per_journey": total / journeys if journeys else math.nan,
    }


def _spy_on(
    bench: Bench, processes: list[ServiceProcess], orders: dict[str, Any]
) -> dict[str, subprocess.Popen[bytes]]:
    """py-spy on each service for the longest the search could take (when profiling); stopped
    when the actors are done."""
    spy = py_spy()
    if not bench.profile or spy is None:
        return {}
    each = orders["step_seconds"] + orders["wait"] + orders["pause"]
    seconds = int(orders["baseline_seconds"] + 10 + orders["steps"] * each)
    spies: dict[str, subprocess.Popen[bytes]] = {}
    for p in processes:
        args = [
            spy, "record", "--pid", str(p.process.pid), "--format", "raw", "--rate", "97",
            "--duration", str(seconds), "--output", str(bench.out / f"profile-{p.name}.txt"),
        ]  # fmt: skip
        spies[p.name] = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return spies


def _figures(report: dict[str, Any], best: dict[str, Any] | None) -> list[Figure]:
    found = report["search"]
    tried = ", ".join(f"{r:.3g}{'✓' if ok else '✗'}" for r, ok in found["tried"])
    sustained = Figure(
        SECTION,
        f"complete SOP journeys a second sustained, p95 journey ≤ {BOUND:g} s (open loop)",
        found["good"] if found["good"] is not None else found["bad"],
        "/s",
        goal=Goal(GoalKind.AT_LEAST, GOAL),
        note=f"reaching for {REACH:g}/s; rates tried: {tried}",
        bound=found["bound"],
    )
    figures = [sustained]
    if best is None:
        return figures
    at = f"at {best['rate']:.3g}/s"
    baseline = report["baseline"]
    figures += [
        Figure(SECTION, f"journey time p50 {at}", best["journey_seconds"]["p50"], "s"),
        Figure(
            SECTION,
            f"journey time p95 {at}",
            best["journey_seconds"]["p95"],
            "s",
            goal=Goal(GoalKind.AT_MOST, BOUND),
            note=f"{best['finished']} of {best['started']} finished",
        ),
        Figure(
            SECTION,
            f"commands (POST) a second {at}",
            best["commands_per_second"],
            "/s",
            f"GET /health/live, {report['baseline']['concurrency']} at once",
            baseline["rate"],
        ),
        Figure(
            SECTION, f"reads (waiting for a ticket) per journey {at}", best["reads_per_journey"], ""
        ),
    ]
    return figures


def _cpu_figures(cpu: dict[str, Any]) -> list[Figure]:
    """A row per process group: CPU ms per journey, and its share."""
    rates = "/".join(f"{r:.3g}" for r in cpu["steps"])
    figures = [
        Figure(
            "cpu",
            f"{group} ({100 * cpu['share'][group]:.0f} %)",
            1000 * per,
            "ms/journey",
            note=f"steps at {rates} journeys/s, {cpu['journeys']} journeys",
        )
        for group, per in sorted(cpu["per_journey"].items(), key=lambda kv: -kv[1])
    ]
    figures.append(Figure("cpu", "all of the above", 1000 * cpu["total_per_journey"], "ms/journey"))
    return figures


def _memory(peaks: dict[str, int]) -> list[Figure]:
    return [
        Figure("memory", f"peak RSS of {n} (journeys)", p / MIB, "MiB") for n, p in peaks.items()
    ]


def _cpu_table(cpu: dict[str, Any]) -> Table:
    rates = "/".join(f"{r:.3g}" for r in cpu["steps"])
    table = Table(
        title=f"Journeys: CPU by process ({cpu['journeys']} journeys at {rates}/s,"
        f" {cpu['wall_seconds']:.0f} s)"
    )
    for column in ("process", "CPU s", "CPU ms per journey", "share"):
        table.add_column(column, justify="left" if column == "process" else "right")
    for group, seconds in sorted(cpu["cpu_seconds"].items(), key=lambda kv: -kv[1]):
        table.add_row(
            group,
            number(seconds),
            number(1000 * cpu["per_journey"][group]),
            f"{100 * cpu['share'][group]:.0f} %",
        )
    return table


def _commands_table(best: dict[str, Any]) -> Table:
    table = Table(title=f"Journeys at {best['rate']:.3g}/s: latency of each command (ms)")
    for column in ("command", "count", "p50", "p95", "p99", "max"):
        table.add_column(column, justify="left" if column == "command" else "right")
    rows = [*best["commands"].items(), ("GET (waits and reads)", best["reads"])]
    for name, s in rows:
        table.add_row(
            name, number(s["count"]), *(number(s[k]) for k in ("p50", "p95", "p99", "max"))
        )
    return table
