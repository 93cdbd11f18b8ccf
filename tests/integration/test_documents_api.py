"""A request's papers over HTTP: rendered from the log, each issue recorded with its hash,
verifiable by anyone from the code its QR leads to; another agency's papers are 404."""

from __future__ import annotations

import hashlib
import io
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from openpyxl import load_workbook

from penghubung.bus.consumer import Outcome
from penghubung.events import Role
from penghubung.runtime.service import ServiceContext
from penghubung.settings import ServiceSettings
from penghubung.sop import Channel
from penghubung.testing import pdfs
from penghubung.testing.beds import deliver, serving, without_consumers
from penghubung.testing.histories import AGENCY, KADIS, PETUGAS, PLH, Histories, new_ticket
from penghubung.testing.upstream import Upstream
from penghubung.web.auth import mint_token
from penghubung.web.sheets import WIB, XLSX
from reporting.adapters.subscribers import subscriptions
from reporting.bootstrap import build
from reporting.settings import ReportingSettings

pytestmark = pytest.mark.integration

START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # a Monday, 08:00 WIB
HOUR = timedelta(hours=1)
PROJECTION = "reporting-projection"
REACTIONS = "reporting-reactions"


def unique_agency() -> str:
    return f"Dinas Uji {uuid.uuid4().hex[:8]}"


@dataclass
class Bed:
    """Reporting running without its consumers: the tests hand it the log's events."""

    client: httpx.AsyncClient
    ctx: ServiceContext
    settings: ServiceSettings
    upstream: Upstream

    def auth(self, role: Role, *, agency: str | None = None, name: str = "") -> dict[str, str]:
        token = mint_token(
            self.settings, role=role, name=name or f"Pengguna {role.value}", agency=agency
        )
        return {"Authorization": f"Bearer {token}"}

    async def deliver(self, consumer: str, position: int) -> Outcome:
        subscription = {s.consumer: s for s in subscriptions(self.ctx)}[consumer]
        return await deliver(self.ctx, self.settings, subscription, position)

    async def checkpoint(self) -> int:
        async with self.ctx.pool.acquire() as conn:
            position: int = await conn.fetchval("SELECT position FROM reporting.checkpoint")
        return position

    async def catch_up(self) -> None:
        head = await self.ctx.store.head()
        for position in range(await self.checkpoint() + 1, head + 1):
            assert await self.deliver(PROJECTION, position) is Outcome.HANDLED

    async def submit(self, ticket: str) -> None:
        await Histories(self.upstream).submit(ticket, START, channel=Channel.LETTER)

    async def reported(self) -> str:
        """A request integrated (the kadis's disposition by a Plh), reported, projected."""
        history, ticket = Histories(self.upstream), new_ticket()
        await history.submit(ticket, START, channel=Channel.LETTER)
        await history.chain(ticket, START, START + HOUR, START + 2 * HOUR, stand_in=True)
        await history.analyse(ticket, START + 24 * HOUR)
        done = await history.integrate(ticket, START + 72 * HOUR)
        assert await self.deliver(REACTIONS, done) is Outcome.HANDLED
        await self.catch_up()
        return ticket

    async def archive(self, ticket: str) -> httpx.Response:
        headers = self.auth(Role.PETUGAS, name=PETUGAS.name)
        return await self.client.post(f"/requests/{ticket}/archive", json={}, headers=headers)


@pytest.fixture(scope="module")
async def bed(
    new_database: Callable[[], Awaitable[str]], nats_url: str, run_id: str
) -> AsyncIterator[Bed]:
    settings = ServiceSettings(
        database_url=await new_database(),
        nats_url=nats_url,
        relay_enabled=False,
        stream_name=f"DOCUMENTS_{run_id}",
        subject_prefix=f"test{run_id}.documents",
    )
    async with serving("reporting", settings, without_consumers(build)) as (client, ctx, others):
        yield Bed(client=client, ctx=ctx, settings=settings, upstream=others)


OUTPUT = Path(__file__).resolve().parents[1] / "output" / "documents" / "api"
PAPERS = ("permohonan", "disposisi", "uji-kerentanan", "uji-beban", "laporan", "berita-acara")


