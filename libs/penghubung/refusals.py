"""Why a command is refused: one small hierarchy every domain raises and one handler maps.

A refusal is the caller's mistake, never a fault: it has a kind (which decides the HTTP
status, or for a consumed message that it is dead-lettered rather than retried), a stable
`code` for programs, a `message` in Bahasa Indonesia for people, and the `field` at fault
when there is one. Domains subclass a kind to name a case once:

    class RequestNotFound(NotFound):
        code = "request_not_found"
        message = "permohonan tidak ditemukan"

    raise RequestNotFound()
    raise Invalid("NIP harus 18 digit", code="nip_invalid", field="form.applicant.nip")

This module imports nothing but the standard library, so `domain/` packages may use it.
"""

from __future__ import annotations

from typing import ClassVar, Literal

Kind = Literal[
    "invalid",
    "not_found",
    "conflict",
    "forbidden",
    "unauthenticated",
    "too_large",
    "unsupported",
    "not_acceptable",
    "too_many",
    "unavailable",
]


class Refused(Exception):
    """A command the rules refuse: kind, stable code, Bahasa Indonesia message, field."""

    kind: ClassVar[Kind] = "invalid"
    code: str = "refused"
    message: str = "permintaan ditolak"
    field: str | None = None
    retry_after: int | None = None

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        field: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        if message is not None:
            self.message = message
        if code is not None:
            self.code = code
        if field is not None:
            self.field = field
        if retry_after is not None:
            self.retry_after = retry_after
        super().__init__(f"{self.code}: {self.message}")


class Invalid(Refused):
    """What was sent is wrong; `field` says where (422)."""

    kind = "invalid"
    code = "invalid"
    message = "isian tidak valid"


class NotFound(Refused):
    """The thing does not exist, or the caller may not know that it does (404)."""

    kind = "not_found"
    code = "not_found"
    message = "tidak ditemukan"


class Conflict(Refused):
    """The command comes out of order, or lost a race with another (409)."""

    kind = "conflict"
    code = "conflict"
    message = "permintaan bertentangan dengan keadaan saat ini"


class Forbidden(Refused):
    """The caller may not do this, whatever they send (403)."""

    kind = "forbidden"
    code = "forbidden"
    message = "Anda tidak berwenang melakukan ini"


class Unauthenticated(Refused):
    """No valid identity came with the request (401)."""

    kind = "unauthenticated"
    code = "unauthenticated"
    message = "identitas tidak valid; silakan masuk kembali"


class TooLarge(Refused):
    """What was sent is bigger than allowed (413)."""

    kind = "too_large"
    code = "too_large"
    message = "ukuran melebihi batas"


class Unsupported(Refused):
    """What was sent is of a kind that is not accepted (415)."""

    kind = "unsupported"
    code = "unsupported_media_type"
    message = "jenis berkas tidak didukung"


class NotAcceptable(Refused):
    """The representation asked for is not offered (406)."""

    kind = "not_acceptable"
    code = "not_acceptable"
    message = "format yang diminta tidak tersedia"


class TooMany(Refused):
    """Too many attempts in too short a time; `retry_after` says how long to wait (429)."""

    kind = "too_many"
    code = "too_many_requests"
    message = "terlalu banyak permintaan; coba lagi nanti"


class Unavailable(Refused):
    """A part the command needs is away for the moment; try again (503)."""

    kind = "unavailable"
    code = "service_unavailable"
    message = "layanan sedang tidak tersedia; coba lagi sebentar lagi"


HTTP_STATUS: dict[Kind, int] = {
    "invalid": 422,
    "not_found": 404,
    "conflict": 409,
    "forbidden": 403,
    "unauthenticated": 401,
    "too_large": 413,
    "unsupported": 415,
    "not_acceptable": 406,
    "too_many": 429,
    "unavailable": 503,
}
"""The one mapping from a refusal's kind to an HTTP status."""
