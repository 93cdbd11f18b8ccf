"""Reporting's command line: `penghubung replay reporting` (the rebuild is `app/replay.py`).

`penghubung` asks every service for a `<name>.cli` module and calls its `add_commands`; a new
command of reporting goes here.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import asyncpg
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from penghubung.settings import DatabaseSettings
from reporting.app.replay import (
    EXIT_DIFFERENT,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    Options,
    ReplayReport,
    RowDifference,
    Tick,
    replay_reporting,
)
from reporting.projections.projector import MissingFromLog

# --- the arguments -----------------------------------------------------------------------


def _replay(args: argparse.Namespace) -> int:
    return replay_command(
        until=args.until, swap=args.swap, keep=args.keep, show=args.show, as_json=args.json
    )


def _position(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a log position (1 or more)")
    return value


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `penghubung replay reporting` to the `penghubung` command."""
    replay = sub.add_parser(
        "replay",
        help="rebuild a projection from position 1 into fresh tables and compare it (or swap it)",
        description="Rebuild every reporting projection from position 1 into a fresh schema,"
        " compare it table by table with the live tables (digests, then the differing rows),"
        " and drop it, keep it, or swap it in. Exit codes: 0 equal (or swapped, or a partial"
        " replay kept), 1 different, 2 usage error or no database.",
    )
    replay.set_defaults(func=_replay)
    replay.add_argument("projection", choices=("reporting",), help="the projection to rebuild")
    replay.add_argument(
        "--until",
        type=_position,
        default=None,
        metavar="POSITION",
        help="a partial replay up to this position: kept for inspection, not compared",
    )
    replay.add_argument(
        "--swap",
        action="store_true",
        help="swap the rebuilt tables in (atomically; the old ones stay in a backup schema)",
    )
    replay.add_argument("--keep", action="store_true", help="keep the rebuilt schema")
    replay.add_argument(
        "--show", type=int, default=10, metavar="N", help="differing rows shown per table"
    )
    replay.add_argument("--json", action="store_true", help="JSON output for programs")


# --- the command ------------------------------------------------------------------------------


def replay_command(*, until: int | None, swap: bool, keep: bool, show: int, as_json: bool) -> int:
    """`penghubung replay reporting`: run, print the report, and say how it went (exit code)."""
    out = Console()
    if not out.is_terminal:  # a log or a pipe: room for the table
        out = Console(width=120)
    err = Console(stderr=True)
    if swap and until is not None:
        err.print("penghubung replay: --swap replaces the live tables: it needs a full replay")
        return EXIT_USAGE
    options = Options(until=until, swap=swap, keep=keep, show=show)
    url = DatabaseSettings().database_url
    try:
        report = asyncio.run(
            replay_reporting(url, options, progress=lambda total: progress_bar(err, total))
        )
    except KeyboardInterrupt:
        err.print("penghubung replay: interrupted; the rebuild was dropped, nothing was swapped")
        return EXIT_INTERRUPTED
    except MissingFromLog as exc:
        err.print(f"[red]replay stopped[/red]: {exc} (run `penghubung audit verify`)")
        return EXIT_DIFFERENT
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        err.print(f"penghubung replay: {type(exc).__name__}: {exc}")
        return EXIT_USAGE
    if as_json:
        print(json.dumps(report_json(report), ensure_ascii=False, default=str))
    else:
        render(out, report)
    return report.exit_code


@contextmanager
def progress_bar(console: Console, total: int) -> Iterator[Tick]:
    """Events done of the total, events/s and the time left: a bar on a terminal, a line every
    five seconds elsewhere (a log, a CI job)."""
    if console.is_terminal:
        columns = (
            TextColumn("replaying"),
            BarColumn(),
            MofNCompleteColumn(),
            TaskProgressColumn(),
            _Rate(),
            TimeElapsedColumn(),
            TextColumn("elapsed,"),
            TimeRemainingColumn(),
            TextColumn("left"),
        )
        with Progress(*columns, console=console) as bar:
            task = bar.add_task("replay", total=total)
            yield lambda count, last: bar.update(task, advance=count)
        return
    yield _lines(console, total)


class _Rate(ProgressColumn):
    """Events per second."""

    def render(self, task: Task) -> Text:
        """The task's recent speed."""
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f} events/s" if speed else "– events/s")


