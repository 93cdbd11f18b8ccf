"""The auditor's facts: the head of the hash chain was signed, a bundle of the log was exported."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, ClassVar, Literal, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from penghubung.events.base import Event
from penghubung.events.registry import registry

__all__ = [
    "AUDIT_EVENTS",
    "CHECKPOINT_STREAM",
    "EXPORT_STREAM",
    "AuditExported",
    "ChainCheckpointSigned",
    "ExportScope",
    "ExportScopeKind",
]

CHECKPOINT_STREAM = "audit-checkpoints"
"""The stream every signed checkpoint is appended to."""

EXPORT_STREAM = "audit-exports"
"""The stream an export of the whole log or of a time range is recorded on."""

HexDigest = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
HexSignature = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{128}$")]

_TYPE = "The event type name"
_VERSION = "Schema version of this event's payload"


@registry.register
class ChainCheckpointSigned(Event):
    """The head of the hash chain was signed with the audit key: a signed checkpoint."""

    category: ClassVar[str] = "audit"

    type: Literal["ChainCheckpointSigned"] = Field(
        default="ChainCheckpointSigned", description=_TYPE
    )
    schema_version: Literal[1] = Field(default=1, description=_VERSION)
    position: int = Field(ge=0, description="Global position of the chain head that was signed")
    head_hash: HexDigest = Field(description="Chain hash at that position, lowercase hex")
    signed_at: AwareDatetime = Field(description="When the checkpoint was signed")
    key_id: HexDigest = Field(
        description="Fingerprint of the signing key: SHA-256 of the raw Ed25519 public key, hex"
    )
    signature: HexSignature = Field(
        description="Ed25519 signature over the checkpoint's canonical JSON, hex"
    )


class ExportScopeKind(StrEnum):
    """What part of the log an export holds."""

    ALL = "all"
    TICKET = "ticket"
    RANGE = "range"


class ExportScope(BaseModel):
    """The part of the log an export holds: everything, one ticket, or a range of occurred_at."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: ExportScopeKind = Field(description="Everything, one ticket, or a time range")
    ticket_id: str | None = Field(
        default=None, min_length=1, max_length=200, description="The ticket (correlation id)"
    )
    occurred_from: AwareDatetime | None = Field(
        default=None, description="Range start on occurred_at, inclusive"
    )
    occurred_until: AwareDatetime | None = Field(
        default=None, description="Range end on occurred_at, exclusive"
    )

    @model_validator(mode="after")
    def _fits_kind(self) -> Self:
        ranged = self.occurred_from is not None or self.occurred_until is not None
        if self.kind is ExportScopeKind.TICKET and (self.ticket_id is None or ranged):
            raise ValueError("a ticket export names the ticket and nothing else")
        if self.kind is ExportScopeKind.RANGE and (self.ticket_id is not None or not ranged):
            raise ValueError("a range export names a start, an end or both, and no ticket")
        if self.kind is ExportScopeKind.ALL and (self.ticket_id is not None or ranged):
            raise ValueError("an export of everything takes no ticket and no range")
        if self.occurred_from and self.occurred_until and self.occurred_from >= self.occurred_until:
            raise ValueError("the range must end after it starts")
        return self

    def describe(self) -> str:
        """The scope in a few words, for people."""
        if self.kind is ExportScopeKind.TICKET:
            return f"ticket {self.ticket_id}"
        if self.kind is ExportScopeKind.RANGE:
            start = self.occurred_from.isoformat() if self.occurred_from else "the beginning"
            end = self.occurred_until.isoformat() if self.occurred_until else "now"
            return f"events that occurred from {start} until {end}"
        return "the whole log"


@registry.register
class AuditExported(Event):
    """An audit bundle of the event log was exported; the actor of the envelope exported it."""

    category: ClassVar[str] = "audit"

    type: Literal["AuditExported"] = Field(default="AuditExported", description=_TYPE)
    schema_version: Literal[1] = Field(default=1, description=_VERSION)
    scope: ExportScope = Field(description="What part of the log the bundle holds")
    event_count: int = Field(ge=0, description="How many events the bundle holds")
    first_position: int | None = Field(
        default=None, ge=1, description="Global position of the first event in the bundle"
    )
    last_position: int | None = Field(
        default=None, ge=1, description="Global position of the last event in the bundle"
    )
    head_position: int = Field(ge=0, description="Head of the log when the bundle was read")
    complete: bool = Field(description="True when the bundle holds the whole chain from 1")
    bundle_name: str = Field(min_length=1, max_length=255, description="File name of the bundle")
    bundle_sha256: HexDigest = Field(description="SHA-256 of the bundle file, hex")


AUDIT_EVENTS: tuple[type[Event], ...] = (ChainCheckpointSigned, AuditExported)
"""The auditor's events: about the log itself, never about one request."""
