"""Monthly availability in service hours, from the readiness samples (measurements, no `as_of`)."""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from penghubung.runtime.service import ServiceContext
from penghubung.web.sheets import Separator, SeparatorQuery
from penghubung.workcal import WorkingCalendar
from reporting.settings import ReportingSettings
from reporting.sla.adapters import db as sla_db
from reporting.sla.adapters.answers import (
    FormatQuery,
    MonthQuery,
    Staff,
    blank,
    csv_answer,
    each_row,
    wants_csv,
)
from reporting.sla.adapters.http_calendar import calendar_spec
from reporting.sla.app.handlers import Sla
from reporting.sla.domain.clocks import WIB, month_of
from reporting.sla.domain.compliance import (
    percent,
)


class AvailabilityLine(BaseModel):
    """Samples of one service (or of every round, overall) in a month."""

    service: str
    samples: int
    up: int
    expected: int = Field(
        description="Rounds due in service hours since sampling began (this month, until now)"
    )
    missing: int = Field(
        description="Rounds due but not sampled (the reporting process or its host was away):"
        " unknown, counted as down"
    )
    availability_percent: Decimal | None = Field(
        description="Up of the rounds due (samples and missing), in percent"
    )
    meets_target: bool | None = Field(description="At least the target; none without samples")


class AvailabilityView(BaseModel):
    """Monthly availability in service hours against the target."""

    month: str
    target_percent: int
    services: list[AvailabilityLine]
    overall: AvailabilityLine = Field(description="Rounds in which every service was up")


AVAILABILITY_COLUMNS = (
    "month",
    "service",
    "samples",
    "up",
    "expected",
    "missing",
    "percent",
    "meets_target",
    "target",
)


def availability_rows(view: AvailabilityView) -> list[tuple[object, ...]]:
    """The view as CSV rows, the overall line last."""
    return [
        (
            view.month,
            line.service,
            line.samples,
            line.up,
            line.expected,
            line.missing,
            blank(line.availability_percent),
            blank(line.meets_target),
            view.target_percent,
        )
        for line in (*view.services, view.overall)
    ]


def routes(api: APIRouter, ctx: ServiceContext, sla: Sla, settings: ReportingSettings) -> None:
    @api.get(
        "/sla/availability",
        tags=["sla"],
        response_model=AvailabilityView,
        summary="Monthly availability in service hours per service and overall",
    )
    async def get_availability(
        _: Staff,
        request: Request,
        month: MonthQuery = None,
        fmt: FormatQuery = None,
        separator: SeparatorQuery = Separator.COMMA,
    ) -> AvailabilityView | Response:
        """Readiness in service hours: the share of the rounds due that found the service up.

        A round due but never sampled (the reporting process or its host was away) is unknown
        and counts as down: an outage of the one who measures cannot raise the figure.
        """
        now = ctx.clock()
        month = month or month_of(now)
        first, following = sla_db.month_bounds(month)
        start = datetime.combine(first, time(0), tzinfo=WIB)
        end = datetime.combine(following, time(0), tzinfo=WIB)
        async with ctx.pool.acquire() as conn:
            services, overall = await sla_db.availability(conn, start=start, end=end)
            began = await sla_db.first_sample_at(conn)
        due = 0
        if began is not None and min(end, now) > max(start, began):
            working = WorkingCalendar(await calendar_spec(sla, None))
            seconds = working.working_seconds_between(max(start, began), min(end, now))
            due = int(seconds // max(1, int(settings.availability_interval_seconds)))
        target = settings.availability_target_percent
        sampled = {r["service"]: (r["samples"], r["up"]) for r in services}
        names = sorted(set(sampled) | set(settings.service_urls))
        view = AvailabilityView(
            month=month,
            target_percent=target,
            services=[_line(name, *sampled.get(name, (0, 0)), due, target) for name in names],
            overall=_line("semua", overall["samples"], overall["up"], due, target),
        )
        if wants_csv(request, fmt):
            return await csv_answer(
                f"availability-{month}",
                AVAILABILITY_COLUMNS,
                each_row(availability_rows(view)),
                asked=(request, fmt, separator),
            )
        return view


def _line(service: str, samples: int, up: int, due: int, target: int) -> AvailabilityLine:
    expected = max(due, samples)  # a round sampled twice by two processes is kept once
    share = percent(up, expected)
    meets = None if share is None else share >= target
    return AvailabilityLine(
        service=service,
        samples=samples,
        up=up,
        expected=expected,
        missing=expected - samples,
        availability_percent=share,
        meets_target=meets,
    )
