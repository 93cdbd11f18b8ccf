"""Why reporting refuses a command: a stable code for programs, Bahasa Indonesia for people."""

from __future__ import annotations


class ReportingError(Exception):
    """A command that the `reporting-<ticket>` stream does not allow."""

    code = "reporting_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ReportMissing(ReportingError):
    """The report is not written yet, so there is nothing to archive (SOP step 7 needs step 6)."""

    code = "report_missing"

    def __init__(self, ticket_id: str) -> None:
        super().__init__(f"laporan permohonan {ticket_id} belum dibuat; arsip menunggu laporan")


class AlreadyArchived(ReportingError):
    """The report is already in the agenda book; it is archived once."""

    code = "already_archived"

    def __init__(self, ticket_id: str, agenda_code: str) -> None:
        super().__init__(
            f"laporan permohonan {ticket_id} sudah diarsipkan di buku agenda nomor {agenda_code}"
        )


class ReportAlreadyWritten(ReportingError):
    """The request already has its report; a request ends, and is reported, once."""

    code = "report_already_written"

    def __init__(self, ticket_id: str) -> None:
        super().__init__(f"laporan permohonan {ticket_id} sudah dibuat")


class NotIntegrated(ReportingError):
    """A Berita Acara is made only for a request whose report says it was integrated."""

    code = "not_integrated"

    def __init__(self, ticket_id: str) -> None:
        super().__init__(
            f"berita acara hanya untuk permohonan yang sudah terintegrasi; {ticket_id} belum"
        )


class BeritaAcaraAlreadyReserved(ReportingError):
    """The request already holds a Berita Acara number; it gets one number only."""

    code = "berita_acara_already_reserved"

    def __init__(self, ticket_id: str, number: str) -> None:
        super().__init__(f"permohonan {ticket_id} sudah memiliki nomor berita acara {number}")
