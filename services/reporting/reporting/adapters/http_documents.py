"""The papers over HTTP: a request's documents and the agenda book as PDF, each issue recorded,
and the public page that says whether a paper with a given code was issued, and its hash.

Access is the JSON views' own: an applicant gets only their agency's requests (another
agency's is 404, as if it did not exist); the agenda book is for Diskominfo's staff and auditors.
"""

from __future__ import annotations

import html
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, Response, UploadFile
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field

from penghubung.events import Role
from penghubung.events.documents import Paper
from penghubung.refusals import NotFound
from penghubung.runtime.service import ServiceContext
from penghubung.web.auth import Principal, require
from penghubung.web.errors import ERROR_RESPONSES, refusals
from penghubung.web.params import Instant, Month, Ticket, Year
from reporting.adapters import db, documents_db
from reporting.adapters.views import berita_acara_status
from reporting.app.issue import issue
from reporting.app.papers import DocumentNotReady, NoDirectory, People, TicketFacts, build
from reporting.app.signed import (
    BeritaAcaraMissing,
    ScanTooLarge,
    ScanTypeUnsupported,
    SignedScan,
    receive_signed_berita_acara,
)
from reporting.app.sla_report import sla_monthly_report
from reporting.documents.models import AgendaBook, AgendaLine
from reporting.documents.render import Rendered
from reporting.documents.words import month_label, numeric_date, wib, wib_time
from reporting.domain import labels
from reporting.domain.numbers import office_year
from reporting.settings import ReportingSettings
from reporting.sla.app.handlers import Sla
from reporting.sla.domain.clocks import month_of

STAFF = (Role.KADIS, Role.KABID, Role.PRAKOM, Role.PETUGAS, Role.ADMIN)
Reader = Annotated[Principal, Depends(require(Role.PEMOHON, *STAFF, Role.AUDITOR))]
Registrar = Annotated[Principal, Depends(require(*STAFF, Role.AUDITOR))]
TicketPaper = Literal[
    "permohonan", "disposisi", "uji-kerentanan", "uji-beban", "laporan", "berita-acara"
]
PDF: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}}, "description": "The document as PDF (A4)"}
}


class PaperOffer(BaseModel):
    """One of a request's papers, and whether the request has reached the step it records."""

    model_config = ConfigDict(frozen=True)

    paper: Paper = Field(description="Which document (its name in the URL)")
    label: str = Field(description="The document's name in Bahasa Indonesia")
    ready: bool = Field(description="The facts it records are in the log: it can be issued")
    path: str = Field(description="Where to get it as PDF")
    not_ready_because: str | None = Field(description="What is missing, when not ready")


class PaperOffers(BaseModel):
    """The papers a request can have, at the step it has reached."""

    model_config = ConfigDict(frozen=True)

    ticket_id: str = Field(description="The request")
    papers: list[PaperOffer] = Field(description="In the order of the SOP")


TICKET_PAPERS = (
    Paper.REQUEST_FORM,
    Paper.DISPOSITION_SHEET,
    Paper.VULNERABILITY_TEST,
    Paper.STRESS_TEST,
    Paper.REPORT,
    Paper.BERITA_ACARA,
)


class RequestNotFound(NotFound):
    """No such request, or not the caller's agency's."""

    code = "request_not_found"
    message = "permohonan tidak ditemukan"


class DocumentUnknown(NotFound):
    """No document was ever issued with this code."""

    code = "document_unknown"
    message = "tidak ada dokumen yang diterbitkan dengan kode ini"


class VerifiedView(BaseModel):
    """What the public verify page tells about an issued document: nothing personal."""

    model_config = ConfigDict(frozen=True)

    code: str = Field(description="The code printed on the paper")
    paper: Paper = Field(description="Which document")
    label: str = Field(description="The document's name in Bahasa Indonesia")
    ticket_id: str | None = Field(description="The request it belongs to")
    period: str | None = Field(description="The year or month of a register")
    issued_at: datetime = Field(description="When it was first issued")
    issued_at_wib: str = Field(description="The same, as people read it (WIB)")
    sha256: str = Field(description="SHA-256 of the issued PDF, hex")
    size_bytes: int = Field(description="Size of the issued PDF")
    matches: bool | None = Field(
        description="Whether the `sha256` asked about is the issued one (null: none asked)"
    )


class SignedView(BaseModel):
    """A signed Berita Acara that came back."""

    model_config = ConfigDict(frozen=True)

    ticket_id: str = Field(description="The request")
    berita_acara_number: str = Field(description="The Berita Acara's number")
    returned_at: datetime = Field(description="When the signed copy reached the desk")
    sha256: str = Field(description="SHA-256 of the scan")
    size_bytes: int = Field(description="Size of the scan")
    content_type: str = Field(description="application/pdf or image/jpeg")


