"""The rules of intake: channels by role, the receipt time, the agency, the attachments."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from pydantic import ValidationError

from intake.domain.commands import (
    Command,
    ConfirmBackdate,
    ResubmitRequest,
    SubmitRequest,
    UploadAttachment,
)
from intake.domain.errors import (
    AgencyChanged,
    AgencyMismatch,
    AlreadySubmitted,
    AttachmentContentMismatch,
    AttachmentDuplicated,
    AttachmentEmpty,
    AttachmentInUse,
    AttachmentNotFound,
    AttachmentSwept,
    AttachmentTooLarge,
    AttachmentTypeNotAllowed,
    ChannelNotAllowed,
    ConfirmerUnknown,
    NotReturned,
    OfficerUnknown,
    ReceiptTimeBeforeReturn,
    ReceiptTimeInFuture,
    ReceiptTimeNotAllowed,
    ReceiptTimeRequired,
    RequestLetterMissing,
    RequestNotFound,
    RoleNotAllowed,
)
from intake.domain.limits import Backdating, Confirmation, check_backdating
from intake.domain.state import Fact, RequestState, Status, Upload, fold, owner_of
from penghubung.agency import AgencyMissing, agency_key
from penghubung.events.base import Actor, Event, Role
from penghubung.events.catalog import (
    AttachmentDiscarded,
    BackdateConfirmation,
    DiscardReason,
    RequestResubmitted,
    RequestSubmitted,
)
from penghubung.forms import Attachment, AttachmentKind, Officer
from penghubung.sop import Channel, priority

ALLOWED_CONTENT: Mapping[str, bytes] = {
    "application/pdf": b"%PDF-",
    "image/png": b"\x89PNG\r\n\x1a\n",
    "image/jpeg": b"\xff\xd8\xff",
}
"""The media types accepted for attachments, with the bytes every such file starts with."""

_DEFAULT_FILENAME = "lampiran"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def decide(
    command: Command,
    state: RequestState,
    *,
    now: datetime,
    uploads: Mapping[UUID, Upload],
    backdating: Backdating | None = None,
    removed: Collection[UUID] = (),
) -> list[Event]:
    """The events a command yields on a request, or the domain error that refuses it;
    `backdating` bounds a desk registration's receipt time (30 days back by default), `removed`
    are the caller's uploads the sweeper removed."""
    files = Files(uploads, frozenset(removed))
    match command:
        case SubmitRequest():
            return [_submit(command, state, now=now, files=files, backdating=backdating)]
        case ResubmitRequest():
            return [_resubmit(command, state, now=now, files=files)]


@dataclass(frozen=True)
class Files:
    """The uploads a command names, as found: kept ones, and the caller's removed ones."""

    uploads: Mapping[UUID, Upload]
    removed: frozenset[UUID] = frozenset()


def receipt_time(command: Command, *, now: datetime) -> datetime:
    """When the request really arrived: now through the portal, as stated by the desk otherwise."""
    role = command.actor.role
    if role is Role.PEMOHON:
        if command.channel is not Channel.PORTAL:
            raise ChannelNotAllowed(message="pemohon mengajukan hanya melalui portal")
        if command.received_at is not None:
            raise ReceiptTimeNotAllowed()
        return now
    if role is Role.PETUGAS:
        if command.channel is Channel.PORTAL:
            raise ChannelNotAllowed(message="petugas mencatat permohonan yang masuk di luar portal")
        if command.received_at is None:
            raise ReceiptTimeRequired()
        if command.received_at > now:
            raise ReceiptTimeInFuture()
        return command.received_at
    raise RoleNotAllowed()


def _submit(
    command: SubmitRequest,
    state: RequestState,
    *,
    now: datetime,
    files: Files,
    backdating: Backdating | None,
) -> RequestSubmitted:
    if state.status is not None:
        raise AlreadySubmitted()
    received_at = receipt_time(command, now=now)
    confirmed = check_backdating(
        received_at, command.backdate_confirmation_id, backdating or Backdating(), now=now
    )
    if command.actor.role is Role.PEMOHON:
        _check_own_agency(command.actor, command.form.applicant.agency)
    attachments = _attachments(command.actor, command.attachment_ids, state.ticket_id, files)
    if not any(a.kind is AttachmentKind.REQUEST_LETTER for a in attachments):
        raise RequestLetterMissing()
    return RequestSubmitted(
        ticket_id=state.ticket_id,
        form=command.form,
        channel=command.channel,
        received_at=received_at,
        registered_by=_registrar(command.actor),
        attachments=attachments,
        priority=priority(command.form.impact, command.form.urgency),
        backdate_confirmation=confirmed,
    )


def confirm_backdate(
    command: ConfirmBackdate, *, confirmation_id: UUID, now: datetime
) -> Confirmation:
    """An administrator's confirmation of an old receipt time, ready to be named by one
    desk registration."""
    if command.actor.role is not Role.ADMIN:
        raise RoleNotAllowed(message="hanya administrator yang dapat mengonfirmasi waktu diterima")
    if command.received_at > now:
        raise ReceiptTimeInFuture()
    try:
        admin = Officer(nip=command.actor.nip or "", name=command.actor.name)
    except ValidationError:
        raise ConfirmerUnknown() from None
    confirmation = BackdateConfirmation(
        confirmation_id=confirmation_id, confirmed_by=admin, reason=command.reason, confirmed_at=now
    )
    return Confirmation(confirmation_id, command.received_at, confirmation)


