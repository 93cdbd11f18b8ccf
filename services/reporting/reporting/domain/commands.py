"""What reporting is asked to do: write a report, reserve a Berita Acara number, archive."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from penghubung.events.catalog import Outcome, ReportSection
from penghubung.forms import LongText, Text, TicketId


class _Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    ticket_id: TicketId = Field(description="The request's ticket id (SC05-YYYY-NNNNN)")


class WriteReport(_Command):
    """Write the report (Laporan) of a finished request from its notes (SOP step 6)."""

    outcome: Outcome = Field(description="Integrated, or closed as not feasible")
    summary: LongText = Field(description="Summary of the report")
    sections: tuple[ReportSection, ...] = Field(default=(), description="The report's sections")


class ReserveBeritaAcaraNumber(_Command):
    """Take the next Berita Acara number of the year for an integrated request."""


class ArchiveReport(_Command):
    """Enter the written report in the agenda book under the year's next number (SOP step 7)."""

    report_ref: Text | None = Field(
        default=None,
        description="Storage key of the signed report document; by default the report's event",
    )
