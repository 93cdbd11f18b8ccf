"""One function per event type, writing that event into the read tables (`apply_<event>`).

Each takes the connection of an open transaction and one envelope, and is called once per
position by the projector, live or in a rebuild from position 1: same events, same rows. The
tables are those of `schema`: `reporting` live, another schema for a rebuild or a view as of a
past position (`projections/tables.py`).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable
from typing import Protocol, TypeVar

import asyncpg

from penghubung.agency import agency_key
from penghubung.events import Envelope, Event, audit, catalog, directory, notices, sla
from penghubung.events.documents import BeritaAcaraSigned, DocumentIssued
from penghubung.events.routing import Routes
from penghubung.events.survey import SatisfactionSurveyAnswered
from penghubung.forms import Officer
from penghubung.sop import Step
from reporting.projections.documents import apply_berita_acara_signed, apply_document_issued
from reporting.projections.progress import Progress, Status, advance
from reporting.projections.summaries import summarize
from reporting.projections.survey import apply_survey_answered
from reporting.projections.tables import LIVE
from reporting.sla.projection import apply_sla

E = TypeVar("E", bound=Event)


class Applier(Protocol):
    """Writes one event of its type into the tables of `schema`."""

    def __call__(
        self, conn: asyncpg.Connection, envelope: Envelope, *, schema: str = ...
    ) -> Awaitable[None]: ...


async def apply_request_submitted(
    conn: asyncpg.Connection, envelope: Envelope, *, schema: str = LIVE
) -> None:
    """A new request: its row, at the kadis."""
    event = _event(envelope, catalog.RequestSubmitted)
    progress = advance(None, event, at=envelope.occurred_at)
    assert progress is not None  # a submission always starts a request
    form = event.form
    await conn.execute(
        f"INSERT INTO {schema}.requests (ticket_id, agency, agency_key, applicant_name,"
        " applicant_nip, application_name, channel, priority, status, since, received_at,"
        " last_position, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,"
        " $13)",
        event.ticket_id,
        form.applicant.agency,
        agency_key(form.applicant.agency),
        form.applicant.name,
        form.applicant.nip,
        form.application.name,
        event.channel.value,
        event.priority.value,
        progress.status.value,
        progress.since,
        event.received_at,
        envelope.global_position,
        envelope.recorded_at,
    )
    await _save_progress(conn, event.ticket_id, progress, envelope, schema=schema)
    await _add_to_timeline(conn, envelope, event.ticket_id, schema=schema)


async def apply_request_resubmitted(
    conn: asyncpg.Connection, envelope: Envelope, *, schema: str = LIVE
) -> None:
    """A returned request came back: the corrected form, at the kadis again."""
    event = _event(envelope, catalog.RequestResubmitted)
    form = event.form
    await conn.execute(
        f"UPDATE {schema}.requests SET agency = $2, agency_key = $3, applicant_name = $4,"
        " applicant_nip = $5, application_name = $6, channel = $7, priority = $8,"
        " resubmissions = $9 WHERE ticket_id = $1",
        event.ticket_id,
        form.applicant.agency,
        agency_key(form.applicant.agency),
        form.applicant.name,
        form.applicant.nip,
        form.application.name,
        event.channel.value,
        event.priority.value,
        event.resubmission,
    )
    await _advance(conn, envelope, event.ticket_id, schema=schema)


async def apply_step_taken(
    conn: asyncpg.Connection, envelope: Envelope, *, schema: str = LIVE
) -> None:
    """The request moved on in the SOP (returned, disposed, analysed, integrated or closed):
    its status, step and holder follow from the event, and the timeline gains a line."""
    await _advance(conn, envelope, _ticket(envelope), schema=schema)


async def apply_report_written(
    conn: asyncpg.Connection, envelope: Envelope, *, schema: str = LIVE
) -> None:
    """The report exists: its row, and the request waits for the archive."""
    event = _event(envelope, catalog.ReportWritten)
    sections = [s.model_dump(mode="json") for s in event.sections]
    await conn.execute(
        f"INSERT INTO {schema}.reports (ticket_id, outcome, summary, sections, written_at,"
        " written_position) VALUES ($1, $2, $3, $4::text::jsonb, $5, $6)",
        event.ticket_id,
        event.outcome.value,
        event.summary,
        json.dumps(sections, ensure_ascii=False),
        envelope.occurred_at,
        envelope.global_position,
    )
    await conn.execute(
        f"UPDATE {schema}.requests SET outcome = $2 WHERE ticket_id = $1",
        event.ticket_id,
        event.outcome.value,
    )
    await _advance(conn, envelope, event.ticket_id, schema=schema)


async def apply_report_revised(
    conn: asyncpg.Connection, envelope: Envelope, *, schema: str = LIVE
) -> None:
    """The report written again from corrected facts: its row shows the revision, and the
    timeline gains a line; the request stays where it stands."""
    event = _event(envelope, catalog.ReportRevised)
    sections = [s.model_dump(mode="json") for s in event.sections]
    await conn.execute(
        f"UPDATE {schema}.reports SET summary = $2, sections = $3::text::jsonb, revision = $4,"
        " revised_at = $5, revision_reason = $6 WHERE ticket_id = $1",
        event.ticket_id,
        event.summary,
        json.dumps(sections, ensure_ascii=False),
        event.revision,
        envelope.occurred_at,
        event.reason,
    )
    await _add_to_timeline(conn, envelope, event.ticket_id, schema=schema)


async def apply_berita_acara_number_reserved(
    conn: asyncpg.Connection, envelope: Envelope, *, schema: str = LIVE
) -> None:
    """A Berita Acara number was taken: the register, the report and the request show it."""
    event = _event(envelope, catalog.BeritaAcaraNumberReserved)
    await conn.execute(
        f"INSERT INTO {schema}.berita_acara (year, sequence, number, ticket_id, reserved_at,"
        " global_position) VALUES ($1, $2, $3, $4, $5, $6)",
        event.year,
        event.sequence,
        event.number,
        event.ticket_id,
        envelope.occurred_at,
        envelope.global_position,
    )
    for table in ("reports", "requests"):
        await conn.execute(
            f"UPDATE {schema}.{table} SET berita_acara_number = $2 WHERE ticket_id = $1",
            event.ticket_id,
            event.number,
        )
    await _advance(conn, envelope, event.ticket_id, schema=schema)


async def apply_report_archived(
    conn: asyncpg.Connection, envelope: Envelope, *, schema: str = LIVE
) -> None:
    """The report is in the agenda book: the book's entry, the report's and the request's."""
    event = _event(envelope, catalog.ReportArchived)
    await conn.execute(
        f"INSERT INTO {schema}.agenda_book (year, number, ticket_id, code, report_ref,"
        " archived_at, archived_by, global_position) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        event.agenda_year,
        event.agenda_number,
        event.ticket_id,
        event.agenda_code,
        event.report_ref,
        envelope.occurred_at,
        envelope.actor.name,
        envelope.global_position,
    )
    await conn.execute(
        f"UPDATE {schema}.reports SET agenda_year = $2, agenda_number = $3, agenda_code = $4,"
        " report_ref = $5, archived_at = $6 WHERE ticket_id = $1",
        event.ticket_id,
        event.agenda_year,
        event.agenda_number,
        event.agenda_code,
        event.report_ref,
        envelope.occurred_at,
    )
    await conn.execute(
        f"UPDATE {schema}.requests SET agenda_code = $2 WHERE ticket_id = $1",
        event.ticket_id,
        event.agenda_code,
    )
    await _advance(conn, envelope, event.ticket_id, schema=schema)


