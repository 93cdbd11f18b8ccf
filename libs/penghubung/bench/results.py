"""The figures of a run: each beside its baseline, with the ratio and the goal it is held to."""

from __future__ import annotations

import json
import math
import statistics
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
    ratios: list[float] | None = None
    """Per-round ratios of interleaved rounds (value and baseline are then the medians of each
    side's rounds): the ratio is their median, shown with their range."""
    bound: str = ""
    """"below" or "at least" when the value is a bound rather than a figure: a capacity search
    whose lowest rate failed, or whose highest passed."""

    @property
    def ratio(self) -> float | None:
        """value ÷ baseline; the median of the rounds' ratios when there were rounds."""
        if self.ratios:
            return statistics.median(self.ratios)
        if self.baseline is None or not self.baseline or not math.isfinite(self.value):
            return None
        return self.value / self.baseline

    @property
    def met(self) -> bool | None:
        """Whether the goal is reached; None without a goal, or when a bound cannot tell."""
        if self.goal is None:
            return None
        met = self.goal.met(self.value, self.ratio)
        if self.bound == "below" and met:
            return None if self.goal.kind is GoalKind.AT_LEAST else met
        if self.bound == "at least" and not met:
            return None if self.goal.kind is GoalKind.AT_LEAST else met
        return met

    def shown(self) -> str:
        """The value as the table shows it: `∞ ms`, `below 25.0 ev/s`."""
        text = number(self.value, self.unit)
        return f"{self.bound} {text}" if self.bound else text

    def shown_ratio(self) -> str:
        """The ratio, and the range of the rounds' ratios when there were rounds."""
        if self.ratio is None:
            return ""
        if self.ratios and len(self.ratios) > 1:
            return f"{self.ratio:.2f}× ({min(self.ratios):.2f}–{max(self.ratios):.2f})"
        return f"{self.ratio:.2f}×"

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
        out["shown"] = self.shown()
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
        text = json.dumps(finite(body), indent=2, ensure_ascii=False, default=str, allow_nan=False)
        path.write_text(text + "\n")


def finite(value: Any) -> Any:
    """Plain JSON: NaN (nothing measured) as null, an infinity (never arrived) as "inf"."""
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite(v) for v in value]
    return value


def number(value: float | None, unit: str = "") -> str:
    """A figure as people read it: thousands separated, few decimals."""
    if value is None or math.isnan(value):
        return "—"
    if math.isinf(value):
        return f"{'∞' if value > 0 else '-∞'} {unit}".strip()
    if float(value).is_integer() and abs(value) < 100:
        return f"{value:.0f} {unit}".strip()
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
        verdict = {True: "[green]✓[/]", False: "[red]✗[/]", None: ""}[f.met]
        out.add_row(
            f.section if f.section != section else "",
            f.name,
            f.shown(),
            baseline,
            f.shown_ratio(),
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
        verdict = {True: "✓", False: "✗", None: ""}[f.met]
        lines.append(
            f"| {f.section} | {f.name} | {f.shown()} | {baseline} | {f.shown_ratio()}"
            f" | {f._goal()} | {verdict} |"
        )
    return "\n".join(lines)


def show(console: Console, run: Run) -> None:
    """Print the run's table."""
    console.print(table(run.figures, title="Penghubung benchmarks"))
    for section, reason in run.failures.items():
        console.print(f"[red]{section} failed:[/] {reason}", highlight=False)
