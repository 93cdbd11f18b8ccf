"""How a stored event travels on the bus: the envelope as JSON, with headers for routing."""

from __future__ import annotations

import json
from typing import Any

from penghubung.events.base import Envelope, stream_category
from penghubung.events.canonical import canonical_time
from penghubung.events.registry import EventRegistry, registry

MSG_ID = "Nats-Msg-Id"
POSITION = "Penghubung-Position"
TYPE = "Penghubung-Type"
CORRELATION = "Penghubung-Correlation-Id"


def encode(row: Any) -> tuple[bytes, dict[str, str]]:
    """A stored row (as read from the log) as message bytes and headers."""
    body = {
        "event_id": str(row["event_id"]),
        "stream_id": row["stream_id"],
        "stream_version": row["stream_version"],
        "global_position": row["global_position"],
        "type": row["type"],
        "schema_version": row["schema_version"],
        "occurred_at": canonical_time(row["occurred_at"]),
        "recorded_at": canonical_time(row["recorded_at"]),
        "actor": row["actor"],
        "correlation_id": row["correlation_id"],
        "causation_id": row["causation_id"],
        "payload": row["payload"],
        "hash": bytes(row["hash"]).hex(),
    }
    headers = {
        MSG_ID: body["event_id"],
        POSITION: str(row["global_position"]),
        TYPE: row["type"],
        CORRELATION: row["correlation_id"],
    }
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    return data, headers


def category_of(row: Any) -> str:
    """The category of the stream a row belongs to."""
    return stream_category(row["stream_id"])


def decode(data: bytes, *, events: EventRegistry = registry) -> Envelope:
    """Message bytes back into a typed envelope (raises on unknown types or bad payloads)."""
    body = json.loads(data)
    event = events.load(body["type"], body["schema_version"], body.pop("payload"))
    return Envelope.model_validate({**body, "event": event})
