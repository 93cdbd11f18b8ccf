"""The value objects of the SC-05/EGOTIK/2023 forms: NIP, people, choices and the three forms."""

from __future__ import annotations

import ipaddress
import re
from datetime import date
from enum import StrEnum
from typing import Annotated, Self
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)


class FormValueError(ValueError):
    """A value a person typed is wrong: a Bahasa Indonesia message plus a stable code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class _ValueObject(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# --- text, identifiers and contact details -------------------------------------------------


def check_no_nul(value: str) -> str:
    """Refuse U+0000: PostgreSQL keeps no NUL character in text or jsonb."""
    if "\x00" in value:
        raise FormValueError("nul_character", "teks tidak boleh memuat karakter NUL (U+0000)")
    return value


PlainText = Annotated[str, AfterValidator(check_no_nul)]
"""Any text that can be stored (a search filter, a free value)."""

Text = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(check_no_nul),
]
"""A short non-empty line of text (a name, a position, a unit)."""

LongText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=5000),
    AfterValidator(check_no_nul),
]
"""A non-empty paragraph (a description, notes, an instruction)."""


_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def check_iso_date(value: object) -> object:
    """Let only a date or `YYYY-MM-DD` through: pydantic reads a number as a Unix time."""
    if isinstance(value, date) or (isinstance(value, str) and _ISO_DATE.match(value)):
        return value
    raise FormValueError("date_format", "tanggal harus berbentuk TTTT-BB-HH, misalnya 2026-12-24")


IsoDate = Annotated[date, BeforeValidator(check_iso_date)]
"""A calendar date written `YYYY-MM-DD` (never `0`, which would be 1 January 1970)."""


def check_nip(value: str) -> str:
    """Check an 18-digit NIP: birth date, appointment month after birth, sex code, sequence.

    Spaces are allowed between the groups (`19800101 200501 1 001`) and removed.
    """
    nip = value.replace(" ", "")
    if len(nip) != 18 or not (nip.isascii() and nip.isdigit()):
        raise FormValueError("nip_format", "NIP harus 18 digit angka")
    birth = _nip_birth_date(nip[:8])
    appointed_year, appointed_month = int(nip[8:12]), int(nip[12:14])
    if appointed_year < 1900 or not 1 <= appointed_month <= 12:
        raise FormValueError("nip_appointment", "bulan pengangkatan pada NIP tidak valid")
    if (appointed_year, appointed_month) <= (birth.year, birth.month):
        raise FormValueError(
            "nip_appointment_before_birth", "bulan pengangkatan pada NIP harus sesudah bulan lahir"
        )
    if nip[14] not in "12":
        raise FormValueError("nip_sex", "kode jenis kelamin pada NIP harus 1 atau 2")
    if nip[15:] == "000":
        raise FormValueError("nip_sequence", "nomor urut pada NIP tidak boleh 000")
    return nip


def _nip_birth_date(digits: str) -> date:
    try:
        birth = date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise FormValueError("nip_birth_date", "tanggal lahir pada NIP tidak valid") from None
    if birth.year < 1900:
        raise FormValueError("nip_birth_date", "tanggal lahir pada NIP tidak valid")
    return birth


Nip = Annotated[str, AfterValidator(check_nip)]
"""A civil servant's number (Nomor Induk Pegawai), 18 digits, stored without spaces."""

_EMAIL = re.compile(r"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)+$")
_MOBILE = re.compile(r"^(\+62|62|0)8[0-9]{7,11}$")
_PHONE_SEPARATORS = re.compile(r"[\s\-.()]")


def check_email(value: str) -> str:
    """Check the shape of an e-mail address (local@domain.tld); no look-up is done."""
    email = value.strip()
    if len(email) > 254 or not _EMAIL.match(email):
        raise FormValueError("email", "alamat surat elektronik tidak valid")
    return email


def check_mobile(value: str) -> str:
    """Check an Indonesian mobile number (08…, 628…, +628…); separators are allowed."""
    mobile = value.strip()
    if not _MOBILE.match(_PHONE_SEPARATORS.sub("", mobile)):
        raise FormValueError("mobile", "nomor HP tidak valid (contoh: 0821-8064-0997)")
    return mobile


Email = Annotated[str, AfterValidator(check_email)]
"""An e-mail address ("alamat surat elektronik")."""

