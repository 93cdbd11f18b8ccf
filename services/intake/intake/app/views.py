"""What intake answers with: a request, a page of requests, an uploaded file's metadata, an
administrator's confirmation of an old receipt time."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator

from intake.domain.decide import STORAGE_PREFIX
from intake.domain.limits import Confirmation
from intake.domain.state import Status
from penghubung.forms import AttachmentKind, Officer, ServiceRequestForm
from penghubung.instants import Instant
from penghubung.sop import Channel, Priority, Step


class _View(BaseModel):
    model_config = ConfigDict(frozen=True)


class ReturnView(_View):
    """The latest return of a request to its applicant."""

    returned_at: Instant = Field(description="When the request was returned")
    step: Step = Field(description="The SOP step at which it was returned")
    reasons: list[str] = Field(description="Why it was returned")


class AttachedFile(_View):
    """A file sent with a request; fetch its bytes at `download`."""

    attachment_id: UUID = Field(description="The upload's id, for GET /attachments/{id}")
    kind: AttachmentKind = Field(description="surat_permohonan or lainnya")
    filename: str = Field(description="The file name, without folders")
    content_type: str = Field(description="application/pdf, image/png or image/jpeg")
    size_bytes: int = Field(description="Size in bytes")
    sha256: str = Field(description="SHA-256 of the bytes, hex")
    storage_key: str = Field(description="Where the bytes are kept")
    download: str = Field(description="Path of the download on this service")

    @model_validator(mode="before")
    @classmethod
    def _identified(cls, data: Any) -> Any:
        """An attachment as the event records it, with its id and link beside it."""
        if isinstance(data, dict) and "attachment_id" not in data:
            key = str(data.get("storage_key", ""))
            if key.startswith(STORAGE_PREFIX):
                data = {**data, "attachment_id": key.removeprefix(STORAGE_PREFIX)}
        if isinstance(data, dict) and "download" not in data and "attachment_id" in data:
            data = {**data, "download": f"/attachments/{data['attachment_id']}"}
        return data


class RequestView(_View):
    """One request as intake holds it."""

    ticket_id: str = Field(description="Tiket ID, SC05-YYYY-NNNNN")
    status: Status = Field(
        description="submitted (also after a resubmission) or returned: intake's part of the "
        "one vocabulary of request states (README); reporting's view has the whole progress"
    )
    agency: str = Field(description="The applying agency (OPD)")
    channel: Channel = Field(description="How the latest (re)submission reached the desk")
    priority: Priority = Field(description="Priority by impact × urgency of the latest form")
    received_at: Instant = Field(description="When the request first really arrived")
    last_received_at: Instant = Field(description="When the latest (re)submission arrived")
    registered_by: Officer | None = Field(
        description="The desk officer who registered a non-portal submission"
    )
    resubmissions: int = Field(description="How often it came back after a return")
    form: ServiceRequestForm = Field(description="The latest service request form")
    attachments: list[AttachedFile] = Field(
        description="Every file sent with it, in order, each with its id and download link"
    )
    returned: ReturnView | None = Field(description="The latest return, if it was ever returned")
    answer: str | None = Field(description="The applicant's latest answer to a return")

    @computed_field(description="The status in Bahasa Indonesia, for people")  # type: ignore[prop-decorator]
    @property
    def status_label(self) -> str:
        """The status as people read it."""
        return self.status.label


class RequestSummary(_View):
    """One line of the request list."""

    ticket_id: str = Field(description="Tiket ID")
    status: Status = Field(
        description="submitted (also after a resubmission) or returned: intake's part of the "
        "one vocabulary of request states (README); reporting's view has the whole progress"
    )
    agency: str = Field(description="The applying agency (OPD)")
    applicant_name: str = Field(description="The applicant's name")
    application_name: str = Field(description="The application to connect")
    channel: Channel = Field(description="How the latest (re)submission reached the desk")
    priority: Priority = Field(description="Priority")
    received_at: Instant = Field(description="When the request first really arrived")
    resubmissions: int = Field(description="How often it came back after a return")

    @computed_field(description="The status in Bahasa Indonesia, for people")  # type: ignore[prop-decorator]
    @property
    def status_label(self) -> str:
        """The status as people read it."""
        return self.status.label


class RequestPage(_View):
    """A page of requests, newest receipt first."""

    items: list[RequestSummary] = Field(description="The requests on this page")
    total: int = Field(description="How many requests match, over all pages")
    limit: int = Field(description="Page size asked for")
    offset: int = Field(description="How many matching requests precede this page")


class AttachmentView(_View):
    """An uploaded file's metadata; reference it by `attachment_id` when submitting."""

    attachment_id: UUID = Field(description="Id to list in `attachment_ids` of a submission")
    kind: AttachmentKind = Field(description="surat_permohonan or lainnya")
    filename: str = Field(description="The file name, without folders")
    content_type: str = Field(description="application/pdf, image/png or image/jpeg")
    size_bytes: int = Field(description="Size in bytes")
    sha256: str = Field(description="SHA-256 of the bytes, hex")
    storage_key: str = Field(description="Where the bytes are kept")


class ConfirmationView(_View):
    """An administrator's confirmation of an old receipt time, to name in one registration."""

    confirmation_id: UUID = Field(description="backdate_confirmation_id for POST /requests")
    received_at: Instant = Field(description="The receipt time confirmed (the registration's own)")
    reason: str = Field(description="Why the old receipt time is right")
    confirmed_by: Officer = Field(description="The administrator who confirmed")
    confirmed_at: Instant = Field(description="When they confirmed")

    @classmethod
    def of(cls, confirmation: Confirmation) -> ConfirmationView:
        """The view of a confirmation as intake keeps it."""
        c = confirmation.confirmation
        return cls(
            confirmation_id=confirmation.confirmation_id,
            received_at=confirmation.received_at,
            reason=c.reason,
            confirmed_by=c.confirmed_by,
            confirmed_at=c.confirmed_at,
        )