def _lines(console: Console, total: int) -> Tick:
    started = time.perf_counter()
    state = {"done": 0, "said": started}

    def tick(count: int, last: int) -> None:
        state["done"] += count
        now = time.perf_counter()
        if now - state["said"] < 5 and state["done"] < total:
            return
        state["said"] = now
        rate = state["done"] / max(now - started, 1e-9)
        left = (total - state["done"]) / rate if rate else 0
        share = 100 * state["done"] / total if total else 100
        console.print(
            f"replaying: {state['done']:,}/{total:,} events ({share:.0f} %),"
            f" {rate:,.0f} events/s, {left:,.0f} s left"
        )

    return tick


def render(console: Console, report: ReplayReport) -> None:
    """The report for people."""
    rate = report.replayed / report.seconds if report.seconds else 0.0
    console.print(
        f"rebuilt [bold]{report.schema}[/bold] from position 1 to {report.replayed:,}"
        f" ({report.replayed:,} events in {report.seconds:.1f} s, {rate:,.0f} events/s);"
        f" log head {report.head:,}"
    )
    if report.backup is not None and not report.compared:
        console.print(
            f"the live projection stood at {report.live:,}, behind the rebuild: not compared;"
            f" its checkpoint moved to {report.position:,}"
        )
        _verdict(console, report)
        return
    if not report.compared:
        console.print(f"partial replay: not compared; kept as [bold]{report.schema}[/bold]")
        return
    table = Table("table", "rows live", "rows rebuilt", "sha256 live", "sha256 rebuilt", "")
    for t in report.tables:
        verdict = "[green]equal[/green]" if t.equal else f"[red]{t.differing:,} differ[/red]"
        table.add_row(
            t.table,
            f"{t.live.rows:,}",
            f"{t.rebuilt.rows:,}",
            t.live.sha256[:12],
            t.rebuilt.sha256[:12],
            verdict,
        )
    console.print(f"compared at position {report.position:,}")
    console.print(table)
    for t in report.tables:
        for d in t.differences:
            console.print(f"  {t.table} {_key(d.key)}: {_kind(d)}")
            for column, (live, fresh) in d.columns.items():
                console.print(f"      {column}: live {_show(live)}  rebuilt {_show(fresh)}")
        if t.differing > len(t.differences):
            console.print(f"  {t.table}: … and {t.differing - len(t.differences):,} more")
    _verdict(console, report)


def _verdict(console: Console, report: ReplayReport) -> None:
    differing = [t.table for t in report.tables if not t.equal]
    if report.backup is not None:
        replaced = f" (it replaced {', '.join(differing)})" if differing else ""
        console.print(
            f"[green]swapped[/green]: the rebuild is the live projection{replaced};"
            f" the old tables are kept in [bold]{report.backup}[/bold]"
        )
    elif not differing:
        console.print("[green]equal[/green]: every projected table equals the live one")
    else:
        console.print(f"[red]different[/red]: {', '.join(differing)}")
    if report.kept and report.backup is None:
        console.print(f"the rebuild is kept as [bold]{report.schema}[/bold]")


def _key(key: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in key.items())


def _kind(d: RowDifference) -> str:
    return {
        "changed": "changed",
        "only_live": "only in the live table",
        "only_rebuilt": "missing from the live table",
    }[d.kind]


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 80 else text[:77] + "…"


def _result(report: ReplayReport) -> str:
    if report.backup is not None:
        return "swapped"
    if not report.compared:
        return "partial"
    return "equal" if report.equal else "different"


def report_json(report: ReplayReport) -> dict[str, Any]:
    """The report for programs."""
    return {
        "result": _result(report),
        "schema": report.schema,
        "kept": report.kept,
        "backup": report.backup,
        "replayed": report.replayed,
        "seconds": round(report.seconds, 3),
        "position": report.position,
        "head": report.head,
        "live": report.live,
        "tables": [
            {
                "table": t.table,
                "equal": t.equal,
                "rows_live": t.live.rows,
                "rows_rebuilt": t.rebuilt.rows,
                "sha256_live": t.live.sha256,
                "sha256_rebuilt": t.rebuilt.sha256,
                "differing": t.differing,
                "differences": [
                    {
                        "key": d.key,
                        "kind": d.kind,
                        "columns": {c: list(v) for c, v in d.columns.items()},
                    }
                    for d in t.differences
                ],
            }
            for t in report.tables
        ],
    }