MobilePhone = Annotated[str, AfterValidator(check_mobile)]
"""An Indonesian mobile phone number ("HP")."""

InternalPhone = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=30),
    AfterValidator(check_no_nul),
]
"""An office phone or extension ("Internal"), free text."""


_TICKET_ID = re.compile(r"^SC05-[0-9]{4}-[0-9]{5,}$")


def check_ticket_id(value: str) -> str:
    """Check a ticket id of the form `SC05-YYYY-NNNNN`."""
    if not _TICKET_ID.match(value):
        raise FormValueError("ticket_id", "Tiket ID harus berbentuk SC05-TTTT-NNNNN")
    return value


def format_ticket_id(year: int, sequence: int) -> str:
    """The ticket id of the `sequence`-th request of `year`: `SC05-2026-00001`."""
    return f"SC05-{year:04d}-{sequence:05d}"


TicketId = Annotated[str, AfterValidator(check_ticket_id)]
"""The request's id ("Tiket ID"), e.g. `SC05-2026-00001`."""


class ContactPerson(_ValueObject):
    """A responsible official with the contact block the catalog's forms ask for."""

    name: Text = Field(description="Full name (Nama)")
    nip: Nip = Field(description="Civil-servant number (NIP), 18 digits")
    position: Text = Field(description="Position (Jabatan)")
    work_unit: Text = Field(description="Work unit (Unit kerja)")
    office_address: LongText = Field(description="Office address (Alamat kantor)")
    mobile_phone: MobilePhone = Field(description="Mobile phone number (HP)")
    internal_phone: InternalPhone | None = Field(
        default=None, description="Office phone or extension (Internal), if any"
    )
    email: Email = Field(description="E-mail address (Alamat surat elektronik)")


class Officer(_ValueObject):
    """A Diskominfo officer named on a form or a disposition: NIP and name."""

    nip: Nip = Field(description="The officer's NIP")
    name: Text = Field(description="The officer's full name")


# --- echelon -------------------------------------------------------------------------------


class Echelon(StrEnum):
    """A structural echelon (eselon), from I.a (highest) to V.a (lowest)."""

    I_A = "I.a"
    I_B = "I.b"
    II_A = "II.a"
    II_B = "II.b"
    III_A = "III.a"
    III_B = "III.b"
    IV_A = "IV.a"
    IV_B = "IV.b"
    V_A = "V.a"

    @property
    def level(self) -> int:
        """The echelon's level as a number: 1 for I.a/I.b … 5 for V.a."""
        return ("I", "II", "III", "IV", "V").index(self.value.split(".")[0]) + 1

    def is_at_least_iii(self) -> bool:
        """Whether an official of this echelon may apply (the catalog asks for at least III)."""
        return self.level <= 3


def check_applicant_echelon(value: Echelon) -> Echelon:
    """Refuse an applicant below echelon III."""
    if not value.is_at_least_iii():
        raise FormValueError("echelon", "pemohon minimal pejabat eselon III")
    return value


class Applicant(ContactPerson):
    """The requesting official (Pemohon) of a regional agency: at least echelon III."""

    echelon: Annotated[Echelon, AfterValidator(check_applicant_echelon)] = Field(
        description="The applicant's echelon; I, II or III (IV and V are refused)"
    )
    agency: Text = Field(description="The regional agency (Perangkat Daerah / OPD) applying")


# --- choices -------------------------------------------------------------------------------


class Mechanism(StrEnum):
    """How an application is connected: the Government Service Bus, an API, or another way."""

    GSB = "gsb"
    API = "api"
    OTHER = "lainnya"


class MechanismChoice(_ValueObject):
    """A mechanism; when it is "lainnya" the other mechanism must be named."""

    kind: Mechanism = Field(description="GSB, API or another mechanism (lainnya)")
    other_description: Text | None = Field(
        default=None, description="The other mechanism, in words; only and always for 'lainnya'"
    )

    @model_validator(mode="after")
    def _other_named(self) -> Self:
        if self.kind is Mechanism.OTHER and self.other_description is None:
            raise FormValueError("mechanism_other", "sebutkan mekanisme integrasi lainnya")
        if self.kind is not Mechanism.OTHER and self.other_description is not None:
            raise FormValueError(
                "mechanism_other", "keterangan mekanisme hanya diisi bila memilih 'lainnya'"
            )
        return self


