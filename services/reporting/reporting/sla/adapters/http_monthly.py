"""The monthly figures: compliance per step, agency or officer; breaches; disposition times.

Each takes `as_of` (`app/as_of.py`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from penghubung.events import Role
from penghubung.runtime.service import ServiceContext
from penghubung.sop import Step
from penghubung.web.sheets import Separator, SeparatorQuery
from reporting.adapters.http_as_of import AsOfQuery, resolve
from reporting.app.as_of import Moment, ReadModels
from reporting.sla.adapters.answers import (
    FormatQuery,
    MonthQuery,
    Staff,
    blank,
    csv_answer,
    each_row,
    wants_csv,
)
from reporting.sla.adapters.http_clocks import CLOCK_COLUMNS, ClockView, clock_row
from reporting.sla.app.handlers import Sla
from reporting.sla.domain.clocks import month_of
from reporting.sla.domain.compliance import (
    Breach,
    ComplianceLine,
    EchelonTime,
    GroupBy,
    RequestClocks,
    breaches,
    compliance,
    disposition_times,
    total_line,
)


class ComplianceLineView(BaseModel):
    """Met and breached clocks of one group."""

    key: str = Field(description="The step, the agency, or the officer's NIP (role:… if none)")
    label: str
    met: int
    breached: int
    total: int
    compliance_percent: Decimal | None = Field(description="Met of total, in percent; none if 0")
    taken_over: int = Field(
        description="By officer: of the clocks counted here, those another officer held first"
    )
    handed_on: int = Field(
        description="By officer: clocks of the month this officer held, then handed on to another"
        " (credited to the officer holding the work when the outcome was settled)"
    )

    @classmethod
    def of(cls, line: ComplianceLine) -> ComplianceLineView:
        """A computed line."""
        return cls(
            key=line.key,
            label=line.label,
            met=line.met,
            breached=line.breached,
            total=line.total,
            compliance_percent=line.percent,
            taken_over=line.taken_over,
            handed_on=line.handed_on,
        )


class ComplianceView(BaseModel):
    """Monthly compliance per step, agency or officer."""

    month: str
    by: str
    lines: list[ComplianceLineView]
    total: ComplianceLineView


COMPLIANCE_COLUMNS = (
    "month",
    "by",
    "key",
    "label",
    "met",
    "breached",
    "total",
    "percent",
    "taken_over",
    "handed_on",
)


def compliance_row(month: str, by: str, line: ComplianceLine) -> tuple[object, ...]:
    """A compliance line as a CSV row."""
    share = blank(line.percent)  # 0.00 is a figure, not a blank
    return (
        *(month, by, line.key, line.label, line.met, line.breached, line.total, share),
        *(line.taken_over, line.handed_on),
    )


class ReasonView(BaseModel):
    """Why a clock was breached, or what bore on it."""

    code: str
    message: str


class BreachView(BaseModel):
    """A breached clock and its reasons."""

    ticket_id: str
    agency: str
    clock: ClockView
    reasons: list[ReasonView]

    @classmethod
    def of(cls, breach: Breach) -> BreachView:
        """A computed breach."""
        return cls(
            ticket_id=breach.ticket_id,
            agency=breach.agency,
            clock=ClockView.of(breach.clock),
            reasons=[ReasonView(code=r.code, message=r.message) for r in breach.reasons],
        )


class BreachesView(BaseModel):
    """The clocks breached in a month."""

    month: str
    breaches: list[BreachView]


BREACH_COLUMNS = ("agency", *CLOCK_COLUMNS, "reasons")


def breach_row(breach: Breach) -> tuple[object, ...]:
    """A breach as a CSV row."""
    reasons = "; ".join(r.message for r in breach.reasons)
    return (breach.agency, *clock_row(breach.ticket_id, breach.clock), reasons)


class EchelonView(BaseModel):
    """How long one echelon of the disposition chain held requests."""

    step: Step
    role: Role
    echelon: str
    count: int
    breached: int
    mean_seconds: int | None
    median_seconds: int | None
    max_seconds: int | None

    @classmethod
    def of(cls, time: EchelonTime) -> EchelonView:
        """Computed times."""
        return cls.model_validate(time, from_attributes=True)


class DispositionTimesView(BaseModel):
    """Working time per echelon for the dispositions of a month."""

    month: str
    echelons: list[EchelonView]


ECHELON_COLUMNS = (
    "month",
    "step",
    "role",
    "echelon",
    "count",
    "breached",
    "mean_seconds",
    "median_seconds",
    "max_seconds",
)


def echelon_row(month: str, view: EchelonView) -> tuple[object, ...]:
    """An echelon's times as a CSV row."""
    return (
        month,
        view.step.value,
        view.role.value,
        view.echelon,
        view.count,
        view.breached,
        blank(view.mean_seconds),
        blank(view.median_seconds),
        blank(view.max_seconds),
    )


