"""The event catalog: registration, round trips through the registry, descriptions, rules."""

from __future__ import annotations

import json
import typing
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

import penghubung.events
from penghubung.events import Event, Role, UnknownEventType, registry
from penghubung.events.catalog import (
    AttachmentDiscarded,
    BeritaAcaraNumberReserved,
    Disposed,
    FeasibilityCorrected,
    FeasibilityDone,
    ImplementationCorrected,
    Integrated,
    ReportArchived,
    ReportRevised,
    ReportWritten,
    RequestClosed,
    RequestResubmitted,
    RequestReturned,
    RequestSubmitted,
    WorkReassigned,
    disposition_step,
)
from penghubung.sop import Step

WIB = timezone(timedelta(hours=7))
TICKET = "SC05-2026-00001"
NIP = "198001012005011001"


def contact(name: str = "Rina Marlina") -> dict[str, Any]:
    """A valid contact block."""
    return {
        "name": name,
        "nip": NIP,
        "position": "Kepala Bidang Pelayanan",
        "work_unit": "Bidang Pelayanan",
        "office_address": "Jl. Pulau Bangka, Air Itam, Pangkalpinang",
        "mobile_phone": "0821-8064-0997",
        "email": "rina@babelprov.go.id",
    }


FORM: dict[str, Any] = {
    "applicant": {**contact(), "echelon": "III.a", "agency": "Dinas Kesehatan"},
    "application": {"name": "SIMPUS", "description": "Sistem informasi puskesmas"},
    "mechanism_available": False,
    "mechanism": {"kind": "lainnya", "other_description": "Pertukaran berkas SFTP"},
    "impact": "tinggi",
    "urgency": "tinggi",
}
ATTACHMENT: dict[str, Any] = {
    "kind": "surat_permohonan",
    "filename": "surat.pdf",
    "content_type": "application/pdf",
    "size_bytes": 2048,
    "sha256": "0f" * 32,
    "storage_key": "attachments/SC05-2026-00001/surat.pdf",
}
OFFICER: dict[str, Any] = {"nip": "199212312019032002", "name": "Budi Santoso"}


VULNERABILITY: dict[str, Any] = {
    "application_name": "SIMPUS",
    "application_ip": "10.10.1.5",
    "network_ip": "10.10.1.0/24",
    "description": "Aplikasi puskesmas",
    "platforms": ["linux", "unix"],
    "dbms": ["PostgreSQL"],
    "structural_contact": contact(),
    "technical_contact": contact("Budi Santoso"),
    "has_source_code_or_database": True,
    "has_installation_manual": True,
    "has_user_manual": True,
    "has_uat_document": False,
}
STRESS: dict[str, Any] = {
    "max_users_per_day": 1500,
    "effective_hours_per_day": 8,
    "transaction_seconds": 90,
    "has_test_scenario_document": False,
}
DETAILS: dict[str, Any] = {
    "mechanism": {"kind": "gsb"},
    "gsb_service_name": "simpus-pasien",
    "operations": ["cariPasien", "kirimRujukan"],
    "authentication": "mtls",
    "endpoints": ["gsb://simpus-pasien"],
}


