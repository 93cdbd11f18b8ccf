"""A request as intake knows it: folded from its own events and the returns it was told of."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from penghubung.agency import agency_key
from penghubung.events.base import Actor, Event, Role
from penghubung.events.catalog import RequestResubmitted, RequestReturned, RequestSubmitted
from penghubung.forms import Attachment, Officer, ServiceRequestForm
from penghubung.instants import WIB
from penghubung.sop import Channel, Priority, RequestStatus, Step

Status = RequestStatus
"""Intake's part of the one vocabulary: submitted (also after a resubmission) or returned."""


@dataclass(frozen=True)
class Fact:
    """An event with where it sits in the log and when it really happened."""

    position: int
    occurred_at: datetime
    event: Event


@dataclass(frozen=True)
class Return:
    """The latest return to the applicant: when, at which step, and why."""

    at: datetime
    step: Step
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Upload:
    """An uploaded file: its metadata, who may reference it, and the request it went with."""

    attachment_id: UUID
    attachment: Attachment
    owner: str
    ticket_id: str | None = None


@dataclass(frozen=True)
class RequestState:
    """One request; `status` is None until it is submitted."""

    ticket_id: str
    status: Status | None = None
    form: ServiceRequestForm | None = None
    channel: Channel | None = None
    priority: Priority | None = None
    received_at: datetime | None = None
    last_received_at: datetime | None = None
    registered_by: Officer | None = None
    attachments: tuple[Attachment, ...] = ()
    resubmissions: int = 0
    last_return: Return | None = None
    answer: str | None = None

    @property
    def agency(self) -> str | None:
        """The applying agency as written on the form."""
        return self.form.applicant.agency if self.form is not None else None


DESK = "desk"
"""The owner of the service desk's uploads: every petugas may reference them."""


def owner_of(actor: Actor) -> str | None:
    """Whose uploads an actor may reference: their agency's (applicant) or the desk's (petugas)."""
    if actor.role is Role.PEMOHON and actor.agency:
        return f"agency:{agency_key(actor.agency)}"
    if actor.role is Role.PETUGAS:
        return DESK
    return None


def ticket_year(received_at: datetime) -> int:
    """The year a request is numbered in: that of its receipt time in Asia/Jakarta."""
    return received_at.astimezone(WIB).year


def evolve(state: RequestState, event: Event, *, at: datetime) -> RequestState:
    """The request after one more fact."""
    match event:
        case RequestSubmitted():
            return replace(
                state,
                status=Status.SUBMITTED,
                form=event.form,
                channel=event.channel,
                priority=event.priority,
                received_at=event.received_at,
                last_received_at=event.received_at,
                registered_by=event.registered_by,
                attachments=event.attachments,
            )
        case RequestResubmitted() if state.status is not None:
            return replace(
                state,
                status=Status.SUBMITTED,
                form=event.form,
                channel=event.channel,
                priority=event.priority,
                last_received_at=event.received_at,
                attachments=state.attachments + event.attachments,
                resubmissions=event.resubmission,
                answer=event.answer,
            )
        case RequestReturned() if state.status is not None:
            back = Return(at=at, step=event.step, reasons=event.reasons)
            return replace(state, status=Status.RETURNED, last_return=back)
    return state


def fold(ticket_id: str, facts: Iterable[Fact]) -> RequestState:
    """The request from its facts, taken in log order (intake's and disposition's interleave)."""
    state = RequestState(ticket_id=ticket_id)
    for fact in sorted(facts, key=lambda f: f.position):
        state = evolve(state, fact.event, at=fact.occurred_at)
    return state
