"""What reporting's HTTP API answers and accepts: the read models as JSON."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Self

import asyncpg
from pydantic import BaseModel, ConfigDict, Field, computed_field

from penghubung.events import Role
from penghubung.events.catalog import Outcome, ReportSection
from penghubung.forms import Text
from penghubung.instants import Instant
from penghubung.sop import Step
from reporting.documents.words import numeric_date, wib
from reporting.domain import labels
from reporting.projections.progress import Status


class _View(BaseModel):
    model_config = ConfigDict(frozen=True)


class OfficerView(_View):
    """An officer named on a request."""

    nip: str = Field(description="The officer's NIP")
    name: str = Field(description="The officer's name")

    @classmethod
    def maybe(cls, nip: str | None, name: str | None) -> Self | None:
        """The officer, when both columns are set."""
        return cls(nip=nip, name=name) if nip is not None and name is not None else None


class RequestView(_View):
    """Where one request stands."""

    ticket_id: str = Field(description="The request's ticket id")
    agency: str = Field(description="The requesting agency (OPD)")
    applicant_name: str = Field(description="The requesting official")
    application_name: str = Field(description="The application to connect")
    channel: str = Field(description="How the request reached the desk")
    priority: str = Field(description="P1 (kritis) to P4 (rendah)")
    status: Status = Field(
        description="The one vocabulary of request states (README): submitted, returned, "
        "in_disposition, assigned, analysed, integrated, closed, archived"
    )
    current_step: Step | None = Field(description="The SOP step waiting; null once archived")
    holder_role: Role | None = Field(description="The role that must act now")
    holder_officer: OfficerView | None = Field(description="The officer that must act, if named")
    assigned_officer: OfficerView | None = Field(description="The petugas ordered, once ordered")
    since: Instant = Field(description="Since when the request is at this step")
    received_at: Instant = Field(description="When the request really arrived")
    resubmissions: int = Field(description="How often it was resubmitted after a return")
    outcome: Outcome | None = Field(description="How it ended, once reported")
    berita_acara_number: str | None = Field(description="Its Berita Acara number, if any")
    agenda_code: str | None = Field(description="Its agenda-book number, once archived")
    berita_acara_returned_at: Instant | None = Field(
        description="When the signed Berita Acara came back, if it did"
    )
    berita_acara_status: str | None = Field(
        description="Where the Berita Acara stands, in Bahasa Indonesia; null before it exists"
    )
    last_position: int = Field(description="Log position of the last event that changed it")
    updated_at: Instant = Field(description="When that event was recorded")

    @computed_field(description="The status in Bahasa Indonesia, for people")  # type: ignore[prop-decorator]
    @property
    def status_label(self) -> str:
        """The status as people read it."""
        return self.status.label

    @classmethod
    def of(cls, row: asyncpg.Record) -> Self:
        """A `reporting.requests` row as a view."""
        return cls(
            **{k: row[k] for k in _REQUEST_COLUMNS},
            holder_officer=OfficerView.maybe(row["holder_officer_nip"], row["holder_officer_name"]),
            assigned_officer=OfficerView.maybe(
                row["assigned_officer_nip"], row["assigned_officer_name"]
            ),
            berita_acara_status=berita_acara_status(
                row["berita_acara_number"], row["berita_acara_returned_at"]
            ),
        )


def berita_acara_status(number: str | None, returned_at: datetime | None) -> str | None:
    """ "BA ditandatangani dan dikembalikan pada 09-03-2026", or what is still awaited."""
    if returned_at is not None:
        return f"BA ditandatangani dan dikembalikan pada {numeric_date(wib(returned_at).date())}"
    return None if number is None else "BA menunggu tanda tangan dan pengembalian"


_REQUEST_COLUMNS = (
    "ticket_id",
    "agency",
    "applicant_name",
    "application_name",
    "channel",
    "priority",
    "status",
    "current_step",
    "holder_role",
    "since",
    "received_at",
    "resubmissions",
    "outcome",
    "berita_acara_number",
    "agenda_code",
    "berita_acara_returned_at",
    "last_position",
    "updated_at",
)


class RequestPage(_View):
    """One page of a request list."""

    total: int = Field(description="How many requests match the filter in all")
    limit: int = Field(description="Page size asked for")
    offset: int = Field(description="How many matching requests were skipped")
    items: list[RequestView] = Field(description="The requests of this page, newest first")


class ActorView(_View):
    """Who caused a timeline entry."""

    name: str = Field(description="Who acted")
    role: Role = Field(description="Under which role")
    nip: str | None = Field(description="Their NIP, if any")
    on_behalf_of_name: str | None = Field(description="The role holder a stand-in acted for")
    on_behalf_of_nip: str | None = Field(description="That role holder's NIP")


class TimelineEntry(_View):
    """One event of a request, as people read it."""

    position: int = Field(description="Position in the event log")
    event_id: str = Field(description="The event's id")
    type: str = Field(description="The event type")
    occurred_at: Instant = Field(description="When it really happened")
    recorded_at: Instant = Field(description="When the log recorded it")
    actor: ActorView = Field(description="Who caused it")
    summary: str = Field(description="What happened, in Bahasa Indonesia")

    @classmethod
    def of(cls, row: asyncpg.Record) -> Self:
        """A `reporting.timeline` row as a view."""
        return cls(
            position=row["global_position"],
            event_id=str(row["event_id"]),
            type=row["event_type"],
            occurred_at=row["occurred_at"],
            recorded_at=row["recorded_at"],
            actor=ActorView(
                name=row["actor_name"],
                role=row["actor_role"],
                nip=row["actor_nip"],
                on_behalf_of_name=row["on_behalf_of_name"],
                on_behalf_of_nip=row["on_behalf_of_nip"],
            ),
            summary=row["summary"],
        )


class TimelineView(_View):
    """Every event of one request, in order."""

    ticket_id: str = Field(description="The request's ticket id")
    entries: list[TimelineEntry] = Field(description="The events, in log order")


class ReportView(_View):
    """The report (Laporan) of a finished request, and its archive entry."""

    ticket_id: str = Field(description="The request's ticket id")
    outcome: Outcome = Field(description="integrated or not_feasible")
    summary: str = Field(description="Summary of the report")
    sections: list[ReportSection] = Field(description="The report's sections, in order")
    written_at: Instant = Field(description="When the report was written")
    berita_acara_number: str | None = Field(description="Berita Acara number, for an integration")
    agenda_year: int | None = Field(description="Year of the agenda book, once archived")
    agenda_number: int | None = Field(description="Number in that year's book, once archived")
    agenda_code: str | None = Field(description="The entry's number as written in the book")
    report_ref: str | None = Field(description="Reference of the archived document")
    archived_at: Instant | None = Field(description="When it was archived")
    revision: int = Field(
        description="0 as first written; n after the n-th revision (a correction of the"
        " analysis or the implementation after the report: summary and sections are revised)"
    )
    revised_at: Instant | None = Field(description="When it was last revised")
    revision_reason: str | None = Field(description="The reason of the correction revised after")

    @classmethod
    def of(cls, row: asyncpg.Record) -> Self:
        """A `reporting.reports` row as a view."""
        values: dict[str, Any] = dict(row)
        sections = values.pop("sections")
        values.pop("written_position")
        if isinstance(sections, str):
            sections = json.loads(sections)
        return cls(**values, sections=sections)


class AgendaEntry(_View):
    """One entry of the agenda book."""

    number: int = Field(description="Sequential number within the year")
    code: str = Field(description="The number as written in the book (nomor agenda)")
    archived_at: Instant = Field(description="When it was archived (tanggal)")
    subject: str = Field(description="What the entry is about (perihal)")
    agency: str = Field(description="The requesting agency (Perangkat Daerah)")
    application_name: str = Field(description="The application connected (aplikasi)")
    berita_acara_number: str | None = Field(description="Its Berita Acara number, if any")
    archived_by: str = Field(description="Who archived it (diarsipkan oleh)")
    ticket_id: str = Field(description="The request whose report it is")
    report_ref: str = Field(
        description="The log's reference of the archived report (`reporting-<ticket>@<version>`)"
    )

    @classmethod
    def of(cls, row: asyncpg.Record) -> Self:
        """An agenda-book row joined with its request."""
        subject = labels.agenda_subject(row["ticket_id"], row["application_name"], row["agency"])
        return cls.model_validate({**dict(row), "subject": subject})


class AgendaBookView(_View):
    """One year's agenda book."""

    year: int = Field(description="The year")
    entries: list[AgendaEntry] = Field(description="The entries, by number")


