"""The report (Laporan) written from the notes: what it says for an integration and a closure."""

from __future__ import annotations

from collections.abc import Callable

from penghubung.events.catalog import (
    FeasibilityCorrected,
    FeasibilityDone,
    ImplementationCorrected,
    Integrated,
    Outcome,
    ReportRevised,
    RequestClosed,
)
from reporting.domain import decide
from reporting.domain.report import (
    LONG_TEXT_LIMIT,
    closure_report,
    integration_report,
    latest_feasibility,
    report_of,
)
from reporting.domain.state import ReportState, fold

Make = Callable[..., FeasibilityDone]


def test_an_integration_report_sums_up_the_mechanism_and_the_implementation_notes(
    feasibility: Make, integrated: Callable[..., Integrated]
) -> None:
    report = integration_report(integrated(), feasibility())

    assert report.outcome is Outcome.INTEGRATED
    assert report.ticket_id == "SC05-2026-00007"
    assert report.summary == (
        "Integrasi aplikasi SIMPUS untuk permohonan SC05-2026-00007 telah selesai melalui"
        " Government Service Bus (GSB). Layanan simpus-pasien aktif di GSB"
    )


def test_an_integration_report_has_the_analysis_the_tests_the_build_and_the_advice(
    feasibility: Make, integrated: Callable[..., Integrated]
) -> None:
    report = integration_report(integrated(), feasibility())
    sections = {s.title: s.body for s in report.sections}

    assert list(sections) == [
        "Analisis kelayakan",
        "Uji kerentanan",
        "Uji beban",
        "Implementasi integrasi sistem",
        "Saran dan rekomendasi",
    ]
    assert "Hasil: layak. Tingkat kesulitan: sedang." in sections["Analisis kelayakan"]
    assert "Server memadai, jaringan stabil" in sections["Analisis kelayakan"]
    assert "IP aplikasi: 10.10.1.5" in sections["Uji kerentanan"]
    assert "IP jaringan: 10.10.1.0/24" in sections["Uji kerentanan"]
    assert "DBMS: PostgreSQL" in sections["Uji kerentanan"]
    assert "Manual pengguna: tidak ada" in sections["Uji kerentanan"]
    assert "Penanggung jawab teknis: Andi Wijaya" in sections["Uji kerentanan"]
    assert "Estimasi pengguna maksimal per hari: 1500" in sections["Uji beban"]
    assert "Estimasi waktu satu transaksi: 90 detik" in sections["Uji beban"]
    assert "Nama layanan GSB: simpus-pasien" in sections["Implementasi integrasi sistem"]
    assert "Operasi: cariPasien, kirimRujukan" in sections["Implementasi integrasi sistem"]
    assert "Autentikasi: mTLS" in sections["Implementasi integrasi sistem"]
    assert sections["Saran dan rekomendasi"] == "- Lengkapi manual pengguna"


def test_an_api_integration_names_its_base_url(
    feasibility: Make, integrated: Callable[..., Integrated]
) -> None:
    details = {
        "mechanism": {"kind": "api"},
        "base_url": "https://api.dinkes.babelprov.go.id/v1",
        "operations": ["GET /pasien"],
        "authentication": "oauth2",
    }
    report = integration_report(integrated(details=details), feasibility())
    body = {s.title: s.body for s in report.sections}["Implementasi integrasi sistem"]

    assert "Application Programming Interface (API)" in report.summary
    assert "URL dasar API: https://api.dinkes.babelprov.go.id/v1" in body
    assert "Nama layanan GSB" not in body


def test_without_recommendations_there_is_no_advice_section(
    feasibility: Make, integrated: Callable[..., Integrated]
) -> None:
    report = integration_report(integrated(), feasibility(recommendations=[]))
    assert "Saran dan rekomendasi" not in [s.title for s in report.sections]


def test_without_an_analysis_in_the_stream_the_report_has_the_implementation_only(
    integrated: Callable[..., Integrated],
) -> None:
    report = integration_report(integrated(), None)

    assert [s.title for s in report.sections] == ["Implementasi integrasi sistem"]
    assert report.summary.startswith("Integrasi aplikasi untuk permohonan SC05-2026-00007")