async def apply_timeline_only(
    conn: asyncpg.Connection, envelope: Envelope, *, schema: str = LIVE
) -> None:
    """An event that changes no status, only the request's timeline (pauses, SLA warnings)."""
    await _add_to_timeline(conn, envelope, _ticket(envelope), schema=schema)


async def apply_survey(conn: asyncpg.Connection, envelope: Envelope, *, schema: str = LIVE) -> None:
    """The applicant answered the survey: the answer's row, and a line on the timeline."""
    await apply_survey_answered(conn, envelope, schema=schema)
    await _add_to_timeline(conn, envelope, _ticket(envelope), schema=schema)


async def apply_notification(
    conn: asyncpg.Connection, envelope: Envelope, *, schema: str = LIVE
) -> None:
    """Who was told what about a request, on its timeline (a digest concerns no one request)."""
    event = _event(envelope, notices.NotificationSent | notices.NotificationFailed)  # type: ignore[arg-type]
    if event.ticket_id is not None:
        await _add_to_timeline(conn, envelope, event.ticket_id, schema=schema)


async def apply_issued_document(
    conn: asyncpg.Connection, envelope: Envelope, *, schema: str = LIVE
) -> None:
    """A paper was issued: its row for the verify page, and a line on its ticket's timeline
    (a register's line stands under its own correlation id)."""
    await apply_document_issued(conn, envelope, schema=schema)
    await _add_to_timeline(conn, envelope, envelope.correlation_id, schema=schema)


async def apply_signed_berita_acara(
    conn: asyncpg.Connection, envelope: Envelope, *, schema: str = LIVE
) -> None:
    """The signed Berita Acara came back: its copy, and a line on the request's timeline."""
    await apply_berita_acara_signed(conn, envelope, schema=schema)
    await _add_to_timeline(conn, envelope, _ticket(envelope), schema=schema)


