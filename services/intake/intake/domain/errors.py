"""Why intake refuses something: each case a kind of `penghubung.refusals`, named once.

A stable code for programs and a Bahasa Indonesia message for people; the kind decides the
HTTP status (`penghubung.web.errors.install`) or, for a consumed message, the dead letter.
"""

from __future__ import annotations

from penghubung.refusals import (
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    TooLarge,
    TooMany,
    Unsupported,
)


class RequestNotFound(NotFound):
    """No such ticket, or it belongs to another agency."""

    code = "request_not_found"
    message = "permohonan tidak ditemukan"


class UploadNotFound(NotFound):
    """No such uploaded file, or it is another agency's."""

    code = "attachment_not_found"
    message = "lampiran tidak ditemukan"


class UploadDiscarded(NotFound):
    """The uploaded file was removed by the sweeper: no request referenced it in time."""

    code = "attachment_discarded"
    message = "lampiran telah dihapus karena tidak dipakai oleh permohonan mana pun"


class AttachmentNotFound(Invalid):
    """An attachment id is unknown, or was uploaded by someone the caller does not act for."""

    code = "attachment_not_found"
    message = "lampiran tidak ditemukan; unggah berkasnya lebih dahulu"
    field = "attachment_ids"


class AttachmentSwept(Invalid):
    """An attachment named was removed by the sweeper before the request came."""

    code = "attachment_discarded"
    message = "lampiran telah dihapus karena lama tidak dipakai; unggah ulang berkasnya"
    field = "attachment_ids"


class AttachmentDuplicated(Invalid):
    """The same attachment is listed twice."""

    code = "attachment_duplicated"
    message = "lampiran yang sama disebut lebih dari sekali"
    field = "attachment_ids"


class AttachmentInUse(Conflict):
    """An attachment already belongs to another request."""

    code = "attachment_in_use"
    message = "lampiran ini sudah dipakai oleh permohonan lain"
    field = "attachment_ids"


class RequestLetterMissing(Invalid):
    """A submission has no request letter (surat permohonan) among its attachments."""

    code = "request_letter_missing"
    message = "surat permohonan wajib dilampirkan"
    field = "attachment_ids"


class ChannelNotAllowed(Invalid):
    """The channel does not fit the caller: the portal is the applicant's, the rest the desk's."""

    code = "channel_not_allowed"
    message = "saluran permohonan tidak sesuai dengan peran pengirim"
    field = "channel"


class ReceiptTimeRequired(Invalid):
    """A request registered by the desk needs the time it really arrived."""

    code = "received_at_required"
    message = "waktu diterimanya permohonan wajib diisi untuk saluran selain portal"
    field = "received_at"


class ReceiptTimeNotAllowed(Invalid):
    """A portal submission is received when it is sent; the applicant does not state a time."""

    code = "received_at_not_allowed"
    message = "waktu diterima tidak diisi untuk pengajuan melalui portal"
    field = "received_at"


class ReceiptTimeInFuture(Invalid):
    """A receipt time after now."""

    code = "received_at_in_future"
    message = "waktu diterima tidak boleh di masa depan"
    field = "received_at"


class ReceiptTimeBeforeReturn(Invalid):
    """A resubmission cannot have arrived before the request was returned."""

    code = "received_at_before_return"
    message = "waktu diterima tidak boleh sebelum permohonan dikembalikan"
    field = "received_at"


class AgencyMismatch(Forbidden):
    """An applicant may submit only for their own agency."""

    code = "agency_mismatch"
    message = "pemohon hanya dapat mengajukan atas nama perangkat daerahnya sendiri"
    field = "form.applicant.agency"


class AgencyChanged(Invalid):
    """A resubmission may not move the request to another agency."""

    code = "agency_changed"
    message = "perangkat daerah pada pengajuan ulang harus sama dengan permohonan semula"
    field = "form.applicant.agency"


class OfficerUnknown(Forbidden):
    """A desk officer's token carries no valid NIP, so the registration cannot name them."""

    code = "officer_nip_missing"
    message = "token petugas harus memuat NIP yang valid"


class RoleNotAllowed(Forbidden):
    """Only applicants and desk officers submit."""

    code = "role_not_allowed"
    message = "hanya pemohon dan petugas service desk yang dapat mengajukan permohonan"


class AlreadySubmitted(Conflict):
    """The ticket is already taken by a request."""

    code = "already_submitted"
    message = "tiket ini sudah dipakai oleh permohonan lain"


class NotReturned(Conflict):
    """Only a request that was returned can be resubmitted."""

    code = "not_returned"
    message = "permohonan hanya dapat diajukan ulang setelah dikembalikan"


class AttachmentEmpty(Invalid):
    """An uploaded file has no bytes."""

    code = "attachment_empty"
    message = "berkas lampiran kosong"
    field = "file"


class AttachmentTooLarge(TooLarge):
    """An uploaded file is over the size cap."""

    code = "attachment_too_large"
    message = "berkas lampiran terlalu besar"
    field = "file"


class AttachmentTypeNotAllowed(Unsupported):
    """Only PDF, PNG and JPEG files are accepted."""

    code = "attachment_type_not_allowed"
    message = "jenis berkas tidak diizinkan; hanya PDF, PNG atau JPEG"
    field = "file"


class AttachmentContentMismatch(Unsupported):
    """The bytes are not what the content type says."""

    code = "attachment_content_mismatch"
    message = "isi berkas tidak sesuai dengan jenisnya (PDF, PNG atau JPEG)"
    field = "file"


class UploadQuotaExceeded(TooMany):
    """The uploader's agency (or the desk) has used up today's upload quota."""

    code = "upload_quota_exceeded"
    message = "kuota unggahan hari ini telah habis"
    field = "file"


class ReceiptTimeTooOld(Invalid):
    """A desk registration dated further back than the desk may date one alone."""

    code = "received_at_too_old"
    message = "waktu diterima terlalu lama; diperlukan konfirmasi administrator"
    field = "received_at"


class BackdateConfirmationNotFound(Invalid):
    """The confirmation named is unknown."""

    code = "backdate_confirmation_not_found"
    message = "konfirmasi administrator atas waktu diterima tidak ditemukan"
    field = "backdate_confirmation_id"


class BackdateConfirmationMismatch(Invalid):
    """The confirmation confirms another receipt time than the one stated."""

    code = "backdate_confirmation_mismatch"
    message = "konfirmasi administrator berlaku untuk waktu diterima yang lain"
    field = "backdate_confirmation_id"


class BackdateConfirmationUsed(Conflict):
    """The confirmation was already used by another registration."""

    code = "backdate_confirmation_used"
    message = "konfirmasi administrator ini sudah dipakai oleh permohonan lain"
    field = "backdate_confirmation_id"


class ConfirmerUnknown(Forbidden):
    """An administrator's token carries no valid NIP, so the confirmation cannot name them."""

    code = "admin_nip_missing"
    message = "token administrator harus memuat NIP yang valid"
