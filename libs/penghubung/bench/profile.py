"""Worker processes, under py-spy when asked: the profile's heaviest functions, summarised."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import sys
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any


def py_spy() -> str | None:
    """The py-spy program, next to this Python or on PATH."""
    beside = Path(sys.executable).with_name("py-spy")
    return str(beside) if beside.exists() else shutil.which("py-spy")


@contextlib.asynccontextmanager
async def profiled(
    command: Sequence[str], profile: Path | None, *, stdin: bool = False
) -> AsyncIterator[asyncio.subprocess.Process]:
    """Start a worker (under `py-spy record` into `profile` when given and py-spy exists)."""
    spy = py_spy() if profile is not None else None
    if spy is not None and profile is not None:
        command = [
            spy, "record", "--format", "raw", "--rate", "97", "--output", str(profile), "--",
            *command,
        ]  # fmt: skip
    process = await asyncio.create_subprocess_exec(
        *command,
        stdin=asyncio.subprocess.PIPE if stdin else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        yield process
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


def _frame(frame: str) -> str:
    """`function (path/to/module.py:123)` → `function (module.py)`."""
    name, _, where = frame.partition(" (")
    path = where.rstrip(")").rsplit(":", 1)[0]
    return f"{name} ({Path(path).name})" if path else name


_WAITING = ("EpollSelector.select", "Condition.wait", "Queue.get", "Event.wait", "sleep")
"""Leaf frames of a thread that waits (for I/O, for work): counted apart as waiting."""


def summary(profile: Path, top: int = 12) -> dict[str, Any]:
    """Where the busy samples were (self) and under what (inclusive), in % of the busy ones;
    the share of samples that waited (in select, on a condition) apart."""
    own: Counter[str] = Counter()
    under: Counter[str] = Counter()
    total = waiting = 0
    for line in profile.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = [_frame(f) for f in stack.split(";") if f]
        if not frames:
            continue
        if frames[-1].startswith(_WAITING):
            waiting += n
            continue
        total += n
        own[frames[-1]] += n
        for frame in set(frames):
            under[frame] += n
    if not total:
        return {"samples": waiting, "waiting_percent": 100.0}

    def share(counter: Counter[str]) -> list[tuple[str, float]]:
        # Frames under which nearly every sample was (the event loop, `main`) tell nothing.
        found = [(f, round(100 * n / total, 1)) for f, n in counter.most_common()]
        return [(f, p) for f, p in found if p < 97][:top]

    return {
        "samples": total + waiting,
        "waiting_percent": round(100 * waiting / (total + waiting), 1),
        "self_percent": share(own),
        "inclusive_percent": share(under),
    }
