"""The service request form ("formulir layanan") and its attachments."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Self

from pydantic import (
    AfterValidator,
    Field,
    StringConstraints,
    model_validator,
)

from penghubung.forms.people import Applicant
from penghubung.forms.values import FormValueError, LongText, Text, ValueObject, unless_trusted
from penghubung.sop import Impact, Urgency


class Mechanism(StrEnum):
    """How an application is connected: the Government Service Bus, an API, or another way."""

    GSB = "gsb"
    API = "api"
    OTHER = "lainnya"


class MechanismChoice(ValueObject):
    """A mechanism; when it is "lainnya" the other mechanism must be named."""

    kind: Mechanism = Field(description="GSB, API or another mechanism (lainnya)")
    other_description: Text | None = Field(
        default=None, description="The other mechanism, in words; only and always for 'lainnya'"
    )

    @model_validator(mode="after")
    def _other_named(self) -> Self:
        if self.kind is Mechanism.OTHER and self.other_description is None:
            raise FormValueError("mechanism_other", "sebutkan mekanisme integrasi lainnya")
        if self.kind is not Mechanism.OTHER and self.other_description is not None:
            raise FormValueError(
                "mechanism_other", "keterangan mekanisme hanya diisi bila memilih 'lainnya'"
            )
        return self


# --- attachments ---------------------------------------------------------------------------


class AttachmentKind(StrEnum):
    """What an uploaded file is: the signed request letter, or anything else."""

    REQUEST_LETTER = "surat_permohonan"
    OTHER = "lainnya"


_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_CONTENT_TYPE = re.compile(r"^[A-Za-z0-9][\w.+\-]*/[A-Za-z0-9][\w.+\-]*$")


def check_sha256(value: str) -> str:
    """Check a SHA-256 digest in hex; stored in lower case."""
    digest = value.strip().lower()
    if not _SHA256.match(digest):
        raise FormValueError("sha256", "sidik SHA-256 harus 64 karakter heksadesimal")
    return digest


def check_filename(value: str) -> str:
    """Check a bare file name: no folders, not `.` or `..`."""
    if "/" in value or "\\" in value or value in {".", ".."}:
        raise FormValueError("filename", "nama berkas tidak boleh memuat folder")
    return value


def check_content_type(value: str) -> str:
    """Check a media type such as `application/pdf`."""
    if not _CONTENT_TYPE.match(value):
        raise FormValueError("content_type", "jenis berkas (content type) tidak valid")
    return value.lower()


class Attachment(ValueObject):
    """Metadata of an uploaded file; the bytes live in storage under `storage_key`."""

    kind: AttachmentKind = Field(description="What the file is (surat_permohonan, lainnya)")
    filename: Annotated[Text, AfterValidator(unless_trusted(check_filename))] = Field(
        description="The file name as uploaded, without folders"
    )
    content_type: Annotated[Text, AfterValidator(unless_trusted(check_content_type))] = Field(
        description="Media type, e.g. application/pdf"
    )
    size_bytes: int = Field(ge=1, description="Size of the file in bytes")
    sha256: Annotated[str, AfterValidator(unless_trusted(check_sha256))] = Field(
        description="SHA-256 of the file's bytes, 64 lower-case hex characters"
    )
    storage_key: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)
    ] = Field(description="Where the bytes are stored (object key)")


# --- the request form ----------------------------------------------------------------------


class ApplicationInfo(ValueObject):
    """The application the agency wants connected."""

    name: Text = Field(description="Name of the application (Nama aplikasi)")
    description: LongText = Field(description="What the application does (Deskripsi)")


class ServiceRequestForm(ValueObject):
    """The service request form of SC-05/EGOTIK/2023 ("formulir layanan")."""

    applicant: Applicant = Field(description="The requesting official (Pemohon), echelon ≥ III")
    application: ApplicationInfo = Field(description="The application to connect")
    mechanism_available: bool = Field(
        description="Form item 3: the application has a GSB, API or other mechanism (Ada)"
    )
    mechanism: MechanismChoice = Field(description="The integration mechanism asked for")
    impact: Impact = Field(description="Impact (dampak) as stated by the applicant")
    urgency: Urgency = Field(description="Urgency (kepentingan) as stated by the applicant")
