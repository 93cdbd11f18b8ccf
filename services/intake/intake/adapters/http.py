"""Intake's HTTP API: upload files, submit and resubmit requests, read them back."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Depends, File, Form, Query, Response, UploadFile
from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

from intake.app import handlers
from intake.app.handlers import Intake
from intake.app.views import AttachmentView, ConfirmationView, RequestPage, RequestView
from intake.domain import errors
from intake.domain.commands import (
    ConfirmBackdate,
    ResubmitRequest,
    SubmitRequest,
    UploadAttachment,
)
from intake.domain.errors import (
    AttachmentTooLarge,
    ReceiptTimeInFuture,
)
from intake.domain.state import Status
from penghubung.events.base import Role
from penghubung.forms import (
    AttachmentKind,
    FormValueError,
    LongText,
    ServiceRequestForm,
)
from penghubung.sop import Channel
from penghubung.text import PersonParagraph
from penghubung.web.auth import Principal, require
from penghubung.web.errors import ERROR_RESPONSES, refusals
from penghubung.web.idempotency import Idempotent
from penghubung.web.limits import BodyLimit
from penghubung.web.params import INSTANT_SCHEMA, Limit, Offset, Ticket

MAX_ATTACHMENTS = 20
MULTIPART_OVERHEAD = 64 * 1024
"""Room for the multipart framing and the form fields above the file's own size."""

_SUBMITTERS = (Role.PEMOHON, Role.PETUGAS)
_READERS = (
    Role.PEMOHON,
    Role.KADIS,
    Role.KABID,
    Role.PRAKOM,
    Role.PETUGAS,
    Role.ADMIN,
    Role.AUDITOR,
)


def _within_registers(value: datetime) -> datetime:
    """A receipt time the registers can number, whatever its offset: from the year 2000 (the
    ticket counters' first), and short of the calendar's end (the future is refused anyway)."""
    if value.year < 2000:
        raise FormValueError(
            "received_at_out_of_range", "waktu diterima tidak boleh sebelum tahun 2000"
        )
    if value.year >= 9999:
        raise FormValueError(ReceiptTimeInFuture.code, ReceiptTimeInFuture.message)
    return value


ReceiptTime = Annotated[AwareDatetime, AfterValidator(_within_registers), INSTANT_SCHEMA]
"""When a request really arrived, as a caller states it (with its offset, from the year 2000)."""


class SubmissionBody(BaseModel):
    """A service request as sent: the form, the channel, and the uploaded files it references."""

    model_config = ConfigDict(extra="forbid")

    form: ServiceRequestForm = Field(description="The service request form")
    channel: Channel = Field(
        default=Channel.PORTAL,
        description="portal for the applicant; email, surat, telepon, chat, langsung for the desk",
    )
    received_at: ReceiptTime | None = Field(
        default=None,
        description="Desk only: when the request really arrived (with its time zone; not future)",
    )
    attachment_ids: list[UUID] = Field(
        max_length=MAX_ATTACHMENTS,
        # Said in the schema; refused by the rules with their own code (request_letter_missing).
        json_schema_extra={"minItems": 1},
        description="Ids from POST /attachments; one must be the request letter (surat_permohonan)",
    )
    backdate_confirmation_id: UUID | None = Field(
        default=None,
        description="Desk only: an administrator's confirmation (POST /backdate-confirmations)"
        " of a received_at further back than PENGHUBUNG_INTAKE_BACKDATE_MAX_DAYS",
    )


class BackdateConfirmationBody(BaseModel):
    """An administrator confirms that a request really arrived at an old receipt time."""

    model_config = ConfigDict(extra="forbid")

    received_at: ReceiptTime = Field(
        description="The receipt time confirmed, exactly as the registration will state it"
    )
    reason: PersonParagraph = Field(
        description="Why the old receipt time is right (e.g. the letter's agenda stamp)"
    )


class ResubmissionBody(BaseModel):
    """A returned request sent back: the corrected form and the answer to the reasons."""

    model_config = ConfigDict(extra="forbid")

    form: ServiceRequestForm = Field(description="The corrected service request form")
    answer: LongText = Field(description="The answer to the reasons for return")
    channel: Channel = Field(default=Channel.PORTAL, description="As for a submission")
    received_at: ReceiptTime | None = Field(
        default=None, description="Desk only: when the resubmission really arrived"
    )
    attachment_ids: list[UUID] = Field(
        default_factory=list, max_length=MAX_ATTACHMENTS, description="Further files, if any"
    )


