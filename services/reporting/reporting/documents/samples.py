"""One filled-in document of each kind, with made-up people: for the tests' page images and the
benchmark's render times."""

from __future__ import annotations

from datetime import date

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
                    label="Budi Santoso, A.Md.",
                    met=5,
                    breached=5,
                    total=10,
                    percent="50,0 %",
                    handed_on=1,
                ),
                ComplianceRow(
                    label="Rina Wulandari, S.Kom.",
                    met=2,
                    breached=0,
                    total=2,
                    percent="100,0 %",
                    taken_over=1,
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
