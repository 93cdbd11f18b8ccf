"""One line per event for a request's timeline, as people read it (Bahasa Indonesia, pure)."""

from __future__ import annotations

from penghubung.events import Event
from penghubung.events.catalog import (
    BeritaAcaraNumberReserved,
    Disposed,
    FeasibilityCorrected,
    FeasibilityDone,
    ImplementationCorrected,
    Integrated,
    ReportArchived,
    ReportWritten,
    RequestClosed,
    RequestResubmitted,
    RequestReturned,
    RequestSubmitted,
    WorkReassigned,
)
from penghubung.events.sla import ClockPaused, ClockResumed, SlaWarningRaised
from reporting.domain import labels
from reporting.domain.numbers import WIB


def summarize(event: Event) -> str:
    """What happened, in one sentence."""
    match event:
        case RequestSubmitted():
            return _submitted(event)
        case RequestResubmitted():
            return (
                f"Permohonan diajukan ulang (ke-{event.resubmission}) melalui"
                f" {labels.CHANNELS[event.channel]}: {event.answer}"
            )
        case RequestReturned():
            return (
                f"Permohonan dikembalikan kepada pemohon pada tahap {labels.STEPS[event.step]}:"
                f" {'; '.join(event.reasons)}"
            )
        case Disposed():
            return _disposed(event)
        case FeasibilityCorrected():
            return f"Analisis kelayakan dikoreksi: {event.reason}"
        case ImplementationCorrected():
            return f"Implementasi integrasi dikoreksi: {event.reason}"
        case WorkReassigned():
            return (
                f"Pekerjaan dialihkan dari {event.from_officer.name} (NIP {event.from_officer.nip})"
                f" kepada {event.to_officer.name} (NIP {event.to_officer.nip}): {event.reason}"
            )
        case FeasibilityDone():
            verdict = "layak" if event.feasible else "tidak layak"
            return (
                f"Analisis kelayakan selesai: {verdict}, tingkat kesulitan {event.difficulty.value}"
            )
        case Integrated():
            return f"Integrasi sistem selesai melalui {labels.mechanism(event.details.mechanism)}"
        case RequestClosed():
            return f"Permohonan ditutup karena tidak layak. Rekomendasi: {event.recommendation}"
        case ReportWritten():
            return f"Laporan dibuat (hasil: {labels.OUTCOMES[event.outcome]})"
        case BeritaAcaraNumberReserved():
            return f"Nomor Berita Acara {event.number} dicadangkan"
        case ReportArchived():
            return f"Laporan diarsipkan di buku agenda nomor {event.agenda_code}"
        case ClockPaused() | ClockResumed() | SlaWarningRaised():
            return _clock(event)
    return f"Peristiwa {event.type} dicatat"


def _submitted(event: RequestSubmitted) -> str:
    form = event.form
    text = (
        f"Permohonan integrasi aplikasi {form.application.name} dari {form.applicant.agency}"
        f" diterima melalui {labels.CHANNELS[event.channel]}"
        f" (prioritas {event.priority.value} – {event.priority.label})"
    )
    if event.registered_by is not None:
        text += f", dicatat oleh {event.registered_by.name}"
    return text


def _disposed(event: Disposed) -> str:
    to = labels.ROLES[event.to_role]
    if event.to_officer is not None:
        to = f"{to} {event.to_officer.name}"
    by = f" oleh {event.stand_in.value.capitalize()}" if event.stand_in is not None else ""
    return f"Disposisi {labels.ROLES[event.from_role]}{by} kepada {to}: {event.instruction}"


def _clock(event: ClockPaused | ClockResumed | SlaWarningRaised) -> str:
    step = labels.STEPS[event.step]
    match event:
        case ClockPaused():
            note = f": {event.note}" if event.note else ""
            return f"Jam layanan {step} dijeda ({labels.PAUSE_REASONS[event.reason.value]}){note}"
        case ClockResumed():
            return f"Jam layanan {step} berjalan kembali"
        case SlaWarningRaised():
            due = event.due_at.astimezone(WIB).strftime("%d-%m-%Y %H:%M")
            return (
                f"Peringatan SLA: {step} telah memakai {event.threshold_percent}% baku mutu;"
                f" batas waktu {due} WIB"
            )
