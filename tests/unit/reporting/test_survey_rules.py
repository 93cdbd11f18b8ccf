"""The satisfaction survey's rules: given the request's intake and reporting streams, when an
applicant answers, then `SatisfactionSurveyAnswered` or a refusal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from penghubung.agency import agency_key
from penghubung.events import Event
from penghubung.events.catalog import ReportArchived, RequestSubmitted
from penghubung.events.survey import SatisfactionSurveyAnswered, SurveyScores
from penghubung.skm import ELEMENTS, Element
from reporting.domain.errors import RequestNotFound
from reporting.domain.survey import (
    AnswerSurvey,
    Respondent,
    ScoreMissing,
    ScoreOutOfRange,
    SurveyAlreadyAnswered,
    SurveyNotOpen,
    answer_survey,
    fold,
)

TICKET = "SC05-2026-00007"
ALL_THREE = dict.fromkeys(Element, 3)
APPLICANT = Respondent(name="Rina Marlina", nip="198001012005011001", agency_key="dinas kesehatan")


def archived() -> ReportArchived:
    return ReportArchived(
        ticket_id=TICKET,
        agenda_year=2026,
        agenda_number=1,
        agenda_code="001/AG-LIA/SC-05/DISKOMINFO/2026",
        report_ref=f"reporting-{TICKET}@1",
    )


def answered() -> SatisfactionSurveyAnswered:
    return SatisfactionSurveyAnswered(
        ticket_id=TICKET,
        agency="Dinas Kesehatan",
        scores=SurveyScores.model_validate({e.value: 3 for e in Element}),
        respondent_name="Rina Marlina",
    )


def command(scores: dict[Element, int] | None = None, saran: str | None = None) -> AnswerSurvey:
    return AnswerSurvey(ticket_id=TICKET, scores=scores or ALL_THREE, saran=saran)


@pytest.fixture
def history(submitted: Callable[..., RequestSubmitted]) -> Callable[..., list[Event]]:
    def make(*more: Event, **form: Any) -> list[Event]:
        return [submitted(ticket_id=TICKET, **form), *more]

    return make


def test_the_applicant_answers_an_archived_request_once(
    history: Callable[..., list[Event]],
) -> None:
    given = history(archived())
    scores = {**ALL_THREE, Element.U4: 4, Element.U8: 1}
    [event] = answer_survey(command(scores, "Mohon dokumentasi API"), fold(given), by=APPLICANT)
    assert isinstance(event, SatisfactionSurveyAnswered)
    assert event.agency == "Dinas Kesehatan"
    assert event.scores.of(Element.U4) == 4
    assert event.scores.u8 == 1
    assert event.scores.u1 == 3
    assert event.saran == "Mohon dokumentasi API"
    assert event.respondent_name == "Rina Marlina"


def test_the_agency_is_compared_as_every_service_compares_it(
    history: Callable[..., list[Event]],
) -> None:
    state = fold(history(archived()))
    shouted = Respondent(name="Rina", nip=None, agency_key=agency_key("  DINAS  kesehatan "))
    assert answer_survey(command(), state, by=shouted)


def test_another_agency_meets_an_unknown_request(history: Callable[..., list[Event]]) -> None:
    other = Respondent(name="Agus", nip=None, agency_key="dinas pendidikan")
    with pytest.raises(RequestNotFound):
        answer_survey(command(), fold(history(archived())), by=other)
    with pytest.raises(RequestNotFound):
        answer_survey(command(), fold([archived()]), by=APPLICANT)  # no form in the log


def test_the_survey_opens_only_after_the_archive(history: Callable[..., list[Event]]) -> None:
    with pytest.raises(SurveyNotOpen) as refused:
        answer_survey(command(), fold(history()), by=APPLICANT)
    assert refused.value.code == "survey_not_open"


def test_a_second_answer_is_refused(history: Callable[..., list[Event]]) -> None:
    with pytest.raises(SurveyAlreadyAnswered) as refused:
        answer_survey(command(), fold(history(archived(), answered())), by=APPLICANT)
    assert refused.value.code == "survey_already_answered"


@pytest.mark.parametrize("score", [0, 5, -1, 40])
def test_a_score_outside_the_four_answers_names_its_element(
    history: Callable[..., list[Event]], score: int
) -> None:
    with pytest.raises(ScoreOutOfRange) as refused:
        answer_survey(
            command({**ALL_THREE, Element.U5: score}), fold(history(archived())), by=APPLICANT
        )
    assert refused.value.field == "scores.u5"
    assert "U5" in refused.value.message


def test_an_element_left_unanswered_is_named(history: Callable[..., list[Event]]) -> None:
    scores = {e: 3 for e in Element if e is not Element.U9}
    with pytest.raises(ScoreMissing) as refused:
        answer_survey(command(scores), fold(history(archived())), by=APPLICANT)
    assert refused.value.field == "scores.u9"


def test_the_questionnaire_has_nine_elements_of_four_answers() -> None:
    assert [w.code for w in ELEMENTS.values()] == [f"U{n}" for n in range(1, 10)]
    assert all(len(set(w.answers)) == 4 for w in ELEMENTS.values())
    assert ELEMENTS[Element.U4].answers[-1] == "Gratis"
    assert ELEMENTS[Element.U3].answers == ("Tidak cepat", "Kurang cepat", "Cepat", "Sangat cepat")
