"""The papers' facts: a document was issued (with the SHA-256 of its PDF), a signed Berita Acara
came back."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, ClassVar, Literal

from pydantic import AwareDatetime, Field, StringConstraints

from penghubung.events.base import Event
from penghubung.events.registry import registry
from penghubung.forms import Attachment, TicketId

__all__ = ["BeritaAcaraSigned", "DocumentIssued", "Paper", "document_stream"]

HexDigest = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
VerifyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}$")]
Period = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}(-[0-9]{2})?$")]

_TYPE = "The event type name"
_VERSION = "Schema version of this event's payload"
_TICKET = "The request's ticket id (SC05-YYYY-NNNNN)"


class Paper(StrEnum):
    """The documents Penghubung issues (their names in URLs)."""

    REQUEST_FORM = "permohonan"
    DISPOSITION_SHEET = "disposisi"
    VULNERABILITY_TEST = "uji-kerentanan"
    STRESS_TEST = "uji-beban"
    REPORT = "laporan"
    BERITA_ACARA = "berita-acara"
    AGENDA_BOOK = "buku-agenda"
    SLA_MONTHLY = "laporan-sla"

    @property
    def label(self) -> str:
        """The document's name for people."""
        return _LABELS[self]


_LABELS = {
    Paper.REQUEST_FORM: "Formulir permohonan",
    Paper.DISPOSITION_SHEET: "Lembar disposisi",
    Paper.VULNERABILITY_TEST: "Formulir uji kerentanan",
    Paper.STRESS_TEST: "Formulir uji beban",
    Paper.REPORT: "Laporan",
    Paper.BERITA_ACARA: "Berita Acara",
    Paper.AGENDA_BOOK: "Buku agenda",
    Paper.SLA_MONTHLY: "Laporan bulanan kepatuhan SLA",
}


def document_stream(code: str) -> str:
    """The stream of one issued document: `reporting-document-<code>`."""
    return f"reporting-document-{code}"


@registry.register
class DocumentIssued(Event):
    """A document was rendered from the log and handed out; its PDF's hash can be checked by
    anyone through the verify page its QR code leads to."""

    category: ClassVar[str] = "reporting"

    type: Literal["DocumentIssued"] = Field(default="DocumentIssued", description=_TYPE)
    schema_version: Literal[1] = Field(default=1, description=_VERSION)
    paper: Paper = Field(description="Which document (permohonan, berita-acara, buku-agenda, …)")
    code: VerifyCode = Field(description="The short code printed on it (a digest of its facts)")
    ticket_id: TicketId | None = Field(
        default=None, description="The request it belongs to; none for a register"
    )
    period: Period | None = Field(
        default=None, description="The year (YYYY) or month (YYYY-MM) of a register"
    )
    sha256: HexDigest = Field(description="SHA-256 of the PDF's bytes, lowercase hex")
    size_bytes: int = Field(ge=1, description="Size of the PDF in bytes")
    facts_position: int = Field(
        ge=0, description="The log position its facts were read at: the same facts, the same bytes"
    )


@registry.register
class BeritaAcaraSigned(Event):
    """The Berita Acara came back signed by both parties; the scan is kept."""

    category: ClassVar[str] = "reporting"

    type: Literal["BeritaAcaraSigned"] = Field(default="BeritaAcaraSigned", description=_TYPE)
    schema_version: Literal[1] = Field(default=1, description=_VERSION)
    ticket_id: TicketId = Field(description=_TICKET)
    berita_acara_number: str = Field(description="The number of the Berita Acara that came back")
    returned_at: AwareDatetime = Field(description="When the signed copy reached the desk")
    scan: Attachment = Field(description="The scan of the wet-signed paper (PDF or JPEG)")
