"""Reporting's HTTP API: the read model of every request, and archiving a report (SOP step 7).

Every read takes `as_of` (a log position or a time): the answer as things stood then
(`app/as_of.py`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

import asyncpg
from fastapi import APIRouter, Body, Depends, Query, Request, Response

from penghubung.events import Role
from penghubung.forms import PlainText
from penghubung.runtime.service import ServiceContext
from penghubung.sop import Step
from penghubung.web.auth import Principal, require
from penghubung.web.errors import ERROR_RESPONSES, refusals
from penghubung.web.idempotency import Idempotent
from penghubung.web.params import Day, Offset, Ticket, Year
from penghubung.web.sheets import (
    RepresentationNotOffered,
    Separator,
    SeparatorQuery,
    TableFormat,
    TableFormatQuery,
    csv_response,
    refuse_unoffered,
    table_format,
    xlsx_response,
)
from reporting.adapters import db, documents_db
from reporting.adapters.http_as_of import AsOfQuery, resolve
from reporting.adapters.views import (
    AgendaBookView,
    AgendaEntry,
    ArchiveBody,
    ArchivedView,
    GapView,
    ProjectionView,
    ReportView,
    RequestPage,
    RequestView,
    TimelineEntry,
    TimelineView,
)
from reporting.app import handlers
from reporting.app.as_of import ReadModel, ReadModels
from reporting.domain.commands import ArchiveReport
from reporting.domain.errors import (
    AlreadyArchived,
    DateRangeReversed,
    ReportMissing,
    ReportNotFound,
    RequestNotFound,
    TooManyRebuilds,
)
from reporting.domain.numbers import office_year
from reporting.projections.progress import Status
from reporting.projections.projector import PROJECTION

STAFF = (Role.KADIS, Role.KABID, Role.PRAKOM, Role.PETUGAS, Role.ADMIN)
"""Diskominfo's people: they see every agency's requests."""

Reader = Annotated[Principal, Depends(require(Role.PEMOHON, *STAFF, Role.AUDITOR))]
OfficeDay = Day | None


def routes(ctx: ServiceContext, reads: ReadModels) -> APIRouter:
    """The reporting API, bound to the service's pool, store and clock, and its read models."""
    api = APIRouter(responses=ERROR_RESPONSES)
    _read_routes(api, ctx, reads)
    _archive_routes(api, ctx)
    return api


def _read_routes(api: APIRouter, ctx: ServiceContext, reads: ReadModels) -> None:
    @api.get(
        "/requests",
        tags=["requests"],
        summary="List requests (filtered, paginated)",
        responses=refusals(DateRangeReversed, TooManyRebuilds),
    )
    async def list_requests(
        principal: Reader,
        response: Response,
        agency: Annotated[
            PlainText | None, Query(max_length=200, description="Only this agency (OPD)")
        ] = None,
        status: Annotated[Status | None, Query(description="Only this status")] = None,
        current_step: Annotated[Step | None, Query(description="Only at this step")] = None,
        received_from: Annotated[OfficeDay, Query(description="Received on/after (WIB)")] = None,
        received_to: Annotated[OfficeDay, Query(description="Received on/before (WIB)")] = None,
        limit: Annotated[int, Query(ge=1, le=200, description="Page size")] = 50,
        offset: Offset = 0,
        as_of: AsOfQuery = None,
    ) -> RequestPage:
        """Requests newest first; an applicant sees their own agency's only."""
        if received_from and received_to and received_from > received_to:
            raise DateRangeReversed()
        where = db.RequestFilter(
            agency=principal.agency_scope() or agency,
            status=status.value if status else None,
            current_step=current_step.value if current_step else None,
            received_from=received_from,
            received_to=received_to,
        )
        moment = await resolve(reads, as_of, response, principal)
        async with reads.open(moment) as read:
            total, rows = await db.list_requests(
                read.conn, where, limit=limit, offset=offset, schema=read.schema
            )
        items = [RequestView.of(r) for r in rows]
        return RequestPage(total=total, limit=limit, offset=offset, items=items)

    @api.get(
        "/requests/{ticket_id}",
        tags=["requests"],
        summary="One request's status",
        responses=refusals(RequestNotFound, TooManyRebuilds),
    )
    async def get_request(
        principal: Reader, ticket_id: Ticket, response: Response, as_of: AsOfQuery = None
    ) -> RequestView:
        """Where the request stands: status, step, holder."""
        async with reads.open(await resolve(reads, as_of, response, principal)) as read:
            return RequestView.of(await _visible(read, principal, ticket_id))

    @api.get(
        "/requests/{ticket_id}/timeline",
        tags=["requests"],
        summary="One request's timeline",
        responses=refusals(RequestNotFound, TooManyRebuilds),
    )
    async def get_timeline(
        principal: Reader, ticket_id: Ticket, response: Response, as_of: AsOfQuery = None
    ) -> TimelineView:
        """Every event of the request, in order, in Bahasa Indonesia."""
        async with reads.open(await resolve(reads, as_of, response, principal)) as read:
            await _visible(read, principal, ticket_id)
            rows = await db.timeline(read.conn, ticket_id, schema=read.schema)
        return TimelineView(ticket_id=ticket_id, entries=[TimelineEntry.of(r) for r in rows])

    @api.get(
        "/requests/{ticket_id}/report",
        tags=["reports"],
        summary="One request's report",
        responses=refusals(
            RequestNotFound, ReportNotFound, RepresentationNotOffered, TooManyRebuilds
        ),
    )
    async def get_report(
        principal: Reader,
        ticket_id: Ticket,
        request: Request,
        response: Response,
        as_of: AsOfQuery = None,
    ) -> ReportView:
        """The report (Laporan) of a finished request, with its archive entry (JSON only: the
        PDF is `/requests/{ticket_id}/documents/laporan.pdf`; another Accept is 406)."""
        refuse_unoffered(request, ("application/json",))
        async with reads.open(await resolve(reads, as_of, response, principal)) as read:
            await _visible(read, principal, ticket_id)
            row = await db.get_report(read.conn, ticket_id, schema=read.schema)
        if row is None:
            raise ReportNotFound(ticket_id)
        return ReportView.of(row)

    @api.get(
        "/agenda-book",
        tags=["reports"],
        summary="One year's agenda book (JSON, CSV or .xlsx)",
        response_model=AgendaBookView,
        responses=refusals(TooManyRebuilds),
    )
    async def get_agenda_book(
        principal: Annotated[Principal, Depends(require(*STAFF, Role.AUDITOR))],
        request: Request,
        response: Response,
        year: Annotated[
            Year | None, Query(description="The year (default: this year, WIB)")
        ] = None,
        fmt: TableFormatQuery = None,
        separator: SeparatorQuery = Separator.COMMA,
        as_of: AsOfQuery = None,
    ) -> AgendaBookView | Response:
        """The archived reports of a year, by number."""
        moment = await resolve(reads, as_of, response, principal)
        year = year or office_year(moment.at if moment else ctx.clock())
        async with reads.open(moment) as read:
            rows = await documents_db.agenda_entries(read.conn, year, None, schema=read.schema)
        entries = [AgendaEntry.of(r) for r in rows]
        chosen = table_format(request, fmt)
        if chosen is not TableFormat.JSON:
            return _agenda_table(year, entries, chosen, separator, dict(response.headers))
        return AgendaBookView(year=year, entries=entries)

    @api.get("/projection", tags=["operations"], summary="The read model's checkpoint and gaps")
    async def get_projection(
        _: Annotated[Principal, Depends(require(Role.AUDITOR, Role.ADMIN))],
    ) -> ProjectionView:
        """How far the read tables are behind the log, and the gaps met on the way."""
        head = await ctx.store.head()
        async with ctx.pool.acquire() as conn:
            checkpoint, count, gaps = await db.projection_status(conn, PROJECTION)
        return ProjectionView(
            checkpoint=checkpoint,
            log_head=head,
            lag=head - checkpoint,
            gaps_total=count,
            recent_gaps=[GapView.model_validate(dict(g)) for g in gaps],
        )


