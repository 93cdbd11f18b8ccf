"""Penghubung's events: the base, the envelope, the registry and every event class."""

from penghubung.events.base import Actor, Envelope, Event, Metadata, NewEvent, Role, stream_category
from penghubung.events.registry import EventRegistry, UnknownEventType, registry

__all__ = [
    "Actor",
    "Envelope",
    "Event",
    "EventRegistry",
    "Metadata",
    "NewEvent",
    "Role",
    "UnknownEventType",
    "audit",
    "catalog",
    "directory",
    "documents",
    "notices",
    "registry",
    "sla",
    "stream_category",
    "survey",
]

from penghubung.events import audit as audit  # imported last: registers the auditor's events
from penghubung.events import catalog as catalog  # imported last: registers every event
from penghubung.events import directory as directory  # imported last: registers who is who
from penghubung.events import documents as documents  # imported last: registers the papers' events
from penghubung.events import notices as notices  # imported last: registers who was told
from penghubung.events import sla as sla  # imported last: registers the SLA clocks' events
from penghubung.events import survey as survey  # imported last: registers the survey's answer
