"""Why reporting refuses a command or a read: each case a kind of `penghubung.refusals`."""

from __future__ import annotations

from penghubung.refusals import Conflict, Invalid, NotFound, TooMany


class RequestNotFound(NotFound):
    """No such request, or the caller may not know that it exists (another agency's)."""

    code = "request_not_found"

    def __init__(self, ticket_id: str) -> None:
        super().__init__(f"permohonan {ticket_id} tidak ditemukan")


class ReportNotFound(NotFound):
    """The request has no report yet."""

    code = "report_not_found"

    def __init__(self, ticket_id: str) -> None:
        super().__init__(f"laporan permohonan {ticket_id} belum dibuat")


class DateRangeReversed(Invalid):
    """A range of days that ends before it starts."""

    code = "date_range"
    message = "received_to tidak boleh sebelum received_from"
    field = "received_to"


class ReportMissing(Conflict):
    """The report is not written yet, so there is nothing to archive (SOP step 7 needs step 6)."""

    code = "report_missing"

    def __init__(self, ticket_id: str) -> None:
        super().__init__(f"laporan permohonan {ticket_id} belum dibuat; arsip menunggu laporan")


class AlreadyArchived(Conflict):
    """The report is already in the agenda book; it is archived once."""

    code = "already_archived"

    def __init__(self, ticket_id: str, agenda_code: str) -> None:
        super().__init__(
            f"laporan permohonan {ticket_id} sudah diarsipkan di buku agenda nomor {agenda_code}"
        )


class ReportAlreadyWritten(Conflict):
    """The request already has its report; a request ends, and is reported, once."""

    code = "report_already_written"

    def __init__(self, ticket_id: str) -> None:
        super().__init__(f"laporan permohonan {ticket_id} sudah dibuat")


class NotIntegrated(Conflict):
    """A Berita Acara is made only for a request whose report says it was integrated."""

    code = "not_integrated"

    def __init__(self, ticket_id: str) -> None:
        super().__init__(
            f"berita acara hanya untuk permohonan yang sudah terintegrasi; {ticket_id} belum"
        )


class BeritaAcaraAlreadyReserved(Conflict):
    """The request already holds a Berita Acara number; it gets one number only."""

    code = "berita_acara_already_reserved"

    def __init__(self, ticket_id: str, number: str) -> None:
        super().__init__(f"permohonan {ticket_id} sudah memiliki nomor berita acara {number}")


class TooManyRebuilds(TooMany):
    """A person asked for too many views as of positions not kept: each needs a rebuild."""

    code = "too_many_rebuilds"
    field = "as_of"

    def __init__(self, *, retry_after: int) -> None:
        super().__init__(
            "terlalu banyak permintaan as_of untuk posisi yang belum tersedia;"
            f" coba lagi dalam {retry_after} detik",
            retry_after=retry_after,
        )
