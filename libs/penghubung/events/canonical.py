"""The canonical bytes of a stored event and the SHA-256 chain over them."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

GENESIS_HASH = bytes(32)
"""The `prev_hash` of the first event in the log."""


def canonical_time(value: datetime) -> str:
    """A timestamp in UTC with microseconds, the one textual form that is hashed."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_bytes(row: dict[str, Any]) -> bytes:
    """JSON with sorted keys and no spaces over the envelope fields and the payload."""
    body = {
        "global_position": row["global_position"],
        "event_id": str(row["event_id"]),
        "stream_id": row["stream_id"],
        "stream_version": row["stream_version"],
        "type": row["type"],
        "schema_version": row["schema_version"],
        "occurred_at": canonical_time(row["occurred_at"]),
        "recorded_at": canonical_time(row["recorded_at"]),
        "actor": row["actor"],
        "correlation_id": row["correlation_id"],
        "causation_id": row["causation_id"],
        "payload": row["payload"],
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def chain_hash(prev_hash: bytes, canonical: bytes) -> bytes:
    """The hash of one link: SHA-256 over the previous hash and this event's canonical bytes."""
    return hashlib.sha256(prev_hash + canonical).digest()
