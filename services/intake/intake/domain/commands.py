"""What callers ask of intake: upload a file, submit a request, resubmit a returned one."""

from __future__ import annotations

from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from penghubung.events.base import Actor
from penghubung.forms import AttachmentKind, LongText, ServiceRequestForm, TicketId
from penghubung.sop import Channel
from penghubung.text import PersonParagraph


class _Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    actor: Actor = Field(description="Who sends the command, as the token names them")


class UploadAttachment(_Command):
    """Keep a file's bytes outside the log, to be referenced by a submission."""

    kind: AttachmentKind = Field(description="What the file is (surat_permohonan, lainnya)")
    filename: str = Field(description="The file name as the client sent it")
    content_type: str = Field(description="The media type the client declared")
    content: bytes = Field(description="The file's bytes (at most one byte over the cap)")


class SubmitRequest(_Command):
    """Register a service request (SOP step 1)."""

    form: ServiceRequestForm = Field(description="The service request form")
    channel: Channel = Field(description="How the request reached the desk")
    received_at: AwareDatetime | None = Field(
        default=None, description="When a non-portal request really arrived (desk only)"
    )
    attachment_ids: tuple[UUID, ...] = Field(
        description="Uploaded files, the request letter among them"
    )
    backdate_confirmation_id: UUID | None = Field(
        default=None,
        description="An administrator's confirmation of a receipt time further back than the"
        " desk may date alone",
    )


class ConfirmBackdate(_Command):
    """An administrator confirms that a request really arrived at an old receipt time."""

    received_at: AwareDatetime = Field(description="The receipt time confirmed")
    reason: PersonParagraph = Field(description="Why the old receipt time is right")


class ResubmitRequest(_Command):
    """Send a returned request back, corrected, under the same ticket."""

    ticket_id: TicketId = Field(description="The returned request's ticket")
    form: ServiceRequestForm = Field(description="The corrected service request form")
    answer: LongText = Field(description="The answer to the reasons for return")
    channel: Channel = Field(description="How the resubmission reached the desk")
    received_at: AwareDatetime | None = Field(
        default=None, description="When a non-portal resubmission really arrived (desk only)"
    )
    attachment_ids: tuple[UUID, ...] = Field(default=(), description="Files sent with it, if any")


Command = SubmitRequest | ResubmitRequest
"""The commands that yield events on a request's stream."""
