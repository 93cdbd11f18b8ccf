"""The papers' events: registered in the reporting category, round trips, refusals, routing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

import penghubung.events.documents
from penghubung.events import Event, registry
from penghubung.events.documents import BeritaAcaraSigned, DocumentIssued, Paper
from reporting.projections.apply import APPLIERS

ISSUED = DocumentIssued(
    paper=Paper.BERITA_ACARA,
    code="YP2P-H3MH-RTMI",
    ticket_id="SC05-2026-00007",
    sha256="a" * 64,
    size_bytes=40702,
    facts_position=12,
)
SIGNED = BeritaAcaraSigned(
    ticket_id="SC05-2026-00007",
    berita_acara_number="007/BA-LIA/SC-05/DISKOMINFO/2026",
    returned_at=datetime(2026, 12, 9, 3, 0, tzinfo=UTC),
    scan={
        "kind": "lainnya",
        "filename": "ba-ttd.pdf",
        "content_type": "application/pdf",
        "size_bytes": 1234,
        "sha256": "b" * 64,
        "storage_key": "berita-acara/SC05-2026-00007/ba-ttd.pdf",
    },
)


@pytest.mark.parametrize("event", [ISSUED, SIGNED], ids=lambda e: e.type)
def test_each_event_round_trips_through_the_registry(event: Event) -> None:
    assert type(event).category == "reporting"
    assert type(event).__doc__
    assert registry.load(event.type, 1, event.payload()) == event


def test_every_papers_event_is_registered_and_routed_by_the_projection() -> None:
    names = set(penghubung.events.documents.__all__) - {"Paper", "document_stream"}
    assert names <= set(registry.types())
    assert names <= APPLIERS.handled


@pytest.mark.parametrize(
    ("field", "value"),
    [("code", "yp2p-h3mh-rtmi"), ("code", "YP2P-H3MH"), ("sha256", "A" * 64), ("size_bytes", 0)],
)
def test_a_malformed_issue_is_refused_naming_the_field(field: str, value: object) -> None:
    with pytest.raises(ValidationError) as refused:
        DocumentIssued.model_validate({**ISSUED.payload(), field: value})
    assert refused.value.errors()[0]["loc"] == (field,)


def test_a_register_has_a_period_not_a_ticket() -> None:
    book = DocumentIssued.model_validate(
        {**ISSUED.payload(), "paper": "buku-agenda", "ticket_id": None, "period": "2026-03"}
    )
    assert book.period == "2026-03"
    with pytest.raises(ValidationError):
        DocumentIssued.model_validate({**ISSUED.payload(), "period": "March"})
