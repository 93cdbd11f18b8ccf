"""The applicant's word on the service: a Survei Kepuasan Masyarakat answered after the archive
(PermenPANRB No. 14 Tahun 2017; the elements and their words are `penghubung.skm`)."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from penghubung.events.base import Event
from penghubung.events.registry import registry
from penghubung.forms import Text, TicketId
from penghubung.skm import Element
from penghubung.text import PersonParagraph

__all__ = ["SatisfactionSurveyAnswered", "Score", "SurveyScores"]

_TYPE = "The event type name"
_VERSION = "Schema version of this event's payload"
_TICKET = "The request's ticket id (SC05-YYYY-NNNNN)"

Score = Annotated[int, Field(ge=1, le=4)]
"""An answer's score: 1 (the worst answer) to 4 (the best)."""


def _score(element: Element) -> Any:
    words = element.words
    first, last = words.answers[0], words.answers[3]
    return Field(description=f"{words.code} {words.name}: 1 {first} … 4 {last}")


class SurveyScores(BaseModel):
    """The nine elements' scores, each 1 to 4."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    u1: Score = _score(Element.U1)
    u2: Score = _score(Element.U2)
    u3: Score = _score(Element.U3)
    u4: Score = _score(Element.U4)
    u5: Score = _score(Element.U5)
    u6: Score = _score(Element.U6)
    u7: Score = _score(Element.U7)
    u8: Score = _score(Element.U8)
    u9: Score = _score(Element.U9)

    def of(self, element: Element) -> int:
        """The score of one element."""
        score: int = getattr(self, element.value)
        return score


@registry.register
class SatisfactionSurveyAnswered(Event):
    """The applicant's agency answered the satisfaction survey of its archived request (SKM)."""

    category: ClassVar[str] = "reporting"

    type: Literal["SatisfactionSurveyAnswered"] = Field(
        default="SatisfactionSurveyAnswered", description=_TYPE
    )
    schema_version: Literal[1] = Field(default=1, description=_VERSION)
    ticket_id: TicketId = Field(description=_TICKET)
    agency: Text = Field(description="The agency (OPD) of the request, whose applicant answered")
    scores: SurveyScores = Field(description="The nine elements' scores, U1 … U9, each 1 to 4")
    saran: PersonParagraph | None = Field(
        default=None, description="Suggestions and input in the applicant's own words, if any"
    )
    respondent_name: Text = Field(description="Name of the applicant who answered")
    respondent_nip: str | None = Field(default=None, description="NIP of the applicant, if known")
