"""What disposition is asked: dispose a request one level down, return it, or start its chain."""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from penghubung.events.base import Actor, Role
from penghubung.forms import LongText, Officer, StandIn, Text, TicketId
from penghubung.sop import DocumentKind, Priority


class _Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    ticket_id: TicketId = Field(description="The request's ticket id")


class Dispose(_Command):
    """Hand the request one level down: kadis→kabid, kabid→prakom, prakom→petugas."""

    actor: Actor = Field(description="Who disposes, as the token says (role, nip, acting for)")
    instruction: LongText = Field(description="The written instruction of the disposition")
    documents: frozenset[DocumentKind] = Field(
        default=frozenset(), description="The papers the disposer has at hand (kelengkapan)"
    )
    to_role: Role | None = Field(
        default=None, description="The role it goes to, if stated; must be the next in the chain"
    )
    to_officer: Officer | None = Field(
        default=None, description="The petugas ordered to do the work (prakom's order only)"
    )
    stand_in: StandIn | None = Field(
        default=None, description="Plt or Plh when a stand-in disposes for the role holder"
    )
    on_behalf_of: Officer | None = Field(
        default=None, description="The role holder a stand-in acts for, as the body states it"
    )
    token_stand_in: StandIn | None = Field(
        default=None, description="Plt or Plh as the token says (a directory delegation)"
    )
    delegation_id: str | None = Field(
        default=None, description="The directory's delegation the token was issued for"
    )


class Reassign(_Command):
    """Move the request's work from its petugas to another, with a reason (prakom or kabid)."""

    actor: Actor = Field(description="Who reassigns (prakom or kabid, or their stand-in)")
    to_officer: Officer = Field(description="The petugas who gets the work")
    reason: LongText = Field(description="Why the work moves")


class ReturnRequest(_Command):
    """Send the request back to the applicant as incomplete, with the reasons."""

    actor: Actor = Field(description="Who returns it (the current holder, or a stand-in)")
    reasons: tuple[LongText, ...] = Field(min_length=1, description="Why, at least one reason")


class StartAtKadis(_Command):
    """Put a submitted or resubmitted request in the kadis inbox, at the start of the chain."""

    agency: Text = Field(description="The applicant's agency (OPD)")
    application_name: Text = Field(description="The application to connect")
    priority: Priority = Field(description="Priority by impact × urgency")
    received_at: AwareDatetime = Field(description="When the (re)submission really arrived")
    resubmission: int = Field(ge=0, description="0 for the first submission, then 1, 2, …")


Command = Dispose | ReturnRequest | Reassign
"""The commands `decide` rules on."""