def _resubmit(
    command: ResubmitRequest, state: RequestState, *, now: datetime, files: Files
) -> RequestResubmitted:
    if state.status is None or not may_see(command.actor, state):
        raise RequestNotFound()
    if state.status is not Status.RETURNED or state.last_return is None:
        raise NotReturned()
    received_at = receipt_time(command, now=now)
    if received_at < state.last_return.at:
        raise ReceiptTimeBeforeReturn()
    if agency_key(command.form.applicant.agency) != agency_key(state.agency or ""):
        raise AgencyChanged()
    return RequestResubmitted(
        ticket_id=state.ticket_id,
        form=command.form,
        channel=command.channel,
        received_at=received_at,
        registered_by=_registrar(command.actor),
        attachments=_attachments(command.actor, command.attachment_ids, state.ticket_id, files),
        priority=priority(command.form.impact, command.form.urgency),
        resubmission=state.resubmissions + 1,
        answer=command.answer,
    )


def record_return(ticket_id: str, facts: Iterable[Fact], returned: Fact) -> RequestState:
    """The request after disposition returned it; a return of an unknown request is refused."""
    state = fold(ticket_id, [*facts, returned])
    if state.status is None:
        raise RequestNotFound(message=f"permohonan {ticket_id} tidak dikenal oleh intake")
    return state


def accept_upload(command: UploadAttachment, *, attachment_id: UUID, max_bytes: int) -> Upload:
    """An upload's metadata, once its size, type and first bytes are checked."""
    owner = owner_of(command.actor)
    if owner is None:
        raise AgencyMissing() if command.actor.role is Role.PEMOHON else RoleNotAllowed()
    if not command.content:
        raise AttachmentEmpty()
    if len(command.content) > max_bytes:
        raise AttachmentTooLarge(message=f"berkas lampiran melebihi {max_bytes} bita")
    content_type = command.content_type.split(";", 1)[0].strip().lower()
    magic = ALLOWED_CONTENT.get(content_type)
    if magic is None:
        raise AttachmentTypeNotAllowed()
    if not command.content.startswith(magic):
        raise AttachmentContentMismatch()
    attachment = Attachment(
        kind=command.kind,
        filename=bare_filename(command.filename),
        content_type=content_type,
        size_bytes=len(command.content),
        sha256=hashlib.sha256(command.content).hexdigest(),
        storage_key=f"{STORAGE_PREFIX}{attachment_id}",
    )
    return Upload(attachment_id=attachment_id, attachment=attachment, owner=owner)


def discard(upload: Upload, *, by: Actor, at: datetime) -> AttachmentDiscarded:
    """The removal of an upload no request took in time (`by` and `at`: its upload)."""
    if upload.ticket_id is not None:
        raise ValueError(f"{upload.attachment_id} belongs to {upload.ticket_id}: it stays")
    return AttachmentDiscarded(
        attachment_id=upload.attachment_id,
        attachment=upload.attachment,
        owner=upload.owner,
        uploaded_by=by,
        uploaded_at=at,
        reason=DiscardReason.UNATTACHED,
    )


STORAGE_PREFIX = "intake/attachments/"
"""Where intake keeps an upload's bytes: the prefix of every `storage_key`, then its id."""


def bare_filename(name: str) -> str:
    """The file name without any folder a browser sent along, at most 200 characters.

    Control characters (U+0000–U+001F, U+007F) are dropped: they name nothing, and PostgreSQL
    cannot store a NUL.
    """
    bare = _CONTROL.sub("", name).replace("\\", "/").rsplit("/", 1)[-1].strip()
    if bare in {"", ".", ".."}:
        return _DEFAULT_FILENAME
    return bare[-200:]


def may_see(actor: Actor, state: RequestState) -> bool:
    """Applicants see their own agency's requests; Diskominfo staff and auditors see all."""
    if actor.role is not Role.PEMOHON:
        return True
    return bool(actor.agency) and agency_key(actor.agency or "") == agency_key(state.agency or "")


def _check_own_agency(actor: Actor, form_agency: str) -> None:
    if not actor.agency:
        raise AgencyMissing()
    if agency_key(actor.agency) != agency_key(form_agency):
        raise AgencyMismatch()


def _registrar(actor: Actor) -> Officer | None:
    """The desk officer who registered a non-portal request; None for the applicant's own."""
    if actor.role is not Role.PETUGAS:
        return None
    try:
        return Officer(nip=actor.nip or "", name=actor.name)
    except ValidationError:
        raise OfficerUnknown() from None


def _attachments(
    actor: Actor, ids: Sequence[UUID], ticket_id: str, files: Files
) -> tuple[Attachment, ...]:
    if len(set(ids)) != len(ids):
        raise AttachmentDuplicated()
    owner = owner_of(actor)
    found: list[Attachment] = []
    for i, attachment_id in enumerate(ids):
        upload = files.uploads.get(attachment_id)
        if upload is None and attachment_id in files.removed:
            raise AttachmentSwept(field=f"attachment_ids.{i}")
        if upload is None or upload.owner != owner:
            raise AttachmentNotFound(field=f"attachment_ids.{i}")
        if upload.ticket_id not in (None, ticket_id):
            raise AttachmentInUse(field=f"attachment_ids.{i}")
        found.append(upload.attachment)
    return tuple(found)
