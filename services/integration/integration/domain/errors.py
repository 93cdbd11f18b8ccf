"""Why the integration service refuses a command: a stable code and a Bahasa Indonesia message."""

from __future__ import annotations


class IntegrationError(Exception):
    """A command the rules refuse; `code` is for programs, `message` for people."""

    code = "integration_refused"
    message = "perintah ditolak"
    field: str | None = None

    def __init__(self, ticket_id: str) -> None:
        super().__init__(f"{self.code}: {ticket_id}")
        self.ticket_id = ticket_id


class NotFoundError(IntegrationError):
    """The thing asked about does not exist (for this caller)."""


class ConflictError(IntegrationError):
    """The command comes out of order, or the work item belongs to someone else."""


class InvalidCommand(IntegrationError):
    """A value of the command is wrong by the rules (not by its shape)."""


class WorkItemNotFound(NotFoundError):
    """No petugas has been ordered to work on this request."""

    code = "work_item_not_found"
    message = "permohonan ini belum didisposisikan kepada petugas service desk"


class NotAssignedToYou(ConflictError):
    """The work item belongs to another officer (or was moved to one)."""

    code = "not_assigned_to_you"
    message = "permohonan ini ditugaskan kepada petugas lain"


class AlreadyAnalysed(ConflictError):
    """The feasibility analysis is done already; it is done once."""

    code = "already_analysed"
    message = "analisis kelayakan permohonan ini sudah dicatat"


class FeasibilityMissing(ConflictError):
    """An implementation was reported before any feasibility analysis."""

    code = "feasibility_missing"
    message = "implementasi hanya dapat dicatat setelah analisis kelayakan"


class IntegrationMissing(ConflictError):
    """A correction of an implementation that was never recorded."""

    code = "integration_missing"
    message = "belum ada implementasi yang dicatat untuk dikoreksi"


class RequestArchived(ConflictError):
    """The report is archived: the facts behind it stand."""

    code = "request_archived"
    message = (
        "laporan permohonan ini sudah diarsipkan; analisis dan implementasi tidak dapat dikoreksi"
    )


class NotFeasible(ConflictError):
    """The analysis found the request not feasible; it is closed and cannot be implemented."""

    code = "not_feasible"
    message = "permohonan ini dinyatakan tidak layak dan sudah ditutup"


class AlreadyIntegrated(ConflictError):
    """The implementation is recorded already; it is recorded once."""

    code = "already_integrated"
    message = "implementasi integrasi permohonan ini sudah dicatat"


class RecommendationRequired(InvalidCommand):
    """A request found not feasible is closed with a recommendation to the agency."""

    code = "recommendation_required"
    message = "permohonan yang tidak layak wajib disertai saran dan rekomendasi"
    field = "recommendations"


class RecommendationsTooLong(InvalidCommand):
    """The recommendations of a closed request must fit in its closing recommendation."""

    code = "recommendations_too_long"
    message = "saran dan rekomendasi untuk permohonan yang ditutup melebihi 5000 karakter"
    field = "recommendations"


class WorkFinished(ConflictError):
    """The work item's steps are done: no clock of theirs runs any more."""

    code = "work_finished"
    message = "pekerjaan permohonan ini sudah selesai; jam layanannya tidak berjalan lagi"


class ClockAlreadyPaused(ConflictError):
    """The clock stands still already; it is resumed before it is paused again."""

    code = "clock_already_paused"
    message = "jam layanan permohonan ini sedang dijeda"


class ClockNotPaused(ConflictError):
    """The clock runs; only a paused clock is resumed."""

    code = "clock_not_paused"
    message = "jam layanan permohonan ini tidak sedang dijeda"
