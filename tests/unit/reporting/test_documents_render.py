"""Each document renders to an A4 PDF that holds every fact it was given, byte for byte the same
each time, with a QR code that leads to its verify page.

Page 1 of each is saved under tests/output/documents/ for a person to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest

from penghubung.testing import pdfs
from reporting.documents.models import (
    AgendaBook,
    AgendaLine,
    AvailabilityRow,
    BeritaAcara,
    BreachRow,
    ComplianceRow,
    Contact,
    DispositionLine,
    DispositionSheet,
    Document,
    OfficerBlock,
    Party,
    Report,
    RequestForm,
    Section,
    Signer,
    SlaMonthlyReport,
    StressForm,
    VulnerabilityForm,
)
from reporting.documents.render import render, verify_code

PUBLIC = "https://penghubung.babelprov.go.id"
OUTPUT = Path(__file__).resolve().parents[2] / "output" / "documents"

KADIS = Party(
    name="Dr. Sudarman, S.Kom., M.Si.",
    nip="197001011995031001",
    position="Kepala Dinas Komunikasi dan Informatika",
    unit="Dinas Komunikasi dan Informatika Provinsi Kepulauan Bangka Belitung",
)
APPLICANT = Party(
    name="Rina Marlina, S.E.",
    nip="198003152005012002",
    position="Kepala Badan Kepegawaian Daerah",
    unit="Badan Kepegawaian Daerah",
)


CONTACT = Contact(
    name="Rina Marlina, S.E.",
    nip="198003152005012002",
    position="Kepala Badan Kepegawaian Daerah",
    unit="Badan Kepegawaian Daerah",
    office_address="Jl. Pulau Bangka, Air Itam, Pangkalpinang",
    mobile_phone="0821-8064-0997",
    internal_phone="2141",
    email="rina@babelprov.go.id",
)
TECHNICAL = Contact(
    name="Andi Pratama, S.Kom.",
    nip="199001012015031003",
    position="Pranata Komputer Ahli Muda",
    unit="Bidang Data dan Informasi",
    office_address="Jl. Pulau Bangka, Air Itam, Pangkalpinang",
    mobile_phone="0812-7788-9900",
    email="andi@babelprov.go.id",
)
PETUGAS = Signer(name="Budi Santoso, A.Md.", nip="199212312019032002")
FILLED = OfficerBlock(ticket_id="SC05-2026-00007", date="02-03-2026 09.15 WIB", officer=PETUGAS)


def samples() -> dict[str, Document]:
    """One filled-in document of each kind."""
    return {
        "permohonan": RequestForm(
            dated=date(2026, 3, 2),
            filled=FILLED,
            channel="surat",
            received_at="02-03-2026 09.15 WIB",
            applicant=CONTACT,
            echelon="III.a",
            agency="Badan Kepegawaian Daerah",
            application_name="SIMPEG Provinsi",
            application_description="Sistem informasi kepegawaian untuk seluruh OPD provinsi",
            mechanism_available=True,
            mechanism="Application Programming Interface (API)",
            impact="tinggi",
            urgency="sedang",
            priority="P2 (tinggi)",
        ),
        "disposisi": DispositionSheet(
            dated=date(2026, 3, 2),
            ticket_id="SC05-2026-00007",
            agency="Badan Kepegawaian Daerah",
            application_name="SIMPEG Provinsi",
            received_at="02-03-2026 09.15 WIB",
            lines=(
                DispositionLine(
                    step="Kepala Dinas Kominfo → Kabid eGov",
                    by="Hendra Wijaya, S.T.",
                    by_nip="197505052000031004",
                    acting_for="Plt. Kepala Dinas Kominfo untuk Dr. Sudarman, S.Kom., M.Si.",
                    to="Kabid eGov",
                    instruction="Mohon ditindaklanjuti sesuai SOP",
                    at="02-03-2026 09.40 WIB",
                ),
                DispositionLine(
                    step="Prakom → Petugas service desk",
                    by="Sari Dewi, S.Kom.",
                    by_nip="198807072010012005",
                    to="Budi Santoso, A.Md.",
                    instruction="Lakukan analisis kelayakan",
                    at="02-03-2026 10.20 WIB",
                ),
            ),
        ),
        "uji-kerentanan": VulnerabilityForm(
            dated=date(2026, 3, 5),
            filled=FILLED,
            application_name="SIMPEG Provinsi",
            applicant=Signer(name=CONTACT.name, nip=CONTACT.nip),
            application_ip="10.20.30.40",
            database_ip="10.20.30.41",
            network_ip="10.20.30.0/24",
            description="Aplikasi web kepegawaian",
            windows=False,
            linux=True,
            unix=False,
            languages=("PHP", "JavaScript"),
            programs=("Laravel",),
            dbms=("PostgreSQL",),
            engines=("nginx",),
            applications=("Redis",),
            structural_contact=CONTACT,
            technical_contact=TECHNICAL,
            has_source_code_or_database=True,
            has_installation_manual=True,
            has_user_manual=False,
            has_uat_document=True,
        ),
        "uji-beban": StressForm(
            dated=date(2026, 3, 5),
            filled=FILLED,
            application_name="SIMPEG Provinsi",
            applicant=Signer(name=CONTACT.name, nip=CONTACT.nip),
            max_users_per_day=2500,
            effective_hours_per_day=8,
            transaction_seconds=45,
            has_test_scenario_document=True,
        ),
        "laporan": Report(
            dated=date(2026, 3, 20),
            ticket_id="SC05-2026-00007",
            agency="Badan Kepegawaian Daerah",
            application_name="SIMPEG Provinsi",
            outcome="terintegrasi",
            summary="Integrasi aplikasi SIMPEG Provinsi telah selesai melalui API.",
            sections=(
                Section(title="Analisis kelayakan", body="Aplikasi layak diintegrasikan."),
                Section(title="Implementasi integrasi sistem", body="Endpoint /pegawai terbit."),
            ),
            written_at="20-03-2026 14.05 WIB",
            berita_acara_number="007/BA-LIA/SC-05/DISKOMINFO/2026",
            agenda_code="012/AGENDA/SC-05/2026",
            officer=PETUGAS,
        ),
        "laporan-sla": SlaMonthlyReport(
            dated=date(2026, 11, 30),
            month="November 2026",
            by_step=(
                ComplianceRow(
                    label="disposisi Kepala Dinas ke Kabid",
                    met=18,
                    breached=2,
                    total=20,
                    percent="90,0 %",
                    share=90.0,
                ),
                ComplianceRow(
                    label="analisis kelayakan",
                    met=7,
                    breached=5,
                    total=12,
                    percent="58,3 %",
                    share=58.3,
                ),
            ),
            by_agency=(
                ComplianceRow(
                    label="Dinas Kesehatan", met=25, breached=7, total=32, percent="78,1 %"
                ),
            ),
            by_officer=(
                ComplianceRow(
                    label="Budi Santoso, A.Md.", met=7, breached=5, total=12, percent="58,3 %"
                ),
            ),
            total=ComplianceRow(
                label="semua", met=25, breached=7, total=32, percent="78,1 %", share=78.1
            ),
            breaches=(
                BreachRow(
                    ticket_id="SC05-2026-00031",
                    agency="Dinas Kesehatan",
                    step="analisis kelayakan",
                    reason="melewati baku mutu 4 hari kerja sebesar 3 jam 10 menit waktu kerja",
                ),
            ),
            availability=(
                AvailabilityRow(
                    service="intake", samples=1440, up=1420, percent="98,6 %", meets="memenuhi"
                ),
                AvailabilityRow(
                    service="semua", samples=5760, up=5600, percent="97,2 %", meets="memenuhi"
                ),
            ),
            availability_target="90 %",
        ),
        "buku-agenda": AgendaBook(
            dated=date(2026, 12, 31),
            period="Tahun 2026",
            entries=(
                AgendaLine(
                    code="012/AGENDA/SC-05/2026",
                    date="20-03-2026",
                    subject="Laporan integrasi aplikasi SIMPEG Provinsi",
                    agency="Badan Kepegawaian Daerah",
                    application_name="SIMPEG Provinsi",
                    berita_acara_number="007/BA-LIA/SC-05/DISKOMINFO/2026",
                    archived_by="Budi Santoso, A.Md.",
                ),
            ),
        ),
        "berita-acara": BeritaAcara(
            dated=date(2026, 12, 7),
            number="007/BA-LIA/SC-05/DISKOMINFO/2026",
            ticket_id="SC05-2026-00007",
            application_name="SIMPEG Provinsi",
            mechanism="Application Programming Interface (API)",
            first_party=KADIS,
            second_party=APPLICANT,
        ),
    }


SAMPLES = samples()


def shown_values(value: Any, key: str = "") -> Iterator[tuple[str, str]]:
    """Every text and number a document's model holds, with where it sits."""
    if isinstance(value, dict):
        for k, v in value.items():
            if k not in {"office", "dated"}:
                yield from shown_values(v, f"{key}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from shown_values(v, f"{key}[{i}]")
    elif isinstance(value, str) and value:
        yield key, value
    elif isinstance(value, int) and not isinstance(value, bool):
        yield key, f"{value:,}".replace(",", ".")  # as Indonesians write it: 2.500


@pytest.fixture(scope="module", params=sorted(SAMPLES))
def issued(request: pytest.FixtureRequest) -> tuple[str, Document, bytes]:
    document = SAMPLES[request.param]
    pdf = render(document, public_url=PUBLIC).pdf
    pdfs.save_png(pdf, OUTPUT / f"{request.param}.png")
    return request.param, document, pdf


def test_the_pdf_holds_every_fact(issued: tuple[str, Document, bytes]) -> None:
    _, document, pdf = issued
    text = pdfs.text(pdf)
    unwrapped = "".join(text.split())  # table cells wrap long values over lines
    missing = [
        (where, value)
        for where, value in shown_values(document.model_dump(mode="json"))
        if "".join(value.split()) not in unwrapped
    ]
    assert missing == []
    assert document.place_and_date in text


def test_the_pages_are_a4(issued: tuple[str, Document, bytes]) -> None:
    _, _, pdf = issued
    doc = pdfium.PdfDocument(pdf)
    try:
        sizes = {tuple(round(x) for x in doc[i].get_size()) for i in range(len(doc))}
    finally:
        doc.close()
    assert sizes in ({(595, 842)}, {(842, 595)})  # A4, the agenda book across


def test_a_second_render_is_byte_identical(issued: tuple[str, Document, bytes]) -> None:
    _, document, pdf = issued
    assert render(document, public_url=PUBLIC).pdf == pdf


def test_the_qr_code_leads_to_the_verify_page(issued: tuple[str, Document, bytes]) -> None:
    _, document, pdf = issued
    url = f"{PUBLIC}/verify/{verify_code(document)}"
    assert pdfs.qr_codes(pdf) == [url]
    assert verify_code(document) in pdfs.text(pdf)


def test_other_facts_give_another_code_and_other_bytes() -> None:
    ba = SAMPLES["berita-acara"]
    assert isinstance(ba, BeritaAcara)
    changed = ba.model_copy(update={"application_name": "SIMPEG Provinsi v2"})
    assert verify_code(changed) != verify_code(ba)
    assert render(changed, public_url=PUBLIC).sha256 != render(ba, public_url=PUBLIC).sha256


def test_the_berita_acara_spells_its_date_out() -> None:
    text = pdfs.text(render(SAMPLES["berita-acara"], public_url=PUBLIC).pdf)
    assert (
        "Pada hari ini Senin tanggal tujuh bulan Desember tahun dua ribu dua puluh enam"
        " (07-12-2026)" in text
    )
    assert "Selanjutnya disebut PIHAK PERTAMA" in text
    assert "Selanjutnya disebut PIHAK KEDUA" in text
    assert "RFC (request for change)" in text
