"""The report (Laporan) of a finished request, written from the officer's notes (SOP step 6)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from penghubung.events import Event
from penghubung.events.catalog import (
    FeasibilityCorrected,
    FeasibilityDone,
    ImplementationCorrected,
    Integrated,
    Outcome,
    ReportSection,
    RequestClosed,
)
from penghubung.forms import IntegrationDetails, StressTestForm, VulnerabilityAssessmentForm
from reporting.domain import labels
from reporting.domain.commands import WriteReport

LONG_TEXT_LIMIT = 5000
"""The longest paragraph an event may carry."""


def latest_feasibility(events: Iterable[Event]) -> FeasibilityDone | None:
    """The last feasibility analysis among an integration stream's events, if any."""
    found: FeasibilityDone | None = None
    for event in events:
        if isinstance(event, FeasibilityDone):
            found = event
        elif isinstance(event, FeasibilityCorrected) and found is not None:
            found = found.corrected(event)  # the report uses the corrected facts
    return found


def latest_implementation(events: Iterable[Event]) -> Integrated | None:
    """The last implementation among an integration stream's events, corrections applied."""
    found: Integrated | None = None
    for event in events:
        if isinstance(event, Integrated):
            found = event
        elif isinstance(event, ImplementationCorrected) and found is not None:
            found = found.corrected(event)
    return found


def report_of(events: Sequence[Event]) -> WriteReport | None:
    """The report an integration stream's facts give, corrections applied; None until the
    request is integrated or closed."""
    feasibility = latest_feasibility(events)
    integrated = latest_implementation(events)
    if integrated is not None:
        return integration_report(integrated, feasibility)
    closed = [e for e in events if isinstance(e, RequestClosed)]
    return closure_report(closed[-1], feasibility) if closed else None


def integration_report(integrated: Integrated, feasibility: FeasibilityDone | None) -> WriteReport:
    """The report of an integrated request: the analysis, the tests, what was built, the advice."""
    subject = _subject(feasibility)
    summary = (
        f"Integrasi {subject} untuk permohonan {integrated.ticket_id} telah selesai melalui"
        f" {labels.mechanism(integrated.details.mechanism)}. {integrated.notes}"
    )
    sections = [
        *_analysis_sections(feasibility),
        _section("Implementasi integrasi sistem", _implementation(integrated)),
    ]
    advice = feasibility.recommendations if feasibility else ()
    if advice:
        sections.append(_section("Saran dan rekomendasi", _bullets(advice)))
    return WriteReport(
        ticket_id=integrated.ticket_id,
        outcome=Outcome.INTEGRATED,
        summary=_clip(summary),
        sections=tuple(sections),
    )


def closure_report(closed: RequestClosed, feasibility: FeasibilityDone | None) -> WriteReport:
    """The report of a request closed as not feasible: the analysis and the recommendation."""
    summary = (
        f"Permohonan {closed.ticket_id} ditutup: integrasi {_subject(feasibility)} tidak layak"
        f" dilanjutkan. Rekomendasi: {closed.recommendation}"
    )
    advice = (closed.recommendation, *(feasibility.recommendations if feasibility else ()))
    sections = [*_analysis_sections(feasibility), _section("Rekomendasi", _bullets(advice))]
    return WriteReport(
        ticket_id=closed.ticket_id,
        outcome=Outcome.NOT_FEASIBLE,
        summary=_clip(summary),
        sections=tuple(sections),
    )


def _subject(feasibility: FeasibilityDone | None) -> str:
    if feasibility is None:
        return "aplikasi"
    return f"aplikasi {feasibility.vulnerability.application_name}"


def _analysis_sections(feasibility: FeasibilityDone | None) -> list[ReportSection]:
    if feasibility is None:
        return []
    verdict = "layak" if feasibility.feasible else "tidak layak"
    analysis = (
        f"Hasil: {verdict}. Tingkat kesulitan: {feasibility.difficulty.value}.\n\n"
        f"Catatan:\n{feasibility.notes}"
    )
    return [
        _section("Analisis kelayakan", analysis),
        _section("Uji kerentanan", _vulnerability(feasibility.vulnerability)),
        _section("Uji beban", _stress_test(feasibility.stress_test)),
    ]


def _vulnerability(form: VulnerabilityAssessmentForm) -> str:
    lines = [
        f"Nama aplikasi: {form.application_name}",
        f"IP aplikasi: {form.application_ip}",
        f"IP database: {form.database_ip or '-'}",
        f"IP jaringan: {form.network_ip or '-'}",
        f"Deskripsi: {form.description}",
        f"Platform: {', '.join(p.value.capitalize() for p in form.platforms)}",
    ]
    stack = {
        "Bahasa": form.languages,
        "Program": form.programs,
        "DBMS": form.dbms,
        "Engine": form.engines,
        "Aplikasi": form.applications,
    }
    lines += [f"{name}: {', '.join(values)}" for name, values in stack.items() if values]
    lines += [
        f"Penanggung jawab struktural: {form.structural_contact.name}"
        f" (NIP {form.structural_contact.nip})",
        f"Penanggung jawab teknis: {form.technical_contact.name}"
        f" (NIP {form.technical_contact.nip})",
        f"Source code / database: {labels.present(form.has_source_code_or_database)}",
        f"Manual instalasi: {labels.present(form.has_installation_manual)}",
        f"Manual pengguna: {labels.present(form.has_user_manual)}",
        f"Dokumen UAT: {labels.present(form.has_uat_document)}",
    ]
    return "\n".join(lines)


def _stress_test(form: StressTestForm) -> str:
    return "\n".join(
        [
            f"Estimasi pengguna maksimal per hari: {form.max_users_per_day}",
            f"Jam efektif penggunaan per hari: {form.effective_hours_per_day}",
            f"Estimasi waktu satu transaksi: {form.transaction_seconds} detik",
            f"Dokumen skenario pengujian: {labels.present(form.has_test_scenario_document)}",
        ]
    )


def _implementation(integrated: Integrated) -> str:
    details: IntegrationDetails = integrated.details
    lines = [f"Mekanisme: {labels.mechanism(details.mechanism)}"]
    if details.gsb_service_name:
        lines.append(f"Nama layanan GSB: {details.gsb_service_name}")
    if details.base_url:
        lines.append(f"URL dasar API: {details.base_url}")
    lines.append(f"Operasi: {', '.join(details.operations)}")
    lines.append(f"Autentikasi: {labels.AUTHENTICATION[details.authentication]}")
    if details.endpoints:
        lines.append(f"Endpoint: {', '.join(details.endpoints)}")
    lines.append(f"\nCatatan:\n{integrated.notes}")
    return "\n".join(lines)


def _bullets(items: Iterable[str]) -> str:
    return "\n".join(f"- {item}" for item in items)


def _section(title: str, body: str) -> ReportSection:
    return ReportSection(title=title, body=_clip(body))


def _clip(text: str) -> str:
    """Long notes are cut to what an event may carry, marked with an ellipsis."""
    text = text.strip()
    if len(text) <= LONG_TEXT_LIMIT:
        return text
    return text[: LONG_TEXT_LIMIT - 1].rstrip() + "…"
