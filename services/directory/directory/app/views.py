"""What the directory's API shows: people, agencies, delegations, sessions, tokens."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from penghubung.instants import Instant


class _View(BaseModel):
    model_config = ConfigDict(frozen=True)


class AgencyView(_View):
    """An agency (OPD)."""

    code: str = Field(description="Stable code")
    name: str = Field(description="Name")


class PersonView(_View):
    """A person of the directory."""

    nip: str = Field(description="NIP")
    name: str = Field(description="Full name")
    position: str = Field(description="Position (jabatan)")
    echelon: str | None = Field(description="Echelon, if structural")
    agency: str = Field(description="Code of the person's agency")
    agency_name: str = Field(description="Name of the person's agency")
    unit: str | None = Field(description="Unit within the agency")
    email: str | None = Field(description="E-mail address")
    mobile: str | None = Field(description="Mobile number")
    roles: list[str] = Field(description="SOP roles held")
    active: bool = Field(description="Whether the person may sign in")


class PersonPage(_View):
    """A page of people."""

    items: list[PersonView]
    total: int = Field(description="How many match, over every page")


class AgencyList(_View):
    """Every agency."""

    items: list[AgencyView]


class DelegationView(_View):
    """A Plt/Plh delegation."""

    delegation_id: UUID
    position: str = Field(description="kadis, kabid or prakom")
    kind: str = Field(description="plt or plh")
    holder_nip: str | None
    holder_name: str | None
    delegate_nip: str
    delegate_name: str
    starts_on: date
    ends_on: date
    decree_number: str
    ended_on: date | None = Field(description="The day the admin ended it early, if so")
    end_reason: str | None


class DelegationList(_View):
    """Delegations."""

    items: list[DelegationView]


class ChoiceView(_View):
    """A role the signed-in person may ask a token for."""

    role: str
    agency: str | None = Field(description="The agency of a pemohon")
    delegation_id: UUID | None = Field(description="The delegation of a stand-in")
    label: str = Field(description="What the person reads, e.g. `Plt. Kepala Dinas (SK …)`")


class SessionCreated(_View):
    """A new session."""

    session_token: str = Field(description="Opaque secret `phs_…`; send as a bearer token")
    expires_at: Instant = Field(description="When it ends (+07:00)")
    must_change_password: bool = Field(description="The password must be changed first")
    person: PersonView


class CurrentSession(_View):
    """The session's person and the roles they may take."""

    person: PersonView
    must_change_password: bool
    choices: list[ChoiceView]


class AccessToken(_View):
    """A short-lived access token for one role."""

    access_token: str
    token_type: str = "Bearer"
    expires_in: int = Field(description="Seconds until it expires")
    expires_at: Instant = Field(description="When it expires (+07:00)")
