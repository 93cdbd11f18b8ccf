"""The form value objects: NIP, contacts, echelon, choices, priority, IPs and the three forms."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from penghubung.forms import (
    Applicant,
    Attachment,
    ContactPerson,
    Echelon,
    IntegrationDetails,
    Mechanism,
    MechanismChoice,
    Officer,
    ServiceRequestForm,
    StressTestForm,
    VulnerabilityAssessmentForm,
    check_nip,
    format_berita_acara_number,
    format_ticket_id,
)
from penghubung.sop import (
    Difficulty,
    DocumentKind,
    Impact,
    Priority,
    Step,
    Urgency,
    priority,
    required_documents,
)

VALID_NIP = "198001012005011001"


def contact(**changes: Any) -> dict[str, Any]:
    """A valid contact block, with some fields changed."""
    return {
        "name": "Rina Marlina",
        "nip": VALID_NIP,
        "position": "Kepala Bidang Pelayanan",
        "work_unit": "Bidang Pelayanan",
        "office_address": "Jl. Pulau Bangka, Air Itam, Pangkalpinang",
        "mobile_phone": "0821-8064-0997",
        "internal_phone": "0717-4262141 ext 12",
        "email": "rina@babelprov.go.id",
        **changes,
    }


def applicant(**changes: Any) -> dict[str, Any]:
    """A valid applicant, with some fields changed."""
    return {**contact(), "echelon": "III.a", "agency": "Dinas Kesehatan", **changes}


def request_form(**changes: Any) -> dict[str, Any]:
    """A valid service request form, with some fields changed."""
    return {
        "applicant": applicant(),
        "application": {"name": "SIMPUS", "description": "Sistem informasi puskesmas"},
        "mechanism_available": True,
        "mechanism": {"kind": "gsb"},
        "impact": "sedang",
        "urgency": "tinggi",
        **changes,
    }


def vulnerability(**changes: Any) -> dict[str, Any]:
    """A valid vulnerability-assessment form, with some fields changed."""
    return {
        "application_name": "SIMPUS",
        "application_ip": "10.10.1.5",
        "database_ip": "10.10.1.6",
        "network_ip": "10.10.1.0/24",
        "description": "Aplikasi puskesmas berbasis web",
        "platforms": ["linux"],
        "languages": ["PHP"],
        "programs": ["Laravel"],
        "dbms": ["PostgreSQL"],
        "engines": ["nginx"],
        "structural_contact": contact(),
        "technical_contact": contact(name="Budi Santoso", nip="199212312019032002"),
        "has_source_code_or_database": True,
        "has_installation_manual": True,
        "has_user_manual": False,
        "has_uat_document": False,
        **changes,
    }


def error_of(exc: pytest.ExceptionInfo[ValidationError]) -> str:
    """All messages of a validation error, in one string."""
    return " | ".join(str(e["msg"]) for e in exc.value.errors())


# --- NIP ------------------------------------------------------------------------------------


@pytest.mark.parametrize("nip", [VALID_NIP, "199212312019032002", "19800101 200501 1 001"])
def test_valid_nip_passes_and_is_stored_without_spaces(nip: str) -> None:
    officer = Officer(nip=nip, name="Petugas")
    assert officer.nip == nip.replace(" ", "")
    assert len(officer.nip) == 18


@pytest.mark.parametrize(
    ("nip", "code", "message"),
    [
        ("19800101200501100", "nip_format", "NIP harus 18 digit angka"),
        ("1980010120050110012", "nip_format", "NIP harus 18 digit angka"),
        ("19800101200501100A", "nip_format", "NIP harus 18 digit angka"),
        ("١٩٨٠٠١٠١٢٠٠٥٠١١٠٠١", "nip_format", "NIP harus 18 digit angka"),
        ("198013012005011001", "nip_birth_date", "tanggal lahir pada NIP tidak valid"),
        ("198002302005011001", "nip_birth_date", "tanggal lahir pada NIP tidak valid"),
        ("189912312005011001", "nip_birth_date", "tanggal lahir pada NIP tidak valid"),
        ("198001012005131001", "nip_appointment", "bulan pengangkatan pada NIP tidak valid"),
        ("198001012005001001", "nip_appointment", "bulan pengangkatan pada NIP tidak valid"),
        ("198001011979121001", "nip_appointment_before_birth", "harus sesudah bulan lahir"),
        ("198001151980011001", "nip_appointment_before_birth", "harus sesudah bulan lahir"),
        ("198001012005013001", "nip_sex", "jenis kelamin pada NIP harus 1 atau 2"),
        ("198001012005010001", "nip_sex", "jenis kelamin pada NIP harus 1 atau 2"),
        ("198001012005011000", "nip_sequence", "nomor urut pada NIP tidak boleh 000"),
    ],
)
def test_each_nip_defect_is_refused_with_its_message(nip: str, code: str, message: str) -> None:
    with pytest.raises(ValidationError) as exc:
        Officer(nip=nip, name="Petugas")
    assert message in error_of(exc)
    assert exc.value.errors()[0]["ctx"]["error"].code == code


def test_check_nip_is_usable_on_its_own() -> None:
    assert check_nip(VALID_NIP) == VALID_NIP
    with pytest.raises(ValueError, match="NIP harus 18 digit angka"):
        check_nip("123")


# --- contact details ------------------------------------------------------------------------


def test_contact_person_accepts_a_full_block_and_no_internal_phone() -> None:
    person = ContactPerson.model_validate(contact(internal_phone=None))
    assert person.internal_phone is None
    assert person.mobile_phone == "0821-8064-0997"


@pytest.mark.parametrize("email", ["rina", "rina@", "rina@babelprov", "ri na@babelprov.go.id"])
def test_bad_email_is_refused(email: str) -> None:
    with pytest.raises(ValidationError) as exc:
        ContactPerson.model_validate(contact(email=email))
    assert "alamat surat elektronik tidak valid" in error_of(exc)


@pytest.mark.parametrize("mobile", ["0717-4262141", "12345", "+62 21 555 0199"])
def test_bad_mobile_is_refused(mobile: str) -> None:
    with pytest.raises(ValidationError) as exc:
        ContactPerson.model_validate(contact(mobile_phone=mobile))
    assert "nomor HP tidak valid" in error_of(exc)


@pytest.mark.parametrize("mobile", ["082180640997", "+62 821 8064 0997", "6282180640997"])
def test_indonesian_mobile_forms_are_accepted(mobile: str) -> None:
    assert ContactPerson.model_validate(contact(mobile_phone=mobile)).mobile_phone == mobile


def test_empty_name_is_refused() -> None:
    with pytest.raises(ValidationError):
        ContactPerson.model_validate(contact(name="   "))


# --- echelon --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("echelon", "allowed"),
    [
        (Echelon.I_A, True),
        (Echelon.I_B, True),
        (Echelon.II_A, True),
        (Echelon.II_B, True),
        (Echelon.III_A, True),
        (Echelon.III_B, True),
        (Echelon.IV_A, False),
        (Echelon.IV_B, False),
        (Echelon.V_A, False),
    ],
)
def test_only_echelon_iii_or_higher_may_apply(echelon: Echelon, allowed: bool) -> None:
    assert echelon.is_at_least_iii() is allowed


@pytest.mark.parametrize("echelon", ["IV.a", "IV.b", "V.a"])
def test_applicant_below_echelon_iii_is_refused(echelon: str) -> None:
    with pytest.raises(ValidationError) as exc:
        Applicant.model_validate(applicant(echelon=echelon))
    assert "pemohon minimal pejabat eselon III" in error_of(exc)


def test_applicant_of_echelon_iii_b_is_accepted() -> None:
    assert Applicant.model_validate(applicant(echelon="III.b")).echelon is Echelon.III_B


def test_unknown_echelon_is_refused() -> None:
    with pytest.raises(ValidationError):
        Applicant.model_validate(applicant(echelon="III"))


# --- mechanism, priority, difficulty --------------------------------------------------------


def test_other_mechanism_must_be_named() -> None:
    with pytest.raises(ValidationError) as exc:
        MechanismChoice(kind=Mechanism.OTHER)
    assert "sebutkan mekanisme integrasi lainnya" in error_of(exc)
    assert MechanismChoice(kind=Mechanism.OTHER, other_description="SFTP harian").kind == "lainnya"


def test_gsb_or_api_takes_no_other_description() -> None:
    with pytest.raises(ValidationError) as exc:
        MechanismChoice(kind=Mechanism.GSB, other_description="SFTP")
    assert "hanya diisi bila memilih 'lainnya'" in error_of(exc)


@pytest.mark.parametrize(
    ("impact", "urgency", "expected"),
    [
        (Impact.HIGH, Urgency.HIGH, Priority.P1),
        (Impact.HIGH, Urgency.MEDIUM, Priority.P2),
        (Impact.HIGH, Urgency.LOW, Priority.P3),
        (Impact.MEDIUM, Urgency.HIGH, Priority.P2),
        (Impact.MEDIUM, Urgency.MEDIUM, Priority.P3),
        (Impact.MEDIUM, Urgency.LOW, Priority.P4),
        (Impact.LOW, Urgency.HIGH, Priority.P3),
        (Impact.LOW, Urgency.MEDIUM, Priority.P4),
        (Impact.LOW, Urgency.LOW, Priority.P4),
    ],
)
def test_priority_matrix(impact: Impact, urgency: Urgency, expected: Priority) -> None:
    assert priority(impact, urgency) is expected


def test_priority_labels_are_in_bahasa() -> None:
    assert [p.label for p in Priority] == ["kritis", "tinggi", "sedang", "rendah"]


@pytest.mark.parametrize(
    ("difficulty", "feasibility", "implementation"),
    [(Difficulty.LOW, 3, 5), (Difficulty.MEDIUM, 4, 10), (Difficulty.HIGH, 5, 15)],
)
def test_difficulty_sets_working_days(
    difficulty: Difficulty, feasibility: int, implementation: int
) -> None:
    assert difficulty.feasibility_days == feasibility
    assert difficulty.implementation_days == implementation


def test_each_disposition_step_needs_the_papers_of_the_sop() -> None:
    assert required_documents(Step.DISPOSE_KABID) == {DocumentKind.REQUEST_LETTER}
    assert required_documents(Step.DISPOSE_PRAKOM) == {
        DocumentKind.REQUEST_LETTER,
        DocumentKind.KADIS_DISPOSITION,
    }
    assert required_documents(Step.DISPOSE_PETUGAS) == set(DocumentKind)
    assert required_documents(Step.FEASIBILITY) == frozenset()


# --- the request form and attachments -------------------------------------------------------


def test_request_form_is_built_from_the_catalog_fields() -> None:
    form = ServiceRequestForm.model_validate(request_form())
    assert form.applicant.agency == "Dinas Kesehatan"
    assert form.mechanism.kind is Mechanism.GSB
    assert priority(form.impact, form.urgency) is Priority.P2


def test_forms_are_frozen_and_refuse_unknown_fields() -> None:
    form = ServiceRequestForm.model_validate(request_form())
    with pytest.raises(ValidationError):
        form.impact = Impact.HIGH  # type: ignore[misc]
    with pytest.raises(ValidationError):
        ServiceRequestForm.model_validate(request_form(signature="x"))


def attachment(**changes: Any) -> dict[str, Any]:
    """A valid attachment, with some fields changed."""
    return {
        "kind": "surat_permohonan",
        "filename": "surat.pdf",
        "content_type": "application/pdf",
        "size_bytes": 1024,
        "sha256": "AB" * 32,
        "storage_key": "attachments/SC05-2026-00001/surat.pdf",
        **changes,
    }


def test_attachment_keeps_its_digest_in_lower_case() -> None:
    assert Attachment.model_validate(attachment()).sha256 == "ab" * 32


@pytest.mark.parametrize(
    "changes",
    [
        {"sha256": "ab" * 31},
        {"sha256": "zz" * 32},
        {"filename": "../surat.pdf"},
        {"content_type": "pdf"},
        {"size_bytes": 0},
        {"kind": "ktp"},
    ],
)
def test_bad_attachment_is_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Attachment.model_validate(attachment(**changes))


# --- IP addresses and the feasibility forms --------------------------------------------------


def test_vulnerability_form_accepts_addresses_and_a_network() -> None:
    form = VulnerabilityAssessmentForm.model_validate(
        vulnerability(application_ip="2001:DB8::0:1", network_ip="10.0.0.0/24")
    )
    assert form.application_ip == "2001:db8::1"
    assert form.network_ip == "10.0.0.0/24"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"application_ip": "300.1.1.1"}, "alamat IP tidak valid"),
        ({"application_ip": "10.0.0.0/24"}, "alamat IP tidak valid"),
        ({"database_ip": "db.local"}, "alamat IP tidak valid"),
        ({"network_ip": "10.0.0.5/24"}, "alamat jaringan IP tidak valid"),
        ({"network_ip": "10.0.0.0/33"}, "alamat jaringan IP tidak valid"),
    ],
)
def test_bad_ip_is_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError) as exc:
        VulnerabilityAssessmentForm.model_validate(vulnerability(**changes))
    assert message in error_of(exc)


def test_vulnerability_form_needs_a_platform() -> None:
    with pytest.raises(ValidationError):
        VulnerabilityAssessmentForm.model_validate(vulnerability(platforms=[]))
    with pytest.raises(ValidationError):
        VulnerabilityAssessmentForm.model_validate(vulnerability(platforms=["macos"]))


@pytest.mark.parametrize(
    "changes",
    [
        {"max_users_per_day": 0},
        {"effective_hours_per_day": 0},
        {"effective_hours_per_day": 25},
        {"transaction_seconds": 0},
        {"transaction_seconds": 1.5},
    ],
)
def test_bad_stress_test_figures_are_refused(changes: dict[str, Any]) -> None:
    figures = {
        "max_users_per_day": 500,
        "effective_hours_per_day": 8,
        "transaction_seconds": 120,
        "has_test_scenario_document": True,
    }
    assert StressTestForm.model_validate(figures).effective_hours_per_day == 8
    with pytest.raises(ValidationError):
        StressTestForm.model_validate({**figures, **changes})


# --- integration details --------------------------------------------------------------------


def details(**changes: Any) -> dict[str, Any]:
    """Valid API integration details, with some fields changed."""
    return {
        "mechanism": {"kind": "api"},
        "base_url": "https://api.babelprov.go.id/simpus/v1",
        "operations": ["GET /pasien"],
        "authentication": "oauth2",
        "endpoints": ["https://api.babelprov.go.id/simpus/v1/pasien"],
        **changes,
    }


def test_api_details_are_accepted() -> None:
    assert IntegrationDetails.model_validate(details()).base_url is not None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"base_url": None}, "URL dasar API wajib diisi"),
        ({"base_url": "ftp://api.babelprov.go.id"}, "URL harus diawali http://"),
        ({"base_url": "https://"}, "URL harus diawali http://"),
        ({"mechanism": {"kind": "gsb"}, "base_url": None}, "nama layanan GSB wajib diisi"),
        ({"operations": []}, "at least 1"),
        ({"authentication": "kerberos"}, "Input should be"),
    ],
)
def test_bad_integration_details_are_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError) as exc:
        IntegrationDetails.model_validate(details(**changes))
    assert message in error_of(exc)


def test_gsb_details_need_only_a_service_name() -> None:
    gsb = details(mechanism={"kind": "gsb"}, base_url=None, gsb_service_name="simpus-pasien")
    assert IntegrationDetails.model_validate(gsb).gsb_service_name == "simpus-pasien"


# --- numbers --------------------------------------------------------------------------------


def test_ticket_and_berita_acara_numbers_are_zero_padded() -> None:
    assert format_ticket_id(2026, 1) == "SC05-2026-00001"
    assert format_berita_acara_number(2026, 7) == "007/BA-LIA/SC-05/DISKOMINFO/2026"
    assert format_berita_acara_number(2026, 1234) == "1234/BA-LIA/SC-05/DISKOMINFO/2026"
