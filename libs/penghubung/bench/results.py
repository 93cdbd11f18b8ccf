"""The figures of a run: each beside its baseline, with the ratio and the goal it is held to."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table


class GoalKind(StrEnum):
    """What a goal bounds: the ratio to the baseline, or the figure itself from above or below."""

    RATIO_AT_LEAST = "ratio_at_least"
    AT_LEAST = "at_least"
    AT_MOST = "at_most"


@dataclass(frozen=True)
class Goal:
    """What we aim for (reported, never asserted)."""

    kind: GoalKind
    bound: float

    def met(self, value: float, ratio: float | None) -> bool | None:
        """Whether the figure reaches the goal (None when it cannot be told)."""
        if self.kind is GoalKind.RATIO_AT_LEAST:
            return None if ratio is None else ratio >= self.bound
        if math.isnan(value):
            return None
        return value >= self.bound if self.kind is GoalKind.AT_LEAST else value <= self.bound

    def describe(self, unit: str) -> str:
        """The goal as the table shows it."""
        if self.kind is GoalKind.RATIO_AT_LEAST:
            return f"≥ {self.bound:g}×"
        sign = "≥" if self.kind is GoalKind.AT_LEAST else "≤"
        return f"{sign} {self.bound:g} {unit}"


@dataclass
class Figure:
    """One measured figure, its baseline measured in the same run, and the goal."""

    section: str
    name: str
    value: float
    unit: str
    baseline_name: str | None = None
    baseline: float | None = None
    goal: Goal | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        """value ÷ baseline."""
        if self.baseline is None or not self.baseline or math.isnan(self.value):
            return None
        return self.value / self.baseline

    @property
    def met(self) -> bool | None:
        """Whether the goal is reached; None without a goal."""
        return None if self.goal is None else self.goal.met(self.value, self.ratio)

    def as_json(self) -> dict[str, Any]:
        """The figure as JSON, with its ratio and verdict."""
        out = asdict(self)
        out["goal"] = (
            None
            if self.goal is None
            else {"kind": self.goal.kind.value, "bound": self.goal.bound, "text": self._goal()}
        )
        out["ratio"] = self.ratio
        out["met"] = self.met
        for key in ("value", "baseline"):
            if isinstance(out[key], float) and math.isnan(out[key]):
                out[key] = None
        return out

    def _goal(self) -> str:
        return "" if self.goal is None else self.goal.describe(self.unit)


@dataclass
class Run:
    """A whole run: where it ran, its figures, and each section's details."""

    meta: dict[str, Any]
    figures: list[Figure] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)

    def write(self, path: Path) -> None:
        """The run as JSON."""
        body = {
            "meta": self.meta,
            "figures": [f.as_json() for f in self.figures],
            "details": self.details,
            "failures": self.failures,
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(body, indent=2, ensure_ascii=False, default=str) + "\n")


def number(value: float | None, unit: str = "") -> str:
    """A figure as people read it: thousands separated, few decimals."""
    if value is None or math.isnan(value):
        return "—"
    if abs(value) >= 100:
        text = f"{value:,.0f}"
    elif abs(value) >= 10:
        text = f"{value:,.1f}"
    else:
        text = f"{value:,.2f}"
    return f"{text} {unit}".strip()


def table(figures: Sequence[Figure], *, title: str) -> Table:
    """The figures as one table: value, baseline, ratio, goal, verdict."""
    out = Table(title=title, show_lines=False)
    for column, justify in (
        ("section", "left"),
        ("measure", "left"),
        ("value", "right"),
        ("baseline (same run)", "left"),
        ("ratio", "right"),
        ("goal", "left"),
        ("", "center"),
    ):
        out.add_column(column, justify=justify, overflow="fold")  # type: ignore[arg-type]
    section = None
    for f in figures:
        if section is not None and f.section != section:
            out.add_section()
        baseline = "" if f.baseline_name is None else f"{f.baseline_name}: {number(f.baseline)}"
        ratio = "" if f.ratio is None else f"{f.ratio:.2f}×"
        verdict = {True: "[green]✓[/]", False: "[red]✗[/]", None: ""}[f.met]
        out.add_row(
            f.section if f.section != section else "",
            f.name,
            number(f.value, f.unit),
            baseline,
            ratio,
            f._goal(),
            verdict,
        )
        section = f.section
    return out


def markdown(figures: Sequence[Figure]) -> str:
    """The same table in Markdown, for docs/benchmarks.md."""
    lines = [
        "| section | measure | value | baseline (same run) | ratio | goal | met |",
        "|---|---|---:|---|---:|---|:-:|",
    ]
    for f in figures:
        baseline = "" if f.baseline_name is None else f"{f.baseline_name}: {number(f.baseline)}"
        ratio = "" if f.ratio is None else f"{f.ratio:.2f}×"
        verdict = {True: "✓", False: "✗", None: ""}[f.met]
        lines.append(
            f"| {f.section} | {f.name} | {number(f.value, f.unit)} | {baseline} | {ratio}"
            f" | {f._goal()} | {verdict} |"
        )
    return "\n".join(lines)


def show(console: Console, run: Run) -> None:
    """Print the run's table."""
    console.print(table(run.figures, title="Penghubung benchmarks"))
    for section, reason in run.failures.items():
        console.print(f"[red]{section} failed:[/] {reason}", highlight=False)