def routes(api: APIRouter, ctx: ServiceContext, sla: Sla, reads: ReadModels) -> None:
    async def when(as_of: str | None, response: Response) -> tuple[Moment | None, str]:
        """The moment asked for (None: now), and its month (the default month)."""
        moment = await resolve(reads, as_of, response)
        return moment, month_of(moment.at if moment else ctx.clock())

    @api.get(
        "/sla/compliance",
        tags=["sla"],
        response_model=ComplianceView,
        summary="Monthly compliance per step, agency or officer",
    )
    async def get_compliance(
        _: Staff,
        request: Request,
        response: Response,
        month: MonthQuery = None,
        by: Annotated[GroupBy, Query(description="step, agency or officer")] = GroupBy.STEP,
        fmt: FormatQuery = None,
        separator: SeparatorQuery = Separator.COMMA,
        as_of: AsOfQuery = None,
    ) -> ComplianceView | Response:
        """Of the clocks settled in the month (met: at their end; breached: at the due time),
        the share met."""
        moment, default = await when(as_of, response)
        month = month or default
        if wants_csv(request, fmt):

            async def rows() -> AsyncIterator[tuple[object, ...]]:
                measured = [r async for r in sla.month(month, at=moment)]
                lines = compliance(measured, month=month, by=by)
                for line in (*lines, total_line(lines)):
                    yield compliance_row(month, by.value, line)

            name = f"sla-compliance-{month}-{by.value}"
            return await csv_answer(
                name, COMPLIANCE_COLUMNS, rows(), moment=moment, asked=(request, fmt, separator)
            )
        lines = compliance(await _all(sla.month(month, at=moment)), month=month, by=by)
        return ComplianceView(
            month=month,
            by=by.value,
            lines=[ComplianceLineView.of(line) for line in lines],
            total=ComplianceLineView.of(total_line(lines)),
        )

    @api.get(
        "/sla/breaches",
        tags=["sla"],
        response_model=BreachesView,
        summary="The clocks breached in a month, with the reasons",
    )
    async def get_breaches(
        _: Staff,
        request: Request,
        response: Response,
        month: MonthQuery = None,
        fmt: FormatQuery = None,
        separator: SeparatorQuery = Separator.COMMA,
        as_of: AsOfQuery = None,
    ) -> BreachesView | Response:
        """Every clock breached in the month (its due time fell in it), request by request."""
        moment, default = await when(as_of, response)
        month = month or default
        if wants_csv(request, fmt):

            async def rows() -> AsyncIterator[tuple[object, ...]]:
                async for measured in sla.month(month, at=moment):
                    for breach in breaches([measured], month=month):
                        yield breach_row(breach)

            return await csv_answer(
                f"sla-breaches-{month}",
                BREACH_COLUMNS,
                rows(),
                moment=moment,
                asked=(request, fmt, separator),
            )
        found = breaches(await _all(sla.month(month, at=moment)), month=month)
        return BreachesView(month=month, breaches=[BreachView.of(b) for b in found])

    @api.get(
        "/sla/disposition-times",
        tags=["sla"],
        response_model=DispositionTimesView,
        summary="Working time per echelon of the disposition chain in a month",
    )
    async def get_disposition_times(
        _: Staff,
        request: Request,
        response: Response,
        month: MonthQuery = None,
        fmt: FormatQuery = None,
        separator: SeparatorQuery = Separator.COMMA,
        as_of: AsOfQuery = None,
    ) -> DispositionTimesView | Response:
        """How long the kadis, the kabid and the prakom held the requests they disposed of in
        the month (working time, pauses excluded)."""
        moment, default = await when(as_of, response)
        month = month or default
        times = disposition_times(await _all(sla.month(month, at=moment)), month=month)
        views = [EchelonView.of(t) for t in times]
        if wants_csv(request, fmt):
            rows = [echelon_row(month, v) for v in views]
            name = f"sla-disposition-times-{month}"
            return await csv_answer(
                name,
                ECHELON_COLUMNS,
                each_row(rows),
                moment=moment,
                asked=(request, fmt, separator),
            )
        return DispositionTimesView(month=month, echelons=views)


async def _all(requests: AsyncIterator[RequestClocks]) -> list[RequestClocks]:
    return [r async for r in requests]
