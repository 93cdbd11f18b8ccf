"""The calendar's "what if" use cases: calculate a due time, simulate a change. Neither writes.

The calendar versions come from the log (the `reporting-calendar` stream), as the calendar
commands decide on it; a simulated change is decided exactly as the real one would be (the same
refusals), then every open request and every request with a clock settled in the month is
measured on the projection's facts, in one read-only transaction.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, time

import asyncpg

from penghubung.events.sla import Month
from penghubung.refusals import Invalid
from penghubung.workcal import CalendarSpec, WorkingCalendar
from reporting.sla.adapters import db as sla_db
from reporting.sla.adapters.db import SlaRequest
from reporting.sla.app.handlers import Sla
from reporting.sla.domain import calendar
from reporting.sla.domain.calendar import CalendarChange, CalendarCommand
from reporting.sla.domain.calendar_whatif import (
    Calculated,
    Calculation,
    Impact,
    Proposal,
    Subject,
    calculate,
)
from reporting.sla.domain.clocks import WIB, month_of


class UnknownCalendarVersion(Invalid):
    """The calculation names a calendar version the log does not hold."""

    code = "calendar_version_not_found"

    def __init__(self, version: int) -> None:
        super().__init__(f"versi kalender {version} tidak ada", field="calendar_version")


@dataclass(frozen=True)
class Simulation:
    """What a proposed change would do: the change, and every clock it would move."""

    change: CalendarChange
    version_before: int
    """The calendar version the clocks are measured on now (the projection's latest)."""
    month: Month
    measured_at: datetime
    impact: Impact


@dataclass(frozen=True)
class CalendarWhatIf:
    """The calculator and the simulator, bound to the SLA use cases (log, clock, capacity)."""

    sla: Sla

    async def spec(self, version: int | None = None) -> CalendarSpec:
        """The calendar in force (from the log), or one of its versions."""
        spec = calendar.BASE
        for change in await self.sla.calendar_changes():
            if version is not None and spec.version >= version:
                break
            spec = calendar.evolve(spec, change.event)
        if version is not None and spec.version != version:
            raise UnknownCalendarVersion(version)
        return spec

    async def calculate(self, calculation: Calculation, *, version: int | None) -> Calculated:
        """The normalised start, the due time and the working time used, on a version."""
        return calculate(calculation, WorkingCalendar(await self.spec(version)))

    async def simulate(self, command: CalendarCommand, *, month: str | None) -> Simulation:
        """Every clock the change would move, before and after; nothing is written."""
        current = await self.spec()
        change = calendar.decide(command, current)
        proposed = calendar.evolve(current, change)
        now = self.sla.clock().replace(microsecond=0)
        month = month or month_of(now)
        impact = Impact()
        async with (
            self.sla.pool.acquire() as conn,
            conn.transaction(isolation="repeatable_read", readonly=True),
        ):
            book = await sla_db.calendar_book(conn)
            recalculations = await sla_db.recalculations(conn)
            # The projection may lag the log by a version: then the proposal differs from the
            # projected calendar on more days than the change's, and every clock is measured.
            known = change if book.current.version == current.version else None
            proposal = Proposal.of(book, recalculations, proposed, change=known)
            async for batch in self._subjects(conn, month):
                for subject in batch:
                    proposal.examine(subject, now=now, month=month, into=impact)
                await asyncio.sleep(0)  # a long simulation lets the loop breathe
        return Simulation(
            change=change,
            version_before=book.current.version,
            month=month,
            measured_at=now,
            impact=impact,
        )

    async def _subjects(self, conn: asyncpg.Connection, month: str) -> AsyncIterator[list[Subject]]:
        """Batches of the open requests, then of the closed ones with a fact in the month."""
        first, following = sla_db.month_bounds(month)
        seen: set[str] = set()
        async for batch in sla_db.open_requests(conn, capacity=self.sla.capacity):
            seen.update(r.intake.ticket_id for r in batch)
            yield [_subject(r, open=True) for r in batch]
        touched = sla_db.requests_between(
            conn,
            start=datetime.combine(first, time(0), tzinfo=WIB),
            end=datetime.combine(following, time(0), tzinfo=WIB),
            capacity=self.sla.capacity,
        )
        async for batch in touched:
            yield [_subject(r, open=False) for r in batch if r.intake.ticket_id not in seen]


def _subject(request: SlaRequest, *, open: bool) -> Subject:
    return Subject(intake=request.intake, agency=request.agency, facts=request.facts, open=open)
