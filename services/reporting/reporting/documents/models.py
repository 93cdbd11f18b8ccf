"""What each document shows, exactly: one frozen pydantic model per paper.

The models hold the facts as people read them (names, numbers, dates in WIB); the words a date
is spelled in are computed here (`words.py`), so a template only lays out.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field, computed_field

from reporting.documents.words import date_words, long_date, numeric_date


class _Shown(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Office(_Shown):
    """The office whose heading tops every page."""

    government: str = Field(
        default="Pemerintah Provinsi Kepulauan Bangka Belitung", description="The government"
    )
    name: str = Field(
        default="Dinas Komunikasi dan Informatika", description="The office, as its heading says"
    )
    name_short: str = Field(default="Diskominfo Provinsi Kepulauan Bangka Belitung")
    address: str = Field(
        default="Jalan Pulau Lepar Komplek Perkantoran dan Pemukiman Terpadu Pemerintah Provinsi"
        " Kepulauan Bangka Belitung, Air Itam, Pangkalpinang 33149"
    )
    contact: str = Field(
        default="Telepon 0717 – 426 2141 · Faksimile 0717 – 426 2143 · kominfo.babelprov.go.id"
        " · kominfo@babelprov.go.id"
    )
    city: str = Field(default="Pangkalpinang", description="Where the papers are signed")


class Party(_Shown):
    """A person who signs: name, NIP, position and unit."""

    name: str = Field(description="Full name")
    nip: str = Field(description="NIP, 18 digits")
    position: str = Field(description="Position (Jabatan)")
    unit: str = Field(description="Work unit or agency (Unit)")


class Document(_Shown):
    """What every paper has: the kind, its ticket (if any) and the day it is dated."""

    kind: ClassVar[str]
    template: ClassVar[str]
    title: ClassVar[str]

    dated: date = Field(description="The day the document is dated (WIB)")
    office: Office = Field(default_factory=Office, description="The office's heading")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def place_and_date(self) -> str:
        """ "Pangkalpinang, 7 Desember 2026" above the signatures."""
        return f"{self.office.city}, {long_date(self.dated)}"

    def subject(self) -> str | None:
        """The ticket the document belongs to (None for a register or a monthly report)."""
        return None


class BeritaAcara(Document):
    """The Berita Acara of a finished integration, signed by both parties."""

    kind: ClassVar[str] = "berita-acara"
    template: ClassVar[str] = "berita_acara.typ"
    title: ClassVar[str] = "Berita Acara Penggunaan Sistem Penghubung Layanan Pemerintah Daerah"

    number: str = Field(description="NNN/BA-LIA/SC-05/DISKOMINFO/YYYY")
    ticket_id: str = Field(description="The request's ticket")
    application_name: str = Field(description="The application that was connected")
    mechanism: str = Field(description="The mechanism in words: GSB, API or the other one")
    first_party: Party = Field(description="PIHAK PERTAMA: the Diskominfo official")
    second_party: Party = Field(description="PIHAK KEDUA: the agency's applicant")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def date_in_words(self) -> str:
        """ "Senin tanggal tujuh bulan Desember tahun dua ribu dua puluh enam"."""
        return date_words(self.dated)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def date_in_figures(self) -> str:
        """ "07-12-2026"."""
        return numeric_date(self.dated)

    def subject(self) -> str | None:
        """The ticket."""
        return self.ticket_id


class Contact(_Shown):
    """A responsible person with the contact block of the catalog's forms."""

    name: str = Field(description="Nama")
    nip: str = Field(description="NIP")
    position: str = Field(description="Jabatan")
    unit: str = Field(description="Unit kerja")
    office_address: str = Field(description="Alamat kantor")
    mobile_phone: str = Field(description="Nomor telepon: HP")
    internal_phone: str | None = Field(default=None, description="Nomor telepon: Internal")
    email: str = Field(description="Alamat surat elektronik")


class Signer(_Shown):
    """A Diskominfo officer who signs a form: name and NIP (None: not yet known, a blank line)."""

    name: str = Field(description="Full name")
    nip: str | None = Field(default=None, description="NIP, if recorded")


class OfficerBlock(_Shown):
    """The form's "Diisi oleh petugas" block."""

    ticket_id: str = Field(description="Tiket ID")
    date: str = Field(description="Tanggal, as written on the form (WIB)")
    officer: Signer | None = Field(default=None, description="Petugas, if one registered it")