def samples() -> dict[str, Event]:
    """One valid instance of every event class, by type name."""
    events: list[Event] = [
        RequestSubmitted(
            ticket_id=TICKET,
            form=FORM,
            channel="surat",
            received_at=datetime(2026, 1, 5, 15, 40, tzinfo=WIB),
            registered_by=OFFICER,
            attachments=[ATTACHMENT],
            priority="P1",
            backdate_confirmation={
                "confirmation_id": "0b5c1f2e-8d7a-4c3b-9e6f-1a2b3c4d5e6f",
                "confirmed_by": {"nip": NIP, "name": "Admin Diskominfo"},
                "reason": "Cap agenda surat masuk bertanggal 5 Januari 2026",
                "confirmed_at": datetime(2026, 2, 20, 9, 0, tzinfo=WIB),
            },
        ),
        AttachmentDiscarded(
            attachment_id="7d0c9a4e-2b1f-4e8a-9c3d-5f6e7a8b9c0d",
            attachment=ATTACHMENT,
            owner="agency:dinas kesehatan",
            uploaded_by={"name": "Rina Marlina", "role": "pemohon", "agency": "Dinas Kesehatan"},
            uploaded_at=datetime(2026, 1, 5, 15, 40, tzinfo=WIB),
            reason="unattached",
        ),
        RequestResubmitted(
            ticket_id=TICKET,
            form=FORM,
            channel="portal",
            received_at=datetime(2026, 1, 7, 2, 0, tzinfo=UTC),
            attachments=[ATTACHMENT],
            priority="P1",
            resubmission=1,
            answer="Surat permohonan sudah ditandatangani kepala dinas",
        ),
        RequestReturned(ticket_id=TICKET, step="dispose_kabid", reasons=["Surat belum diteken"]),
        Disposed(
            ticket_id=TICKET,
            from_role="prakom",
            to_role="petugas",
            instruction="Mohon dianalisis kelayakannya",
            to_officer=OFFICER,
            documents=["surat_permohonan", "disposisi_kadis", "disposisi_kabid"],
            stand_in="plh",
        ),
        WorkReassigned(
            ticket_id=TICKET,
            from_officer=OFFICER,
            to_officer={"nip": "199106062016041006", "name": "Petugas Lain"},
            reason="Petugas semula cuti panjang",
        ),
        FeasibilityDone(
            ticket_id=TICKET,
            difficulty="sedang",
            feasible=True,
            vulnerability=VULNERABILITY,
            stress_test=STRESS,
            notes="Layak dengan catatan",
            recommendations=["Lengkapi dokumen UAT"],
        ),
        Integrated(
            ticket_id=TICKET,
            details=DETAILS,
            notes="Terhubung ke GSB",
        ),
        RequestClosed(
            ticket_id=TICKET, reason="not_feasible", recommendation="Perbarui server terlebih dulu"
        ),
        FeasibilityCorrected(
            ticket_id=TICKET,
            vulnerability=VULNERABILITY,
            stress_test=STRESS,
            notes="Layak; catatan diperbaiki",
            recommendations=["Lengkapi dokumen UAT"],
            reason="Alamat IP jaringan salah ketik",
        ),
        ImplementationCorrected(
            ticket_id=TICKET,
            details=DETAILS,
            notes="Terhubung ke GSB (dua operasi)",
            reason="Operasi kedua terlupa",
        ),
        ReportWritten(
            ticket_id=TICKET,
            outcome="integrated",
            summary="Integrasi SIMPUS selesai",
            sections=[{"title": "Analisis kelayakan", "body": "Layak dengan catatan"}],
        ),
        ReportRevised(
            ticket_id=TICKET,
            revision=1,
            corrected="ImplementationCorrected",
            reason="Operasi kedua terlupa",
            summary="Integrasi SIMPUS selesai (dua operasi)",
            sections=[{"title": "Implementasi integrasi sistem", "body": "Dua operasi"}],
            changed=["Ringkasan", "Implementasi integrasi sistem"],
        ),
        ReportArchived(
            ticket_id=TICKET,
            agenda_year=2026,
            agenda_number=12,
            agenda_code="012/AG/2026",
            report_ref="reports/SC05-2026-00001.pdf",
        ),
        BeritaAcaraNumberReserved(
            ticket_id=TICKET, year=2026, sequence=7, number="007/BA-LIA/SC-05/DISKOMINFO/2026"
        ),
    ]
    return {event.type: event for event in events}


