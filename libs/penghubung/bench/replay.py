"""Replay: events/s rebuilding the reporting projection from a generated log, beside a raw read.

The log is a realistic history generated with `history.write_log(realistic=True)` (COPY, a
correct hash chain): requests open for weeks while new ones arrive, pauses, SLA warnings,
returns, calendar changes and recalculations. The rebuild is the one `penghubung replay
reporting` and `as_of` run (`reporting.projections.rebuild.rebuild`): fresh tables like the
live ones, every event from position 1 folded in memory by the live appliers' rules and written
with COPY. The baseline reads the same rows and columns through a server-side cursor and decodes
their JSON. Each round runs in a process of its own (`python -m penghubung.bench.replay raw …`,
`python -m reporting.bench_replay rebuild …`) whose RSS is sampled for its peak; the sides are
interleaved (raw, rebuild, raw, rebuild, …, `ROUNDS` each) and the figures are medians, with the
spread of the per-round ratio. Every rebuild round rebuilds the whole log (200,000 events in the
full mode): nothing is extrapolated but the time for a million. Then, in one more process
(`python -m reporting.bench_replay as_of …`), views as of five positions spread over the log,
each built as the service builds it, from the nearest snapshot; the snapshots are made first, by
views as of every `as_of_snapshot_every`-th position in order, as a service's views leave them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
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
FULL = 200_000
"""The full mode's log: rebuilt whole, every round (the goal: 2 s for an as_of of 200k)."""
READ_BATCH = 1000
COLUMNS = (
    "global_position, event_id, stream_id, stream_version, type, schema_version, occurred_at,"
    " recorded_at, actor, correlation_id, causation_id, payload, hash"
)
"""What `EventStore.read_all` reads, read by the baseline too."""
WORKERS = {
    "raw": "penghubung.bench.replay",
    "rebuild": "reporting.bench_replay",
    "as_of": "reporting.bench_replay",
}
"""The module each side runs as: the raw read here, the rebuild in the reporting service's own
(`penghubung replay reporting`'s rebuild, the projection's live appliers)."""


ROUNDS = 3
"""Rounds of each side, interleaved (raw, rebuild, raw, rebuild, ...): one round is no figure."""


