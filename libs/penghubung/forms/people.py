"""The people the forms name: contact persons, officers, applicants and their echelons."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, Field

from penghubung.forms.values import (
    Email,
    FormValueError,
    InternalPhone,
    LongText,
    MobilePhone,
    Nip,
    Text,
    ValueObject,
    unless_trusted,
)


class ContactPerson(ValueObject):
    """A responsible official with the contact block the catalog's forms ask for."""

    name: Text = Field(description="Full name (Nama)")
    nip: Nip = Field(description="Civil-servant number (NIP), 18 digits")
    position: Text = Field(description="Position (Jabatan)")
    work_unit: Text = Field(description="Work unit (Unit kerja)")
    office_address: LongText = Field(description="Office address (Alamat kantor)")
    mobile_phone: MobilePhone = Field(description="Mobile phone number (HP)")
    internal_phone: InternalPhone | None = Field(
        default=None, description="Office phone or extension (Internal), if any"
    )
    email: Email = Field(description="E-mail address (Alamat surat elektronik)")


class Officer(ValueObject):
    """A Diskominfo officer named on a form or a disposition: NIP and name."""

    nip: Nip = Field(description="The officer's NIP")
    name: Text = Field(description="The officer's full name")


# --- echelon -------------------------------------------------------------------------------


class Echelon(StrEnum):
    """A structural echelon (eselon), from I.a (highest) to V.a (lowest)."""

    I_A = "I.a"
    I_B = "I.b"
    II_A = "II.a"
    II_B = "II.b"
    III_A = "III.a"
    III_B = "III.b"
    IV_A = "IV.a"
    IV_B = "IV.b"
    V_A = "V.a"

    @property
    def level(self) -> int:
        """The echelon's level as a number: 1 for I.a/I.b … 5 for V.a."""
        return ("I", "II", "III", "IV", "V").index(self.value.split(".")[0]) + 1

    def is_at_least_iii(self) -> bool:
        """Whether an official of this echelon may apply (the catalog asks for at least III)."""
        return self.level <= 3


def check_applicant_echelon(value: Echelon) -> Echelon:
    """Refuse an applicant below echelon III."""
    if not value.is_at_least_iii():
        raise FormValueError("echelon", "pemohon minimal pejabat eselon III")
    return value


class Applicant(ContactPerson):
    """The requesting official (Pemohon) of a regional agency: at least echelon III."""

    echelon: Annotated[Echelon, AfterValidator(unless_trusted(check_applicant_echelon))] = Field(
        description="The applicant's echelon; I, II or III (IV and V are refused)"
    )
    agency: Text = Field(description="The regional agency (Perangkat Daerah / OPD) applying")


class StandIn(StrEnum):
    """How a stand-in holds the role: Pelaksana Tugas (Plt) or Pelaksana Harian (Plh)."""

    PLT = "plt"
    PLH = "plh"