APPLIERS = Routes[Applier](
    "reporting requests and timeline",
    {
        catalog.RequestSubmitted: apply_request_submitted,
        catalog.RequestResubmitted: apply_request_resubmitted,
        catalog.RequestReturned: apply_step_taken,
        catalog.Disposed: apply_step_taken,
        catalog.FeasibilityDone: apply_step_taken,
        catalog.Integrated: apply_step_taken,
        catalog.RequestClosed: apply_step_taken,
        catalog.ReportWritten: apply_report_written,
        catalog.ReportRevised: apply_report_revised,
        catalog.BeritaAcaraNumberReserved: apply_berita_acara_number_reserved,
        catalog.ReportArchived: apply_report_archived,
        sla.ClockPaused: apply_timeline_only,
        sla.ClockResumed: apply_timeline_only,
        sla.SlaWarningRaised: apply_timeline_only,
        catalog.WorkReassigned: apply_step_taken,
        catalog.FeasibilityCorrected: apply_timeline_only,
        catalog.ImplementationCorrected: apply_timeline_only,
        DocumentIssued: apply_issued_document,
        BeritaAcaraSigned: apply_signed_berita_acara,
        SatisfactionSurveyAnswered: apply_survey,
        notices.NotificationSent: apply_notification,
        notices.NotificationFailed: apply_notification,
    },
    ignored={
        # no request's row or timeline changes: the calendar and recalculations are the SLA's
        # (sla/projection.py), the auditor's events are about the log itself, the directory's
        # about people
        *sla.CALENDAR_CHANGES,
        sla.SlaRecalculated,
        *audit.AUDIT_EVENTS,
        # who is who: the directory's own business, on no request's timeline
        *directory.DIRECTORY_EVENTS,
        # an upload removed before any request took it: on no request's timeline
        catalog.AttachmentDiscarded,
    },
)
"""The applier of each event class: every one adds the event to its request's timeline."""


async def apply_event(conn: asyncpg.Connection, envelope: Envelope, *, schema: str = LIVE) -> bool:
    """Write one event into the read tables; False when the projection has no use for its type."""
    applier = APPLIERS.get(envelope.type)
    if applier is not None:
        await applier(conn, envelope, schema=schema)
    # the SLA clocks' facts (sla/projection.py)
    clocks = await apply_sla(conn, envelope, schema=schema)
    return applier is not None or clocks


# --- shared by the appliers -------------------------------------------------------------------


def _event(envelope: Envelope, cls: type[E]) -> E:
    if not isinstance(envelope.event, cls):
        raise TypeError(f"{envelope.type} at {envelope.global_position} is not {cls.__name__}")
    return envelope.event


def _ticket(envelope: Envelope) -> str:
    ticket: str = getattr(envelope.event, "ticket_id", envelope.correlation_id)
    return ticket


async def _advance(
    conn: asyncpg.Connection, envelope: Envelope, ticket_id: str, *, schema: str
) -> None:
    """Move the request's progress by this event and add the event to its timeline."""
    current = await _load_progress(conn, ticket_id, schema=schema)
    progress = advance(current, envelope.event, at=envelope.occurred_at)
    if progress is not None:
        await _save_progress(conn, ticket_id, progress, envelope, schema=schema)
    await _add_to_timeline(conn, envelope, ticket_id, schema=schema)


async def _load_progress(
    conn: asyncpg.Connection, ticket_id: str, *, schema: str
) -> Progress | None:
    row = await conn.fetchrow(
        "SELECT status, current_step, since, assigned_officer_nip, assigned_officer_name"
        f" FROM {schema}.requests WHERE ticket_id = $1",
        ticket_id,
    )
    if row is None:
        return None
    officer = None
    if row["assigned_officer_nip"] is not None:
        officer = Officer(nip=row["assigned_officer_nip"], name=row["assigned_officer_name"])
    return Progress(
        status=Status(row["status"]),
        step=Step(row["current_step"]) if row["current_step"] else None,
        since=row["since"],
        officer=officer,
    )


async def _save_progress(
    conn: asyncpg.Connection, ticket_id: str, progress: Progress, envelope: Envelope, *, schema: str
) -> None:
    holder = progress.holder_officer
    await conn.execute(
        f"UPDATE {schema}.requests SET status = $2, current_step = $3, holder_role = $4,"
        " holder_officer_nip = $5, holder_officer_name = $6, assigned_officer_nip = $7,"
        " assigned_officer_name = $8, since = $9, last_position = $10, updated_at = $11"
        " WHERE ticket_id = $1",
        ticket_id,
        progress.status.value,
        progress.step.value if progress.step else None,
        progress.holder_role.value if progress.holder_role else None,
        holder.nip if holder else None,
        holder.name if holder else None,
        progress.officer.nip if progress.officer else None,
        progress.officer.name if progress.officer else None,
        progress.since,
        envelope.global_position,
        envelope.recorded_at,
    )


async def _add_to_timeline(
    conn: asyncpg.Connection, envelope: Envelope, ticket_id: str, *, schema: str
) -> None:
    actor = envelope.actor
    await conn.execute(
        f"INSERT INTO {schema}.timeline (global_position, event_id, ticket_id, event_type,"
        " occurred_at, recorded_at, actor_name, actor_role, actor_nip, on_behalf_of_name,"
        " on_behalf_of_nip, summary) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        envelope.global_position,
        envelope.event_id,
        ticket_id,
        envelope.type,
        envelope.occurred_at,
        envelope.recorded_at,
        actor.name,
        actor.role.value,
        actor.nip,
        actor.on_behalf_of_name,
        actor.on_behalf_of_nip,
        summarize(envelope.event),
    )
