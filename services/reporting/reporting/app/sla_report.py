"""The month's SLA report for the Kadis, gathered from the SLA views' own figures."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

import asyncpg

from reporting.documents.models import AvailabilityRow, BreachRow, ComplianceRow, SlaMonthlyReport
from reporting.documents.words import WIB, decimal_id, month_label, wib
from reporting.domain import labels
from reporting.sla.adapters import db as sla_db
from reporting.sla.app.handlers import Sla
from reporting.sla.domain.compliance import (
    ComplianceLine,
    GroupBy,
    RequestClocks,
    breaches,
    compliance,
    percent,
    total_line,
)


def _percent(value: Decimal | None) -> str:
    return "—" if value is None else f"{decimal_id(value)} %"


def _row(line: ComplianceLine) -> ComplianceRow:
    share = line.percent
    return ComplianceRow(
        label=line.label,
        met=line.met,
        breached=line.breached,
        total=line.total,
        percent=_percent(share),
        share=None if share is None else float(share),
        taken_over=line.taken_over,
        handed_on=line.handed_on,
    )


def _rows(measured: list[RequestClocks], month: str, by: GroupBy) -> tuple[ComplianceRow, ...]:
    return tuple(_row(line) for line in compliance(measured, month=month, by=by))


def _availability(service: str, samples: int, up: int, target: int) -> AvailabilityRow:
    share = percent(up, samples)
    meets = "—" if share is None else "memenuhi" if share >= target else "tidak memenuhi"
    return AvailabilityRow(
        service=service, samples=samples, up=up, percent=_percent(share), meets=meets
    )


async def sla_monthly_report(
    sla: Sla, pool: asyncpg.Pool, month: str, *, target: int, now: datetime
) -> SlaMonthlyReport:
    """The report of `month` (YYYY-MM) as the views show it now."""
    measured: list[RequestClocks] = [r async for r in sla.month(month)]
    first, following = sla_db.month_bounds(month)
    async with pool.acquire() as conn:
        services, overall = await sla_db.availability(
            conn,
            start=datetime.combine(first, time(0), tzinfo=WIB),
            end=datetime.combine(following, time(0), tzinfo=WIB),
        )
    by_step = compliance(measured, month=month, by=GroupBy.STEP)
    rows = [_availability(r["service"], r["samples"], r["up"], target) for r in services]
    rows.append(_availability("semua", overall["samples"], overall["up"], target))
    return SlaMonthlyReport(
        dated=min(following - timedelta(days=1), wib(now).date()),
        month=month_label(first.year, first.month),
        by_step=tuple(_row(line) for line in by_step),
        by_agency=_rows(measured, month, GroupBy.AGENCY),
        by_officer=_rows(measured, month, GroupBy.OFFICER),
        total=_row(total_line(by_step)),
        breaches=tuple(
            BreachRow(
                ticket_id=b.ticket_id,
                agency=b.agency,
                step=labels.STEPS[b.clock.step],
                reason="; ".join(r.message for r in b.reasons),
            )
            for b in breaches(measured, month=month)
        ),
        availability=tuple(rows),
        availability_target=f"{target} %",
    )