class BeritaAcaraStatus(BaseModel):
    """Where a request's Berita Acara stands: numbered, and whether the signed copy is back."""

    model_config = ConfigDict(frozen=True)

    ticket_id: str = Field(description="The request")
    berita_acara_number: str | None = Field(description="Its number, once reserved")
    returned: bool = Field(description="Whether the signed copy came back")
    returned_at: datetime | None = Field(description="When it came back")
    status: str = Field(description="In Bahasa Indonesia, for people")


class OutstandingItem(BaseModel):
    """A request whose signed Berita Acara has not come back."""

    model_config = ConfigDict(frozen=True)

    ticket_id: str = Field(description="The request")
    berita_acara_number: str = Field(description="The Berita Acara's number")
    reserved_at: datetime = Field(description="When the number was given")
    agency: str = Field(description="The agency")
    application_name: str = Field(description="The application")


class Outstanding(BaseModel):
    """The requests whose signed Berita Acara has not come back, oldest first."""

    model_config = ConfigDict(frozen=True)

    total: int = Field(description="How many")
    items: list[OutstandingItem] = Field(description="The requests")


def routes(
    ctx: ServiceContext, sla: Sla, settings: ReportingSettings, *, people: People | None = None
) -> APIRouter:
    """The papers' routes, bound to the service's pool, store, clock and SLA clocks."""
    api = APIRouter(responses=ERROR_RESPONSES)
    directory = people or NoDirectory()

    def deliver(rendered: Rendered, filename: str) -> Response:
        return Response(
            rendered.pdf,
            media_type="application/pdf",
            headers={
                "Content-Disposition": f'inline; filename="{filename}.pdf"',
                "Penghubung-Document-Code": rendered.code,
                "Penghubung-Document-Sha256": rendered.sha256,
            },
        )

    @api.get(
        "/requests/{ticket_id}/documents/{paper}.pdf",
        tags=["documents"],
        summary="One of a request's papers as PDF (issued and recorded)",
        response_class=Response,
        responses=PDF,
    )
    async def request_document(
        principal: Reader,
        ticket_id: Ticket,
        paper: Annotated[TicketPaper, Path(description="Which paper")],
    ) -> Response:
        """The paper rendered from the request's facts in the log, with its QR code."""
        async with ctx.pool.acquire() as conn:
            row = await db.get_request(conn, ticket_id)
            if row is None or not _may_see(principal, row["agency_key"]):
                raise RequestNotFound(f"permohonan {ticket_id} tidak ditemukan")
            envelopes = await documents_db.ticket_envelopes(conn, ticket_id, store=ctx.store)
        facts = TicketFacts(ticket_id, envelopes)
        document = build(Paper(paper), facts, people=directory)
        rendered = await issue(
            document,
            public_url=settings.public_url,
            facts_position=facts.position,
            actor=principal.actor(),
            store=ctx.store,
            clock=ctx.clock,
            new_id=ctx.new_id,
        )
        return deliver(rendered, f"{paper}-{ticket_id}")

    @api.get(
        "/requests/{ticket_id}/documents",
        tags=["documents"],
        summary="Which of a request's papers can be issued now (nothing is issued)",
    )
    async def request_documents(principal: Reader, ticket_id: Ticket) -> PaperOffers:
        """Each paper of the request, ready when the step it records is in the log."""
        async with ctx.pool.acquire() as conn:
            row = await db.get_request(conn, ticket_id)
            if row is None or not _may_see(principal, row["agency_key"]):
                raise RequestNotFound(f"permohonan {ticket_id} tidak ditemukan")
            envelopes = await documents_db.ticket_envelopes(conn, ticket_id, store=ctx.store)
        facts = TicketFacts(ticket_id, envelopes)
        return PaperOffers(
            ticket_id=ticket_id,
            papers=[_offer(paper, facts, ticket_id, directory) for paper in TICKET_PAPERS],
        )

    @api.get(
        "/agenda-book.pdf",
        tags=["documents"],
        summary="A year's or a month's agenda book as PDF (issued and recorded)",
        response_class=Response,
        responses=PDF,
    )
    async def agenda_book_pdf(
        principal: Registrar,
        year: Annotated[
            Year | None, Query(description="The year (default: this year, WIB)")
        ] = None,
        month: Annotated[int | None, Query(ge=1, le=12, description="Only this month")] = None,
    ) -> Response:
        """The archived reports of the period, by number."""
        year = year or office_year(ctx.clock())
        async with ctx.pool.acquire() as conn:
            rows = await documents_db.agenda_entries(conn, year, month)
        book = AgendaBook(
            dated=wib(rows[-1]["archived_at"]).date() if rows else date(year, month or 1, 1),
            period=month_label(year, month) if month else f"Tahun {year}",
            entries=tuple(
                AgendaLine(
                    code=r["code"],
                    date=numeric_date(wib(r["archived_at"]).date()),
                    subject=labels.agenda_subject(
                        r["ticket_id"], r["application_name"], r["agency"]
                    ),
                    agency=r["agency"],
                    application_name=r["application_name"],
                    berita_acara_number=r["berita_acara_number"],
                    archived_by=r["archived_by"],
                )
                for r in rows
            ),
        )
        period = f"{year:04d}-{month:02d}" if month else f"{year:04d}"
        rendered = await issue(
            book,
            public_url=settings.public_url,
            facts_position=max((r["global_position"] for r in rows), default=0),
            period=period,
            actor=principal.actor(),
            store=ctx.store,
            clock=ctx.clock,
            new_id=ctx.new_id,
        )
        return deliver(rendered, f"buku-agenda-{period}")

    @api.get(
        "/verify/{code}",
        tags=["documents"],
        summary="Public: was a paper with this code issued, and what is its hash",
        responses={200: {"content": {"text/html": {}}}},
    )
    async def verify(
        request: Request,
        code: Annotated[str, Path(min_length=1, max_length=40, description="The printed code")],
        sha256: Annotated[
            str | None,
            Query(
                pattern=r"^[0-9a-fA-F]{64}$",
                max_length=64,
                description="The SHA-256 of a copy to check",
            ),
        ] = None,
    ) -> VerifiedView:
        """No token needed: the kind, the ticket, when it was issued and the PDF's SHA-256."""
        async with ctx.pool.acquire() as conn:
            row = await documents_db.issued(conn, code.strip().upper())
        if row is None:
            raise DocumentUnknown()
        paper = Paper(row["paper"])
        view = VerifiedView(
            code=row["code"],
            paper=paper,
            label=paper.label,
            ticket_id=row["ticket_id"],
            period=row["period"],
            issued_at=row["issued_at"],
            issued_at_wib=wib_time(row["issued_at"]),
            sha256=row["sha256"],
            size_bytes=row["size_bytes"],
            matches=None if sha256 is None else sha256.lower() == row["sha256"],
        )
        if "text/html" in request.headers.get("accept", ""):
            return HTMLResponse(_verify_page(view))  # type: ignore[return-value]
        return view

    @api.get(
        "/sla/monthly-report.pdf",
        tags=["documents"],
        summary="The month's SLA report for the Kadis as PDF (issued and recorded)",
        response_class=Response,
        responses=PDF,
    )
    async def sla_monthly_pdf(
        principal: Registrar,
        month: Annotated[
            Month | None, Query(description="The month, YYYY-MM (default: this month, WIB)")
        ] = None,
    ) -> Response:
        """Compliance by step, agency and officer, the breaches and availability, with charts."""
        month = month or month_of(ctx.clock())
        report = await sla_monthly_report(
            sla, ctx.pool, month, target=settings.availability_target_percent, now=ctx.clock()
        )
        rendered = await issue(
            report,
            public_url=settings.public_url,
            facts_position=await ctx.store.head(),
            period=month,
            actor=principal.actor(),
            store=ctx.store,
            clock=ctx.clock,
            new_id=ctx.new_id,
        )
        return deliver(rendered, f"laporan-sla-{month}")

    _signed_routes(api, ctx, settings)
    return api


