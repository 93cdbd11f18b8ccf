"""What the directory is asked to do: register, grant, revoke, delegate, set passwords."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from penghubung.events.base import Actor, Role
from penghubung.events.directory import AgencyCode, DelegatedPosition
from penghubung.forms import Echelon, LongText, Nip, StandIn, Text


class _Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    actor: Actor = Field(description="Who asks")


class RegisterAgency(_Command):
    """Add a regional agency (OPD) under a stable code."""

    code: AgencyCode
    name: Text


class RegisterPerson(_Command):
    """Add a person with their roles; the admin's initial password must be changed at sign-in."""

    nip: Nip
    name: Text
    position: Text
    echelon: Echelon | None = None
    agency: AgencyCode
    unit: Text | None = None
    email: str | None = None
    mobile: str | None = None
    roles: tuple[Role, ...] = ()


class GrantRole(_Command):
    """Let a person act in one more SOP role."""

    nip: Nip
    role: Role


class RevokeRole(_Command):
    """Take an SOP role from a person."""

    nip: Nip
    role: Role


class SetPassword(_Command):
    """A new password for a person: the admin's (initial or reset) or the person's own."""

    nip: Nip
    by_owner: bool = Field(description="The person changed it (else the admin set it)")


class GrantDelegation(_Command):
    """Name a Plt/Plh for a position over a date range, by decree."""

    delegation_id: UUID
    position: DelegatedPosition
    kind: StandIn
    holder_nip: Nip | None
    delegate_nip: Nip
    starts_on: date
    ends_on: date
    decree_number: Text


class EndDelegation(_Command):
    """End a delegation before its last day."""

    delegation_id: UUID
    reason: LongText
