"""The vocabulary of the SOP (SC-05/EGOTIK/2023): its steps, channels, difficulties, priorities.

Words every service and the SLA share, not fields of one form: the steps in order (DESIGN §2),
how a request arrives, how difficult it is (which sets its working days), and its priority by
impact × urgency; with the papers each disposition step needs.
"""

from __future__ import annotations

from enum import StrEnum


class Impact(StrEnum):
    """How much of the agency's work the request touches (dampak)."""

    LOW = "rendah"
    MEDIUM = "sedang"
    HIGH = "tinggi"


class Urgency(StrEnum):
    """How soon the agency needs it (kepentingan)."""

    LOW = "rendah"
    MEDIUM = "sedang"
    HIGH = "tinggi"


class Priority(StrEnum):
    """Handling priority, P1 (kritis) to P4 (rendah)."""

    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"

    @property
    def label(self) -> str:
        """The priority in Bahasa Indonesia, for people."""
        return {"P1": "kritis", "P2": "tinggi", "P3": "sedang", "P4": "rendah"}[self.value]


_PRIORITY_MATRIX: dict[tuple[Impact, Urgency], Priority] = {
    (Impact.HIGH, Urgency.HIGH): Priority.P1,
    (Impact.HIGH, Urgency.MEDIUM): Priority.P2,
    (Impact.HIGH, Urgency.LOW): Priority.P3,
    (Impact.MEDIUM, Urgency.HIGH): Priority.P2,
    (Impact.MEDIUM, Urgency.MEDIUM): Priority.P3,
    (Impact.MEDIUM, Urgency.LOW): Priority.P4,
    (Impact.LOW, Urgency.HIGH): Priority.P3,
    (Impact.LOW, Urgency.MEDIUM): Priority.P4,
    (Impact.LOW, Urgency.LOW): Priority.P4,
}


def priority(impact: Impact, urgency: Urgency) -> Priority:
    """The priority of a request by impact × urgency (the catalog: "dampak dan kepentingan").

    ```
    impact \\ urgency   tinggi  sedang  rendah
    tinggi              P1      P2      P3
    sedang              P2      P3      P4
    rendah              P3      P4      P4
    ```
    """
    return _PRIORITY_MATRIX[(impact, urgency)]


class Channel(StrEnum):
    """How a request reached the service desk (the catalog's "mekanisme permintaan")."""

    PORTAL = "portal"
    EMAIL = "email"
    LETTER = "surat"
    PHONE = "telepon"
    CHAT = "chat"
    WALK_IN = "langsung"


class Difficulty(StrEnum):
    """The difficulty of a request, which sets the working days the SLA allows."""

    LOW = "rendah"
    MEDIUM = "sedang"
    HIGH = "tinggi"

    @property
    def feasibility_days(self) -> int:
        """Working days for the feasibility analysis: 3, 4 or 5."""
        return {"rendah": 3, "sedang": 4, "tinggi": 5}[self.value]

    @property
    def implementation_days(self) -> int:
        """Working days for the integration: 5, 10 or 15."""
        return {"rendah": 5, "sedang": 10, "tinggi": 15}[self.value]


class Step(StrEnum):
    """The steps of the SOP, in order (DESIGN §2)."""

    SUBMIT = "submit"
    DISPOSE_KABID = "dispose_kabid"
    DISPOSE_PRAKOM = "dispose_prakom"
    DISPOSE_PETUGAS = "dispose_petugas"
    FEASIBILITY = "feasibility"
    IMPLEMENTATION = "implementation"
    REPORT = "report"
    ARCHIVE = "archive"


class DocumentKind(StrEnum):
    """The papers a disposition needs ("kelengkapan" in the SOP)."""

    REQUEST_LETTER = "surat_permohonan"
    KADIS_DISPOSITION = "disposisi_kadis"
    KABID_DISPOSITION = "disposisi_kabid"


_REQUIRED_DOCUMENTS: dict[Step, frozenset[DocumentKind]] = {
    Step.DISPOSE_KABID: frozenset({DocumentKind.REQUEST_LETTER}),
    Step.DISPOSE_PRAKOM: frozenset({DocumentKind.REQUEST_LETTER, DocumentKind.KADIS_DISPOSITION}),
    Step.DISPOSE_PETUGAS: frozenset(DocumentKind),
}


def required_documents(step: Step) -> frozenset[DocumentKind]:
    """The papers the SOP requires at a disposition step (none at the other steps)."""
    return _REQUIRED_DOCUMENTS.get(step, frozenset())


class RequestStatus(StrEnum):
    """Where a request stands: one vocabulary for every service and every view.

    Intake knows only the first two (it hands the request on at submission and hears back
    only of a return); reporting, which sees every event, knows them all.
    """

    SUBMITTED = "submitted"
    RETURNED = "returned"
    IN_DISPOSITION = "in_disposition"
    ASSIGNED = "assigned"
    ANALYSED = "analysed"
    INTEGRATED = "integrated"
    CLOSED = "closed"
    ARCHIVED = "archived"

    @property
    def label(self) -> str:
        """The state in Bahasa Indonesia, for people."""
        return _STATUS_LABELS[self]


_STATUS_LABELS = {
    RequestStatus.SUBMITTED: "Diajukan",
    RequestStatus.RETURNED: "Dikembalikan",
    RequestStatus.IN_DISPOSITION: "Dalam disposisi",
    RequestStatus.ASSIGNED: "Dikerjakan petugas",
    RequestStatus.ANALYSED: "Selesai analisis kelayakan",
    RequestStatus.INTEGRATED: "Terintegrasi",
    RequestStatus.CLOSED: "Ditutup (tidak layak)",
    RequestStatus.ARCHIVED: "Diarsipkan",
}