def _archive_routes(api: APIRouter, ctx: ServiceContext) -> None:
    @api.post(
        "/requests/{ticket_id}/archive",
        tags=["reports"],
        status_code=201,
        response_model=ArchivedView,
        summary="Archive the report in the agenda book (SOP step 7)",
        responses=refusals(ReportMissing, AlreadyArchived),
    )
    async def archive(
        principal: Annotated[Principal, Depends(require(Role.PETUGAS))],
        ticket_id: Ticket,
        once: Idempotent,
        body: Annotated[ArchiveBody | None, Body()] = None,
    ) -> dict[str, Any]:
        """Enter the written report in this year's agenda book under the next number."""
        cmd = ArchiveReport(ticket_id=ticket_id, report_ref=body.report_ref if body else None)
        actor = principal.actor()

        async def run(conn: asyncpg.Connection) -> ArchivedView:
            archived = await handlers.archive_report(
                conn,
                cmd,
                actor=actor,
                causation_id=once.key,
                store=ctx.store,
                clock=ctx.clock,
                new_id=ctx.new_id,
            )
            return ArchivedView.model_validate(archived, from_attributes=True)

        return await once.run(ctx.pool, "reporting", actor, cmd, run)


AGENDA_COLUMNS = (
    "nomor",
    "nomor_agenda",
    "tanggal",
    "perihal",
    "perangkat_daerah",
    "aplikasi",
    "nomor_berita_acara",
    "diarsipkan_oleh",
    "tiket_id",
    "referensi_laporan",
)


def _agenda_table(
    year: int,
    entries: list[AgendaEntry],
    chosen: TableFormat,
    separator: Separator,
    headers: dict[str, str],
) -> Response:
    """The agenda book as CSV or .xlsx (moments on the office's clock)."""
    rows = [
        (
            e.number,
            e.code,
            e.archived_at,
            e.subject,
            e.agency,
            e.application_name,
            e.berita_acara_number or "",
            e.archived_by,
            e.ticket_id,
            e.report_ref,
        )
        for e in entries
    ]
    kept = {k: v for k, v in headers.items() if k.lower().startswith("penghubung-")}
    name = f"buku-agenda-{year}"
    if chosen is TableFormat.XLSX:
        return xlsx_response(name, AGENDA_COLUMNS, rows, headers=kept)

    async def each() -> AsyncIterator[tuple[object, ...]]:
        for row in rows:
            yield row

    return csv_response(name, AGENDA_COLUMNS, each(), separator=separator, headers=kept)


async def _visible(read: ReadModel, principal: Principal, ticket_id: str) -> asyncpg.Record:
    """The request's row, if the caller may see it; 404 otherwise (even when it exists)."""
    own = principal.agency_scope()
    row = await db.get_request(read.conn, ticket_id, schema=read.schema)
    if row is None or (own is not None and row["agency_key"] != own):
        raise RequestNotFound(ticket_id)
    return row
