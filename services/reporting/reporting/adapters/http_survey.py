"""The satisfaction survey over HTTP: the applicant answers it once the request is archived, reads
their answer back, and Diskominfo's leaders read the month's IKM (JSON, CSV or .xlsx)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

import asyncpg
from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from penghubung.events import Role
from penghubung.events.survey import SatisfactionSurveyAnswered, SurveyScores
from penghubung.instants import Instant
from penghubung.runtime.service import ServiceContext
from penghubung.skm import Element, Quality
from penghubung.text import PersonParagraph
from penghubung.web.auth import Principal, require
from penghubung.web.errors import ERROR_RESPONSES, refusals
from penghubung.web.idempotency import Idempotent
from penghubung.web.params import Ticket
from penghubung.web.sheets import Separator, SeparatorQuery
from reporting.adapters import db, survey_db
from reporting.adapters.http_as_of import AsOfQuery, resolve
from reporting.app import survey as handlers
from reporting.app.as_of import ReadModels
from reporting.domain.errors import RequestNotFound
from reporting.domain.ikm import ElementFigure, Ikm, ikm, rounded
from reporting.domain.survey import (
    AnswerSurvey,
    Respondent,
    ScoreMissing,
    ScoreOutOfRange,
    SurveyAlreadyAnswered,
    SurveyNotFound,
    SurveyNotOpen,
)
from reporting.sla.adapters.answers import (
    FormatQuery,
    MonthQuery,
    csv_answer,
    each_row,
    wants_csv,
)
from reporting.sla.domain.clocks import month_of

STAFF = (Role.KADIS, Role.KABID, Role.PRAKOM, Role.PETUGAS, Role.ADMIN)
Reader = Annotated[Principal, Depends(require(Role.PEMOHON, *STAFF, Role.AUDITOR))]
Applicant = Annotated[Principal, Depends(require(Role.PEMOHON))]
Leaders = Annotated[Principal, Depends(require(Role.KADIS, Role.KABID, Role.ADMIN, Role.AUDITOR))]


class SurveyBody(BaseModel):
    """The applicant's answers: the nine elements' scores and, if they wish, suggestions."""

    model_config = ConfigDict(extra="forbid")

    scores: SurveyScores = Field(description="U1 … U9, each 1 (worst answer) to 4 (best)")
    saran: PersonParagraph | None = Field(
        default=None, description="Saran dan masukan, in the applicant's words (optional)"
    )


class SurveyAnswerView(BaseModel):
    """A request's survey answer."""

    ticket_id: str = Field(description="The request's ticket id")
    agency: str = Field(description="The agency (OPD) that answered")
    scores: SurveyScores = Field(description="U1 … U9, each 1 to 4")
    saran: str | None = Field(description="Suggestions, if any")
    respondent_name: str = Field(description="Who answered")
    answered_at: Instant = Field(description="When it was answered (WIB)")
    month: str = Field(description="The month (YYYY-MM, WIB) whose IKM counts it")

    @classmethod
    def of(cls, row: asyncpg.Record) -> SurveyAnswerView:
        """A projected answer."""
        return cls(
            ticket_id=row["ticket_id"],
            agency=row["agency"],
            scores=SurveyScores.model_validate({e.value: row[e.value] for e in Element}),
            saran=row["saran"],
            respondent_name=row["respondent_name"],
            answered_at=row["answered_at"],
            month=row["month"],
        )


class AnsweredView(BaseModel):
    """The answer just recorded."""

    ticket_id: str = Field(description="The request's ticket id")
    agency: str = Field(description="The agency (OPD) that answered")
    scores: SurveyScores = Field(description="U1 … U9, each 1 to 4")
    saran: str | None = Field(description="Suggestions, if any")


class ElementView(BaseModel):
    """One element's figures in the month."""

    element: Element = Field(description="u1 … u9")
    code: str = Field(description="U1 … U9")
    name: str = Field(description="The element's name (unsur pelayanan)")
    respondents: int = Field(description="How many answered it")
    score_sum: int = Field(description="The sum of its scores")
    nrr: Decimal | None = Field(description="Nilai rata-rata: sum / respondents, two decimals")
    nrr_weighted: Decimal | None = Field(description="NRR × 1/9, three decimals")

    @classmethod
    def of(cls, figure: ElementFigure) -> ElementView:
        """Computed figures, rounded as shown."""
        words = figure.element.words
        weighted = figure.weighted
        return cls(
            element=figure.element,
            code=words.code,
            name=words.name,
            respondents=figure.respondents,
            score_sum=figure.total,
            nrr=None if figure.nrr is None else rounded(figure.nrr),
            nrr_weighted=None if weighted is None else rounded(weighted, places=3),
        )


