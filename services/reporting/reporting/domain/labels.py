"""The words people read for the codes in events (Bahasa Indonesia)."""

from __future__ import annotations

from penghubung.events import Role
from penghubung.events.catalog import Outcome
from penghubung.forms import AuthenticationType, Mechanism, MechanismChoice
from penghubung.sop import Channel, Step

ROLES: dict[Role, str] = {
    Role.PEMOHON: "Pemohon",
    Role.KADIS: "Kepala Dinas Kominfo",
    Role.KABID: "Kabid eGov",
    Role.PRAKOM: "Prakom",
    Role.PETUGAS: "Petugas service desk",
    Role.AUDITOR: "Auditor",
    Role.ADMIN: "Administrator",
    Role.SYSTEM: "Sistem",
}

STEPS: dict[Step, str] = {
    Step.SUBMIT: "pengajuan permohonan",
    Step.DISPOSE_KABID: "disposisi Kepala Dinas ke Kabid",
    Step.DISPOSE_PRAKOM: "disposisi Kabid ke Prakom",
    Step.DISPOSE_PETUGAS: "perintah Prakom ke petugas service desk",
    Step.FEASIBILITY: "analisis kelayakan",
    Step.IMPLEMENTATION: "implementasi integrasi sistem",
    Step.REPORT: "pembuatan laporan",
    Step.ARCHIVE: "pengarsipan laporan",
}

CHANNELS: dict[Channel, str] = {
    Channel.PORTAL: "portal",
    Channel.EMAIL: "surat elektronik",
    Channel.LETTER: "surat",
    Channel.PHONE: "telepon",
    Channel.CHAT: "chat",
    Channel.WALK_IN: "datang langsung",
}

OUTCOMES: dict[Outcome, str] = {
    Outcome.INTEGRATED: "terintegrasi",
    Outcome.NOT_FEASIBLE: "tidak layak",
}

AUTHENTICATION: dict[AuthenticationType, str] = {
    AuthenticationType.NONE: "tanpa autentikasi",
    AuthenticationType.API_KEY: "API key",
    AuthenticationType.BASIC: "Basic",
    AuthenticationType.OAUTH2: "OAuth 2.0",
    AuthenticationType.MTLS: "mTLS (sertifikat klien)",
}


PAUSE_REASONS: dict[str, str] = {
    "agency_documents": "menunggu dokumen dari perangkat daerah",
    "uat": "menunggu UAT",
    "ip_allocation": "menunggu alokasi alamat IP",
    "vendor": "menunggu vendor",
    "returned_to_applicant": "dikembalikan kepada pemohon",
}
"""Why an SLA clock stood still (`PauseReason` values, and a return to the applicant)."""


def mechanism(choice: MechanismChoice) -> str:
    """The integration mechanism in words."""
    if choice.kind is Mechanism.GSB:
        return "Government Service Bus (GSB)"
    if choice.kind is Mechanism.API:
        return "Application Programming Interface (API)"
    return f"mekanisme lain: {choice.other_description}"


def present(flag: bool) -> str:
    """A form's checkbox: `ada` or `tidak ada`."""
    return "ada" if flag else "tidak ada"


def agenda_subject(ticket_id: str, application_name: str, agency: str) -> str:
    """The perihal of an agenda-book entry, as a clerk writes it."""
    return f"Laporan integrasi aplikasi {application_name} ({agency}), tiket {ticket_id}"
