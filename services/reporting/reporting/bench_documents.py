"""The documents benchmark's worker: `python -m reporting.bench_documents --renders N --report F`.

Run by `make bench` (`penghubung.bench.documents`) in a process of its own: each sample paper
(`reporting.documents.samples`) rendered N times as the service renders it, the median time and
the PDF's size, beside a blank A4 page in the same font; written as JSON to `--report`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import typst

from reporting.documents.render import render
from reporting.documents.samples import samples

PUBLIC = "https://penghubung.babelprov.go.id"
BLANK = b'#set page(paper: "a4")\n#set text(font: "Libertinus Serif")\nPenghubung'


def median_seconds(work: Callable[[], object], times: int) -> float:
    """The median wall time of `times` calls."""
    seconds = []
    for _ in range(times):
        start = time.perf_counter()
        work()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds)


def measure(renders: int) -> dict[str, Any]:
    """Median render time (ms) and size (bytes) of each paper, and of a blank page."""
    report: dict[str, Any] = {
        "renders": renders,
        "blank_page_ms": 1000
        * median_seconds(lambda: typst.compile(BLANK, ignore_system_fonts=True), renders),
        "papers": {},
    }
    for name, document in samples().items():
        size = len(render(document, public_url=PUBLIC).pdf)
        ms = 1000 * median_seconds(partial(render, document, public_url=PUBLIC), renders)
        report["papers"][name] = {"median_ms": ms, "bytes": size}
    return report


def main() -> None:
    """Entry point."""
    parser = argparse.ArgumentParser(prog="python -m reporting.bench_documents")
    parser.add_argument("--renders", type=int, default=50)
    parser.add_argument("--report", type=Path, required=True)
    args = parser.parse_args()
    args.report.write_text(json.dumps(measure(args.renders)))


if __name__ == "__main__":
    main()
