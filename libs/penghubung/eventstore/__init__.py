"""The append-only event log in PostgreSQL: append, read, verify the hash chain, migrate."""

from penghubung.eventstore.store import (
    AppendResult,
    ConcurrencyError,
    EventStore,
    IdempotencyConflict,
    Stream,
)
from penghubung.eventstore.verify import ChainReport, verify_chain

__all__ = [
    "AppendResult",
    "ChainReport",
    "ConcurrencyError",
    "EventStore",
    "IdempotencyConflict",
    "Stream",
    "verify_chain",
]
