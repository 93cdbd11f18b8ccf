"""One line per event for a request's timeline, as people read it (Bahasa Indonesia, pure)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar, cast

from penghubung.events import Event, audit, catalog, directory, notices, sla
from penghubung.events.documents import BeritaAcaraSigned, DocumentIssued
from penghubung.events.routing import Routes
from penghubung.events.survey import SatisfactionSurveyAnswered
from reporting.domain import labels
from reporting.domain.numbers import WIB

E = TypeVar("E", bound=Event)


def summarize(event: Event) -> str:
    """What happened, in one sentence."""
    line = SUMMARIES.of(event)
    return line(event) if line is not None else f"Peristiwa {event.type} dicatat"


def _resubmitted(event: catalog.RequestResubmitted) -> str:
    return (
        f"Permohonan diajukan ulang (ke-{event.resubmission}) melalui"
        f" {labels.CHANNELS[event.channel]}: {event.answer}"
    )


def _returned(event: catalog.RequestReturned) -> str:
    return (
        f"Permohonan dikembalikan kepada pemohon pada tahap {labels.STEPS[event.step]}:"
        f" {'; '.join(event.reasons)}"
    )


def _reassigned(event: catalog.WorkReassigned) -> str:
    return (
        f"Pekerjaan dialihkan dari {event.from_officer.name} (NIP {event.from_officer.nip})"
        f" kepada {event.to_officer.name} (NIP {event.to_officer.nip}): {event.reason}"
    )


def _feasibility_corrected(event: catalog.FeasibilityCorrected) -> str:
    return f"Analisis kelayakan dikoreksi: {event.reason}"


def _implementation_corrected(event: catalog.ImplementationCorrected) -> str:
    return f"Implementasi integrasi dikoreksi: {event.reason}"


def _report_revised(event: catalog.ReportRevised) -> str:
    why = {
        "FeasibilityCorrected": "koreksi analisis kelayakan",
        "ImplementationCorrected": "koreksi implementasi integrasi",
    }[event.corrected]
    parts = ", ".join(event.changed)
    return (
        f"Laporan direvisi (revisi ke-{event.revision}) karena {why}; bagian yang berubah: {parts}"
    )


def _analysed(event: catalog.FeasibilityDone) -> str:
    verdict = "layak" if event.feasible else "tidak layak"
    return f"Analisis kelayakan selesai: {verdict}, tingkat kesulitan {event.difficulty.value}"


def _integrated(event: catalog.Integrated) -> str:
    return f"Integrasi sistem selesai melalui {labels.mechanism(event.details.mechanism)}"


def _closed(event: catalog.RequestClosed) -> str:
    return f"Permohonan ditutup karena tidak layak. Rekomendasi: {event.recommendation}"


def _report_written(event: catalog.ReportWritten) -> str:
    return f"Laporan dibuat (hasil: {labels.OUTCOMES[event.outcome]})"


def _number_reserved(event: catalog.BeritaAcaraNumberReserved) -> str:
    return f"Nomor Berita Acara {event.number} dicadangkan"


def _archived(event: catalog.ReportArchived) -> str:
    return f"Laporan diarsipkan di buku agenda nomor {event.agenda_code}"


def _submitted(event: catalog.RequestSubmitted) -> str:
    form = event.form
    text = (
        f"Permohonan integrasi aplikasi {form.application.name} dari {form.applicant.agency}"
        f" diterima melalui {labels.CHANNELS[event.channel]}"
        f" (prioritas {event.priority.value} – {event.priority.label})"
    )
    if event.registered_by is not None:
        text += f", dicatat oleh {event.registered_by.name}"
    return text


def _disposed(event: catalog.Disposed) -> str:
    to = labels.ROLES[event.to_role]
    if event.to_officer is not None:
        to = f"{to} {event.to_officer.name}"
    by = f" oleh {event.stand_in.value.capitalize()}" if event.stand_in is not None else ""
    return f"Disposisi {labels.ROLES[event.from_role]}{by} kepada {to}: {event.instruction}"


def _clock(event: sla.ClockPaused | sla.ClockResumed | sla.SlaWarningRaised) -> str:
    step = labels.STEPS[event.step]
    match event:
        case sla.ClockPaused():
            note = f": {event.note}" if event.note else ""
            return f"Jam layanan {step} dijeda ({labels.PAUSE_REASONS[event.reason.value]}){note}"
        case sla.ClockResumed():
            return f"Jam layanan {step} berjalan kembali"
        case sla.SlaWarningRaised():
            due = event.due_at.astimezone(WIB).strftime("%d-%m-%Y %H:%M")
            return (
                f"Peringatan SLA: {step} telah memakai {event.threshold_percent}% baku mutu;"
                f" batas waktu {due} WIB"
            )


def _issued(event: DocumentIssued) -> str:
    return f"{event.paper.label} diterbitkan sebagai PDF, kode verifikasi {event.code}"


def _signed(event: BeritaAcaraSigned) -> str:
    return f"Berita Acara {event.berita_acara_number} ditandatangani dan dikembalikan"


def _surveyed(event: SatisfactionSurveyAnswered) -> str:
    return f"Survei kepuasan masyarakat diisi oleh {event.respondent_name} ({event.agency})"


def _sent(event: notices.NotificationSent) -> str:
    return f"Pemberitahuan dikirim kepada {_told(event)}: {event.subject}"


def _failed(event: notices.NotificationFailed) -> str:
    return f"Pemberitahuan gagal dikirim kepada {_told(event)}: {event.reason}"


def _told(event: notices.NotificationSent | notices.NotificationFailed) -> str:
    channel = {"email": "surel", "whatsapp": "WhatsApp", "mailbox": "kotak pesan portal"}
    return f"{event.recipient_name} melalui {channel[event.channel.value]} ({event.address})"


def _line(build: Callable[[E], str]) -> Callable[[Event], str]:
    """A sentence builder of one event class, as the table holds it."""
    return cast(Callable[[Event], str], build)


SUMMARIES = Routes[Callable[[Event], str]](
    "reporting timeline lines",
    {
        catalog.RequestSubmitted: _line(_submitted),
        catalog.RequestResubmitted: _line(_resubmitted),
        catalog.RequestReturned: _line(_returned),
        catalog.Disposed: _line(_disposed),
        catalog.WorkReassigned: _line(_reassigned),
        catalog.FeasibilityCorrected: _line(_feasibility_corrected),
        catalog.ImplementationCorrected: _line(_implementation_corrected),
        catalog.FeasibilityDone: _line(_analysed),
        catalog.Integrated: _line(_integrated),
        catalog.RequestClosed: _line(_closed),
        catalog.ReportWritten: _line(_report_written),
        catalog.ReportRevised: _line(_report_revised),
        catalog.BeritaAcaraNumberReserved: _line(_number_reserved),
        catalog.ReportArchived: _line(_archived),
        sla.ClockPaused: _line(_clock),
        sla.ClockResumed: _line(_clock),
        sla.SlaWarningRaised: _line(_clock),
        DocumentIssued: _line(_issued),
        BeritaAcaraSigned: _line(_signed),
        SatisfactionSurveyAnswered: _line(_surveyed),
        notices.NotificationSent: _line(_sent),
        notices.NotificationFailed: _line(_failed),
    },
    ignored={
        # on no request's timeline (see `apply.APPLIERS`)
        *sla.CALENDAR_CHANGES,
        sla.SlaRecalculated,
        *audit.AUDIT_EVENTS,
        *directory.DIRECTORY_EVENTS,
        catalog.AttachmentDiscarded,
    },
)
"""The sentence of each event class on a request's timeline."""