class ArchiveBody(BaseModel):
    """What a petugas may state when archiving a report (all optional)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    report_ref: Text | None = Field(
        default=None, description="Storage key of the signed report's scan, if one was stored"
    )


class ArchivedView(_View):
    """The agenda-book entry just made."""

    ticket_id: str = Field(description="The request's ticket id")
    agenda_year: int = Field(description="Year of the agenda book")
    agenda_number: int = Field(description="Number within that year, gap-free")
    agenda_code: str = Field(description="The entry's number as written in the book")
    report_ref: str = Field(description="Reference of the archived document")


class GapView(_View):
    """A gap the projection met and filled from the event log."""

    first_missing: int = Field(description="First position that was not delivered")
    last_missing: int = Field(description="Last position that was not delivered")
    delivered_position: int = Field(description="The position whose delivery revealed the gap")
    filled: int = Field(description="How many events were read from the log to fill it")
    detected_at: Instant = Field(description="When it was met")


class ProjectionView(_View):
    """How far the read model is behind the log, and the gaps it met."""

    checkpoint: int = Field(description="Last log position applied to the read tables")
    log_head: int = Field(description="Last position in the event log")
    lag: int = Field(description="Positions not yet applied")
    gaps_total: int = Field(description="How many gaps were met in all")
    recent_gaps: list[GapView] = Field(description="The latest gaps, newest first")
