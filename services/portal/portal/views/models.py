"""View models shared by several pages: an SLA clock as the pages show it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from portal import timefmt, words

BANDS = ((100, "sla-100", "melewati batas"), (75, "sla-75", "≥ 75 %"), (50, "sla-50", "≥ 50 %"))
"""Colour bands of an SLA clock by the share of its standard used."""


class ClockLine(BaseModel):
    """One SLA clock: step, standard, used, left, and its colour band."""

    step: str
    step_label: str
    standard: str
    used: str
    remaining: str
    due: str
    percent: int
    band: str
    band_label: str
    state: str
    running: bool
    paused: bool


def band(percent: int) -> tuple[str, str]:
    """The colour class and words of a clock at this share of its standard."""
    for floor, css, text in BANDS:
        if percent >= floor:
            return css, text
    return "sla-ok", "< 50 %"


def clock_line(clock: dict[str, Any]) -> ClockLine:
    """A clock of reporting's `/requests/{t}/sla` as a line of a page."""
    budget = max(1, int(clock["budget_seconds"]))
    percent = int(100 * int(clock["used_seconds"]) / budget)
    css, text = band(percent)
    return ClockLine(
        step=clock["step"],
        step_label=words.label(words.STEP, clock["step"]),
        standard=clock["standard"]["label"],
        used=timefmt.working(clock["used_seconds"]),
        remaining=timefmt.working(clock["remaining_seconds"]) if clock["end"] is None else "—",
        due=timefmt.wib(clock["due"]),
        percent=percent,
        band=css,
        band_label=text,
        state=words.label(words.CLOCK_STATE, clock["state"]),
        running=clock["end"] is None,
        paused=bool(clock["pauses"]) and clock["pauses"][-1]["end"] is None,
    )


def clocks_of(sla: dict[str, Any] | None) -> list[ClockLine]:
    """Every clock of a request, in SOP order."""
    return [clock_line(c) for c in (sla or {}).get("clocks", [])]


def current_clock(sla: dict[str, Any] | None) -> ClockLine | None:
    """The clock that runs now, if one does."""
    return next((c for c in clocks_of(sla) if c.running), None)
