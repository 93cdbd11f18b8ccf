"""One function per event type, writing that event into the read tables (`apply_<event>`).

Each takes the connection of an open transaction and one envelope, and is called once per
position by the projector, live or in a rebuild from position 1: same events, same rows. The
tables are those of `schema`: `reporting` live, another schema for a rebuild or a view as of a
past position (`projections/tables.py`).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Awaitable, Mapping, Sequence
from typing import Any, Protocol, TypeVar

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
from reporting.projections.rows import Insert, Json, Row, Update, Write, insert, write
from reporting.projections.summaries import summarize
from reporting.projections.survey import ANSWERED_ONCE, survey_row
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
    await write(
        conn,
        schema,
        Insert("requests", request_row(envelope, event, progress)),
        Insert("timeline", timeline_row(envelope, event.ticket_id)),
    )


async def apply_request_resubmitted(
    conn: asyncpg.Connection, envelope: Envelope, *, schema: str = LIVE
) -> None:
    """A returned request came back: the corrected form, at the kadis again."""
    event = _event(envelope, catalog.RequestResubmitted)
    await _advance(
        conn, envelope, event.ticket_id, schema=schema, changes=resubmission_changes(event)
    )


async def apply_step_taken(
    conn: asyncpg.Connection, envelope: Envelope, *, schema: str = LIVE
) -> None:
    """The request moved on in the SOP (returned, disposed, analysed, integrated or closed):
    its status, step and holder follow from the event, and the timeline gains a line."""
    await _advance(conn, envelope, ticket_of(envelope), schema=schema)


async def apply_report_written(
    conn: asyncpg.Connection, envelope: Envelope, *, schema: str = LIVE
) -> None:
    """The report exists: its row, and the request waits for the archive."""
    event = _event(envelope, catalog.ReportWritten)
    await _advance(
        conn,
        envelope,
        event.ticket_id,
        schema=schema,
        changes={"outcome": event.outcome.value},
        before=[Insert("reports", report_row(envelope, event))],
    )


async def apply_report_revised(
    conn: asyncpg.Connection, envelope: Envelope, *, schema: str = LIVE
) -> None:
    """The report written again from corrected facts: its row shows the revision, and the
    timeline gains a line; the request stays where it stands."""
    event = _event(envelope, catalog.ReportRevised)
    await write(
        conn,
        schema,
        Update("reports", event.ticket_id, revision_changes(envelope, event)),
        Insert("timeline", timeline_row(envelope, event.ticket_id)),
    )


async def apply_berita_acara_number_reserved(
    conn: asyncpg.Connection, envelope: Envelope, *, schema: str = LIVE
) -> None:
    """A Berita Acara number was taken: the register, the report and the request show it."""
    event = _event(envelope, catalog.BeritaAcaraNumberReserved)
    number = {"berita_acara_number": event.number}
    await _advance(
        conn,
        envelope,
        event.ticket_id,
        schema=schema,
        changes=number,
        before=[
            Insert("berita_acara", berita_acara_row(envelope, event)),
            Update("reports", event.ticket_id, number),
        ],
    )


async def apply_report_archived(
    conn: asyncpg.Connection, envelope: Envelope, *, schema: str = LIVE
) -> None:
    """The report is in the agenda book: the book's entry, the report's and the request's."""
    event = _event(envelope, catalog.ReportArchived)
    await _advance(
        conn,
        envelope,
        event.ticket_id,
        schema=schema,
        changes={"agenda_code": event.agenda_code},
        before=[
            Insert("agenda_book", agenda_row(envelope, event)),
            Update("reports", event.ticket_id, archive_changes(envelope, event)),
        ],
    )


async def apply_timeline_only(
    conn: asyncpg.Connection, envelope: Envelope, *, schema: str = LIVE
) -> None:
    """An event that changes no status, only the request's timeline (pauses, SLA warnings)."""
    await insert(conn, schema, "timeline", timeline_row(envelope, ticket_of(envelope)))


async def apply_survey(conn: asyncpg.Connection, envelope: Envelope, *, schema: str = LIVE) -> None:
    """The applicant answered the survey: the answer's row, and a line on the timeline."""
    await write(
        conn,
        schema,
        Insert("survey_answers", survey_row(envelope), ANSWERED_ONCE),
        Insert("timeline", timeline_row(envelope, ticket_of(envelope))),
    )


