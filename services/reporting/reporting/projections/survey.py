"""The row of a satisfaction survey's answer: one per request, counted in the month (WIB) it was
answered (written by `apply.apply_survey`, and by the in-memory rebuild)."""

from __future__ import annotations

from penghubung.agency import agency_key
from penghubung.events import Envelope
from penghubung.events.survey import SatisfactionSurveyAnswered
from penghubung.skm import Element
from reporting.domain.numbers import WIB
from reporting.projections.rows import Row

ANSWERED_ONCE = "ON CONFLICT (ticket_id) DO NOTHING"
"""A request's survey is answered once: a second answer (never appended) changes nothing."""


def survey_row(envelope: Envelope) -> Row:
    """The request's survey answer, with its month (WIB)."""
    event = envelope.event
    assert isinstance(event, SatisfactionSurveyAnswered)
    return {
        "ticket_id": event.ticket_id,
        "agency": event.agency,
        "agency_key": agency_key(event.agency),
        "month": envelope.occurred_at.astimezone(WIB).strftime("%Y-%m"),
        "answered_at": envelope.occurred_at,
        **{e.value: event.scores.of(e) for e in Element},
        "saran": event.saran,
        "respondent_name": event.respondent_name,
        "respondent_nip": event.respondent_nip,
        "global_position": envelope.global_position,
    }