class RequestForm(Document):
    """The service request form (formulir layanan) as the applicant filled it in."""

    kind: ClassVar[str] = "permohonan"
    template: ClassVar[str] = "permohonan.typ"
    title: ClassVar[str] = "Formulir Permohonan Layanan Penggunaan Sistem Penghubung"

    filled: OfficerBlock = Field(description="Diisi oleh petugas")
    channel: str = Field(description="How it reached the desk, in words")
    received_at: str = Field(description="When it arrived (WIB)")
    applicant: Contact = Field(description="Pemohon")
    echelon: str = Field(description="The applicant's echelon")
    agency: str = Field(description="Perangkat Daerah")
    application_name: str = Field(description="Nama aplikasi")
    application_description: str = Field(description="Deskripsi aplikasi")
    mechanism_available: bool = Field(description="GSB/API/other mechanism present (Ada)")
    mechanism: str = Field(description="The mechanism asked for, in words")
    impact: str = Field(description="Dampak")
    urgency: str = Field(description="Kepentingan")
    priority: str = Field(description="Prioritas, e.g. P2 (tinggi)")

    def subject(self) -> str | None:
        """The ticket."""
        return self.filled.ticket_id


class DispositionLine(_Shown):
    """One hand-down on the disposition sheet."""

    step: str = Field(description="From whom to whom, in words")
    by: str = Field(description="Who disposed")
    by_nip: str | None = Field(default=None, description="Their NIP")
    acting_for: str | None = Field(default=None, description="Plt./Plh. for whom, if a stand-in")
    to: str | None = Field(default=None, description="The officer ordered, when one is named")
    instruction: str = Field(description="Isi disposisi")
    at: str = Field(description="When (WIB)")


class DispositionSheet(Document):
    """The disposition sheet (lembar disposisi): kadis → kabid → prakom → petugas."""

    kind: ClassVar[str] = "disposisi"
    template: ClassVar[str] = "disposisi.typ"
    title: ClassVar[str] = "Lembar Disposisi"

    ticket_id: str = Field(description="Tiket ID")
    agency: str = Field(description="Perangkat Daerah")
    application_name: str = Field(description="Perihal: the application")
    received_at: str = Field(description="Tanggal diterima (WIB)")
    lines: tuple[DispositionLine, ...] = Field(description="The hand-downs, in order")

    def subject(self) -> str | None:
        """The ticket."""
        return self.ticket_id


class FeasibilityForm(Document):
    """What both feasibility-test forms have: the ticket, the application and who signs."""

    filled: OfficerBlock = Field(description="Diisi oleh petugas")
    application_name: str = Field(description="Nama aplikasi")
    applicant: Signer = Field(description="Pemohon (minimal eselon III)")

    def subject(self) -> str | None:
        """The ticket."""
        return self.filled.ticket_id


class VulnerabilityForm(FeasibilityForm):
    """The vulnerability-assessment form as recorded at the feasibility analysis."""

    kind: ClassVar[str] = "uji-kerentanan"
    template: ClassVar[str] = "uji_kerentanan.typ"
    title: ClassVar[str] = "Formulir Layanan Vulnerability Assessment"

    application_ip: str = Field(description="IP Aplikasi")
    database_ip: str | None = Field(default=None, description="IP Database")
    network_ip: str | None = Field(default=None, description="IP Jaringan")
    description: str = Field(description="Deskripsi")
    windows: bool = Field(description="Platform Windows")
    linux: bool = Field(description="Platform Linux")
    unix: bool = Field(description="Platform Unix")
    languages: tuple[str, ...] = Field(default=(), description="Bahasa")
    programs: tuple[str, ...] = Field(default=(), description="Program")
    dbms: tuple[str, ...] = Field(default=(), description="DBMS")
    engines: tuple[str, ...] = Field(default=(), description="Engine")
    applications: tuple[str, ...] = Field(default=(), description="Aplikasi")
    structural_contact: Contact = Field(description="Penanggung Jawab Struktural")
    technical_contact: Contact = Field(description="Penanggung Jawab Teknis")
    has_source_code_or_database: bool = Field(description="Source Code / Database")
    has_installation_manual: bool = Field(description="Dokumen Manual Instalasi")
    has_user_manual: bool = Field(description="Dokumen Manual Penggunaan Aplikasi")
    has_uat_document: bool = Field(description="Dokumen UAT")


class StressForm(FeasibilityForm):
    """The stress-test form as recorded at the feasibility analysis."""

    kind: ClassVar[str] = "uji-beban"
    template: ClassVar[str] = "uji_beban.typ"
    title: ClassVar[str] = "Formulir Uji Beban (Stress Test)"

    max_users_per_day: int = Field(description="Estimasi maksimum jumlah pengguna per hari")
    effective_hours_per_day: int = Field(description="Jumlah jam efektif per hari")
    transaction_seconds: int = Field(description="Estimasi lama transaksi, detik")
    has_test_scenario_document: bool = Field(description="Dokumen Skenario Pengujian")


