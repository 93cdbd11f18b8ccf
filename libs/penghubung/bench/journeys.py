"""Journeys: complete SOP journeys per second through the four services, and their memory.

The four services run as `make up` runs them (`start_service`: one process each, on a database
and a stream of this run's own, after the `migrate` and `bootstrap` steps). The actors run in a
second process (`penghubung.bench.actors`); meanwhile every service's RSS is sampled for its
peak. With `--profile`, py-spy records each service while the actors drive them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from penghubung.bench.common import MIB, Bench, PeakRss
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
    """Journeys per second, per-command latencies, and each service's peak RSS."""
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
        "actors": int(bench.pick(48, 24)),
        "seconds": bench.pick(60.0, 10.0),
        "warmup": bench.pick(8.0, 3.0),
        "baseline_seconds": bench.pick(5.0, 2.0),
        "poll": 0.1,
    }
    bench.say("journeys: starting the four services")
    with services(bench, env, logs) as processes:
        orders["urls"] = {p.name: p.url for p in processes}
        bench.say(
            f"journeys: {orders['actors']} actors for {orders['seconds']:.0f} s"
            f" (+{orders['warmup']:.0f} s warm-up, {orders['baseline_seconds']:.0f} s baseline)"
        )
        report, peaks, profiles = await _drive(bench, orders, processes)
    figures = _figures(report, peaks)
    bench.console.print(_commands_table(report))
    details = {
        "orders": {k: v for k, v in orders.items() if k != "tokens"},
        "report": report,
        "peak_rss_mib": {k: v / MIB for k, v in peaks.items()},
        "profiles": profiles,
    }
    return figures, details


async def _drive(
    bench: Bench, orders: dict[str, Any], processes: list[ServiceProcess]
) -> tuple[dict[str, Any], dict[str, int], dict[str, Any]]:
    command = [sys.executable, "-m", "penghubung.bench.actors"]
    profile = bench.out / "profile-actors.txt" if bench.profile else None
    spies = _spy_on(bench, processes, orders)
    path = bench.out / "actors.json"
    async with profiled(command, profile, stdin=True) as actors:
        pids = {p.name: p.process.pid for p in processes}
        with PeakRss({**pids, "actors": actors.pid}) as rss:
            await actors.communicate(json.dumps({**orders, "report": str(path)}).encode())
    for spy in spies.values():
        with contextlib.suppress(subprocess.TimeoutExpired):
            await asyncio.to_thread(spy.wait, 30)
    if actors.returncode != 0 or not path.exists():
        raise RuntimeError(f"the actors' process failed (exit {actors.returncode})")
    report: dict[str, Any] = json.loads(path.read_text())
    profiles = {
        name: summary(path)
        for name in spies
        if (path := bench.out / f"profile-{name}.txt").exists()
    }
    if profile is not None and profile.exists():
        profiles["actors"] = summary(profile)
    return report, rss.peaks, profiles


def _spy_on(
    bench: Bench, processes: list[ServiceProcess], orders: dict[str, Any]
) -> dict[str, subprocess.Popen[bytes]]:
    """py-spy on each service for the measured window (when profiling)."""
    spy = py_spy()
    if not bench.profile or spy is None:
        return {}
    seconds = int(orders["baseline_seconds"] + orders["warmup"] + orders["seconds"])
    spies: dict[str, subprocess.Popen[bytes]] = {}
    for p in processes:
        args = [
            spy, "record", "--pid", str(p.process.pid), "--format", "raw", "--rate", "97",
            "--duration", str(seconds), "--output", str(bench.out / f"profile-{p.name}.txt"),
        ]  # fmt: skip
        spies[p.name] = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return spies


def _figures(report: dict[str, Any], peaks: dict[str, int]) -> list[Figure]:
    baseline = report["baseline"]
    figures = [
        Figure(
            SECTION,
            f"complete SOP journeys, {report['actors']} actors",
            report["rate"],
            "/s",
            goal=Goal(GoalKind.AT_LEAST, 100),
            note=f"{report['journeys']} journeys, {report['failures']} failed",
        ),
        Figure(
            SECTION,
            "commands (POST) through the four services",
            report["commands_per_second"],
            "/s",
            "GET /health/live, same clients",
            baseline["rate"],
        ),
        Figure(SECTION, "journey duration p50", report["journey_seconds"]["p50"], "s"),
        Figure(SECTION, "journey duration p99", report["journey_seconds"]["p99"], "s"),
    ]
    for name, peak in peaks.items():
        figures.append(Figure("memory", f"peak RSS of {name} (journeys)", peak / MIB, "MiB"))
    return figures


def _commands_table(report: dict[str, Any]) -> Table:
    table = Table(title="Journeys: latency of each command (ms)")
    for column in ("command", "count", "p50", "p95", "p99", "max"):
        table.add_column(column, justify="left" if column == "command" else "right")
    rows = [*report["commands"].items(), ("GET (waits and reads)", report["reads"])]
    for name, s in rows:
        table.add_row(
            name, number(s["count"]), *(number(s[k]) for k in ("p50", "p95", "p99", "max"))
        )
    return table
