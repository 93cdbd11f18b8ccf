"""Monthly availability in service hours, from the readiness samples (measurements, no `as_of`)."""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from penghubung.runtime.service import ServiceContext
from penghubung.web.sheets import Separator, SeparatorQuery
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
from reporting.sla.domain.clocks import WIB, month_of
from reporting.sla.domain.compliance import (
    percent,
)


class AvailabilityLine(BaseModel):
    """Samples of one service (or of every round, overall) in a month."""

    service: str
    samples: int
    up: int
    availability_percent: Decimal | None = Field(description="Up of samples, in percent")
    meets_target: bool | None = Field(description="At least the target; none without samples")


class AvailabilityView(BaseModel):
    """Monthly availability in service hours against the target."""

    month: str
    target_percent: int
    services: list[AvailabilityLine]
    overall: AvailabilityLine = Field(description="Rounds in which every service was up")


AVAILABILITY_COLUMNS = ("month", "service", "samples", "up", "percent", "meets_target", "target")


def availability_rows(view: AvailabilityView) -> list[tuple[object, ...]]:
    """The view as CSV rows, the overall line last."""
    return [
        (
            view.month,
            line.service,
            line.samples,
            line.up,
            blank(line.availability_percent),
            blank(line.meets_target),
            view.target_percent,
        )
        for line in (*view.services, view.overall)
    ]


def routes(api: APIRouter, ctx: ServiceContext, settings: ReportingSettings) -> None:
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
        """Readiness samples taken in service hours: the share up, against the target."""
        month = month or month_of(ctx.clock())
        first, following = sla_db.month_bounds(month)
        async with ctx.pool.acquire() as conn:
            services, overall = await sla_db.availability(
                conn,
                start=datetime.combine(first, time(0), tzinfo=WIB),
                end=datetime.combine(following, time(0), tzinfo=WIB),
            )
        target = settings.availability_target_percent
        view = AvailabilityView(
            month=month,
            target_percent=target,
            services=[_line(r["service"], r["samples"], r["up"], target) for r in services],
            overall=_line("semua", overall["samples"], overall["up"], target),
        )
        if wants_csv(request, fmt):
            return await csv_answer(
                f"availability-{month}",
                AVAILABILITY_COLUMNS,
                each_row(availability_rows(view)),
                asked=(request, fmt, separator),
            )
        return view


def _line(service: str, samples: int, up: int, target: int) -> AvailabilityLine:
    share = percent(up, samples)
    meets = None if share is None else share >= target
    return AvailabilityLine(
        service=service, samples=samples, up=up, availability_percent=share, meets_target=meets
    )