class IkmView(BaseModel):
    """The month's Indeks Kepuasan Masyarakat."""

    month: str = Field(description="YYYY-MM (WIB)")
    respondents: int = Field(description="Surveys answered in the month")
    ikm: Decimal | None = Field(description="Σ NRR × 1/9 × 25 (25–100), two decimals; none if 0")
    quality: Quality | None = Field(description="Mutu pelayanan: A, B, C or D")
    quality_label: str | None = Field(description="Sangat Baik, Baik, Kurang Baik, Tidak Baik")
    elements: list[ElementView] = Field(description="U1 … U9 with their NRR")

    @classmethod
    def of(cls, month: str, figures: Ikm) -> IkmView:
        """The computed index."""
        quality = figures.quality
        return cls(
            month=month,
            respondents=figures.respondents,
            ikm=figures.shown,
            quality=quality,
            quality_label=quality.label if quality else None,
            elements=[ElementView.of(f) for f in figures.elements],
        )


IKM_COLUMNS = (
    "month",
    "element",
    "name",
    "respondents",
    "score_sum",
    "nrr",
    "nrr_weighted",
    "ikm",
    "quality",
)


def routes(ctx: ServiceContext, reads: ReadModels) -> APIRouter:
    """The survey's answer, its reading, and the monthly IKM."""
    api = APIRouter(responses=ERROR_RESPONSES)

    @api.post(
        "/requests/{ticket_id}/survey",
        tags=["survey"],
        status_code=201,
        response_model=AnsweredView,
        summary="Answer the satisfaction survey (SKM) of an archived request",
        responses=refusals(
            RequestNotFound, SurveyNotOpen, SurveyAlreadyAnswered, ScoreOutOfRange, ScoreMissing
        ),
    )
    async def answer(
        principal: Applicant, ticket_id: Ticket, body: SurveyBody, once: Idempotent
    ) -> dict[str, Any]:
        """The applicant of the request's agency answers the nine elements once, after the
        report is archived."""
        scores = {e: body.scores.of(e) for e in Element}
        cmd = AnswerSurvey(ticket_id=ticket_id, scores=scores, saran=body.saran)
        actor = principal.actor()
        own = principal.agency_scope()
        assert own is not None  # an applicant always has one (or was refused)
        respondent = Respondent(name=principal.name, nip=principal.nip, agency_key=own)

        async def run(conn: asyncpg.Connection) -> AnsweredView:
            answered: SatisfactionSurveyAnswered = await handlers.answer_survey(
                conn,
                cmd,
                actor=actor,
                respondent=respondent,
                causation_id=once.key,
                store=ctx.store,
                clock=ctx.clock,
                new_id=ctx.new_id,
            )
            return AnsweredView.model_validate(answered, from_attributes=True)

        return await once.run(ctx.pool, "reporting", actor, cmd, run)

    @api.get(
        "/requests/{ticket_id}/survey",
        tags=["survey"],
        summary="A request's satisfaction survey answer",
        responses=refusals(RequestNotFound, SurveyNotFound),
    )
    async def read_answer(
        principal: Reader, ticket_id: Ticket, response: Response, as_of: AsOfQuery = None
    ) -> SurveyAnswerView:
        """The answer of the request's agency (an applicant: their own agency's only)."""
        own = principal.agency_scope()
        async with reads.open(await resolve(reads, as_of, response)) as read:
            request = await db.get_request(read.conn, ticket_id, schema=read.schema)
            if request is None or (own is not None and request["agency_key"] != own):
                raise RequestNotFound(ticket_id)
            row = await survey_db.answer(read.conn, ticket_id, schema=read.schema)
        if row is None:
            raise SurveyNotFound(ticket_id)
        return SurveyAnswerView.of(row)

    @api.get(
        "/sla/ikm",
        tags=["survey"],
        response_model=IkmView,
        summary="The month's IKM: per element NRR, respondents, the class (JSON, CSV or .xlsx)",
    )
    async def get_ikm(
        _: Leaders,
        request: Request,
        response: Response,
        month: MonthQuery = None,
        fmt: FormatQuery = None,
        separator: SeparatorQuery = Separator.COMMA,
        as_of: AsOfQuery = None,
    ) -> IkmView | Response:
        """Indeks Kepuasan Masyarakat of the surveys answered in the month (WIB)."""
        moment = await resolve(reads, as_of, response)
        month = month or month_of(moment.at if moment else ctx.clock())
        async with reads.open(moment) as read:
            rows = await survey_db.month_answers(read.conn, month, schema=read.schema)
        answers = [
            SurveyScores.model_validate({e.value: r[e.value] for e in Element}) for r in rows
        ]
        view = IkmView.of(month, ikm(answers))
        if wants_csv(request, fmt):
            lines = [_ikm_row(view, e) for e in view.elements]
            return await csv_answer(
                f"ikm-{month}",
                IKM_COLUMNS,
                each_row(lines),
                moment=moment,
                asked=(request, fmt, separator),
            )
        return view

    return api


def _ikm_row(view: IkmView, element: ElementView) -> tuple[object, ...]:
    """An element's line of the CSV, with the month's index beside it."""
    return (
        view.month,
        element.code,
        element.name,
        element.respondents,
        element.score_sum,
        _blank(element.nrr),
        _blank(element.nrr_weighted),
        _blank(view.ikm),
        view.quality_label or "",
    )


def _blank(value: object) -> object:
    return "" if value is None else value
