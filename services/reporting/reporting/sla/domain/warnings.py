"""SLA warnings: a running clock that reached a share of its standard, told once, in service hours.

A warning for (ticket, step, threshold) is raised once: the `reporting-<ticket>` stream is the
record of those raised, and `decide` drops any already in it. Warnings are raised only while the
office is open (by the current calendar): one whose threshold was reached outside service hours
(at 16:00, over a weekend) waits for the next opening.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from penghubung.events import Event
from penghubung.events.sla import SlaWarningRaised
from penghubung.sop import Step
from reporting.sla.domain.clocks import CalendarBook, Fact, Intake, measure, reached_at, tracks

DEFAULT_PERCENTS = (50, 75, 100)
"""The shares of the standard at which a warning is raised, unless configured otherwise."""

Raised = frozenset[tuple[Step, int]]


def raised(events: Iterable[Event]) -> Raised:
    """The (step, threshold) pairs already warned about, from the request's reporting stream."""
    return frozenset(
        (e.step, e.threshold_percent) for e in events if isinstance(e, SlaWarningRaised)
    )


def due_warnings(
    facts: Iterable[Fact],
    *,
    intake: Intake,
    book: CalendarBook,
    percents: Sequence[int],
    already: Raised,
    now: datetime,
) -> list[SlaWarningRaised]:
    """The warnings a request's open clocks call for at `now`; none outside service hours."""
    calendar = book.current
    if not calendar.is_open(now):
        return []
    overload_day = intake.intake_day if intake.overloaded else None
    found: list[SlaWarningRaised] = []
    for track in tracks(facts, overload_day=overload_day).values():
        if track.done:
            continue  # a finished clock needs no warning
        clock = measure(track, calendar, now=now, overloaded=intake.overloaded)
        for percent in sorted(percents):
            if (track.step, percent) in already:
                continue
            seconds = clock.budget_seconds * percent // 100
            at = reached_at(track, calendar, seconds=seconds, now=now)
            if at is None:
                break  # a higher share is not reached either
            found.append(
                SlaWarningRaised(
                    ticket_id=intake.ticket_id,
                    step=track.step,
                    threshold_percent=percent,
                    reached_at=at,
                    due_at=clock.due,
                    used_seconds=clock.used_seconds,
                    budget_seconds=clock.budget_seconds,
                    calendar_version=clock.calendar_version,
                )
            )
    return found


def decide(candidates: Iterable[SlaWarningRaised], already: Raised) -> list[SlaWarningRaised]:
    """The warnings not yet raised: once per (ticket, step, threshold)."""
    fresh: list[SlaWarningRaised] = []
    seen = set(already)
    for warning in candidates:
        key = (warning.step, warning.threshold_percent)
        if key not in seen:
            seen.add(key)
            fresh.append(warning)
    return fresh
