"""`python -m penghubung.bench [--quick] [--only append,relay,...]`: run the suite, print, save.

The servers are found as the tests find them (PENGHUBUNG_DATABASE_URL and PENGHUBUNG_NATS_URL,
else Docker, else the embedded wheels). Each section works on a database and a stream of its
own, dropped at the end. The table goes to the terminal, the whole run (figures, details,
machine, versions) to `bench-results/<time>-<mode>.json`.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
import traceback
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console

from penghubung.bench import append, documents, hop, journeys, relay, replay, whatif
from penghubung.bench.common import Bench, machine, server_versions
from penghubung.bench.results import Figure, Run, markdown, show
from penghubung.testing.servers import provide_servers

Section = Callable[[Bench], Awaitable[tuple[list[Figure], dict[str, Any]]]]

SECTIONS: dict[str, Section] = {
    "append": append.run,
    "relay": relay.run,
    "hop": hop.run,
    "journeys": journeys.run,
    "replay": replay.run,
    "calendar": whatif.run,
    "documents": documents.run,
}


def parse(argv: list[str]) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m penghubung.bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes, under 2 minutes")
    parser.add_argument(
        "--only", default="", help=f"comma-separated sections ({', '.join(SECTIONS)})"
    )
    parser.add_argument("--out", default="bench-results", help="folder for the JSON and logs")
    parser.add_argument(
        "--replay-events", type=int, default=0, help="size of the replayed log (default by mode)"
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="record py-spy profiles of the replay and journey workers (needs py-spy)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    args = parse(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.WARNING)
    names = [n.strip() for n in args.only.split(",") if n.strip()] or list(SECTIONS)
    unknown = [n for n in names if n not in SECTIONS]
    if unknown:
        print(f"unknown section(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    # Wide enough for the table when the output is a file or a pipe.
    console = Console() if sys.stdout.isatty() else Console(width=150)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = Path(args.out).resolve() / f"{stamp}-{'quick' if args.quick else 'full'}"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="penghubung-bench-") as tmp:
        console.print("[dim]finding servers …[/]")
        with provide_servers(Path(tmp)) as servers:
            bench = Bench(
                database_url=servers.database_url,
                nats_url=servers.nats_url,
                quick=args.quick,
                out=out,
                console=console,
                replay_events=args.replay_events,
                profile=args.profile,
            )
            run = asyncio.run(_suite(bench, names, servers.source))
    show(console, run)
    path = out / "results.json"
    run.write(path)
    (out / "table.md").write_text(markdown(run.figures) + "\n")
    console.print(f"results in {path} ({run.meta['seconds']:.0f} s)")
    return 0 if not run.failures else 1


async def _suite(bench: Bench, names: list[str], source: str) -> Run:
    started = time.monotonic()
    run = Run(
        meta={
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
            "mode": "quick" if bench.quick else "full",
            "servers": source,
            "machine": machine(),
            "versions": {
                **await server_versions(bench.database_url, bench.nats_url),
                "python": sys.version.split()[0],
            },
        }
    )
    bench.say(
        f"PostgreSQL {run.meta['versions']['postgresql']}, NATS {run.meta['versions']['nats']}"
        f" ({source}); results in {bench.out}"
    )
    try:
        for name in names:
            begun = time.monotonic()
            try:
                figures, details = await SECTIONS[name](bench)
            except Exception as exc:  # one section failing still reports the others
                run.failures[name] = f"{type(exc).__name__}: {exc}"
                bench.console.print(traceback.format_exc(), highlight=False, markup=False)
                continue
            run.figures.extend(figures)
            run.details[name] = {**details, "section_seconds": time.monotonic() - begun}
            bench.say(f"{name} done in {time.monotonic() - begun:.0f} s")
    finally:
        await bench.clean_up()
    order = [*SECTIONS, "cpu", "memory"]
    run.figures.sort(key=lambda f: order.index(f.section) if f.section in order else len(order))
    run.meta["seconds"] = time.monotonic() - started
    return run
