"""The applier of the satisfaction survey's answers: one row per request, counted in the month
(WIB) it was answered."""

from __future__ import annotations

import asyncpg

from penghubung.agency import agency_key
from penghubung.events import Envelope
from penghubung.events.survey import SatisfactionSurveyAnswered
from penghubung.skm import Element
from reporting.domain.numbers import WIB
from reporting.projections.tables import LIVE

_COLUMNS = ", ".join(e.value for e in Element)
_VALUES = ", ".join(f"${n}" for n in range(6, 6 + len(Element)))


async def apply_survey_answered(
    conn: asyncpg.Connection, envelope: Envelope, *, schema: str = LIVE
) -> None:
    """The request's survey answer, with its month."""
    event = envelope.event
    assert isinstance(event, SatisfactionSurveyAnswered)
    rest = 6 + len(Element)
    await conn.execute(
        f"INSERT INTO {schema}.survey_answers (ticket_id, agency, agency_key, month, answered_at,"
        f" {_COLUMNS}, saran, respondent_name, respondent_nip, global_position) VALUES ($1, $2,"
        f" $3, $4, $5, {_VALUES}, ${rest}, ${rest + 1}, ${rest + 2}, ${rest + 3})"
        " ON CONFLICT (ticket_id) DO NOTHING",
        event.ticket_id,
        event.agency,
        agency_key(event.agency),
        envelope.occurred_at.astimezone(WIB).strftime("%Y-%m"),
        envelope.occurred_at,
        *(event.scores.of(e) for e in Element),
        event.saran,
        event.respondent_name,
        event.respondent_nip,
        envelope.global_position,
    )