async def apply_notification(
    conn: asyncpg.Connection, envelope: Envelope, *, schema: str = LIVE
) -> None:
    """Who was told what about a request, on its timeline (a digest concerns no one request)."""
    ticket = notified_ticket(envelope)
    if ticket is not None:
        await insert(conn, schema, "timeline", timeline_row(envelope, ticket))


async def apply_issued_document(
    conn: asyncpg.Connection, envelope: Envelope, *, schema: str = LIVE
) -> None:
    """A paper was issued: its row for the verify page, and a line on its ticket's timeline
    (a register's line stands under its own correlation id)."""
    await apply_document_issued(conn, envelope, schema=schema)
    await insert(conn, schema, "timeline", timeline_row(envelope, envelope.correlation_id))


async def apply_signed_berita_acara(
    conn: asyncpg.Connection, envelope: Envelope, *, schema: str = LIVE
) -> None:
    """The signed Berita Acara came back: its copy, and a line on the request's timeline."""
    await apply_berita_acara_signed(conn, envelope, schema=schema)
    await insert(conn, schema, "timeline", timeline_row(envelope, ticket_of(envelope)))


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


# --- the rows: what each event writes, shared with the in-memory rebuild (`fold.py`) ---------


def request_row(envelope: Envelope, event: catalog.RequestSubmitted, progress: Progress) -> Row:
    """A new request's row."""
    form = event.form
    return {
        "ticket_id": event.ticket_id,
        "agency": form.applicant.agency,
        "agency_key": agency_key(form.applicant.agency),
        "applicant_name": form.applicant.name,
        "applicant_nip": form.applicant.nip,
        "application_name": form.application.name,
        "channel": event.channel.value,
        "priority": event.priority.value,
        "resubmissions": 0,
        "received_at": event.received_at,
        **progress_changes(progress, envelope),
    }


def resubmission_changes(event: catalog.RequestResubmitted) -> Row:
    """What a resubmission changes in the request's row (its progress aside)."""
    form = event.form
    return {
        "agency": form.applicant.agency,
        "agency_key": agency_key(form.applicant.agency),
        "applicant_name": form.applicant.name,
        "applicant_nip": form.applicant.nip,
        "application_name": form.application.name,
        "channel": event.channel.value,
        "priority": event.priority.value,
        "resubmissions": event.resubmission,
    }


def progress_changes(progress: Progress, envelope: Envelope) -> Row:
    """The request row's columns that say where it stands, after `envelope`."""
    holder = progress.holder_officer
    return {
        "status": progress.status.value,
        "current_step": progress.step.value if progress.step else None,
        "holder_role": progress.holder_role.value if progress.holder_role else None,
        "holder_officer_nip": holder.nip if holder else None,
        "holder_officer_name": holder.name if holder else None,
        "assigned_officer_nip": progress.officer.nip if progress.officer else None,
        "assigned_officer_name": progress.officer.name if progress.officer else None,
        "since": progress.since,
        "last_position": envelope.global_position,
        "updated_at": envelope.recorded_at,
    }


@functools.lru_cache(maxsize=4096)
def _officer(nip: str, name: str) -> Officer:
    """An officer named on a request's row, validated once per process (a rebuild from a
    snapshot reads back every request's, and the same few officers hold them all)."""
    return Officer(nip=nip, name=name)


def progress_of(row: Mapping[str, Any] | None) -> Progress | None:
    """Where a request stands, read back from its row (None: no such request)."""
    if row is None:
        return None
    officer = None
    if row["assigned_officer_nip"] is not None:
        officer = _officer(row["assigned_officer_nip"], row["assigned_officer_name"])
    return Progress(
        status=Status(row["status"]),
        step=Step(row["current_step"]) if row["current_step"] else None,
        since=row["since"],
        officer=officer,
    )


def report_row(envelope: Envelope, event: catalog.ReportWritten) -> Row:
    """The report's row."""
    sections = [s.model_dump(mode="json") for s in event.sections]
    return {
        "ticket_id": event.ticket_id,
        "outcome": event.outcome.value,
        "summary": event.summary,
        "sections": Json(json.dumps(sections, ensure_ascii=False)),
        "written_at": envelope.occurred_at,
        "written_position": envelope.global_position,
    }


