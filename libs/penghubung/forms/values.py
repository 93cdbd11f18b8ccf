"""The values a person types into the forms: text, dates, NIP, contact details, ticket ids."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    StringConstraints,
    ValidationInfo,
    WithJsonSchema,
)

_V = TypeVar("_V")

TRUSTED: dict[str, Any] = {"trusted": True}
"""The validation context of a value read back from the event log (`model_validate_json(text,
context=TRUSTED)`): the costly checks written in Python (`unless_trusted`) are skipped, because a
stored event was made by validating those values on the way in and stores them as the checks
left them (canonical: checking them again gives them back unchanged). Only code that decodes the
log's own rows passes it; HTTP bodies and messages from the bus never do."""


def unless_trusted(check: Callable[[_V], _V]) -> Callable[[_V, ValidationInfo], _V]:
    """`check` as a validator that lets a value through unchecked in the `TRUSTED` context."""

    def validate(value: _V, info: ValidationInfo) -> _V:
        context = info.context
        if context is not None and context.get("trusted") is True:
            return value
        return check(value)

    validate.__name__ = check.__name__
    validate.__doc__ = check.__doc__
    return validate


class FormValueError(ValueError):
    """A value a person typed is wrong: a Bahasa Indonesia message plus a stable code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class ValueObject(BaseModel):
    """A frozen form value that refuses unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


# --- text, identifiers and contact details -------------------------------------------------


def check_no_nul(value: str) -> str:
    """Refuse U+0000: PostgreSQL keeps no NUL character in text or jsonb."""
    if "\x00" in value:
        raise FormValueError("nul_character", "teks tidak boleh memuat karakter NUL (U+0000)")
    return value


PlainText = Annotated[str, AfterValidator(unless_trusted(check_no_nul))]
"""Any text that can be stored (a search filter, a free value)."""

Text = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(unless_trusted(check_no_nul)),
]
"""A short non-empty line of text (a name, a position, a unit)."""

LongText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=5000),
    AfterValidator(unless_trusted(check_no_nul)),
]
"""A non-empty paragraph (a description, notes, an instruction)."""


_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def check_iso_date(value: object) -> object:
    """Let only a date or `YYYY-MM-DD` through: pydantic reads a number as a Unix time."""
    if isinstance(value, date) or (isinstance(value, str) and _ISO_DATE.fullmatch(value)):
        return value
    raise FormValueError("date_format", "tanggal harus berbentuk TTTT-BB-HH, misalnya 2026-12-24")


IsoDate = Annotated[date, BeforeValidator(check_iso_date)]
"""A calendar date written `YYYY-MM-DD` (never `0`, which would be 1 January 1970)."""


def check_nip(value: str) -> str:
    """Check an 18-digit NIP: birth date, appointment month after birth, sex code, sequence.

    Spaces are allowed between the groups (`19800101 200501 1 001`) and removed.
    """
    nip = value.replace(" ", "")
    if len(nip) != 18 or not (nip.isascii() and nip.isdigit()):
        raise FormValueError("nip_format", "NIP harus 18 digit angka")
    birth = _nip_birth_date(nip[:8])
    appointed_year, appointed_month = int(nip[8:12]), int(nip[12:14])
    if appointed_year < 1900 or not 1 <= appointed_month <= 12:
        raise FormValueError("nip_appointment", "bulan pengangkatan pada NIP tidak valid")
    if (appointed_year, appointed_month) <= (birth.year, birth.month):
        raise FormValueError(
            "nip_appointment_before_birth", "bulan pengangkatan pada NIP harus sesudah bulan lahir"
        )
    if nip[14] not in "12":
        raise FormValueError("nip_sex", "kode jenis kelamin pada NIP harus 1 atau 2")
    if nip[15:] == "000":
        raise FormValueError("nip_sequence", "nomor urut pada NIP tidak boleh 000")
    return nip


def _nip_birth_date(digits: str) -> date:
    try:
        birth = date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise FormValueError("nip_birth_date", "tanggal lahir pada NIP tidak valid") from None
    if birth.year < 1900:
        raise FormValueError("nip_birth_date", "tanggal lahir pada NIP tidak valid")
    return birth


Nip = Annotated[
    str,
    AfterValidator(unless_trusted(check_nip)),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": "^[0-9]{18}$",
            "minLength": 18,
            "maxLength": 18,
            "description": "NIP: 18 digits (birth date, appointment year-month, sex 1/2, sequence)",
        }
    ),
]
"""A civil servant's number (Nomor Induk Pegawai), 18 digits, stored without spaces."""

_EMAIL = re.compile(r"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)+$")
_MOBILE = re.compile(r"^(\+62|62|0)8[0-9]{7,11}$")
_PHONE_SEPARATORS = re.compile(r"[\s\-.()]")


def check_email(value: str) -> str:
    """Check the shape of an e-mail address (local@domain.tld); no look-up is done."""
    email = value.strip()
    if len(email) > 254 or not _EMAIL.match(email):
        raise FormValueError("email", "alamat surat elektronik tidak valid")
    return email


def check_mobile(value: str) -> str:
    """Check an Indonesian mobile number (08…, 628…, +628…); separators are allowed."""
    mobile = value.strip()
    if not _MOBILE.match(_PHONE_SEPARATORS.sub("", mobile)):
        raise FormValueError("mobile", "nomor HP tidak valid (contoh: 0821-8064-0997)")
    return mobile


Email = Annotated[str, AfterValidator(unless_trusted(check_email))]
"""An e-mail address ("alamat surat elektronik")."""

MobilePhone = Annotated[str, AfterValidator(unless_trusted(check_mobile))]
"""An Indonesian mobile phone number ("HP")."""

InternalPhone = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=30),
    AfterValidator(unless_trusted(check_no_nul)),
]
"""An office phone or extension ("Internal"), free text."""


TICKET_PATTERN = "^SC05-[0-9]{4}-[0-9]{5,10}$"
"""A ticket id: the year, and the request's number in it (five digits, more past 99 999)."""
_TICKET_ID = re.compile(TICKET_PATTERN.strip("^$"))


def check_ticket_id(value: str) -> str:
    """Check a ticket id of the form `SC05-YYYY-NNNNN`."""
    if not _TICKET_ID.fullmatch(value):
        raise FormValueError("ticket_id", "Tiket ID harus berbentuk SC05-TTTT-NNNNN")
    return value


def format_ticket_id(year: int, sequence: int) -> str:
    """The ticket id of the `sequence`-th request of `year`: `SC05-2026-00001`."""
    return f"SC05-{year:04d}-{sequence:05d}"


TicketId = Annotated[str, AfterValidator(unless_trusted(check_ticket_id))]
"""The request's id ("Tiket ID"), e.g. `SC05-2026-00001`."""