class Impact(StrEnum):
    """How much of the agency's work the request touches (dampak)."""

    LOW = "rendah"
    MEDIUM = "sedang"
    HIGH = "tinggi"


class Urgency(StrEnum):
    """How soon the agency needs it (kepentingan)."""

    LOW = "rendah"
    MEDIUM = "sedang"
    HIGH = "tinggi"


class Priority(StrEnum):
    """Handling priority, P1 (kritis) to P4 (rendah)."""

    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"

    @property
    def label(self) -> str:
        """The priority in Bahasa Indonesia, for people."""
        return {"P1": "kritis", "P2": "tinggi", "P3": "sedang", "P4": "rendah"}[self.value]


_PRIORITY_MATRIX: dict[tuple[Impact, Urgency], Priority] = {
    (Impact.HIGH, Urgency.HIGH): Priority.P1,
    (Impact.HIGH, Urgency.MEDIUM): Priority.P2,
    (Impact.HIGH, Urgency.LOW): Priority.P3,
    (Impact.MEDIUM, Urgency.HIGH): Priority.P2,
    (Impact.MEDIUM, Urgency.MEDIUM): Priority.P3,
    (Impact.MEDIUM, Urgency.LOW): Priority.P4,
    (Impact.LOW, Urgency.HIGH): Priority.P3,
    (Impact.LOW, Urgency.MEDIUM): Priority.P4,
    (Impact.LOW, Urgency.LOW): Priority.P4,
}


def priority(impact: Impact, urgency: Urgency) -> Priority:
    """The priority of a request by impact × urgency (the catalog: "dampak dan kepentingan").

    ```
    impact \\ urgency   tinggi  sedang  rendah
    tinggi              P1      P2      P3
    sedang              P2      P3      P4
    rendah              P3      P4      P4
    ```
    """
    return _PRIORITY_MATRIX[(impact, urgency)]


class Channel(StrEnum):
    """How a request reached the service desk (the catalog's "mekanisme permintaan")."""

    PORTAL = "portal"
    EMAIL = "email"
    LETTER = "surat"
    PHONE = "telepon"
    CHAT = "chat"
    WALK_IN = "langsung"


class Difficulty(StrEnum):
    """The difficulty of a request, which sets the working days the SLA allows."""

    LOW = "rendah"
    MEDIUM = "sedang"
    HIGH = "tinggi"

    @property
    def feasibility_days(self) -> int:
        """Working days for the feasibility analysis: 3, 4 or 5."""
        return {"rendah": 3, "sedang": 4, "tinggi": 5}[self.value]

    @property
    def implementation_days(self) -> int:
        """Working days for the integration: 5, 10 or 15."""
        return {"rendah": 5, "sedang": 10, "tinggi": 15}[self.value]


class Step(StrEnum):
    """The steps of the SOP, in order (DESIGN §2)."""

    SUBMIT = "submit"
    DISPOSE_KABID = "dispose_kabid"
    DISPOSE_PRAKOM = "dispose_prakom"
    DISPOSE_PETUGAS = "dispose_petugas"
    FEASIBILITY = "feasibility"
    IMPLEMENTATION = "implementation"
    REPORT = "report"
    ARCHIVE = "archive"


class DocumentKind(StrEnum):
    """The papers a disposition needs ("kelengkapan" in the SOP)."""

    REQUEST_LETTER = "surat_permohonan"
    KADIS_DISPOSITION = "disposisi_kadis"
    KABID_DISPOSITION = "disposisi_kabid"


_REQUIRED_DOCUMENTS: dict[Step, frozenset[DocumentKind]] = {
    Step.DISPOSE_KABID: frozenset({DocumentKind.REQUEST_LETTER}),
    Step.DISPOSE_PRAKOM: frozenset({DocumentKind.REQUEST_LETTER, DocumentKind.KADIS_DISPOSITION}),
    Step.DISPOSE_PETUGAS: frozenset(DocumentKind),
}


def required_documents(step: Step) -> frozenset[DocumentKind]:
    """The papers the SOP requires at a disposition step (none at the other steps)."""
    return _REQUIRED_DOCUMENTS.get(step, frozenset())


