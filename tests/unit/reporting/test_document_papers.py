"""The papers' facts from a ticket's events: who signs, what each paper needs before it exists."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from penghubung.events import Actor, Envelope, Event, Role
from penghubung.events.catalog import (
    BeritaAcaraNumberReserved,
    Disposed,
    FeasibilityDone,
    Integrated,
    RequestSubmitted,
)
from penghubung.events.documents import Paper
from reporting.app.papers import (
    DocumentNotReady,
    NoDirectory,
    Post,
    TicketFacts,
    build,
    disposition_sheet,
)
from reporting.documents.models import BeritaAcara

TICKET = "SC05-2026-00007"
START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
KADIS = Actor(nip="197501012000031001", name="Kadis Kominfo", role=Role.KADIS)
PLT = Actor(
    nip="198004042006041004",
    name="Sekretaris Dinas",
    role=Role.KADIS,
    on_behalf_of_nip=KADIS.nip,
    on_behalf_of_name=KADIS.name,
)
PETUGAS = Actor(nip="199212312019032002", name="Budi Santoso", role=Role.PETUGAS)


def envelopes(*events: tuple[Event, Actor]) -> list[Envelope]:
    return [
        Envelope(
            event_id=uuid.uuid4(),
            stream_id=f"x-{TICKET}",
            stream_version=n,
            global_position=n,
            type=event.type,
            schema_version=1,
            occurred_at=START + timedelta(days=n),
            recorded_at=START + timedelta(days=n),
            actor=actor,
            correlation_id=TICKET,
            causation_id=None,
            event=event,
            hash="0" * 64,
        )
        for n, (event, actor) in enumerate(events, start=1)
    ]


@pytest.fixture
def history(
    submitted: Callable[..., RequestSubmitted],
    disposed: Callable[..., Disposed],
    feasibility: Callable[..., FeasibilityDone],
    integrated: Callable[..., Integrated],
) -> Callable[..., list[Envelope]]:
    def make(*, kadis: Actor | None = KADIS, stand_in: str | None = None) -> list[Envelope]:
        steps: list[tuple[Event, Actor]] = [(submitted(), PETUGAS)]
        if kadis is not None:
            steps.append((disposed(Role.KADIS, Role.KABID, stand_in=stand_in), kadis))
        steps += [
            (disposed(Role.PRAKOM, Role.PETUGAS), PETUGAS),
            (feasibility(), PETUGAS),
            (integrated(), PETUGAS),
            (
                BeritaAcaraNumberReserved(
                    ticket_id=TICKET,
                    year=2026,
                    sequence=7,
                    number="007/BA-LIA/SC-05/DISKOMINFO/2026",
                ),
                Actor.system("reporting"),
            ),
        ]
        return envelopes(*steps)

    return make


def test_pihak_pertama_is_the_kadis_who_disposed_and_pihak_kedua_the_applicant(
    history: Callable[..., list[Envelope]],
) -> None:
    ba = build(Paper.BERITA_ACARA, TicketFacts(TICKET, history()), people=NoDirectory())
    assert isinstance(ba, BeritaAcara)
    assert (ba.first_party.name, ba.first_party.nip) == (KADIS.name, KADIS.nip)
    assert ba.first_party.position == "Kepala Dinas Komunikasi dan Informatika"
    assert ba.second_party.name == "Rina Marlina"
    assert ba.second_party.unit == "Dinas Kesehatan"
    assert ba.mechanism == "Government Service Bus (GSB)"
    assert ba.dated.isoformat() == "2026-03-07"  # the day the integration was done (WIB)
    assert ba.date_in_words == "Sabtu tanggal tujuh bulan Maret tahun dua ribu dua puluh enam"


def test_a_plt_signs_with_the_title_and_the_directory_seam_gives_positions(
    history: Callable[..., list[Envelope]],
) -> None:
    facts = TicketFacts(TICKET, history(kadis=PLT, stand_in="plt"))
    ba = build(Paper.BERITA_ACARA, facts, people=NoDirectory())
    assert isinstance(ba, BeritaAcara)
    assert ba.first_party.name == PLT.name
    assert ba.first_party.position == "Plt. Kepala Dinas Komunikasi dan Informatika"

    class Directory:
        def post(self, nip: str | None, *, role: Role) -> Post | None:
            return Post("Kepala Dinas", "Diskominfo Babel") if nip == KADIS.nip else None

    plain = build(Paper.BERITA_ACARA, TicketFacts(TICKET, history()), people=Directory())
    assert isinstance(plain, BeritaAcara)
    assert (plain.first_party.position, plain.first_party.unit) == (
        "Kepala Dinas",
        "Diskominfo Babel",
    )
    sheet = disposition_sheet(facts)
    assert sheet.lines[0].acting_for == "Plt. Kepala Dinas Kominfo untuk Kadis Kominfo"


@pytest.mark.parametrize(
    ("paper", "cut", "missing"),
    [
        (Paper.BERITA_ACARA, 5, "nomor Berita Acara"),
        (Paper.VULNERABILITY_TEST, 2, "analisis kelayakan"),
        (Paper.STRESS_TEST, 2, "analisis kelayakan"),
        (Paper.REPORT, 5, "laporan"),
        (Paper.REQUEST_FORM, 0, "permohonan"),
    ],
)
def test_a_paper_before_its_step_is_refused_naming_what_is_missing(
    history: Callable[..., list[Envelope]], paper: Paper, cut: int, missing: str
) -> None:
    with pytest.raises(DocumentNotReady) as refused:
        build(paper, TicketFacts(TICKET, history()[:cut]), people=NoDirectory())
    assert refused.value.code == "document_not_ready"
    assert missing in refused.value.message


def test_a_berita_acara_without_a_kadis_disposition_is_refused(
    history: Callable[..., list[Envelope]],
) -> None:
    with pytest.raises(DocumentNotReady, match="disposisi Kepala Dinas"):
        build(Paper.BERITA_ACARA, TicketFacts(TICKET, history(kadis=None)), people=NoDirectory())


def test_facts_of_no_event_stand_at_position_zero() -> None:
    assert TicketFacts(TICKET, []).position == 0
