"""The timeline's lines: one sentence per event, in Bahasa Indonesia."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar, Literal

from penghubung.events import Event, Role
from penghubung.events.catalog import (
    BeritaAcaraNumberReserved,
    Disposed,
    FeasibilityDone,
    Integrated,
    Outcome,
    ReportArchived,
    ReportWritten,
    RequestClosed,
    RequestReturned,
    RequestSubmitted,
)
from reporting.projections.summaries import summarize

TICKET = "SC05-2026-00007"


def test_a_submission_names_the_application_agency_channel_priority_and_registrar(
    submitted: Callable[..., RequestSubmitted],
) -> None:
    assert summarize(submitted()) == (
        "Permohonan integrasi aplikasi SIMPUS dari Dinas Kesehatan diterima melalui surat"
        " (prioritas P2 – tinggi), dicatat oleh Budi Santoso"
    )


def test_a_portal_submission_has_no_registrar(submitted: Callable[..., RequestSubmitted]) -> None:
    text = summarize(submitted(channel="portal", registered_by=None))
    assert text.endswith("diterima melalui portal (prioritas P2 – tinggi)")


def test_a_disposition_names_both_roles_the_officer_and_the_instruction(
    disposed: Callable[..., Disposed],
) -> None:
    assert summarize(disposed(Role.PRAKOM, Role.PETUGAS)) == (
        "Disposisi Prakom kepada Petugas service desk Budi Santoso: Mohon ditindaklanjuti"
    )


def test_a_disposition_by_a_stand_in_says_so(disposed: Callable[..., Disposed]) -> None:
    text = summarize(disposed(Role.KADIS, Role.KABID, stand_in="plh"))
    assert text == (
        "Disposisi Kepala Dinas Kominfo oleh Plh kepada Kabid eGov: Mohon ditindaklanjuti"
    )


def test_a_return_gives_the_step_and_every_reason() -> None:
    event = RequestReturned(
        ticket_id=TICKET, step="dispose_kabid", reasons=["Surat belum diteken", "NIP salah"]
    )
    assert summarize(event) == (
        "Permohonan dikembalikan kepada pemohon pada tahap disposisi Kepala Dinas ke Kabid:"
        " Surat belum diteken; NIP salah"
    )


def test_the_analysis_integration_and_closure_read_as_people_say_them(
    feasibility: Callable[..., FeasibilityDone],
    integrated: Callable[..., Integrated],
    closed: Callable[..., RequestClosed],
) -> None:
    assert summarize(feasibility(feasible=False, difficulty="tinggi")) == (
        "Analisis kelayakan selesai: tidak layak, tingkat kesulitan tinggi"
    )
    assert summarize(integrated()) == (
        "Integrasi sistem selesai melalui Government Service Bus (GSB)"
    )
    assert summarize(closed()) == (
        "Permohonan ditutup karena tidak layak. Rekomendasi: Perbarui server aplikasi terlebih dulu"
    )


def test_reporting_s_own_events_name_the_outcome_and_the_numbers() -> None:
    written = ReportWritten(ticket_id=TICKET, outcome=Outcome.NOT_FEASIBLE, summary="x")
    reserved = BeritaAcaraNumberReserved(
        ticket_id=TICKET, year=2026, sequence=5, number="005/BA-LIA/SC-05/DISKOMINFO/2026"
    )
    archived = ReportArchived(
        ticket_id=TICKET,
        agenda_year=2026,
        agenda_number=9,
        agenda_code="009/AG-LIA/SC-05/DISKOMINFO/2026",
        report_ref="x",
    )
    assert summarize(written) == "Laporan dibuat (hasil: tidak layak)"
    assert summarize(reserved) == "Nomor Berita Acara 005/BA-LIA/SC-05/DISKOMINFO/2026 dicadangkan"
    assert summarize(archived) == (
        "Laporan diarsipkan di buku agenda nomor 009/AG-LIA/SC-05/DISKOMINFO/2026"
    )


class WorkPlanned(Event):
    """A fact the projection has no words for yet."""

    type: Literal["WorkPlanned"] = "WorkPlanned"
    category: ClassVar[str] = "disposition"


def test_an_event_without_words_is_still_named() -> None:
    assert summarize(WorkPlanned()) == "Peristiwa WorkPlanned dicatat"
