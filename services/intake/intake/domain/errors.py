"""Why intake refuses something: a stable code for programs and a Bahasa Indonesia message."""

from __future__ import annotations


class IntakeError(Exception):
    """A command the rules refuse; `code` is for programs, `message` for people."""

    code = "intake_refused"
    message = "permintaan ditolak"
    field: str | None = None

    def __init__(self, *, field: str | None = None, message: str | None = None) -> None:
        if field is not None:
            self.field = field
        if message is not None:
            self.message = message
        super().__init__(f"{self.code}: {self.message}")


class NotFoundError(IntakeError):
    """The thing does not exist, or the caller may not know that it does."""


class ForbiddenError(IntakeError):
    """The caller may not do this, whatever they send."""


class ConflictError(IntakeError):
    """The command comes out of order, or clashes with what is already stored."""


class InvalidError(IntakeError):
    """What was sent is wrong; the field says where."""


class TooLargeError(IntakeError):
    """An upload is bigger than allowed."""


class UnsupportedError(IntakeError):
    """An upload is of a kind that is not accepted."""


class RequestNotFound(NotFoundError):
    """No such ticket, or it belongs to another agency."""

    code = "request_not_found"
    message = "permohonan tidak ditemukan"


class UploadNotFound(NotFoundError):
    """No such uploaded file, or it is another agency's."""

    code = "attachment_not_found"
    message = "lampiran tidak ditemukan"


class AttachmentNotFound(InvalidError):
    """An attachment id is unknown, or was uploaded by someone the caller does not act for."""

    code = "attachment_not_found"
    message = "lampiran tidak ditemukan; unggah berkasnya lebih dahulu"
    field = "attachment_ids"


class AttachmentDuplicated(InvalidError):
    """The same attachment is listed twice."""

    code = "attachment_duplicated"
    message = "lampiran yang sama disebut lebih dari sekali"
    field = "attachment_ids"


class AttachmentInUse(ConflictError):
    """An attachment already belongs to another request."""

    code = "attachment_in_use"
    message = "lampiran ini sudah dipakai oleh permohonan lain"
    field = "attachment_ids"


class RequestLetterMissing(InvalidError):
    """A submission has no request letter (surat permohonan) among its attachments."""

    code = "request_letter_missing"
    message = "surat permohonan wajib dilampirkan"
    field = "attachment_ids"


class ChannelNotAllowed(InvalidError):
    """The channel does not fit the caller: the portal is the applicant's, the rest the desk's."""

    code = "channel_not_allowed"
    message = "saluran permohonan tidak sesuai dengan peran pengirim"
    field = "channel"


class ReceiptTimeRequired(InvalidError):
    """A request registered by the desk needs the time it really arrived."""

    code = "received_at_required"
    message = "waktu diterimanya permohonan wajib diisi untuk saluran selain portal"
    field = "received_at"


class ReceiptTimeNotAllowed(InvalidError):
    """A portal submission is received when it is sent; the applicant does not state a time."""

    code = "received_at_not_allowed"
    message = "waktu diterima tidak diisi untuk pengajuan melalui portal"
    field = "received_at"


class ReceiptTimeInFuture(InvalidError):
    """A receipt time after now."""

    code = "received_at_in_future"
    message = "waktu diterima tidak boleh di masa depan"
    field = "received_at"


class ReceiptTimeBeforeReturn(InvalidError):
    """A resubmission cannot have arrived before the request was returned."""

    code = "received_at_before_return"
    message = "waktu diterima tidak boleh sebelum permohonan dikembalikan"
    field = "received_at"


class AgencyMissing(ForbiddenError):
    """An applicant's token names no agency."""

    code = "agency_missing"
    message = "token pemohon tidak memuat perangkat daerah"


class AgencyMismatch(ForbiddenError):
    """An applicant may submit only for their own agency."""

    code = "agency_mismatch"
    message = "pemohon hanya dapat mengajukan atas nama perangkat daerahnya sendiri"
    field = "form.applicant.agency"


class AgencyChanged(InvalidError):
    """A resubmission may not move the request to another agency."""

    code = "agency_changed"
    message = "perangkat daerah pada pengajuan ulang harus sama dengan permohonan semula"
    field = "form.applicant.agency"


class OfficerUnknown(ForbiddenError):
    """A desk officer's token carries no valid NIP, so the registration cannot name them."""

    code = "officer_nip_missing"
    message = "token petugas harus memuat NIP yang valid"


class RoleNotAllowed(ForbiddenError):
    """Only applicants and desk officers submit."""

    code = "role_not_allowed"
    message = "hanya pemohon dan petugas service desk yang dapat mengajukan permohonan"


class AlreadySubmitted(ConflictError):
    """The ticket is already taken by a request."""

    code = "already_submitted"
    message = "tiket ini sudah dipakai oleh permohonan lain"


class NotReturned(ConflictError):
    """Only a request that was returned can be resubmitted."""

    code = "not_returned"
    message = "permohonan hanya dapat diajukan ulang setelah dikembalikan"


class IdempotencyKeyReused(ConflictError):
    """An Idempotency-Key came back with a different request."""

    code = "idempotency_key_reused"
    message = "Idempotency-Key ini sudah dipakai untuk permohonan yang berbeda"
    field = "Idempotency-Key"


class AttachmentEmpty(InvalidError):
    """An uploaded file has no bytes."""

    code = "attachment_empty"
    message = "berkas lampiran kosong"
    field = "file"


class AttachmentTooLarge(TooLargeError):
    """An uploaded file is over the size cap."""

    code = "attachment_too_large"
    message = "berkas lampiran terlalu besar"
    field = "file"


class AttachmentTypeNotAllowed(UnsupportedError):
    """Only PDF, PNG and JPEG files are accepted."""

    code = "attachment_type_not_allowed"
    message = "jenis berkas tidak diizinkan; hanya PDF, PNG atau JPEG"
    field = "file"


class AttachmentContentMismatch(UnsupportedError):
    """The bytes are not what the content type says."""

    code = "attachment_content_mismatch"
    message = "isi berkas tidak sesuai dengan jenisnya (PDF, PNG atau JPEG)"
    field = "file"
