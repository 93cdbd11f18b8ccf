"""The event base class, the envelope every event travels in, and the actor who caused it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class Role(StrEnum):
    """The roles of DESIGN §1, plus the auditor, the administrator and the system itself."""

    PEMOHON = "pemohon"
    KADIS = "kadis"
    KABID = "kabid"
    PRAKOM = "prakom"
    PETUGAS = "petugas"
    AUDITOR = "auditor"
    ADMIN = "admin"
    SYSTEM = "system"


class Event(BaseModel):
    """A fact that happened; subclasses carry a literal `type` and a `schema_version`."""

    # An event as an answer always carries its type and version: say so in the answer's schema,
    # so a discriminator on `type` names a property each variant requires.
    model_config = ConfigDict(
        frozen=True, extra="forbid", json_schema_serialization_defaults_required=True
    )

    type: str
    schema_version: int = 1

    category: ClassVar[str] = ""
    """The stream category the emitting service owns (`intake`, `disposition`, ...)."""

    def payload(self) -> dict[str, Any]:
        """The event's own fields in JSON form, without the type and version (they are columns)."""
        return self.model_dump(mode="json", exclude={"type", "schema_version"})


class Actor(BaseModel):
    """Who caused an event: the person acting, their role, and whom they stood in for (Plt/Plh)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    nip: str | None = Field(default=None, description="NIP of the person who acted")
    name: str = Field(description="Name of the person or component that acted")
    role: Role = Field(description="Role under which the person acted")
    agency: str | None = Field(default=None, description="Agency (OPD) of the person, if any")
    on_behalf_of_nip: str | None = Field(
        default=None, description="NIP of the role holder a stand-in (Plt/Plh) acted for"
    )
    on_behalf_of_name: str | None = Field(
        default=None, description="Name of the role holder a stand-in acted for"
    )

    @classmethod
    def system(cls, component: str) -> Actor:
        """The actor for facts the system itself records (relay, projector, clock)."""
        return cls(name=component, role=Role.SYSTEM)


class Metadata(BaseModel):
    """What the caller states about a new event: when it really happened, who, and why."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: UUID
    occurred_at: datetime
    actor: Actor
    correlation_id: str
    causation_id: str | None = None


class NewEvent(BaseModel):
    """An event about to be appended: the fact plus its metadata."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event: Event
    meta: Metadata


class Envelope(BaseModel):
    """A stored event with its full envelope (DESIGN §3)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: UUID
    stream_id: str
    stream_version: int
    global_position: int
    type: str
    schema_version: int
    occurred_at: datetime
    recorded_at: datetime
    actor: Actor
    correlation_id: str
    causation_id: str | None
    event: Event
    hash: str = Field(description="SHA-256 chain hash of this event, hex")

    @property
    def category(self) -> str:
        """The category of the stream this event belongs to."""
        return stream_category(self.stream_id)


def stream_category(stream_id: str) -> str:
    """`intake-SC05-2026-00001` → `intake`."""
    return stream_id.split("-", 1)[0]