def router(intake: Intake) -> APIRouter:
    """Intake's routes over its handlers."""
    api = APIRouter(tags=["intake"], responses=ERROR_RESPONSES)
    api.include_router(_uploads(intake))

    @api.post(
        "/requests",
        status_code=201,
        response_model=RequestView,
        summary="Submit a service request (pemohon via portal; petugas for other channels)",
        responses=refusals(
            errors.ChannelNotAllowed,
            errors.ReceiptTimeRequired,
            errors.ReceiptTimeNotAllowed,
            errors.ReceiptTimeInFuture,
            errors.ReceiptTimeTooOld,
            errors.BackdateConfirmationNotFound,
            errors.BackdateConfirmationMismatch,
            errors.BackdateConfirmationUsed,
            errors.RequestLetterMissing,
            errors.AttachmentNotFound,
            errors.AttachmentSwept,
            errors.AttachmentDuplicated,
            errors.AgencyMismatch,
            errors.OfficerUnknown,
            errors.RoleNotAllowed,
            errors.AttachmentInUse,
            errors.AlreadySubmitted,
        ),
    )
    async def submit(
        body: SubmissionBody,
        response: Response,
        principal: Annotated[Principal, Depends(require(*_SUBMITTERS))],
        once: Idempotent,
    ) -> dict[str, Any]:
        command = SubmitRequest(
            actor=principal.actor(),
            form=body.form,
            channel=body.channel,
            received_at=body.received_at,
            attachment_ids=tuple(body.attachment_ids),
            backdate_confirmation_id=body.backdate_confirmation_id,
        )
        sent, received = _as_sent(body)

        async def run(conn: asyncpg.Connection) -> RequestView:
            return await handlers.submit_request(
                conn, command, intake=intake, causation_id=once.key
            )

        view = await once.run(intake.pool, "intake", command.actor, sent, run, at=received)
        response.headers["Location"] = f"/requests/{view['ticket_id']}"
        return view

    @api.post(
        "/backdate-confirmations",
        status_code=201,
        response_model=ConfirmationView,
        summary="Confirm an old receipt time for one desk registration (administrator)",
        responses=refusals(errors.ReceiptTimeInFuture, errors.ConfirmerUnknown),
    )
    async def confirm_backdate(
        body: BackdateConfirmationBody,
        principal: Annotated[Principal, Depends(require(Role.ADMIN))],
        once: Idempotent,
    ) -> dict[str, Any]:
        command = ConfirmBackdate(
            actor=principal.actor(), received_at=body.received_at, reason=body.reason
        )
        sent = {"reason": body.reason}

        async def run(conn: asyncpg.Connection) -> ConfirmationView:
            return await handlers.confirm_old_receipt(conn, command, intake=intake)

        at = body.received_at.astimezone(UTC).isoformat()
        return await once.run(intake.pool, "intake", command.actor, sent, run, at=at)

    @api.get("/requests", summary="List the requests the caller may see, newest first")
    async def list_requests(
        principal: Annotated[Principal, Depends(require(*_READERS))],
        status: Annotated[Status | None, Query(description="Only this status")] = None,
        limit: Limit = 20,
        offset: Offset = 0,
    ) -> RequestPage:
        return await handlers.list_requests(
            scope=principal.agency_scope(), intake=intake, status=status, limit=limit, offset=offset
        )

    @api.get(
        "/requests/{ticket_id}",
        summary="One request (another agency's answers 404)",
        responses=refusals(errors.RequestNotFound),
    )
    async def get_request(
        ticket_id: Ticket, principal: Annotated[Principal, Depends(require(*_READERS))]
    ) -> RequestView:
        return await handlers.get_request(ticket_id, scope=principal.agency_scope(), intake=intake)

    @api.post(
        "/requests/{ticket_id}/resubmissions",
        status_code=201,
        response_model=RequestView,
        summary="Resubmit a returned request under its ticket (409 unless it is returned)",
        responses=refusals(
            errors.RequestNotFound,
            errors.ChannelNotAllowed,
            errors.ReceiptTimeRequired,
            errors.ReceiptTimeNotAllowed,
            errors.ReceiptTimeInFuture,
            errors.ReceiptTimeBeforeReturn,
            errors.AttachmentNotFound,
            errors.AttachmentSwept,
            errors.AttachmentDuplicated,
            errors.AgencyChanged,
            errors.RoleNotAllowed,
            errors.AttachmentInUse,
            errors.NotReturned,
        ),
    )
    async def resubmit(
        ticket_id: Ticket,
        body: ResubmissionBody,
        principal: Annotated[Principal, Depends(require(*_SUBMITTERS))],
        once: Idempotent,
    ) -> dict[str, Any]:
        command = ResubmitRequest(
            actor=principal.actor(),
            ticket_id=ticket_id,
            form=body.form,
            answer=body.answer,
            channel=body.channel,
            received_at=body.received_at,
            attachment_ids=tuple(body.attachment_ids),
        )
        sent, received = _as_sent(body)

        async def run(conn: asyncpg.Connection) -> RequestView:
            return await handlers.resubmit_request(
                conn, command, intake=intake, causation_id=once.key
            )

        actor = command.actor
        return await once.run(
            intake.pool, "intake", actor, sent, run, at=received, ticket=ticket_id
        )

    return api