EXPECTED_CATEGORIES = {
    "RequestSubmitted": "intake",
    "RequestResubmitted": "intake",
    "AttachmentDiscarded": "intake",
    "RequestReturned": "disposition",
    "Disposed": "disposition",
    "WorkReassigned": "disposition",
    "FeasibilityDone": "integration",
    "FeasibilityCorrected": "integration",
    "ImplementationCorrected": "integration",
    "Integrated": "integration",
    "RequestClosed": "integration",
    "ReportWritten": "reporting",
    "ReportRevised": "reporting",
    "ReportArchived": "reporting",
    "BeritaAcaraNumberReserved": "reporting",
}


def catalog_types() -> set[str]:
    """The registered events defined by the SOP catalog (audit and SLA events have their own)."""
    return {
        name
        for name, cls in registry.types().items()
        if cls.__module__ == penghubung.events.catalog.__name__
    }


def test_importing_the_events_package_registers_every_event() -> None:
    assert set(penghubung.events.catalog.__all__) >= set(EXPECTED_CATEGORIES)
    assert catalog_types() == set(EXPECTED_CATEGORIES)


def test_there_is_a_sample_for_every_registered_event() -> None:
    assert set(samples()) == catalog_types()


@pytest.mark.parametrize("type_name", sorted(EXPECTED_CATEGORIES))
def test_event_has_its_service_category_a_docstring_and_version_1(type_name: str) -> None:
    cls = registry.cls(type_name)
    assert cls.category == EXPECTED_CATEGORIES[type_name]
    assert cls.__doc__
    assert cls.model_fields["schema_version"].default == 1


@pytest.mark.parametrize("type_name", sorted(EXPECTED_CATEGORIES))
def test_event_round_trips_through_the_registry(type_name: str) -> None:
    event = samples()[type_name]
    payload = json.loads(json.dumps(event.payload()))
    assert "type" not in payload
    assert "schema_version" not in payload
    loaded = registry.load(type_name, 1, payload)
    assert type(loaded) is type(event)
    assert loaded == event
    assert loaded.payload() == event.payload()


def described_fields(model: type[BaseModel], path: str = "") -> list[str]:
    """Every field of a model and its nested models that lacks a description."""
    missing = []
    for name, info in model.model_fields.items():
        if not info.description:
            missing.append(f"{path}{model.__name__}.{name}")
        for nested in models_in(info.annotation):
            missing += described_fields(nested, f"{path}{model.__name__}.{name}→")
    return missing


def models_in(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic models an annotation mentions (through unions, tuples, Annotated)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in models_in(arg)]


def test_every_field_of_every_event_and_form_has_a_description() -> None:
    missing = [f for cls in registry.types().values() for f in described_fields(cls)]
    assert missing == []


def json_types(schema: Any) -> set[str]:
    """Every JSON type a JSON schema names, at any depth."""
    if isinstance(schema, dict):
        own = {schema["type"]} if isinstance(schema.get("type"), str) else set()
        return own | {t for value in schema.values() for t in json_types(value)}
    if isinstance(schema, list):
        return {t for value in schema for t in json_types(value)}
    return set()


@pytest.mark.parametrize("type_name", sorted(EXPECTED_CATEGORIES))
def test_no_event_carries_a_float(type_name: str) -> None:
    found = json_types(registry.cls(type_name).model_json_schema())
    assert "number" not in found  # floats hash differently across encoders
    assert "string" in found


def test_the_float_check_sees_a_float() -> None:
    class WithFloat(BaseModel):
        ratio: float

    assert "number" in json_types(WithFloat.model_json_schema())


def test_events_are_frozen() -> None:
    for event in samples().values():
        with pytest.raises(ValidationError):
            event.ticket_id = "SC05-2026-00002"  # type: ignore[attr-defined]


def test_unknown_fields_are_refused_on_load() -> None:
    payload = samples()["RequestClosed"].payload()
    with pytest.raises(ValidationError):
        registry.load("RequestClosed", 1, {**payload, "closed_by": "x"})


def test_a_version_newer_than_the_code_is_refused() -> None:
    with pytest.raises(UnknownEventType):
        registry.load("RequestClosed", 2, samples()["RequestClosed"].payload())