async def run(bench: Bench) -> tuple[list[Figure], dict[str, Any]]:
    """The rebuild's rate beside the raw read's, round by round, and the rebuild's peak RSS."""
    events = bench.replay_events or int(bench.pick(FULL, 50_000))
    log_url = await bench.database("replaylog")
    bench.say(f"replay: generating {events:,} events of a realistic history (COPY, hash chain)")
    start = time.perf_counter()
    written = await write_log(log_url, events, realistic=True)
    generated = time.perf_counter() - start
    bench.say(f"replay: {written:,} events in {generated:.0f} s; {ROUNDS} rounds of each side")
    raws: list[dict[str, Any]] = []
    rebuilds: list[dict[str, Any]] = []
    for round_ in range(1, ROUNDS + 1):
        raws.append(await _worker(bench, "raw", log_url, round_=round_))
        rebuilds.append(await _worker(bench, "rebuild", log_url, round_=round_))
        bench.say(
            f"replay round {round_}: raw {raws[-1]['rate']:,.0f} ev/s,"
            f" rebuild {rebuilds[-1]['rate']:,.0f} ev/s ({rebuilds[-1]['events']:,} events)"
        )
    bench.say("replay: views as of positions of the log, each from the nearest snapshot")
    as_of = await _worker(bench, "as_of", log_url, round_=1)
    if any(r["events"] != written for r in rebuilds):
        raise RuntimeError("a rebuild round did not rebuild the whole log")
    ratios = [b["rate"] / a["rate"] for a, b in zip(raws, rebuilds, strict=True)]
    rate = statistics.median(r["rate"] for r in rebuilds)
    raw_rate = statistics.median(r["rate"] for r in raws)
    seconds = statistics.median(r["seconds"] for r in rebuilds)
    each = ", ".join(f"{r['rate']:,.0f}" for r in rebuilds)
    spread = f"ratio median {statistics.median(ratios):.3f}×, {min(ratios):.3f}–{max(ratios):.3f}×"
    figures = [
        Figure(
            SECTION,
            f"rebuild the reporting projection (median of {ROUNDS})",
            rate,
            "ev/s",
            "cursor read + JSON decode",
            raw_rate,
            Goal(GoalKind.RATIO_AT_LEAST, 0.6),
            note=f"{written:,} events each round; {spread}",
            ratios=ratios,
        ),
        Figure(
            SECTION,
            f"rebuild rate, realistic {written:,}-event history",
            rate,
            "ev/s",
            goal=Goal(GoalKind.AT_LEAST, 20_000.0),
            note=f"rounds: {each} ev/s",
        ),
        Figure(
            SECTION,
            "rebuild, events per CPU second of its own process (median)",
            statistics.median(r["events"] / r["cpu_seconds"] for r in rebuilds),
            "ev/s",
            "raw read",
            statistics.median(r["events"] / r["cpu_seconds"] for r in raws),
            note="what the machine's load moves least: the client's own work, without waits",
        ),
        Figure(
            SECTION,
            f"time to rebuild (and to build an as_of at the head of) {written:,} events",
            seconds,
            "s",
            goal=Goal(GoalKind.AT_MOST, 2.0 * written / FULL),
        ),
        Figure(
            SECTION,
            "time to rebuild 1,000,000 events (from the median rate)",
            MILLION / rate,
            "s",
            "raw read",
            MILLION / raw_rate,
            Goal(GoalKind.AT_MOST, 60.0),
        ),
        Figure(
            SECTION,
            f"as_of a position of the {written:,}-event log (median of {len(as_of['views'])})",
            as_of["median_seconds"],
            "s",
            goal=Goal(GoalKind.AT_MOST, 2.0),
            note=_as_of_note(as_of),
        ),
        Figure(
            SECTION,
            f"as_of a position of the {written:,}-event log (slowest of {len(as_of['views'])})",
            as_of["max_seconds"],
            "s",
            goal=Goal(GoalKind.AT_MOST, 2.0),
        ),
        Figure("memory", "peak RSS of the rebuild (replay)", _max(rebuilds, "max_rss_mib"), "MiB"),
        Figure("memory", "peak RSS of the raw read (replay)", _max(raws, "max_rss_mib"), "MiB"),
    ]
    details = {
        "events": written,
        "generation_seconds": generated,
        "generation_rate": written / generated,
        "raw": raws,
        "rebuild": rebuilds,
        "ratios": ratios,
        "as_of": as_of,
    }
    return figures, details


def _as_of_note(as_of: dict[str, Any]) -> str:
    """Where each view stood and the snapshot it started from."""
    views = ", ".join(
        f"{v['position']:,} from {v['from']:,}: {v['seconds']:.2f} s" for v in as_of["views"]
    )
    return f"a snapshot every {as_of['snapshot_every']:,} events, made first; {views}"


def _max(reports: list[dict[str, Any]], key: str) -> float:
    return max(float(r[key]) for r in reports)


async def _worker(bench: Bench, mode: str, *args: str, round_: int) -> dict[str, Any]:
    """Run one side in a process of its own; its JSON report."""
    path = bench.out / f"replay-{mode}-{round_}.json"
    module = WORKERS[mode]
    command = [sys.executable, "-m", module, mode, *args, "--report", str(path)]
    last = round_ == ROUNDS
    profile = bench.out / f"profile-replay-{mode}.txt" if bench.profile and last else None
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
        start, cpu = time.perf_counter(), time.process_time()
        async with conn.transaction():
            query = f"SELECT {COLUMNS} FROM eventstore.events ORDER BY global_position"
            async for row in conn.cursor(query, prefetch=READ_BATCH):
                json.loads(row["actor"])
                json.loads(row["payload"])
                count += 1
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    finally:
        await conn.close()
    return {"events": count, "seconds": seconds, "rate": count / seconds, "cpu_seconds": cpu}


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
