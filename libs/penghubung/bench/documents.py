"""Documents: median time to render each paper to PDF over 50 renders, and the PDF's size.

The papers are reporting's sample documents, rendered as the service renders them (Typst with
the wheel's fonts, the QR code as SVG), in a process of reporting's own
(`python -m reporting.bench_documents`). The baseline is the smallest Typst document with the
same page and font: what any render costs before our template.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

from penghubung.bench.common import Bench
from penghubung.bench.results import Figure, Goal, GoalKind

SECTION = "documents"
RENDERS = 50
WORKER = "reporting.bench_documents"


async def run(bench: Bench) -> tuple[list[Figure], dict[str, Any]]:
    """Median render time and size per document, beside a blank page's render time."""
    renders = int(bench.pick(RENDERS, 10))
    path = bench.out / "documents.json"
    bench.say(f"documents: each paper × {renders}")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", WORKER, "--renders", str(renders), "--report", str(path)
    )
    if await process.wait() != 0 or not path.exists():
        raise RuntimeError(f"documents worker failed (exit {process.returncode})")
    report: dict[str, Any] = json.loads(path.read_text())
    blank = report["blank_page_ms"]
    figures: list[Figure] = []
    for name, paper in report["papers"].items():
        figures.append(
            Figure(
                SECTION,
                f"render {name} (median of {renders})",
                paper["median_ms"],
                "ms",
                "blank A4 page",
                blank,
                Goal(GoalKind.AT_MOST, 500.0),
            )
        )
        figures.append(Figure(SECTION, f"size of {name}", paper["bytes"] / 1024, "KiB"))
    return figures, report