@pytest.mark.parametrize("ticket_id", ["SC05-26-00001", "SC-05-2026-00001", "SC05-2026-001"])
def test_malformed_ticket_id_is_refused(ticket_id: str) -> None:
    with pytest.raises(ValidationError) as exc:
        RequestClosed(ticket_id=ticket_id, reason="not_feasible", recommendation="-")
    assert "Tiket ID harus berbentuk SC05-TTTT-NNNNN" in str(exc.value)


def test_receipt_time_must_carry_a_time_zone() -> None:
    payload = samples()["RequestSubmitted"].payload()
    with pytest.raises(ValidationError):
        registry.load("RequestSubmitted", 1, {**payload, "received_at": "2026-01-05T15:40:00"})


def test_first_submission_is_number_zero_and_resubmissions_start_at_one() -> None:
    submitted = samples()["RequestSubmitted"]
    assert isinstance(submitted, RequestSubmitted)
    assert submitted.resubmission == 0
    payload = samples()["RequestResubmitted"].payload()
    with pytest.raises(ValidationError):
        registry.load("RequestResubmitted", 1, {**payload, "resubmission": 0})


def test_a_return_needs_a_reason() -> None:
    with pytest.raises(ValidationError):
        RequestReturned(ticket_id=TICKET, step="dispose_kabid", reasons=[])


# --- dispositions ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("from_role", "to_role", "step"),
    [
        (Role.KADIS, Role.KABID, Step.DISPOSE_KABID),
        (Role.KABID, Role.PRAKOM, Step.DISPOSE_PRAKOM),
        (Role.PRAKOM, Role.PETUGAS, Step.DISPOSE_PETUGAS),
    ],
)
def test_each_hand_down_is_its_sop_step(from_role: Role, to_role: Role, step: Step) -> None:
    disposed = Disposed(
        ticket_id=TICKET,
        from_role=from_role,
        to_role=to_role,
        instruction="Tindak lanjuti",
        to_officer=OFFICER,
    )
    assert disposed.step is step
    assert disposition_step(from_role, to_role) is step


@pytest.mark.parametrize(
    ("from_role", "to_role"),
    [("kadis", "prakom"), ("kabid", "kadis"), ("petugas", "petugas"), ("pemohon", "kadis")],
)
def test_a_disposition_skipping_or_climbing_the_hierarchy_is_refused(
    from_role: str, to_role: str
) -> None:
    with pytest.raises(ValidationError) as exc:
        Disposed(
            ticket_id=TICKET,
            from_role=from_role,
            to_role=to_role,
            instruction="-",
            to_officer=OFFICER,
        )
    assert "disposisi hanya kadis→kabid" in str(exc.value)


def test_an_order_to_petugas_names_the_officer() -> None:
    with pytest.raises(ValidationError) as exc:
        Disposed(ticket_id=TICKET, from_role="prakom", to_role="petugas", instruction="Kerjakan")
    assert "petugas service desk yang diperintah wajib disebut" in str(exc.value)


def test_a_disposition_to_kabid_needs_no_named_officer() -> None:
    disposed = Disposed(ticket_id=TICKET, from_role="kadis", to_role="kabid", instruction="Proses")
    assert disposed.to_officer is None
    assert disposed.stand_in is None


# --- numbers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    ["7/BA-LIA/SC-05/DISKOMINFO/2026", "007/BA-LIA/SC-05/DISKOMINFO/2025", "007/BA/2026"],
)
def test_berita_acara_number_must_match_year_and_sequence(number: str) -> None:
    with pytest.raises(ValidationError) as exc:
        BeritaAcaraNumberReserved(ticket_id=TICKET, year=2026, sequence=7, number=number)
    assert "nomor berita acara tidak sesuai" in str(exc.value)


def test_agenda_number_starts_at_one() -> None:
    payload = samples()["ReportArchived"].payload()
    with pytest.raises(ValidationError):
        registry.load("ReportArchived", 1, {**payload, "agenda_number": 0})