def test_a_closure_report_says_not_feasible_and_gives_the_recommendation(
    feasibility: Make, closed: Callable[..., RequestClosed]
) -> None:
    report = closure_report(closed(), feasibility(feasible=False))
    sections = {s.title: s.body for s in report.sections}

    assert report.outcome is Outcome.NOT_FEASIBLE
    assert report.summary == (
        "Permohonan SC05-2026-00007 ditutup: integrasi aplikasi SIMPUS tidak layak dilanjutkan."
        " Rekomendasi: Perbarui server aplikasi terlebih dulu"
    )
    assert list(sections) == ["Analisis kelayakan", "Uji kerentanan", "Uji beban", "Rekomendasi"]
    assert "Hasil: tidak layak." in sections["Analisis kelayakan"]
    assert sections["Rekomendasi"] == (
        "- Perbarui server aplikasi terlebih dulu\n- Lengkapi manual pengguna"
    )


def test_the_latest_analysis_counts_when_there_were_several(feasibility: Make) -> None:
    first, second = feasibility(notes="Analisis pertama"), feasibility(notes="Analisis ulang")
    assert latest_feasibility([first, second]) is second
    assert latest_feasibility([]) is None


def test_the_report_uses_a_corrected_analysis_and_keeps_its_verdict(feasibility: Make) -> None:
    original = feasibility(notes="Catatan salah ketik")
    correction = FeasibilityCorrected(
        ticket_id=original.ticket_id,
        vulnerability=original.vulnerability,
        stress_test=original.stress_test,
        notes="Catatan yang benar",
        recommendations=("Aktifkan HTTPS",),
        reason="Salah ketik",
    )
    found = latest_feasibility([original, correction])
    assert found is not None
    assert (found.notes, found.recommendations) == ("Catatan yang benar", ("Aktifkan HTTPS",))
    assert (found.feasible, found.difficulty) == (original.feasible, original.difficulty)
    assert latest_feasibility([correction]) is None  # a correction of nothing is no analysis


def test_long_notes_are_cut_to_what_an_event_carries(
    feasibility: Make, integrated: Callable[..., Integrated]
) -> None:
    long_notes = "catatan " * 620  # 4960 characters: within an event, too long with the rest
    report = integration_report(integrated(notes=long_notes.strip()), feasibility())
    body = {s.title: s.body for s in report.sections}["Implementasi integrasi sistem"]

    assert len(report.summary) <= LONG_TEXT_LIMIT
    assert report.summary.endswith("…")
    assert len(body) <= LONG_TEXT_LIMIT
    assert body.endswith("…")


def _api_correction(integrated: Integrated) -> ImplementationCorrected:
    return ImplementationCorrected(
        ticket_id=integrated.ticket_id,
        details={
            "mechanism": {"kind": "api"},
            "base_url": "https://api.dinkes.babelprov.go.id/v1",
            "operations": ["cariPasien"],
            "authentication": "oauth2",
        },
        notes="Layanan dipindah ke API langsung",
        reason="Mekanisme tercatat keliru",
    )


def test_a_correction_after_the_report_revises_it_with_the_corrected_facts(
    feasibility: Make, integrated: Callable[..., Integrated]
) -> None:
    built = integrated()
    facts = [feasibility(), built]
    written = report_of(facts)
    assert written is not None
    state = fold(decide.write_report(written, ReportState()))
    correction = _api_correction(built)

    revised = report_of([*facts, correction])
    assert revised is not None
    [event] = decide.revise_report(revised, state, correction=correction)

    assert isinstance(event, ReportRevised)
    assert (event.revision, event.corrected, event.reason) == (
        1,
        "ImplementationCorrected",
        "Mekanisme tercatat keliru",
    )
    assert "Application Programming Interface" in event.summary
    implementation = next(s for s in event.sections if s.title == "Implementasi integrasi sistem")
    assert "https://api.dinkes.babelprov.go.id/v1" in implementation.body
    assert event.changed == ("Ringkasan", "Implementasi integrasi sistem")
    after = fold([event], state)
    assert (after.revisions, after.summary, after.outcome) == (1, event.summary, state.outcome)
    # The same facts again change nothing: no second revision.
    assert decide.revise_report(revised, after, correction=correction) == []


def test_before_the_report_is_written_a_correction_revises_nothing(
    feasibility: Make, integrated: Callable[..., Integrated]
) -> None:
    built = integrated()
    content = report_of([feasibility(), built, _api_correction(built)])
    assert content is not None
    assert decide.revise_report(content, ReportState(), correction=_api_correction(built)) == []
    assert report_of([feasibility()]) is None  # not finished: no report to give
