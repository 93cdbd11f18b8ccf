"""Each document renders to an A4 PDF that holds every fact it was given, byte for byte the same
each time, with a QR code that leads to its verify page.

Page 1 of each is saved under tests/output/documents/ for a person to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest

from penghubung.testing import pdfs
from reporting.documents.models import BeritaAcara, Document
from reporting.documents.render import render, verify_code
from reporting.documents.samples import samples

PUBLIC = "https://penghubung.babelprov.go.id"
OUTPUT = Path(__file__).resolve().parents[2] / "output" / "documents"

SAMPLES = samples()


def shown_values(value: Any, key: str = "") -> Iterator[tuple[str, str]]:
    """Every text and number a document's model holds, with where it sits."""
    if isinstance(value, dict):
        for k, v in value.items():
            if k not in {"office", "dated"}:
                yield from shown_values(v, f"{key}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from shown_values(v, f"{key}[{i}]")
    elif isinstance(value, str) and value:
        yield key, value
    elif isinstance(value, int) and not isinstance(value, bool):
        yield key, f"{value:,}".replace(",", ".")  # as Indonesians write it: 2.500


@pytest.fixture(scope="module", params=sorted(SAMPLES))
def issued(request: pytest.FixtureRequest) -> tuple[str, Document, bytes]:
    document = SAMPLES[request.param]
    pdf = render(document, public_url=PUBLIC).pdf
    pdfs.save_png(pdf, OUTPUT / f"{request.param}.png")
    return request.param, document, pdf


def test_the_pdf_holds_every_fact(issued: tuple[str, Document, bytes]) -> None:
    _, document, pdf = issued
    text = pdfs.text(pdf)
    unwrapped = "".join(text.split())  # table cells wrap long values over lines
    missing = [
        (where, value)
        for where, value in shown_values(document.model_dump(mode="json"))
        if "".join(value.split()) not in unwrapped
    ]
    assert missing == []
    assert document.place_and_date in text


def test_the_pages_are_a4(issued: tuple[str, Document, bytes]) -> None:
    _, _, pdf = issued
    doc = pdfium.PdfDocument(pdf)
    try:
        sizes = {tuple(round(x) for x in doc[i].get_size()) for i in range(len(doc))}
    finally:
        doc.close()
    assert sizes in ({(595, 842)}, {(842, 595)})  # A4, the agenda book across


def test_a_second_render_is_byte_identical(issued: tuple[str, Document, bytes]) -> None:
    _, document, pdf = issued
    assert render(document, public_url=PUBLIC).pdf == pdf


def test_the_qr_code_leads_to_the_verify_page(issued: tuple[str, Document, bytes]) -> None:
    _, document, pdf = issued
    url = f"{PUBLIC}/verify/{verify_code(document)}"
    assert pdfs.qr_codes(pdf) == [url]
    assert verify_code(document) in pdfs.text(pdf)


def test_other_facts_give_another_code_and_other_bytes() -> None:
    ba = SAMPLES["berita-acara"]
    assert isinstance(ba, BeritaAcara)
    changed = ba.model_copy(update={"application_name": "SIMPEG Provinsi v2"})
    assert verify_code(changed) != verify_code(ba)
    assert render(changed, public_url=PUBLIC).sha256 != render(ba, public_url=PUBLIC).sha256


def test_the_berita_acara_spells_its_date_out() -> None:
    text = pdfs.text(render(SAMPLES["berita-acara"], public_url=PUBLIC).pdf)
    assert (
        "Pada hari ini Senin tanggal tujuh bulan Desember tahun dua ribu dua puluh enam"
        " (07-12-2026)" in text
    )
    assert "Selanjutnya disebut PIHAK PERTAMA" in text
    assert "Selanjutnya disebut PIHAK KEDUA" in text
    assert "RFC (request for change)" in text
