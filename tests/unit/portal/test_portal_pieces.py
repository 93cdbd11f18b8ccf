"""The portal's small pieces: WIB times in words, working durations, sealed sessions, forms."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from portal import formdata, timefmt, words
from portal.clients.services import ApiRefusal, FieldProblem
from portal.session import Person, Session, SessionCodec


def test_a_moment_reads_the_indonesian_way_in_wib() -> None:
    moment = datetime(2026, 12, 7, 7, 5, tzinfo=UTC)

    assert timefmt.wib(moment) == "Senin, 7 Desember 2026 pukul 14.05 WIB"
    assert timefmt.wib("2026-12-07T23:30:00+00:00") == "Selasa, 8 Desember 2026 pukul 06.30 WIB"
    assert timefmt.wib(None) == "—"


def test_working_time_reads_in_working_days_and_hours() -> None:
    assert timefmt.working(2 * 8 * 3600 + 3 * 3600) == "2 hari kerja 3 jam"
    assert timefmt.working(45 * 60) == "45 menit"
    assert timefmt.working(3600 + 15 * 60) == "1 jam 15 menit"
    assert timefmt.working(0) == "0 menit"
    assert timefmt.kb(512) == "0,5 KB"
    assert timefmt.month_words("2026-12") == "Desember 2026"


def test_a_sealed_session_opens_again_and_a_changed_one_does_not() -> None:
    codec = SessionCodec("k" * 40)
    session = Session(
        expires_at=datetime.now(UTC) + timedelta(hours=1),
        person=Person(nip="198501012010011001", name="Siti Rahmawati"),
    )
    sealed = codec.seal(session)

    assert codec.open(sealed) == session
    assert "Siti" not in sealed  # the browser cannot read it
    tampered = sealed[:-6] + ("A" if sealed[-6] != "A" else "B") + sealed[-5:]
    assert codec.open(tampered) is None
    assert SessionCodec("x" * 40).open(sealed) is None
    assert codec.open("bukan-cookie") is None


def test_an_expired_session_is_no_session() -> None:
    codec = SessionCodec("k" * 40)
    old = Session(expires_at=datetime.now(UTC) - timedelta(seconds=1))

    assert codec.open(codec.seal(old)) is None


def test_flat_fields_become_the_api_body_and_its_errors_come_back_by_field() -> None:
    body = formdata.nested({"applicant.nip": "1", "applicant.name": "", "impact": "tinggi"})
    assert body == {"applicant": {"nip": "1"}, "impact": "tinggi"}

    refused = ApiRefusal(
        status=422,
        code="validation_failed",
        message="data tidak valid",
        errors=[
            FieldProblem("form.applicant.nip", "invalid_value", "NIP harus 18 digit angka"),
            FieldProblem("form.applicant.email", "missing", "wajib diisi"),
        ],
    )
    errors = formdata.field_errors(refused, strip="form.")
    assert errors == {
        "applicant.nip": "NIP harus 18 digit angka",
        "applicant.email": "wajib diisi",
    }
    assert words.field_label("form.applicant.email") == "Alamat surat elektronik"
    grouped = formdata.with_parents({"mechanism": "sebutkan"}, {"mechanism.kind"})
    assert grouped["mechanism.kind"] == "sebutkan"