def _signed_routes(api: APIRouter, ctx: ServiceContext, settings: ReportingSettings) -> None:
    @api.post(
        "/requests/{ticket_id}/berita-acara/signed",
        status_code=201,
        tags=["documents"],
        summary="Upload the scan of the wet-signed Berita Acara (PDF or JPEG)",
        responses=refusals(RequestNotFound, ScanTooLarge, ScanTypeUnsupported, BeritaAcaraMissing),
    )
    async def upload_signed(
        principal: Annotated[Principal, Depends(require(Role.PETUGAS))],
        ticket_id: Ticket,
        file: Annotated[UploadFile, File(description="The scan: PDF or JPEG")],
        returned_at: Annotated[
            Instant | None,
            Form(description="When the signed copy reached the desk (default: now)"),
        ] = None,
    ) -> SignedView:
        """The signed Berita Acara came back: its scan is kept, the fact recorded."""
        async with ctx.pool.acquire() as conn:
            if await db.get_request(conn, ticket_id) is None:
                raise RequestNotFound(f"permohonan {ticket_id} tidak ditemukan")
        content = await file.read(settings.signed_scan_max_bytes + 1)
        signed = await receive_signed_berita_acara(
            SignedScan(ticket_id, _filename(file.filename), content, returned_at),
            max_bytes=settings.signed_scan_max_bytes,
            actor=principal.actor(),
            store=ctx.store,
            clock=ctx.clock,
            new_id=ctx.new_id,
        )
        return SignedView(
            ticket_id=ticket_id,
            berita_acara_number=signed.berita_acara_number,
            returned_at=signed.returned_at,
            sha256=signed.scan.sha256,
            size_bytes=signed.scan.size_bytes,
            content_type=signed.scan.content_type,
        )

    @api.get(
        "/requests/{ticket_id}/berita-acara",
        tags=["documents"],
        summary="Whether the request's signed Berita Acara came back",
    )
    async def get_berita_acara(principal: Reader, ticket_id: Ticket) -> BeritaAcaraStatus:
        """Whether the signed copy came back ("BA ditandatangani dan dikembalikan" and the date)."""
        async with ctx.pool.acquire() as conn:
            row = await db.get_request(conn, ticket_id)
            if row is None or not _may_see(principal, row["agency_key"]):
                raise RequestNotFound(f"permohonan {ticket_id} tidak ditemukan")
            back = await documents_db.berita_acara_return(conn, ticket_id)
        number = row["berita_acara_number"]
        status = berita_acara_status(number, back["returned_at"] if back else None)
        return BeritaAcaraStatus(
            ticket_id=ticket_id,
            berita_acara_number=number,
            returned=back is not None,
            returned_at=back["returned_at"] if back else None,
            status=status or "BA belum dibuat",
        )

    @api.get(
        "/berita-acara/outstanding",
        tags=["documents"],
        summary="Requests whose signed Berita Acara has not come back",
    )
    async def outstanding(_: Registrar) -> Outstanding:
        """Oldest first, for the desk to chase."""
        async with ctx.pool.acquire() as conn:
            rows = await documents_db.unreturned_berita_acara(conn)
        items = [
            OutstandingItem(
                ticket_id=r["ticket_id"],
                berita_acara_number=r["number"],
                reserved_at=r["reserved_at"],
                agency=r["agency"],
                application_name=r["application_name"],
            )
            for r in rows
        ]
        return Outstanding(total=len(items), items=items)


