"""The applicant answers the satisfaction survey of an archived request: the request's intake and
reporting streams are read, the rules decide, `SatisfactionSurveyAnswered` is appended to the
reporting stream — in the caller's transaction."""

from __future__ import annotations

import asyncpg

from penghubung.clock import Clock, IdFactory
from penghubung.events import Actor, Metadata, NewEvent
from penghubung.events.survey import SatisfactionSurveyAnswered
from penghubung.eventstore import EventStore
from reporting.adapters import db
from reporting.app.handlers import stream_id
from reporting.domain import survey
from reporting.domain.survey import AnswerSurvey, Respondent


def intake_stream(ticket_id: str) -> str:
    """Where the request's form lives: `intake-<ticket>`."""
    return f"intake-{ticket_id}"


async def answer_survey(
    conn: asyncpg.Connection,
    cmd: AnswerSurvey,
    *,
    actor: Actor,
    respondent: Respondent,
    causation_id: str | None,
    store: EventStore,
    clock: Clock,
    new_id: IdFactory,
) -> SatisfactionSurveyAnswered:
    """Record the answers once the rules allow them (a second answer meets the first's event)."""
    await db.lock_survey(conn, cmd.ticket_id)
    intake = await store.read_stream(intake_stream(cmd.ticket_id), conn=conn)
    stream = await store.read_stream(stream_id(cmd.ticket_id), conn=conn)
    state = survey.fold(e.event for e in (*intake.events, *stream.events))
    events = survey.answer_survey(cmd, state, by=respondent)
    meta = Metadata(
        event_id=new_id(),
        occurred_at=clock(),
        actor=actor,
        correlation_id=cmd.ticket_id,
        causation_id=causation_id,
    )
    new = [NewEvent(event=e, meta=meta) for e in events]
    await store.append(stream.id, expected_version=stream.version, events=new, conn=conn)
    answered = events[0]
    assert isinstance(answered, SatisfactionSurveyAnswered)
    return answered