class Section(_Shown):
    """One titled part of a report."""

    title: str = Field(description="Heading")
    body: str = Field(description="Text")


class Report(Document):
    """The report (Laporan) of a finished request."""

    kind: ClassVar[str] = "laporan"
    template: ClassVar[str] = "laporan.typ"
    title: ClassVar[str] = "Laporan Layanan Penggunaan Sistem Penghubung"

    ticket_id: str = Field(description="Tiket ID")
    agency: str = Field(description="Perangkat Daerah")
    application_name: str = Field(description="Nama aplikasi")
    outcome: str = Field(description="Hasil, in words")
    summary: str = Field(description="Ringkasan")
    sections: tuple[Section, ...] = Field(description="The report's sections")
    written_at: str = Field(description="When it was written (WIB)")
    revised: str | None = Field(
        default=None,
        description="The latest revision after a correction: which, when (WIB) and why",
    )
    berita_acara_number: str | None = Field(default=None, description="Nomor Berita Acara")
    agenda_code: str | None = Field(default=None, description="Nomor buku agenda, once archived")
    officer: Signer | None = Field(default=None, description="Petugas service desk")

    def subject(self) -> str | None:
        """The ticket."""
        return self.ticket_id


class AgendaLine(_Shown):
    """One entry of the agenda book."""

    code: str = Field(description="Nomor agenda")
    date: str = Field(description="Tanggal (WIB)")
    subject: str = Field(description="Perihal")
    agency: str = Field(description="Perangkat Daerah")
    application_name: str = Field(description="Aplikasi")
    berita_acara_number: str | None = Field(default=None, description="Nomor Berita Acara")
    archived_by: str = Field(description="Diarsipkan oleh")


class AgendaBook(Document):
    """A year's (or a month's) agenda book."""

    kind: ClassVar[str] = "buku-agenda"
    template: ClassVar[str] = "buku_agenda.typ"
    title: ClassVar[str] = "Buku Agenda Laporan Layanan Sistem Penghubung"

    period: str = Field(description="Tahun 2026, or Desember 2026")
    entries: tuple[AgendaLine, ...] = Field(description="The entries, by number")


class ComplianceRow(_Shown):
    """One group's clocks settled in the month."""

    label: str = Field(description="The step, agency or officer")
    met: int = Field(description="Clocks met")
    breached: int = Field(description="Clocks breached")
    total: int = Field(description="Clocks settled")
    percent: str = Field(description="Share met, as written (95,0 %), or — when none")
    share: float | None = Field(default=None, description="Share met, 0–100, for the chart")
    taken_over: int = Field(
        default=0, description="Per officer: of the clocks counted, those another held first"
    )
    handed_on: int = Field(
        default=0, description="Per officer: clocks held, handed on and credited to another"
    )


class BreachRow(_Shown):
    """A clock breached in the month."""

    ticket_id: str = Field(description="Tiket ID")
    agency: str = Field(description="Perangkat Daerah")
    step: str = Field(description="The step, in words")
    reason: str = Field(description="Why, in words")


class AvailabilityRow(_Shown):
    """A service's availability in service hours."""

    service: str = Field(description="The service")
    samples: int = Field(description="Samples taken")
    up: int = Field(description="Samples up")
    percent: str = Field(description="Share up, as written")
    meets: str = Field(description="Memenuhi / tidak memenuhi / —")


class SlaMonthlyReport(Document):
    """The month's SLA compliance for the Kadis: by step, agency and officer, breaches,
    availability, with charts."""

    kind: ClassVar[str] = "laporan-sla"
    template: ClassVar[str] = "laporan_sla.typ"
    title: ClassVar[str] = "Laporan Bulanan Kepatuhan SLA"

    month: str = Field(description="The month, e.g. Desember 2026")
    by_step: tuple[ComplianceRow, ...] = Field(description="Per SOP step")
    by_agency: tuple[ComplianceRow, ...] = Field(description="Per agency")
    by_officer: tuple[ComplianceRow, ...] = Field(description="Per officer")
    total: ComplianceRow = Field(description="Every clock of the month")
    breaches: tuple[BreachRow, ...] = Field(description="The clocks breached")
    availability: tuple[AvailabilityRow, ...] = Field(description="Per service and overall")
    availability_target: str = Field(description="The promised availability, e.g. 90 %")