async def fetch(bed: Bed, path: str, role: Role = Role.PETUGAS, **params: object) -> bytes:
    agency = params.pop("as_agency", AGENCY if role is Role.PEMOHON else None)
    response = await bed.client.get(
        path, params=params, headers=bed.auth(role, agency=agency, name=PETUGAS.name)
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert (
        response.headers["penghubung-document-sha256"]
        == hashlib.sha256(response.content).hexdigest()
    )
    return response.content


async def test_every_paper_of_an_integrated_request_holds_its_facts(bed: Bed) -> None:
    ticket = await bed.reported()
    texts = {}
    for paper in PAPERS:
        pdf = await fetch(bed, f"/requests/{ticket}/documents/{paper}.pdf")
        pdfs.save_png(pdf, OUTPUT / f"{paper}.png")
        texts[paper] = pdfs.text(pdf)
        assert ticket in "".join(texts[paper].split())
    ba = texts["berita-acara"]
    assert "BA-LIA/SC-05/DISKOMINFO/2026" in ba
    assert "Pada hari ini Kamis tanggal lima bulan Maret tahun dua ribu dua puluh enam" in ba
    assert f"{PLH.name}" in ba  # the Plh disposed for the kadis: PIHAK PERTAMA, titled
    assert "Plh. Kepala Dinas Komunikasi dan Informatika" in ba
    assert AGENCY in ba  # PIHAK KEDUA: the applicant of the agency
    assert "Government Service Bus (GSB)" in ba
    assert KADIS.name in texts["disposisi"]  # the Plh acted for the kadis, named on the sheet
    assert "Mohon ditindaklanjuti" in texts["disposisi"]
    assert "10.10.1.5" in texts["uji-kerentanan"]
    assert "Andi Wijaya" in texts["uji-kerentanan"]
    assert "1.500 pengguna" in texts["uji-beban"]
    assert PETUGAS.name in texts["permohonan"]


async def test_a_paper_is_issued_once_and_verifies_by_its_qr_code(bed: Bed) -> None:
    ticket = await bed.reported()
    first = await fetch(bed, f"/requests/{ticket}/documents/berita-acara.pdf")
    again = await fetch(bed, f"/requests/{ticket}/documents/berita-acara.pdf")
    assert again == first  # the same facts, the same bytes

    (url,) = pdfs.qr_codes(first)
    base = ReportingSettings.of(bed.settings).public_url
    assert url.startswith(f"{base}/verify/")
    code = url.rsplit("/", 1)[1]
    streams = await bed.ctx.store.read_stream(f"reporting-document-{code}")
    assert [e.type for e in streams.events] == ["DocumentIssued"]  # once, for both fetches
    await bed.catch_up()
    timeline = await bed.client.get(f"/requests/{ticket}/timeline", headers=bed.auth(Role.KADIS))
    issued = [e["summary"] for e in timeline.json()["entries"] if e["type"] == "DocumentIssued"]
    assert issued == [f"Berita Acara diterbitkan sebagai PDF, kode verifikasi {code}"]

    public = await bed.client.get(f"/verify/{code}")  # no token
    assert public.status_code == 200, public.text
    shown = public.json()
    assert shown["sha256"] == hashlib.sha256(first).hexdigest()
    assert (shown["paper"], shown["ticket_id"]) == ("berita-acara", ticket)
    assert shown["issued_at_wib"].endswith(" WIB")
    assert shown["matches"] is None
    assert "Siti" not in public.text
    assert "nip" not in public.text.lower()

    checked = await bed.client.get(f"/verify/{code}", params={"sha256": shown["sha256"]})
    assert checked.json()["matches"] is True
    tampered = bytearray(first)
    tampered[len(tampered) // 2] ^= 0x01
    forged = hashlib.sha256(bytes(tampered)).hexdigest()
    refused = await bed.client.get(f"/verify/{code}", params={"sha256": forged})
    assert refused.json()["matches"] is False

    page = await bed.client.get(f"/verify/{code.lower()}", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "COCOK" not in page.text
    assert shown["sha256"] in page.text


async def test_an_unknown_code_is_404_and_a_bad_hash_names_the_field(bed: Bed) -> None:
    unknown = await bed.client.get("/verify/AAAA-BBBB-CCCC")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "document_unknown")
    bad = await bed.client.get("/verify/AAAA-BBBB-CCCC", params={"sha256": "xyz"})
    assert bad.status_code == 422
    assert "sha256" in bad.text


async def test_another_agencys_paper_is_404_and_its_own_is_200(bed: Bed) -> None:
    ticket = await bed.reported()
    own = await fetch(bed, f"/requests/{ticket}/documents/laporan.pdf", Role.PEMOHON)
    assert own.startswith(b"%PDF")
    other = await bed.client.get(
        f"/requests/{ticket}/documents/laporan.pdf",
        headers=bed.auth(Role.PEMOHON, agency=unique_agency()),
    )
    assert (other.status_code, other.json()["code"]) == (404, "request_not_found")


async def test_a_paper_of_a_step_not_reached_is_409_and_an_unknown_kind_422(bed: Bed) -> None:
    ticket = new_ticket()
    await bed.submit(ticket)
    await bed.catch_up()
    form = await fetch(bed, f"/requests/{ticket}/documents/permohonan.pdf")
    assert form.startswith(b"%PDF")
    headers = bed.auth(Role.PETUGAS)
    early = await bed.client.get(f"/requests/{ticket}/documents/berita-acara.pdf", headers=headers)
    assert (early.status_code, early.json()["code"]) == (409, "document_not_ready")
    assert "Berita Acara" in early.json()["message"]
    wrong = await bed.client.get(f"/requests/{ticket}/documents/surat.pdf", headers=headers)
    assert wrong.status_code == 422


async def test_the_agenda_book_as_pdf(bed: Bed) -> None:
    ticket = await bed.reported()
    archived = await bed.archive(ticket)
    assert archived.status_code == 201, archived.text
    await bed.catch_up()
    code = archived.json()["agenda_code"]
    year = await fetch(bed, "/agenda-book.pdf", Role.KADIS, year=2026)
    month = await fetch(bed, "/agenda-book.pdf", Role.AUDITOR, year=2026, month=3)
    pdfs.save_png(year, OUTPUT / "buku-agenda.png")
    assert code in "".join(pdfs.text(year).split())
    assert "Tahun 2026" in pdfs.text(year)
    assert "Maret 2026" in pdfs.text(month)
    refused = await bed.client.get(
        "/agenda-book.pdf", headers=bed.auth(Role.PEMOHON, agency=AGENCY)
    )
    assert refused.status_code == 403


async def test_issued_documents_are_part_of_the_projection_and_its_replay(bed: Bed) -> None:
    ticket = await bed.reported()
    await fetch(bed, f"/requests/{ticket}/documents/permohonan.pdf")
    await bed.catch_up()
    async with bed.ctx.pool.acquire() as conn:
        count = await conn.fetchval(
            "SELECT count(*) FROM reporting.documents WHERE ticket_id = $1", ticket
        )
    assert count == 1


# --- the signed Berita Acara comes back ------------------------------------------------------

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 2048


async def upload(bed: Bed, ticket: str, content: bytes, **form: str) -> httpx.Response:
    return await bed.client.post(
        f"/requests/{ticket}/berita-acara/signed",
        files={"file": ("ba ttd.jpg", content, "image/jpeg")},
        data=form,
        headers=bed.auth(Role.PETUGAS, name=PETUGAS.name),
    )


async def test_a_signed_berita_acara_comes_back_and_leaves_the_outstanding_list(bed: Bed) -> None:
    ticket = await bed.reported()
    staff = bed.auth(Role.KADIS)
    before = (await bed.client.get("/berita-acara/outstanding", headers=staff)).json()
    assert ticket in [i["ticket_id"] for i in before["items"]]
    waiting = await bed.client.get(f"/requests/{ticket}/berita-acara", headers=staff)
    assert waiting.json()["status"] == "BA menunggu tanda tangan dan pengembalian"

    sent = await upload(bed, ticket, JPEG, returned_at="2026-03-09T10:00:00+07:00")
    assert sent.status_code == 201, sent.text
    assert sent.json()["content_type"] == "image/jpeg"
    assert sent.json()["sha256"] == hashlib.sha256(JPEG).hexdigest()
    await bed.catch_up()

    shown = (await bed.client.get(f"/requests/{ticket}/berita-acara", headers=staff)).json()
    assert shown["returned"] is True
    assert shown["status"] == "BA ditandatangani dan dikembalikan pada 09-03-2026"
    after = (await bed.client.get("/berita-acara/outstanding", headers=staff)).json()
    assert ticket not in [i["ticket_id"] for i in after["items"]]
    timeline = await bed.client.get(f"/requests/{ticket}/timeline", headers=staff)
    assert timeline.json()["entries"][-1]["summary"].endswith("ditandatangani dan dikembalikan")
    own = await bed.client.get(
        f"/requests/{ticket}/berita-acara", headers=bed.auth(Role.PEMOHON, agency=AGENCY)
    )
    assert own.json()["returned"] is True
    other = await bed.client.get(
        f"/requests/{ticket}/berita-acara", headers=bed.auth(Role.PEMOHON, agency=unique_agency())
    )
    assert other.status_code == 404


async def test_a_return_time_beyond_the_years_of_the_records_is_refused_naming_it(
    bed: Bed,
) -> None:
    ticket = await bed.reported()
    for when in ("9999-12-31T23:00:00+00:00", "0001-01-01T00:00:00+00:00"):
        refused = await upload(bed, ticket, JPEG, returned_at=when)
        assert refused.status_code == 422, refused.text
        assert refused.json()["field"] == "returned_at", refused.json()


async def test_a_scan_that_is_not_pdf_or_jpeg_or_too_large_is_refused(bed: Bed) -> None:
    ticket = await bed.reported()
    png = await upload(bed, ticket, b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    assert (png.status_code, png.json()["code"], png.json()["field"]) == (
        415,
        "scan_type_unsupported",
        "file",
    )
    big = await upload(
        bed, ticket, JPEG + b"\x00" * ReportingSettings.of(bed.settings).signed_scan_max_bytes
    )
    assert big.status_code == 413
    assert big.json()["code"] == "scan_too_large"
    async with bed.ctx.pool.acquire() as conn:
        kept = await conn.fetchval(
            "SELECT count(*) FROM reporting.scans WHERE storage_key LIKE $1", f"%{ticket}%"
        )
    assert kept == 0


async def test_a_scan_before_the_berita_acara_exists_is_409(bed: Bed) -> None:
    ticket = new_ticket()
    await bed.submit(ticket)
    await bed.catch_up()
    early = await upload(bed, ticket, JPEG)
    assert (early.status_code, early.json()["code"]) == (409, "berita_acara_missing")
    unknown = await upload(bed, new_ticket(), JPEG)
    assert (unknown.status_code, unknown.json()["code"]) == (404, "request_not_found")


async def test_the_monthly_sla_report_as_pdf_for_the_kadis(bed: Bed) -> None:
    ticket = await bed.reported()
    pdf = await fetch(bed, "/sla/monthly-report.pdf", Role.KADIS, month="2026-03")
    pdfs.save_png(pdf, OUTPUT / "laporan-sla.png")
    text = pdfs.text(pdf)
    assert "Laporan Bulanan Kepatuhan SLA" in text
    assert "Maret 2026" in text
    assert "disposisi Kepala Dinas ke Kabid" in text
    assert AGENCY in text
    assert "Ketersediaan layanan" in text
    assert ticket not in text or "melewati" in text  # a ticket is named only for a breach
    refused = await bed.client.get(
        "/sla/monthly-report.pdf", headers=bed.auth(Role.PEMOHON, agency=AGENCY)
    )
    assert refused.status_code == 403
    bad = await bed.client.get(
        "/sla/monthly-report.pdf", params={"month": "2026-13"}, headers=bed.auth(Role.KADIS)
    )
    assert bad.status_code == 422
    assert "month" in bad.text


# --- spreadsheets and representations ---------------------------------------------------------


async def test_the_agenda_book_as_csv_with_either_separator_and_as_xlsx(bed: Bed) -> None:
    ticket = await bed.reported()
    assert (await bed.archive(ticket)).status_code == 201
    await bed.catch_up()
    staff = bed.auth(Role.KABID)
    plain = await bed.client.get("/agenda-book", params={"format": "csv"}, headers=staff)
    assert plain.status_code == 200, plain.text
    assert plain.headers["content-type"] == "text/csv; charset=utf-8"
    header = (
        "nomor,nomor_agenda,tanggal,perihal,perangkat_daerah,aplikasi,nomor_berita_acara,"
        "diarsipkan_oleh,tiket_id,referensi_laporan"
    )
    assert plain.text.splitlines()[0] == header
    assert ticket in plain.text
    semi = await bed.client.get(
        "/agenda-book", params={"format": "csv", "separator": ";"}, headers=staff
    )
    assert semi.text.splitlines()[0] == header.replace(",", ";")

    sheet = await bed.client.get("/agenda-book", params={"format": "xlsx"}, headers=staff)
    assert sheet.headers["content-type"] == XLSX
    rows = list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows())
    assert rows[0][0].value == "nomor"
    mine = next(r for r in rows[1:] if r[8].value == ticket)
    assert isinstance(mine[0].value, int)
    assert mine[0].number_format == "#,##0"
    assert isinstance(mine[2].value, datetime)
    assert mine[2].number_format == "dd-mm-yyyy hh:mm"
    assert mine[3].value.startswith("Laporan integrasi aplikasi")
    as_json = await bed.client.get("/agenda-book", headers=staff)
    archived = next(e for e in as_json.json()["entries"] if e["ticket_id"] == ticket)
    moment = datetime.fromisoformat(archived["archived_at"]).astimezone(WIB).replace(tzinfo=None)
    assert mine[2].value == moment.replace(microsecond=mine[2].value.microsecond)  # WIB


async def test_the_sla_views_as_xlsx_and_as_csv_for_an_indonesian_spreadsheet(bed: Bed) -> None:
    await bed.reported()
    staff = bed.auth(Role.KADIS)
    params = {"month": "2026-03", "by": "agency"}
    sheet = await bed.client.get(
        "/sla/compliance", params={**params, "format": "xlsx"}, headers=staff
    )
    assert sheet.status_code == 200, sheet.text
    rows = list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert rows[0] == (
        *("month", "by", "key", "label", "met", "breached", "total", "percent"),
        *("taken_over", "handed_on"),
    )
    line = next(r for r in rows[1:] if r[2] == AGENCY)
    assert isinstance(line[4], int)
    assert isinstance(line[7], float | int)  # a number the spreadsheet can sum, not text
    semi = await bed.client.get(
        "/sla/compliance", params={**params, "format": "csv", "separator": ";"}, headers=staff
    )
    header, *lines = semi.text.splitlines()
    assert header == "month;by;key;label;met;breached;total;percent;taken_over;handed_on"
    share = next(x for x in lines if AGENCY in x).split(";")[7]
    assert "," in share or share.isdigit()  # a decimal comma, never a point
    assert "." not in share
    wrong = await bed.client.get(
        "/sla/compliance", params={**params, "separator": "|", "format": "csv"}, headers=staff
    )
    assert wrong.status_code == 422
    assert "separator" in wrong.text


async def test_a_representation_not_offered_is_406(bed: Bed) -> None:
    ticket = await bed.reported()
    pdf = await bed.client.get(
        f"/requests/{ticket}/report", headers={**bed.auth(Role.KADIS), "Accept": "application/pdf"}
    )
    assert (pdf.status_code, pdf.json()["code"]) == (406, "representation_not_offered")
    assert "application/json" in pdf.json()["message"]
    fine = await bed.client.get(
        f"/requests/{ticket}/report",
        headers={**bed.auth(Role.KADIS), "Accept": "application/json, application/pdf;q=0.5"},
    )
    assert fine.status_code == 200
    anything = await bed.client.get(
        f"/requests/{ticket}/report", headers={**bed.auth(Role.KADIS), "Accept": "*/*"}
    )
    assert anything.status_code == 200


async def test_the_papers_offered_follow_the_step_the_request_reached(bed: Bed) -> None:
    ticket = new_ticket()
    await bed.submit(ticket)
    await bed.catch_up()
    headers = bed.auth(Role.PEMOHON, agency=AGENCY)
    early = await bed.client.get(f"/requests/{ticket}/documents", headers=headers)
    reported = await bed.reported()
    late = await bed.client.get(f"/requests/{reported}/documents", headers=headers)
    other = bed.auth(Role.PEMOHON, agency=unique_agency())
    hidden = await bed.client.get(f"/requests/{reported}/documents", headers=other)

    assert early.status_code == 200, early.text
    offered = {p["paper"]: p for p in early.json()["papers"]}
    assert list(offered) == list(PAPERS)
    assert offered["permohonan"]["ready"] is True
    assert offered["permohonan"]["path"] == f"/requests/{ticket}/documents/permohonan.pdf"
    assert offered["berita-acara"]["ready"] is False
    assert offered["berita-acara"]["not_ready_because"]
    assert all(p["ready"] for p in late.json()["papers"]), late.json()
    assert hidden.status_code == 404
