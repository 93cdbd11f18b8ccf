"""The satisfaction survey (Survei Kepuasan Masyarakat): the applicant answers it on an archived
request's page, reads their answer back; the dashboards show the month's IKM with each element's
NRR as server-drawn bars and the numbers beside them."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel
from starlette.datastructures import FormData

from penghubung.skm import ELEMENTS, Element
from portal import formdata, web, words
from portal.clients.services import ApiRefusal, Services

router = APIRouter()
Form = Annotated[FormData, Depends(web.checked_form)]

IKM_READERS = ("kadis", "kabid", "admin", "auditor")
"""Who reads the month's IKM (the API's rule, shown as it is)."""

FIELDS = [f"scores.{e.value}" for e in Element]


class Question(BaseModel):
    """One element of the questionnaire as the form shows it."""

    field: str
    code: str
    name: str
    question: str
    answers: list[tuple[str, str]]
    """(score, words), 1 to 4."""


QUESTIONS = [
    Question(
        field=f"scores.{element.value}",
        code=words.code,
        name=words.name,
        question=words.question,
        answers=[(str(score), text) for score, text in enumerate(words.answers, start=1)],
    )
    for element, words in ELEMENTS.items()
]


class AnswerLine(BaseModel):
    """One element of an answer, read-only: the element, the score and its words."""

    code: str
    name: str
    score: int
    words: str


def answer_lines(answer: dict[str, Any]) -> list[AnswerLine]:
    """An answer as the page shows it."""
    scores = answer["scores"]
    return [
        AnswerLine(
            code=words.code,
            name=words.name,
            score=scores[element.value],
            words=words.answers[scores[element.value] - 1],
        )
        for element, words in ELEMENTS.items()
    ]


async def panel(api: Services, role: str | None, ticket_id: str, status: Any) -> dict[str, Any]:
    """The survey's part of a request's page: the answer if given, or whether to ask for it."""
    if not status or status.get("status") != "archived":
        return {}
    answer = await api.find("reporting", f"/requests/{ticket_id}/survey")
    if answer is not None:
        return {"answer": answer, "lines": answer_lines(answer)}
    return {"open": role == "pemohon"}


@router.get("/permohonan/{ticket_id}/survei")
async def survey_form(request: Request, ticket_id: str) -> Response:
    """The questionnaire of an archived request; an answered one shows its answer instead."""
    api = await web.services_for(request, "pemohon")
    status = await api.find("reporting", f"/requests/{ticket_id}")
    if status is None:
        return web.render(request, "errors/not_found.html", status=404)
    if status.get("status") != "archived":
        web.flash(request, _sentence("survey_not_open"))
        return web.redirect(f"/permohonan/{ticket_id}")
    if await api.find("reporting", f"/requests/{ticket_id}/survey") is not None:
        return web.redirect(f"/permohonan/{ticket_id}")
    return web.render(request, "survey/form.html", _context(ticket_id, status, {}, {}))


@router.post("/permohonan/{ticket_id}/survei")
async def answer_survey(request: Request, ticket_id: str, form: Form) -> Response:
    """Send the answers; a refused one comes back with the reasons beside the elements."""
    api = await web.services_for(request, "pemohon")
    key = str(form.get("idempotency_key") or uuid.uuid4())
    body = formdata.nested({f: _score(form.get(f)) for f in FIELDS})
    body.setdefault("scores", {})
    saran = str(form.get("saran") or "").strip()
    if saran:
        body["saran"] = saran
    try:
        await api.post(
            "reporting", f"/requests/{ticket_id}/survey", body, headers={"Idempotency-Key": key}
        )
    except ApiRefusal as refused:
        if refused.code in ("survey_already_answered", "survey_not_open"):
            web.flash(request, _sentence(refused.code))
            return web.redirect(f"/permohonan/{ticket_id}")
        if refused.status != 422:
            raise
        errors = {f: unanswered(m) for f, m in formdata.field_errors(refused).items()}
        values = {f: str(form.get(f) or "") for f in [*FIELDS, "saran"]}
        status = await api.find("reporting", f"/requests/{ticket_id}")
        context = _context(ticket_id, status, values, errors, key=key)
        return web.render(request, "survey/form.html", context, status=422)
    web.flash(request, "Terima kasih, survei kepuasan Anda telah tercatat.")
    return web.redirect(f"/permohonan/{ticket_id}")


def _sentence(code: str) -> str:
    """A refusal's words as a sentence of a flash message."""
    return words.problem_text(code, "").capitalize() + "."


def unanswered(message: str) -> str:
    """An element left without an answer is asked to pick one (a radio is not "filled in")."""
    return "pilih salah satu jawaban" if message == words.problem_text("missing", "") else message


def _score(value: object) -> int | None:
    """A radio's score (None when none was chosen: the API names what is missing)."""
    text = str(value or "")
    return int(text) if text.isdigit() and len(text) < 3 else None


def _context(
    ticket_id: str,
    status: Any,
    values: dict[str, str],
    errors: dict[str, str],
    *,
    key: str | None = None,
) -> dict[str, Any]:
    return {
        "ticket_id": ticket_id,
        "status": status,
        "questions": QUESTIONS,
        "values": values,
        "errors": errors,
        "unplaced": [m for p, m in errors.items() if p not in FIELDS and p != "saran"],
        "key": key or str(uuid.uuid4()),
    }


# --- the dashboards' IKM ------------------------------------------------------------------------


class NrrBar(BaseModel):
    """One element's NRR as a bar of the chart (the scale 1–4 drawn over 0–4)."""

    code: str
    name: str
    nrr: str
    respondents: int
    y: int
    width: float


ROW = 40
WIDTH = 260.0


async def ikm_panel(api: Services, role: str | None, month: str) -> dict[str, Any] | None:
    """The month's IKM for the dashboards of those who may read it; None for the others."""
    if role not in IKM_READERS:
        return None
    ikm = await api.get("reporting", "/sla/ikm", month=month)
    bars = [
        NrrBar(
            code=e["code"],
            name=e["name"],
            nrr=number(e["nrr"]),
            respondents=e["respondents"],
            y=index * ROW,
            width=WIDTH * float(e["nrr"] or 0) / 4,
        )
        for index, e in enumerate(ikm["elements"])
    ]
    return {"ikm": ikm, "bars": bars, "height": ROW * len(bars), "shown": number(ikm["ikm"])}


def number(value: Decimal | float | str | None) -> str:
    """A figure the Indonesian way: `81,48` (— when there is none)."""
    if value is None:
        return "—"
    return str(value).replace(".", ",")
