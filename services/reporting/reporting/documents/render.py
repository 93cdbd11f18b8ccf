"""Typst renders a document model to PDF bytes: the same facts give the same bytes.

The data goes to the template as one JSON input (`sys.inputs.data`); the fonts are the ones
inside the `typst` wheel (system fonts are ignored, so another machine renders the same
bytes); the PDF's creation date is the document's own date, never the clock's. Each page
carries a QR code and a short code that lead to the public verify page; the code is a digest
of the document's kind and facts, so it is known before the PDF exists.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import segno
import typst

from reporting.documents.models import Document

HERE = Path(__file__).parent
"""Where the templates live (the Typst project root: templates may import only from here)."""

CODE_GROUPS = 3
"""A verify code is three groups of four letters and digits: `K7QM-X2PA-9RLE`."""


@dataclass(frozen=True, slots=True)
class Rendered:
    """A rendered document: its bytes, their SHA-256 and the code its QR leads to."""

    kind: str
    subject: str | None
    code: str
    url: str
    pdf: bytes

    @property
    def sha256(self) -> str:
        """SHA-256 of the PDF, hex."""
        return hashlib.sha256(self.pdf).hexdigest()


class RenderFailed(RuntimeError):
    """A template did not compile: a fault of the code, never of the caller."""


def verify_code(document: Document) -> str:
    """The short code of a document: a digest of its kind and of every fact it shows."""
    facts = json.dumps(
        [document.kind, document.model_dump(mode="json")], sort_keys=True, ensure_ascii=False
    )
    digest = base64.b32encode(hashlib.sha256(facts.encode()).digest()).decode()
    groups = [digest[i * 4 : i * 4 + 4] for i in range(CODE_GROUPS)]
    return "-".join(groups)


def verify_url(base_url: str, code: str) -> str:
    """The public page that says whether a paper with `code` was issued, and its hash."""
    return f"{base_url.rstrip('/')}/verify/{code}"


def qr_svg(url: str) -> str:
    """The QR code of `url` as SVG (black on white, medium error correction)."""
    qr = segno.make_qr(url, error="m")
    svg: str = qr.svg_inline(scale=4, border=2, dark="#000", light="#fff")
    return svg


def render(document: Document, *, public_url: str) -> Rendered:
    """The PDF of `document`, with the QR and code that lead to its verify page."""
    code = verify_code(document)
    url = verify_url(public_url, code)
    data = {
        "doc": document.model_dump(mode="json"),
        "office": document.office.model_dump(mode="json"),
        "verify": {"code": code, "url": url, "qr_svg": qr_svg(url)},
    }
    pdf = _compile(document.template, data, dated=document.dated)
    return Rendered(kind=document.kind, subject=document.subject(), code=code, url=url, pdf=pdf)


def _compile(template: str, data: dict[str, Any], *, dated: date) -> bytes:
    stamp = datetime.combine(dated, time(), tzinfo=UTC)
    try:
        pdf = typst.compile(
            HERE / template,
            root=HERE,
            format="pdf",
            ignore_system_fonts=True,
            sys_inputs={"data": json.dumps(data, ensure_ascii=False, sort_keys=True)},
            timestamp=stamp,
        )
    except typst.TypstError as failed:
        raise RenderFailed(f"{template}: {failed.message}\n{failed.diagnostic}") from failed
    assert isinstance(pdf, bytes)
    return pdf
