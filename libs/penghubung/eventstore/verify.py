"""Recompute the hash chain from the stored rows and name the first position that breaks it."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from penghubung.events.canonical import GENESIS_HASH, canonical_bytes, chain_hash


@dataclass(frozen=True)
class ChainReport:
    """The outcome of a verification: how far it got and, if broken, where and why."""

    checked: int
    head_position: int
    head_hash: str
    first_bad_position: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        """True when every link checked out."""
        return self.first_bad_position is None


async def verify_chain(conn: asyncpg.Connection, *, batch_size: int = 5000) -> ChainReport:
    """Walk the log from position 1: gapless positions, each prev_hash linked, each hash right."""
    expected_position, prev = 1, GENESIS_HASH
    checked = 0
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        cursor = conn.cursor(
            "SELECT global_position, event_id, stream_id, stream_version, type, schema_version,"
            " occurred_at, recorded_at, actor, correlation_id, causation_id, payload,"
            " prev_hash, hash FROM eventstore.events ORDER BY global_position",
            prefetch=batch_size,
        )
        async for row in cursor:
            position = row["global_position"]
            if position != expected_position:
                what = "missing row" if position > expected_position else "rows out of order"
                return _bad(checked, expected_position, prev, f"{what}: found {position}")
            if bytes(row["prev_hash"]) != prev:
                return _bad(checked, position, prev, "prev_hash does not link to the previous row")
            digest = chain_hash(prev, canonical_bytes(dict(row)))
            if digest != bytes(row["hash"]):
                return _bad(checked, position, prev, "hash does not match the stored content")
            prev, expected_position, checked = digest, position + 1, checked + 1
        head = await conn.fetchrow("SELECT position, hash FROM eventstore.head")
    if head["position"] != checked or bytes(head["hash"]) != prev:
        return _bad(checked, checked + 1, prev, f"head says {head['position']}, log has {checked}")
    return ChainReport(checked, checked, prev.hex())


def _bad(checked: int, position: int, prev: bytes, problem: str) -> ChainReport:
    return ChainReport(checked, checked, prev.hex(), position, problem)
