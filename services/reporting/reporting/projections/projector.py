"""The projection's checkpoint: each position applied once, in order, and a gap filled from the log.

The bus delivers; the event log is the record. A message at `checkpoint + 1` is applied; one at
or below the checkpoint was applied already (a redelivery, or a position read from the log while
filling a gap) and changes nothing; one further on reveals a gap: the missing positions are read
from the log, applied first and recorded in `reporting.gaps`, never skipped. The checkpoint row
is locked for the transaction, so two processes of the projection take turns.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from penghubung.events import Envelope
from penghubung.eventstore import EventStore
from reporting.projections.apply import apply_event

log = logging.getLogger(__name__)

PROJECTION = "requests"
"""The projection's name in `reporting.checkpoint` and `reporting.gaps`."""


class MissingFromLog(RuntimeError):
    """The log does not hold the positions of a gap (yet): a fault, retried, never skipped."""


@dataclass(frozen=True)
class Projected:
    """What one delivery did to the projection."""

    position: int
    applied: bool
    """False when the position was already applied (the message changed nothing)."""
    filled: tuple[int, ...] = ()
    """The positions of a gap read from the log and applied before this one."""


async def project(conn: asyncpg.Connection, envelope: Envelope, *, store: EventStore) -> Projected:
    """Apply one delivered event in the caller's transaction, filling any gap before it."""
    (projected,) = await project_batch(conn, [envelope], store=store)
    return projected


async def project_batch(
    conn: asyncpg.Connection, envelopes: Sequence[Envelope], *, store: EventStore
) -> list[Projected]:
    """Apply delivered events in their order in the caller's transaction, filling any gap; the
    checkpoint is locked once and moved once, over the furthest position applied."""
    locked = checkpoint = await lock_checkpoint(conn)
    projected: list[Projected] = []
    for envelope in envelopes:
        position = envelope.global_position
        if position <= checkpoint:
            projected.append(Projected(position, applied=False))
            continue
        filled: tuple[int, ...] = ()
        if position > checkpoint + 1:
            filled = await _fill_gap(conn, envelope, checkpoint=checkpoint, store=store)
        await apply_event(conn, envelope)
        checkpoint = position
        projected.append(Projected(position, applied=True, filled=filled))
    if checkpoint != locked:
        await move_checkpoint(conn, checkpoint)
    return projected


async def _fill_gap(
    conn: asyncpg.Connection, envelope: Envelope, *, checkpoint: int, store: EventStore
) -> tuple[int, ...]:
    """Read the positions between the checkpoint and this event from the log and apply them."""
    first, last = checkpoint + 1, envelope.global_position - 1
    log.warning(
        "projection %s: gap before position %d: positions %d..%d were not delivered;"
        " reading them from the event log",
        PROJECTION,
        envelope.global_position,
        first,
        last,
    )
    missing = [e async for e in store.read_all(after=checkpoint, until=last)]
    positions = tuple(e.global_position for e in missing)
    if positions != tuple(range(first, last + 1)):
        raise MissingFromLog(f"positions {first}..{last} expected in the log, found {positions}")
    for event in missing:
        await apply_event(conn, event)
    await conn.execute(
        "INSERT INTO reporting.gaps (projection, first_missing, last_missing, delivered_position,"
        " delivered_event_id, filled) VALUES ($1, $2, $3, $4, $5, $6)",
        PROJECTION,
        first,
        last,
        envelope.global_position,
        envelope.event_id,
        len(missing),
    )
    return positions


async def lock_checkpoint(conn: asyncpg.Connection) -> int:
    """Lock the checkpoint row for the caller's transaction (the projection waits) and read it."""
    position: int = await conn.fetchval(
        "SELECT position FROM reporting.checkpoint WHERE projection = $1 FOR UPDATE", PROJECTION
    )
    return position


async def move_checkpoint(conn: asyncpg.Connection, position: int) -> None:
    """Set the projection's position (in the transaction that wrote the rows up to it)."""
    await conn.execute(
        "UPDATE reporting.checkpoint SET position = $2, updated_at = now() WHERE projection = $1",
        PROJECTION,
        position,
    )


async def checkpoint(conn: asyncpg.Connection) -> int:
    """How far the projection has applied the log."""
    position: int = await conn.fetchval(
        "SELECT position FROM reporting.checkpoint WHERE projection = $1", PROJECTION
    )
    return position
