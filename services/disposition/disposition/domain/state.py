"""Where a request stands in the chain, folded from disposition's own events.

The chain is kadis → kabid → prakom → petugas. A request starts at kadis when intake submits it;
a return hands it to the applicant (`pemohon`); a resubmission starts the chain again at kadis.
Disposition appends nothing for intake's facts: its consumer records, per request, the version
of the disposition stream at which the current round began (`round_start`: 0 for the first
submission, the stream's version when a resubmission arrived). Folding the events after that
version, from "with kadis", gives the state.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from penghubung.events.base import Event, Role
from penghubung.events.catalog import Disposed, RequestReturned, WorkReassigned
from penghubung.forms import Officer
from penghubung.sop import Step

CATEGORY = "disposition"

CHAIN: tuple[Role, ...] = (Role.KADIS, Role.KABID, Role.PRAKOM, Role.PETUGAS)
"""The roles a request passes, in order."""

DISPOSERS: frozenset[Role] = frozenset(CHAIN[:-1])
"""The roles that dispose (and may return): every holder but the last."""

_STEP_OF_HOLDER: dict[Role, Step] = {
    Role.KADIS: Step.DISPOSE_KABID,
    Role.KABID: Step.DISPOSE_PRAKOM,
    Role.PRAKOM: Step.DISPOSE_PETUGAS,
}


def stream_id(ticket_id: str) -> str:
    """`disposition-SC05-2026-00001`."""
    return f"{CATEGORY}-{ticket_id}"


def next_role(role: Role) -> Role | None:
    """The role below `role` in the chain; None for petugas and for roles outside it."""
    if role not in DISPOSERS:
        return None
    return CHAIN[CHAIN.index(role) + 1]


class Status(StrEnum):
    """Where a request is, as the inbox shows it."""

    DISPOSING = "disposing"
    """With kadis, kabid or prakom, waiting for their disposition."""
    ASSIGNED = "assigned"
    """Ordered to a petugas: the chain is done."""
    RETURNED = "returned"
    """Back with the applicant, waiting for a resubmission."""


class Round(BaseModel):
    """What disposition's consumer recorded from intake: the request exists, and since when."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    ticket_id: str = Field(description="The request's ticket id")
    round_start: int = Field(
        default=0, ge=0, description="Version of the disposition stream when this round began"
    )


class Request(BaseModel):
    """A request as disposition sees it: who holds it, and which officer is ordered."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    ticket_id: str
    holder: Role = Role.KADIS
    officer: Officer | None = None

    @property
    def status(self) -> Status:
        """Disposing, assigned to a petugas, or returned to the applicant."""
        if self.holder is Role.PEMOHON:
            return Status.RETURNED
        if self.holder is Role.PETUGAS:
            return Status.ASSIGNED
        return Status.DISPOSING

    @property
    def step(self) -> Step | None:
        """The disposition step the holder has to do; None when no disposition is due."""
        return _STEP_OF_HOLDER.get(self.holder)


def evolve(state: Request, event: Event) -> Request:
    """The request after one of disposition's events."""
    match event:
        case Disposed():
            return state.model_copy(update={"holder": event.to_role, "officer": event.to_officer})
        case RequestReturned():
            return state.model_copy(update={"holder": Role.PEMOHON, "officer": None})
        case WorkReassigned():
            return state.model_copy(update={"officer": event.to_officer})
        case _:
            return state


def fold(round_: Round | None, events: Sequence[Event]) -> Request | None:
    """The request from its round and its stream's events; None if intake never submitted it."""
    if round_ is None:
        return None
    return evolve_all(Request(ticket_id=round_.ticket_id), events[round_.round_start :])


def evolve_all(state: Request, events: Iterable[Event]) -> Request:
    """The request after several events, in order."""
    for event in events:
        state = evolve(state, event)
    return state
