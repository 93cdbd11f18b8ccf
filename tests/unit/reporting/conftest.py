"""Builders of upstream events for reporting's unit tests (factories as fixtures)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from penghubung.events import Role
from penghubung.events.catalog import (
    Disposed,
    FeasibilityDone,
    Integrated,
    RequestClosed,
    RequestSubmitted,
)

TICKET = "SC05-2026-00007"
WIB = timezone(timedelta(hours=7))
RECEIVED = datetime(2026, 3, 2, 9, 15, tzinfo=WIB)
OFFICER = {"nip": "199212312019032002", "name": "Budi Santoso"}


def contact(name: str = "Rina Marlina") -> dict[str, Any]:
    """A valid contact block of the catalog's forms."""
    return {
        "name": name,
        "nip": "198001012005011001",
        "position": "Kepala Bidang Pelayanan",
        "work_unit": "Bidang Pelayanan",
        "office_address": "Jl. Pulau Bangka, Air Itam, Pangkalpinang",
        "mobile_phone": "0821-8064-0997",
        "email": "rina@babelprov.go.id",
    }


FORM: dict[str, Any] = {
    "applicant": {**contact(), "echelon": "III.a", "agency": "Dinas Kesehatan"},
    "application": {"name": "SIMPUS", "description": "Sistem informasi puskesmas"},
    "mechanism_available": True,
    "mechanism": {"kind": "gsb"},
    "impact": "tinggi",
    "urgency": "sedang",
}


@pytest.fixture
def submitted() -> Callable[..., RequestSubmitted]:
    """A RequestSubmitted, with any field overridden."""

    def make(**overrides: Any) -> RequestSubmitted:
        fields: dict[str, Any] = {
            "ticket_id": TICKET,
            "form": FORM,
            "channel": "surat",
            "received_at": RECEIVED,
            "registered_by": OFFICER,
            "priority": "P2",
        }
        return RequestSubmitted.model_validate({**fields, **overrides})

    return make


@pytest.fixture
def disposed() -> Callable[..., Disposed]:
    """A Disposed from one role to the next."""

    def make(from_role: Role, to_role: Role, **overrides: Any) -> Disposed:
        fields: dict[str, Any] = {
            "ticket_id": TICKET,
            "from_role": from_role,
            "to_role": to_role,
            "instruction": "Mohon ditindaklanjuti",
            "to_officer": OFFICER if to_role is Role.PETUGAS else None,
        }
        return Disposed.model_validate({**fields, **overrides})

    return make


@pytest.fixture
def feasibility() -> Callable[..., FeasibilityDone]:
    """A FeasibilityDone with both forms filled in."""

    def make(**overrides: Any) -> FeasibilityDone:
        fields: dict[str, Any] = {
            "ticket_id": TICKET,
            "difficulty": "sedang",
            "feasible": True,
            "vulnerability": {
                "application_name": "SIMPUS",
                "application_ip": "10.10.1.5",
                "database_ip": "10.10.1.6",
                "network_ip": "10.10.1.0/24",
                "description": "Aplikasi puskesmas",
                "platforms": ["linux"],
                "languages": ["PHP"],
                "dbms": ["PostgreSQL"],
                "structural_contact": contact(),
                "technical_contact": contact("Andi Wijaya"),
                "has_source_code_or_database": True,
                "has_installation_manual": True,
                "has_user_manual": False,
                "has_uat_document": True,
            },
            "stress_test": {
                "max_users_per_day": 1500,
                "effective_hours_per_day": 8,
                "transaction_seconds": 90,
                "has_test_scenario_document": True,
            },
            "notes": "Server memadai, jaringan stabil",
            "recommendations": ["Lengkapi manual pengguna"],
        }
        return FeasibilityDone.model_validate({**fields, **overrides})

    return make


@pytest.fixture
def integrated() -> Callable[..., Integrated]:
    """An Integrated over the GSB."""

    def make(**overrides: Any) -> Integrated:
        fields: dict[str, Any] = {
            "ticket_id": TICKET,
            "details": {
                "mechanism": {"kind": "gsb"},
                "gsb_service_name": "simpus-pasien",
                "operations": ["cariPasien", "kirimRujukan"],
                "authentication": "mtls",
                "endpoints": ["gsb://simpus-pasien"],
            },
            "notes": "Layanan simpus-pasien aktif di GSB",
        }
        return Integrated.model_validate({**fields, **overrides})

    return make


@pytest.fixture
def closed() -> Callable[..., RequestClosed]:
    """A RequestClosed as not feasible."""

    def make(**overrides: Any) -> RequestClosed:
        fields: dict[str, Any] = {
            "ticket_id": TICKET,
            "reason": "not_feasible",
            "recommendation": "Perbarui server aplikasi terlebih dulu",
        }
        return RequestClosed.model_validate({**fields, **overrides})

    return make