def _as_sent(body: SubmissionBody | ResubmissionBody) -> tuple[dict[str, Any], str | None]:
    """A (re)submission as its Idempotency-Key binds it: the body as parsed, the receipt time
    as one instant whatever its offset."""
    sent = body.model_dump(mode="json", exclude={"received_at"})
    received = body.received_at.astimezone(UTC).isoformat() if body.received_at else None
    return sent, received


def upload_limit(max_bytes: int) -> BodyLimit:
    """The body limit of `POST /attachments`: the cap plus the multipart framing (413 above).

    The service applies it to the body as it streams in, so a file over the cap is refused
    before it is read whole, with or without a `Content-Length`.
    """
    too_large = AttachmentTooLarge(message=f"berkas lampiran melebihi {max_bytes} bita")
    return BodyLimit(
        max_bytes + MULTIPART_OVERHEAD,
        code=too_large.code,
        message=too_large.message,
        field=too_large.field,
    )


SUBMIT_WITH_IT = {
    "operationId": "submit_requests_post",
    "description": "The upload named in a submission",
    "requestBody": {"attachment_ids": ["$response.body#/attachment_id"]},
}
"""The OpenAPI link from an upload to the submission that references it."""


def _uploads(intake: Intake) -> APIRouter:
    """The attachment routes."""
    api = APIRouter()

    @api.post(
        "/attachments",
        status_code=201,
        response_model=AttachmentView,
        responses={
            **refusals(
                errors.AttachmentEmpty,
                errors.AttachmentTooLarge,
                errors.UploadQuotaExceeded,
                errors.AttachmentTypeNotAllowed,
                errors.AttachmentContentMismatch,
            ),
            201: {"links": {"submit_requests_post": SUBMIT_WITH_IT}},
        },
        summary="Upload a file (PDF, PNG, JPEG) to reference from a submission",
    )
    async def upload(
        file: Annotated[UploadFile, File(description="The file: PDF, PNG or JPEG")],
        kind: Annotated[
            AttachmentKind, Form(description="surat_permohonan (request letter) or lainnya")
        ],
        principal: Annotated[Principal, Depends(require(*_SUBMITTERS))],
        once: Idempotent,
    ) -> dict[str, Any]:
        command = UploadAttachment(
            actor=principal.actor(),
            kind=kind,
            filename=file.filename or "",
            content_type=file.content_type or "application/octet-stream",
            content=await file.read(intake.attachment_max_bytes + 1),
        )
        sent = {
            "kind": command.kind,
            "filename": command.filename,
            "content_type": command.content_type,
            "sha256": hashlib.sha256(command.content).hexdigest(),
        }

        async def run(conn: asyncpg.Connection) -> AttachmentView:
            return await handlers.upload_attachment(conn, command, intake=intake)

        return await once.run(intake.pool, "intake", command.actor, sent, run)

    @api.get(
        "/attachments/{attachment_id}",
        response_class=Response,
        responses={
            200: {"content": {"application/pdf": {}, "image/png": {}, "image/jpeg": {}}},
            **refusals(errors.UploadNotFound, errors.UploadDiscarded),
        },
        summary="Download an uploaded file (an applicant: their agency's only)",
    )
    async def download(
        attachment_id: UUID, principal: Annotated[Principal, Depends(require(*_READERS))]
    ) -> Response:
        meta, content = await handlers.attachment_content(
            attachment_id, viewer=principal.actor(), scope=principal.agency_scope(), intake=intake
        )
        return Response(
            content,
            media_type=meta.content_type,
            headers={
                "Content-Disposition": f"attachment; filename*=UTF-8''{quote(meta.filename)}",
                "Digest": f"sha-256={meta.sha256}",
            },
        )

    return api
