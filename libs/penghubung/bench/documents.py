"""Documents: median time to render each paper to PDF over 50 renders, and the PDF's size.

The papers are reporting's sample documents (`reporting.documents.samples`), rendered as the
service renders them (Typst with the wheel's fonts, the QR code as SVG). The baseline is the
smallest Typst document with the same page and font: what any render costs before our template.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import Any

from penghubung.bench.common import Bench
from penghubung.bench.results import Figure, Goal, GoalKind

SECTION = "documents"
RENDERS = 50
PUBLIC = "https://penghubung.babelprov.go.id"


async def run(bench: Bench) -> tuple[list[Figure], dict[str, Any]]:
    """Median render time and size per document, beside a blank page's render time."""
    return await asyncio.to_thread(_measure, bench)


def _measure(bench: Bench) -> tuple[list[Figure], dict[str, Any]]:
    import typst

    from reporting.documents.render import render
    from reporting.documents.samples import samples

    renders = int(bench.pick(RENDERS, 10))
    blank = b'#set page(paper: "a4")\n#set text(font: "Libertinus Serif")\nPenghubung'
    baseline = _median(lambda: typst.compile(blank, ignore_system_fonts=True), renders)
    figures: list[Figure] = []
    details: dict[str, Any] = {"renders": renders, "blank_page_ms": baseline * 1000}
    for name, document in samples().items():
        bench.say(f"documents: {name} × {renders}")
        size = len(render(document, public_url=PUBLIC).pdf)
        median = _median(lambda d=document: render(d, public_url=PUBLIC), renders)
        figures.append(
            Figure(
                SECTION,
                f"render {name} (median of {renders})",
                median * 1000,
                "ms",
                "blank A4 page",
                baseline * 1000,
                Goal(GoalKind.AT_MOST, 500.0),
                note=f"{size:,} bytes",
            )
        )
        figures.append(Figure(SECTION, f"size of {name}", size / 1024, "KiB"))
        details[name] = {"median_ms": median * 1000, "bytes": size}
    return figures, details


def _median(work: Any, times: int) -> float:
    """The median wall time of `times` calls, in seconds."""
    seconds = []
    for _ in range(times):
        start = time.perf_counter()
        work()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds)