class StandIn(StrEnum):
    """How a stand-in holds the role: Pelaksana Tugas (Plt) or Pelaksana Harian (Plh)."""

    PLT = "plt"
    PLH = "plh"


# --- attachments ---------------------------------------------------------------------------


class AttachmentKind(StrEnum):
    """What an uploaded file is: the signed request letter, or anything else."""

    REQUEST_LETTER = "surat_permohonan"
    OTHER = "lainnya"


_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_CONTENT_TYPE = re.compile(r"^[A-Za-z0-9][\w.+\-]*/[A-Za-z0-9][\w.+\-]*$")


def check_sha256(value: str) -> str:
    """Check a SHA-256 digest in hex; stored in lower case."""
    digest = value.strip().lower()
    if not _SHA256.match(digest):
        raise FormValueError("sha256", "sidik SHA-256 harus 64 karakter heksadesimal")
    return digest


def check_filename(value: str) -> str:
    """Check a bare file name: no folders, not `.` or `..`."""
    if "/" in value or "\\" in value or value in {".", ".."}:
        raise FormValueError("filename", "nama berkas tidak boleh memuat folder")
    return value


def check_content_type(value: str) -> str:
    """Check a media type such as `application/pdf`."""
    if not _CONTENT_TYPE.match(value):
        raise FormValueError("content_type", "jenis berkas (content type) tidak valid")
    return value.lower()


class Attachment(_ValueObject):
    """Metadata of an uploaded file; the bytes live in storage under `storage_key`."""

    kind: AttachmentKind = Field(description="What the file is (surat_permohonan, lainnya)")
    filename: Annotated[Text, AfterValidator(check_filename)] = Field(
        description="The file name as uploaded, without folders"
    )
    content_type: Annotated[Text, AfterValidator(check_content_type)] = Field(
        description="Media type, e.g. application/pdf"
    )
    size_bytes: int = Field(ge=1, description="Size of the file in bytes")
    sha256: Annotated[str, AfterValidator(check_sha256)] = Field(
        description="SHA-256 of the file's bytes, 64 lower-case hex characters"
    )
    storage_key: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)
    ] = Field(description="Where the bytes are stored (object key)")


# --- the request form ----------------------------------------------------------------------


class ApplicationInfo(_ValueObject):
    """The application the agency wants connected."""

    name: Text = Field(description="Name of the application (Nama aplikasi)")
    description: LongText = Field(description="What the application does (Deskripsi)")


class ServiceRequestForm(_ValueObject):
    """The service request form of SC-05/EGOTIK/2023 ("formulir layanan")."""

    applicant: Applicant = Field(description="The requesting official (Pemohon), echelon ≥ III")
    application: ApplicationInfo = Field(description="The application to connect")
    mechanism_available: bool = Field(
        description="Form item 3: the application has a GSB, API or other mechanism (Ada)"
    )
    mechanism: MechanismChoice = Field(description="The integration mechanism asked for")
    impact: Impact = Field(description="Impact (dampak) as stated by the applicant")
    urgency: Urgency = Field(description="Urgency (kepentingan) as stated by the applicant")


# --- the feasibility forms -----------------------------------------------------------------


def check_ip_address(value: str) -> str:
    """Check an IPv4 or IPv6 address; stored in its canonical form."""
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        raise FormValueError("ip_address", f"alamat IP tidak valid: {value}") from None


def check_ip_network(value: str) -> str:
    """Check an IP address or a network in CIDR form (`10.0.0.0/24`, host bits clear)."""
    text = value.strip()
    if "/" not in text:
        return check_ip_address(text)
    try:
        return str(ipaddress.ip_network(text, strict=True))
    except ValueError:
        raise FormValueError("ip_network", f"alamat jaringan IP tidak valid: {value}") from None


IpAddress = Annotated[str, AfterValidator(check_ip_address)]
"""An IPv4 or IPv6 address."""

IpNetwork = Annotated[str, AfterValidator(check_ip_network)]
"""An IP address or a CIDR network."""


class Platform(StrEnum):
    """The operating system family an application runs on."""

    WINDOWS = "windows"
    LINUX = "linux"
    UNIX = "unix"


