"""Replay: events/s rebuilding the reporting projection from a generated log, beside a raw read.

The log is generated with `history.write_log` (COPY, a correct hash chain). The rebuild is the
one `penghubung replay reporting` runs (`reporting.projections.rebuild.rebuild`): fresh tables
like the live ones in a schema of their own, and every event from position 1, read with
`EventStore.read_all_rows`, through the live projection's appliers, a transaction per batch of
1,000. The baseline reads the same rows and columns through a server-side cursor and
decodes their JSON. Each runs in a process of its own (`python -m penghubung.bench.replay raw …`,
`python -m reporting.bench_replay rebuild …`) whose RSS is sampled for its peak; the rebuild
stops at a deadline, and the time for a million events is then extrapolated from its rate.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import asyncpg

from penghubung.bench.common import MIB, Bench, PeakRss
from penghubung.bench.history import write_log
from penghubung.bench.profile import profiled, summary
from penghubung.bench.results import Figure, Goal, GoalKind

SECTION = "replay"
MILLION = 1_000_000
READ_BATCH = 1000
COLUMNS = (
    "global_position, event_id, stream_id, stream_version, type, schema_version, occurred_at,"
    " recorded_at, actor, correlation_id, causation_id, payload, hash"
)
"""What `EventStore.read_all` reads, read by the baseline too."""
WORKERS = {"raw": "penghubung.bench.replay", "rebuild": "reporting.bench_replay"}
"""The module each side runs as: the raw read here, the rebuild in the reporting service's own
(`penghubung replay reporting`'s rebuild, the projection's live appliers)."""


async def run(bench: Bench) -> tuple[list[Figure], dict[str, Any]]:
    """The rebuild's rate beside the raw read's, and the peak RSS of the rebuild."""
    events = bench.replay_events or int(bench.pick(MILLION, 50_000))
    deadline = bench.pick(90.0, 20.0)
    log_url = await bench.database("replaylog")
    bench.say(f"replay: generating {events:,} events (COPY, hash chain)")
    start = time.perf_counter()
    written = await write_log(log_url, events)
    generated = time.perf_counter() - start
    bench.say(f"replay: {written:,} events in {generated:.0f} s; raw read")
    raw = await _worker(bench, "raw", log_url)
    bench.say(f"replay: raw read {raw['rate']:,.0f} ev/s; rebuilding (at most {deadline:.0f} s)")
    rebuilt = await _worker(bench, "rebuild", log_url, "--seconds", str(deadline))
    complete = rebuilt["events"] >= written == MILLION
    million = rebuilt["seconds"] if complete else MILLION / rebuilt["rate"]
    figures = [
        Figure(
            SECTION,
            "rebuild the reporting projection",
            rebuilt["rate"],
            "ev/s",
            "cursor read + JSON decode",
            raw["rate"],
            Goal(GoalKind.RATIO_AT_LEAST, 0.6),
            note=f"{rebuilt['events']:,} of {written:,} events",
        ),
        Figure(
            SECTION,
            "time to rebuild 1,000,000 events" + ("" if complete else " (from the rate)"),
            million,
            "s",
            "raw read",
            MILLION / raw["rate"],
            Goal(GoalKind.AT_MOST, 20.0),
        ),
        Figure("memory", "peak RSS of the rebuild (replay)", rebuilt["max_rss_mib"], "MiB"),
        Figure("memory", "peak RSS of the raw read (replay)", raw["max_rss_mib"], "MiB"),
    ]
    details = {
        "events": written,
        "generation_seconds": generated,
        "generation_rate": written / generated,
        "raw": raw,
        "rebuild": rebuilt,
        "rebuild_deadline_seconds": deadline,
    }
    return figures, details


async def _worker(bench: Bench, mode: str, *args: str) -> dict[str, Any]:
    """Run one side in a process of its own; its JSON report."""
    path = bench.out / f"replay-{mode}.json"
    module = WORKERS[mode]
    command = [sys.executable, "-m", module, mode, *args, "--report", str(path)]
    profile = bench.out / f"profile-replay-{mode}.txt" if bench.profile else None
    async with profiled(command, profile) as process:
        with PeakRss({mode: process.pid}) as rss:
            await process.wait()
    if process.returncode != 0 or not path.exists():
        raise RuntimeError(f"replay {mode} worker failed (exit {process.returncode})")
    report: dict[str, Any] = json.loads(path.read_text())
    report["max_rss_mib"] = rss.peaks[mode] / MIB
    if profile is not None and profile.exists():
        report["profile_top"] = summary(profile)
    return report


# --- the workers -----------------------------------------------------------------------------


async def read_raw(log_url: str) -> dict[str, Any]:
    """Every row through a server-side cursor, its JSON decoded; the rate."""
    conn = await asyncpg.connect(log_url)  # no codecs: jsonb arrives as text, decoded here
    count = 0
    try:
        start = time.perf_counter()
        async with conn.transaction():
            query = f"SELECT {COLUMNS} FROM eventstore.events ORDER BY global_position"
            async for row in conn.cursor(query, prefetch=READ_BATCH):
                json.loads(row["actor"])
                json.loads(row["payload"])
                count += 1
        seconds = time.perf_counter() - start
    finally:
        await conn.close()
    return {"events": count, "seconds": seconds, "rate": count / seconds}


Worker = Callable[[str, float], Coroutine[Any, Any, dict[str, Any]]]
"""One side of the replay benchmark: given the log's URL and its seconds, its JSON report."""


def worker_main(prog: str, mode: str, worker: Worker, argv: list[str] | None = None) -> int:
    """`python -m <prog> <mode> LOG [--seconds S] --report PATH`: run one side, write its report."""
    parser = argparse.ArgumentParser(prog=f"python -m {prog}")
    parser.add_argument("mode", choices=(mode,))
    parser.add_argument("log")
    parser.add_argument("--seconds", type=float, default=3600.0)
    parser.add_argument("--report", required=True, help="where to write the JSON report")
    args = parser.parse_args(argv)
    report = asyncio.run(worker(args.log, args.seconds))
    Path(args.report).write_text(json.dumps(report))
    return 0


async def _raw(log_url: str, seconds: float) -> dict[str, Any]:
    return await read_raw(log_url)


def main(argv: list[str] | None = None) -> int:
    """`python -m penghubung.bench.replay raw LOG --report PATH`."""
    return worker_main("penghubung.bench.replay", "raw", _raw, argv)


if __name__ == "__main__":
    sys.exit(main())