def _offer(paper: Paper, facts: TicketFacts, ticket_id: str, people: People) -> PaperOffer:
    """Whether the paper can be built from the facts (built, not rendered nor recorded)."""
    try:
        build(paper, facts, people=people)
    except DocumentNotReady as missing:
        why: str | None = missing.message
    else:
        why = None
    return PaperOffer(
        paper=paper,
        label=paper.label,
        ready=why is None,
        path=f"/requests/{ticket_id}/documents/{paper.value}.pdf",
        not_ready_because=why,
    )


def _filename(name: str | None) -> str:
    """The uploaded file's own name, without folders or control characters."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    clean = "".join(c for c in base if c.isprintable()).strip()[:200]
    return clean if clean not in {"", ".", ".."} else "berita-acara-ditandatangani"


def _may_see(principal: Principal, key: str) -> bool:
    """Staff and auditors see every request; an applicant their own agency's only."""
    own = principal.agency_scope()
    return own is None or key == own


def _verify_page(view: VerifiedView) -> str:
    """The verify answer as a page for a phone that scanned the QR code."""
    rows = [
        ("Dokumen", view.label),
        ("Kode", view.code),
        ("Tiket ID", view.ticket_id or "—"),
        ("Periode", view.period or "—"),
        ("Diterbitkan", view.issued_at_wib),
        ("SHA-256 berkas PDF", view.sha256),
    ]
    if view.matches is not None:
        rows.append(("Salinan yang diperiksa", "COCOK" if view.matches else "TIDAK COCOK"))
    cells = "".join(
        f"<tr><th>{html.escape(k)}</th><td><code>{html.escape(v)}</code></td></tr>" for k, v in rows
    )
    return (
        '<!doctype html><html lang="id"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Verifikasi dokumen Penghubung</title></head><body>"
        "<h1>Dokumen ini diterbitkan oleh Penghubung</h1>"
        f"<table>{cells}</table>"
        "<p>Bandingkan SHA-256 di atas dengan sidik berkas PDF yang Anda pegang.</p>"
        "</body></html>"
    )