class VulnerabilityAssessmentForm(_ValueObject):
    """The vulnerability-assessment form of the feasibility test; one form per application."""

    application_name: Text = Field(description="Name of the application (Nama Aplikasi)")
    application_ip: IpAddress = Field(description="IP address of the application (IP Aplikasi)")
    database_ip: IpAddress | None = Field(
        default=None, description="IP address of the database (IP Database), if separate"
    )
    network_ip: IpNetwork | None = Field(
        default=None, description="IP address or CIDR network of the network (IP Jaringan)"
    )
    description: LongText = Field(description="Description of the application (Deskripsi)")
    platforms: tuple[Platform, ...] = Field(
        min_length=1, description="Operating systems ticked (Platform: Windows, Linux, Unix)"
    )
    languages: tuple[Text, ...] = Field(default=(), description="Programming languages (Bahasa)")
    programs: tuple[Text, ...] = Field(default=(), description="Programs and frameworks (Program)")
    dbms: tuple[Text, ...] = Field(default=(), description="Database systems (DBMS)")
    engines: tuple[Text, ...] = Field(default=(), description="Engines and servers (Engine)")
    applications: tuple[Text, ...] = Field(
        default=(), description="Other applications in the stack (Aplikasi)"
    )
    structural_contact: ContactPerson = Field(
        description="The structurally responsible official (Penanggung Jawab Struktural)"
    )
    technical_contact: ContactPerson = Field(
        description="The technically responsible person (Penanggung Jawab Teknis)"
    )
    has_source_code_or_database: bool = Field(description="Source code / database supplied (Ada)")
    has_installation_manual: bool = Field(description="Installation manual supplied (Ada)")
    has_user_manual: bool = Field(description="User manual supplied (Ada)")
    has_uat_document: bool = Field(description="User Acceptance Test document supplied (Ada)")


class StressTestForm(_ValueObject):
    """The stress-test form of the feasibility test (Uji Beban)."""

    max_users_per_day: int = Field(ge=1, description="Estimated maximum users per day")
    effective_hours_per_day: int = Field(
        ge=1, le=24, description="Effective hours per day the application is used"
    )
    transaction_seconds: int = Field(
        ge=1, description="Estimated time a user takes for one transaction, in seconds"
    )
    has_test_scenario_document: bool = Field(description="Test scenario document supplied (Ada)")


# --- the integration -----------------------------------------------------------------------


class AuthenticationType(StrEnum):
    """How a client authenticates to the integrated service."""

    NONE = "none"
    API_KEY = "api_key"
    BASIC = "basic"
    OAUTH2 = "oauth2"
    MTLS = "mtls"


def check_http_url(value: str) -> str:
    """Check an absolute http:// or https:// URL with a host name."""
    url = value.strip()
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname or any(c.isspace() for c in url):
        raise FormValueError("url", "URL harus diawali http:// atau https:// dan memuat nama host")
    return url


HttpUrlText = Annotated[str, AfterValidator(check_http_url)]
"""An absolute http(s) URL, kept as typed."""


class IntegrationDetails(_ValueObject):
    """What was built: the mechanism, where it is reached, its operations and authentication."""

    mechanism: MechanismChoice = Field(description="GSB, API or the other mechanism used")
    gsb_service_name: Text | None = Field(
        default=None, description="Name of the service on the GSB; required for GSB"
    )
    base_url: HttpUrlText | None = Field(
        default=None, description="Base URL of the API (http/https); required for API"
    )
    operations: tuple[Text, ...] = Field(
        min_length=1, description="Operations the integration offers, at least one"
    )
    authentication: AuthenticationType = Field(description="How clients authenticate")
    endpoints: tuple[Text, ...] = Field(
        default=(), description="Endpoints (URLs, paths or subjects) that were published"
    )

    @model_validator(mode="after")
    def _mechanism_details(self) -> Self:
        if self.mechanism.kind is Mechanism.GSB and self.gsb_service_name is None:
            raise FormValueError("gsb_service_name", "nama layanan GSB wajib diisi")
        if self.mechanism.kind is Mechanism.API and self.base_url is None:
            raise FormValueError("base_url", "URL dasar API wajib diisi")
        return self


# --- Berita Acara and the agenda book -------------------------------------------------------


def format_berita_acara_number(year: int, sequence: int) -> str:
    """The number of a Berita Acara: `007/BA-LIA/SC-05/DISKOMINFO/2026`."""
    return f"{sequence:03d}/BA-LIA/SC-05/DISKOMINFO/{year:04d}"
