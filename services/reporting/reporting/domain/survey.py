"""The satisfaction survey (SKM) of an archived request: who may answer it, when, and once.

Decided on the request's own facts in the log: its agency from the intake stream (the last form
sent), its archive and any earlier answer from the `reporting-<ticket>` stream — never on the
read tables, which may lag.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from pydantic import BaseModel, ConfigDict, Field

from penghubung.agency import agency_key
from penghubung.events import Event
from penghubung.events.catalog import ReportArchived, RequestResubmitted, RequestSubmitted
from penghubung.events.survey import SatisfactionSurveyAnswered, SurveyScores
from penghubung.forms import TicketId
from penghubung.refusals import Conflict, Invalid, NotFound
from penghubung.skm import SCORES, Element
from penghubung.text import PersonParagraph
from reporting.domain.errors import RequestNotFound

# --- the command ------------------------------------------------------------------------------


class AnswerSurvey(BaseModel):
    """Record the applicant's answers to the nine elements, and their suggestions."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    ticket_id: TicketId = Field(description="The request's ticket id (SC05-YYYY-NNNNN)")
    scores: Mapping[Element, int] = Field(description="Each element's score, 1 to 4")
    saran: PersonParagraph | None = Field(default=None, description="Suggestions, if any")


@dataclass(frozen=True)
class Respondent:
    """The applicant who answers: their name, NIP and the key of their agency."""

    name: str
    nip: str | None
    agency_key: str


# --- the refusals -----------------------------------------------------------------------------


class SurveyNotOpen(Conflict):
    """The survey opens when the request's report is archived (the service is finished)."""

    code = "survey_not_open"
    message = "survei kepuasan baru dapat diisi setelah laporan diarsipkan"

    def __init__(self, ticket_id: str) -> None:
        super().__init__(
            f"survei kepuasan permohonan {ticket_id} baru dapat diisi setelah laporannya diarsipkan"
        )


class SurveyAlreadyAnswered(Conflict):
    """An agency answers the survey of a request once."""

    code = "survey_already_answered"
    message = "survei kepuasan permohonan ini sudah diisi"

    def __init__(self, ticket_id: str) -> None:
        super().__init__(f"survei kepuasan permohonan {ticket_id} sudah diisi")


class SurveyNotFound(NotFound):
    """The request's survey has not been answered (or the caller may not see it)."""

    code = "survey_not_found"
    message = "survei kepuasan permohonan ini belum diisi"

    def __init__(self, ticket_id: str) -> None:
        super().__init__(f"survei kepuasan permohonan {ticket_id} belum diisi")


class ScoreOutOfRange(Invalid):
    """An element's score is not one of the four answers (1 to 4)."""

    code = "score_out_of_range"
    message = "nilai setiap unsur harus 1 sampai 4"

    def __init__(self, element: Element) -> None:
        words = element.words
        super().__init__(
            f"nilai {words.code} {words.name} harus 1 sampai 4", field=f"scores.{element.value}"
        )


class ScoreMissing(Invalid):
    """An element has no answer: every element is answered."""

    code = "score_missing"
    message = "setiap unsur wajib dijawab"

    def __init__(self, element: Element) -> None:
        words = element.words
        super().__init__(
            f"{words.code} {words.name} belum dijawab", field=f"scores.{element.value}"
        )


# --- state and decision -----------------------------------------------------------------------


@dataclass(frozen=True)
class SurveyState:
    """What the log says about one request's survey."""

    agency: str | None = None
    """The agency of the request's last form; None while the request is unknown."""
    archived: bool = False
    answered: bool = False


def evolve(state: SurveyState, event: Event) -> SurveyState:
    """The state after one more event of the request's intake or reporting stream."""
    match event:
        case RequestSubmitted(form=form) | RequestResubmitted(form=form):
            return replace(state, agency=form.applicant.agency)
        case ReportArchived():
            return replace(state, archived=True)
        case SatisfactionSurveyAnswered():
            return replace(state, answered=True)
    return state


def fold(events: Iterable[Event]) -> SurveyState:
    """The state after every event, in order."""
    state = SurveyState()
    for event in events:
        state = evolve(state, event)
    return state


def answer_survey(cmd: AnswerSurvey, state: SurveyState, *, by: Respondent) -> list[Event]:
    """An applicant of the request's agency answers its survey once, after the archive."""
    if state.agency is None or agency_key(state.agency) != by.agency_key:
        raise RequestNotFound(cmd.ticket_id)  # another agency's request is as unknown
    if not state.archived:
        raise SurveyNotOpen(cmd.ticket_id)
    if state.answered:
        raise SurveyAlreadyAnswered(cmd.ticket_id)
    return [
        SatisfactionSurveyAnswered(
            ticket_id=cmd.ticket_id,
            agency=state.agency,
            scores=_scores(cmd.scores),
            saran=cmd.saran,
            respondent_name=by.name,
            respondent_nip=by.nip,
        )
    ]


def _scores(given: Mapping[Element, int]) -> SurveyScores:
    """The nine scores, each one of the four answers."""
    for element in Element:
        if element not in given:
            raise ScoreMissing(element)
        if given[element] not in SCORES:
            raise ScoreOutOfRange(element)
    return SurveyScores.model_validate({e.value: given[e] for e in Element})
