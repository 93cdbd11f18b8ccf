"""Who is who: the directory's facts about agencies, people, their roles and Plt/Plh delegations.

Streams of category `directory`: `directory-agency-<code>`, `directory-person-<nip>` and
`directory-delegation-<id>`. No secret ever goes into these events: a password's hash lives in
the directory's own table, and the log records only that a credential changed and why.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, ClassVar, Literal
from uuid import UUID

from pydantic import Field, StringConstraints

from penghubung.events.base import Event, Role
from penghubung.events.registry import registry
from penghubung.forms import Echelon, LongText, Nip, StandIn, Text

__all__ = [
    "DIRECTORY_EVENTS",
    "AgencyCode",
    "AgencyRegistered",
    "CredentialChange",
    "CredentialChanged",
    "DelegatedPosition",
    "DelegationEnded",
    "DelegationGranted",
    "PersonRegistered",
    "RoleGranted",
    "RoleRevoked",
    "agency_stream",
    "delegation_stream",
    "person_stream",
]

_TYPE = "The event type name"
_VERSION = "Schema version of this event's payload"

AgencyCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=2, max_length=40, pattern=r"^[a-z0-9_]+$"),
]
"""An agency's stable code: lower-case letters, digits and `_` (e.g. `dinkes`)."""


class DelegatedPosition(StrEnum):
    """The positions a Plt/Plh may stand in for."""

    KADIS = "kadis"
    KABID = "kabid"
    PRAKOM = "prakom"


class CredentialChange(StrEnum):
    """Why a password changed: set by the admin (to be changed at sign-in) or by its owner."""

    INITIAL = "initial"
    RESET = "reset"
    CHANGED = "changed"


def agency_stream(code: str) -> str:
    """The stream of one agency."""
    return f"directory-agency-{code}"


def person_stream(nip: str) -> str:
    """The stream of one person."""
    return f"directory-person-{nip}"


def delegation_stream(delegation_id: UUID) -> str:
    """The stream of one delegation."""
    return f"directory-delegation-{delegation_id}"


@registry.register
class AgencyRegistered(Event):
    """A regional agency (OPD) joined the directory under a stable code."""

    category: ClassVar[str] = "directory"

    type: Literal["AgencyRegistered"] = Field(default="AgencyRegistered", description=_TYPE)
    schema_version: Literal[1] = Field(default=1, description=_VERSION)
    code: AgencyCode = Field(description="The agency's stable code")
    name: Text = Field(description="The agency's name, as applicants write it on the form")


@registry.register
class PersonRegistered(Event):
    """A person joined the directory: NIP, name, position, echelon, agency and contacts."""

    category: ClassVar[str] = "directory"

    type: Literal["PersonRegistered"] = Field(default="PersonRegistered", description=_TYPE)
    schema_version: Literal[1] = Field(default=1, description=_VERSION)
    nip: Nip = Field(description="The person's NIP")
    name: Text = Field(description="Full name")
    position: Text = Field(description="Position (jabatan)")
    echelon: Echelon | None = Field(default=None, description="Echelon, for a structural position")
    agency: AgencyCode = Field(description="Code of the agency the person works for")
    unit: Text | None = Field(default=None, description="Unit (bidang / seksi) within the agency")
    email: str | None = Field(default=None, description="E-mail address")
    mobile: str | None = Field(default=None, description="Mobile number")


@registry.register
class RoleGranted(Event):
    """A person may now act in an SOP role (a pemohon for their own agency)."""

    category: ClassVar[str] = "directory"

    type: Literal["RoleGranted"] = Field(default="RoleGranted", description=_TYPE)
    schema_version: Literal[1] = Field(default=1, description=_VERSION)
    nip: Nip = Field(description="The person's NIP")
    role: Role = Field(description="The role granted")


@registry.register
class RoleRevoked(Event):
    """A person may no longer act in an SOP role."""

    category: ClassVar[str] = "directory"

    type: Literal["RoleRevoked"] = Field(default="RoleRevoked", description=_TYPE)
    schema_version: Literal[1] = Field(default=1, description=_VERSION)
    nip: Nip = Field(description="The person's NIP")
    role: Role = Field(description="The role revoked")


@registry.register
class CredentialChanged(Event):
    """A person's password changed; the secret itself is never in the log."""

    category: ClassVar[str] = "directory"

    type: Literal["CredentialChanged"] = Field(default="CredentialChanged", description=_TYPE)
    schema_version: Literal[1] = Field(default=1, description=_VERSION)
    nip: Nip = Field(description="The person's NIP")
    change: CredentialChange = Field(description="Set by the admin, reset by the admin, or changed")
    must_change: bool = Field(description="Whether it must be changed at the next sign-in")


@registry.register
class DelegationGranted(Event):
    """A person stands in (Plt/Plh) for a position over a date range, by decree."""

    category: ClassVar[str] = "directory"

    type: Literal["DelegationGranted"] = Field(default="DelegationGranted", description=_TYPE)
    schema_version: Literal[1] = Field(default=1, description=_VERSION)
    delegation_id: UUID = Field(description="The delegation's id")
    position: DelegatedPosition = Field(description="The position stood in for")
    kind: StandIn = Field(description="Pelaksana Tugas (plt) or Pelaksana Harian (plh)")
    holder_nip: Nip | None = Field(default=None, description="NIP of the holder (none: vacant)")
    holder_name: Text | None = Field(default=None, description="Name of the holder")
    delegate_nip: Nip = Field(description="NIP of the stand-in")
    delegate_name: Text = Field(description="Name of the stand-in")
    starts_on: date = Field(description="First day of the delegation (WIB)")
    ends_on: date = Field(description="Last day of the delegation (WIB)")
    decree_number: Text = Field(description="Number of the decree (SK / surat perintah)")


@registry.register
class DelegationEnded(Event):
    """A delegation was ended before its last day by the admin."""

    category: ClassVar[str] = "directory"

    type: Literal["DelegationEnded"] = Field(default="DelegationEnded", description=_TYPE)
    schema_version: Literal[1] = Field(default=1, description=_VERSION)
    delegation_id: UUID = Field(description="The delegation's id")
    ended_on: date = Field(description="The day it ended (WIB); it gives no token from then on")
    reason: LongText = Field(description="Why it ended early")


DIRECTORY_EVENTS: tuple[type[Event], ...] = (
    AgencyRegistered,
    PersonRegistered,
    RoleGranted,
    RoleRevoked,
    CredentialChanged,
    DelegationGranted,
    DelegationEnded,
)
"""Who is who: the directory's events (about people, not about any request)."""
