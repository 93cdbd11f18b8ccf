"""The append-only event log in PostgreSQL: append, read, migrate (the auditor verifies it)."""

from penghubung.eventstore.store import (
    AppendResult,
    ConcurrencyError,
    EventStore,
    IdempotencyConflict,
    Stream,
)

__all__ = [
    "AppendResult",
    "ConcurrencyError",
    "EventStore",
    "IdempotencyConflict",
    "Stream",
]