def revision_changes(envelope: Envelope, event: catalog.ReportRevised) -> Row:
    """What a revision changes in the report's row."""
    sections = [s.model_dump(mode="json") for s in event.sections]
    return {
        "summary": event.summary,
        "sections": Json(json.dumps(sections, ensure_ascii=False)),
        "revision": event.revision,
        "revised_at": envelope.occurred_at,
        "revision_reason": event.reason,
    }


def berita_acara_row(envelope: Envelope, event: catalog.BeritaAcaraNumberReserved) -> Row:
    """The register's line of a Berita Acara number."""
    return {
        "year": event.year,
        "sequence": event.sequence,
        "number": event.number,
        "ticket_id": event.ticket_id,
        "reserved_at": envelope.occurred_at,
        "global_position": envelope.global_position,
    }


def agenda_row(envelope: Envelope, event: catalog.ReportArchived) -> Row:
    """The agenda book's entry."""
    return {
        "year": event.agenda_year,
        "number": event.agenda_number,
        "ticket_id": event.ticket_id,
        "code": event.agenda_code,
        "report_ref": event.report_ref,
        "archived_at": envelope.occurred_at,
        "archived_by": envelope.actor.name,
        "global_position": envelope.global_position,
    }


def archive_changes(envelope: Envelope, event: catalog.ReportArchived) -> Row:
    """What the archive changes in the report's row."""
    return {
        "agenda_year": event.agenda_year,
        "agenda_number": event.agenda_number,
        "agenda_code": event.agenda_code,
        "report_ref": event.report_ref,
        "archived_at": envelope.occurred_at,
    }


def timeline_row(envelope: Envelope, ticket_id: str) -> Row:
    """The event's line on its request's timeline."""
    actor = envelope.actor
    return {
        "global_position": envelope.global_position,
        "event_id": envelope.event_id,
        "ticket_id": ticket_id,
        "event_type": envelope.type,
        "occurred_at": envelope.occurred_at,
        "recorded_at": envelope.recorded_at,
        "actor_name": actor.name,
        "actor_role": actor.role.value,
        "actor_nip": actor.nip,
        "on_behalf_of_name": actor.on_behalf_of_name,
        "on_behalf_of_nip": actor.on_behalf_of_nip,
        "summary": summarize(envelope.event),
    }


def ticket_of(envelope: Envelope) -> str:
    """The request an event is about (its ticket id, else its correlation id)."""
    ticket: str = getattr(envelope.event, "ticket_id", envelope.correlation_id)
    return ticket


def notified_ticket(envelope: Envelope) -> str | None:
    """The request a notice was about (None: a digest, about no one request)."""
    event = _event(envelope, notices.NotificationSent | notices.NotificationFailed)  # type: ignore[arg-type]
    ticket: str | None = event.ticket_id
    return ticket


def _event(envelope: Envelope, cls: type[E]) -> E:
    if not isinstance(envelope.event, cls):
        raise TypeError(f"{envelope.type} at {envelope.global_position} is not {cls.__name__}")
    return envelope.event


# --- the SQL of the live appliers --------------------------------------------------------------


async def _advance(
    conn: asyncpg.Connection,
    envelope: Envelope,
    ticket_id: str,
    *,
    schema: str,
    changes: Row | None = None,
    before: Sequence[Write] = (),
) -> None:
    """Move the request's progress by this event (with the event's other `changes` to its row
    and its writes to other tables, `before`) and add the event to its timeline: one read, then
    one statement."""
    current = progress_of(
        await conn.fetchrow(
            "SELECT status, current_step, since, assigned_officer_nip, assigned_officer_name"
            f" FROM {schema}.requests WHERE ticket_id = $1",
            ticket_id,
        )
    )
    progress = advance(current, envelope.event, at=envelope.occurred_at)
    request = dict(changes or {})
    if progress is not None:
        request.update(progress_changes(progress, envelope))
    writes: list[Write] = list(before)
    if request:
        writes.append(Update("requests", ticket_id, request))
    writes.append(Insert("timeline", timeline_row(envelope, ticket_id)))
    await write(conn, schema, *writes)
