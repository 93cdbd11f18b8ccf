"""Server-drawn SVG bar charts: no script, no library, the numbers written beside the bars."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel


class Bar(BaseModel):
    """One bar: its label, value in percent, and where it is drawn."""

    label: str
    value: float | None
    text: str
    y: int
    width: float


class BarChart(BaseModel):
    """A horizontal bar chart of percentages (0–100)."""

    title: str
    bars: list[Bar]
    height: int
    target_x: float | None


ROW = 40
WIDTH = 400.0


def percent(value: Decimal | float | str | None) -> str:
    """A percentage the Indonesian way: `97,5 %` (— when there is none)."""
    if value is None:
        return "—"
    return f"{float(value):.1f} %".replace(".", ",")


def bars(
    values: list[tuple[str, Decimal | float | str | None]], *, title: str, target: float = 90.0
) -> BarChart:
    """A chart of labelled percentages with a line at the target."""
    out = []
    for index, (label, raw) in enumerate(values):
        value = float(raw) if raw is not None else None
        text = percent(value)
        width = WIDTH * max(0.0, min(value or 0.0, 100.0)) / 100.0
        out.append(Bar(label=label, value=value, text=text, y=index * ROW, width=width))
    return BarChart(
        title=title, bars=out, height=max(ROW, ROW * len(out)), target_x=WIDTH * target / 100.0
    )
