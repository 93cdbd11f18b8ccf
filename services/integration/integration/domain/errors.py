"""Why the integration service refuses a command: each case a kind of `penghubung.refusals`."""

from __future__ import annotations

from penghubung.refusals import Conflict, Forbidden, Invalid, NotFound


class WorkItemNotFound(NotFound):
    """No petugas has been ordered to work on this request."""

    code = "work_item_not_found"
    message = "permohonan ini belum didisposisikan kepada petugas service desk"


class NotAssignedToYou(Conflict):
    """The work item belongs to another officer (or was moved to one)."""

    code = "not_assigned_to_you"
    message = "permohonan ini ditugaskan kepada petugas lain"


class AlreadyAnalysed(Conflict):
    """The feasibility analysis is done already; it is done once."""

    code = "already_analysed"
    message = "analisis kelayakan permohonan ini sudah dicatat"


class FeasibilityMissing(Conflict):
    """An implementation was reported before any feasibility analysis."""

    code = "feasibility_missing"
    message = "implementasi hanya dapat dicatat setelah analisis kelayakan"


class IntegrationMissing(Conflict):
    """A correction of an implementation that was never recorded."""

    code = "integration_missing"
    message = "belum ada implementasi yang dicatat untuk dikoreksi"


class RequestArchived(Conflict):
    """The report is archived: the facts behind it stand."""

    code = "request_archived"
    message = (
        "laporan permohonan ini sudah diarsipkan; analisis dan implementasi tidak dapat dikoreksi"
    )


class VerdictNotCorrectable(Invalid):
    """A correction that would change the verdict or the difficulty: they steered the flow and
    the SLA clocks, so they stand; a wrong verdict is a new request, not a correction."""

    code = "verdict_not_correctable"
    field = "feasible"
    message = (
        "hasil kelayakan (feasible) dan tingkat kesulitan (difficulty) tidak dapat dikoreksi:"
        " keduanya sudah menentukan alur dan tenggat SLA; koreksi hanya untuk formulir uji,"
        " catatan dan rekomendasi"
    )


class NotFeasible(Conflict):
    """The analysis found the request not feasible; it is closed and cannot be implemented."""

    code = "not_feasible"
    message = "permohonan ini dinyatakan tidak layak dan sudah ditutup"


class AlreadyIntegrated(Conflict):
    """The implementation is recorded already; it is recorded once."""

    code = "already_integrated"
    message = "implementasi integrasi permohonan ini sudah dicatat"


class RecommendationRequired(Invalid):
    """A request found not feasible is closed with a recommendation to the agency."""

    code = "recommendation_required"
    message = "permohonan yang tidak layak wajib disertai saran dan rekomendasi"
    field = "recommendations"


class RecommendationsTooLong(Invalid):
    """The recommendations of a closed request must fit in its closing recommendation."""

    code = "recommendations_too_long"
    message = "saran dan rekomendasi untuk permohonan yang ditutup melebihi 5000 karakter"
    field = "recommendations"


class WorkFinished(Conflict):
    """The work item's steps are done: no clock of theirs runs any more."""

    code = "work_finished"
    message = "pekerjaan permohonan ini sudah selesai; jam layanannya tidak berjalan lagi"


class ClockAlreadyPaused(Conflict):
    """The clock stands still already; it is resumed before it is paused again."""

    code = "clock_already_paused"
    message = "jam layanan permohonan ini sedang dijeda"


class ClockNotPaused(Conflict):
    """The clock runs; only a paused clock is resumed."""

    code = "clock_not_paused"
    message = "jam layanan permohonan ini tidak sedang dijeda"


class NipMissing(Forbidden):
    """A petugas's token names no officer: it can hold no work item."""

    code = "nip_missing"
    message = "token petugas harus memuat NIP"
