"""Reporting's consumers: the projection of every event, and the reactions to finished requests.

`reporting-projection` takes every subject (`>`) in batches, each applied in one transaction
with the checkpoint moved once (`project_batch`). It runs on the consumer base, which also
writes an inbox row per event: a cheap first filter for redeliveries. The checkpoint is the real
guard: a message that comes back after later ones (a retry, or a batch of another process that
committed first) finds its position applied, a position further on than the next one has its gap
read from the log first, never skipped, and a position read from the log while filling a gap
that arrives later (it has no inbox row) is turned away; a rebuild from position 1 goes through
the same checkpoint.

`reporting-reactions` takes `integration.>` with the normal inbox, and writes reporting's own
events: the report (and, for an integration, the Berita Acara number).
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from typing import Protocol

import asyncpg

from penghubung.bus.consumer import BatchHandler, Handler, Subscription
from penghubung.bus.topology import ConsumerSpec
from penghubung.clock import Clock, IdFactory
from penghubung.events import Envelope
from penghubung.eventstore import EventStore
from penghubung.runtime.service import ServiceContext
from reporting.app import handlers
from reporting.projections.projector import project, project_batch

PROJECTION = ConsumerSpec(durable="reporting-projection", filter=">")
REACTIONS = ConsumerSpec(durable="reporting-reactions", filter="integration.>")

CONSUMERS: list[ConsumerSpec] = [PROJECTION, REACTIONS]
"""The durable consumers the bootstrap step declares for reporting."""


class Reaction(Protocol):
    """A handler reacting to an upstream event inside the consumer's transaction."""

    def __call__(
        self,
        conn: asyncpg.Connection,
        cause: Envelope,
        *,
        store: EventStore,
        clock: Clock,
        new_id: IdFactory,
    ) -> Awaitable[None]: ...


_REACTIONS: dict[str, Reaction] = {
    "Integrated": handlers.write_integration_report,
    "RequestClosed": handlers.write_closure_report,
    "FeasibilityCorrected": handlers.revise_report,
    "ImplementationCorrected": handlers.revise_report,
}


def subscriptions(ctx: ServiceContext) -> list[Subscription]:
    """Reporting's two subscriptions, bound to the service's store, clock and ids."""
    return [
        Subscription(
            PROJECTION,
            when_any_event_update_projection(ctx),
            batch_handler=when_events_update_projection(ctx),
        ),
        Subscription(
            REACTIONS, when_request_finished_write_report(ctx), types=frozenset(_REACTIONS)
        ),
    ]


def when_any_event_update_projection(ctx: ServiceContext) -> Handler:
    """Apply every event to the read tables, in global order, filling gaps from the log."""

    async def handle(conn: asyncpg.Connection, envelope: Envelope) -> None:
        await project(conn, envelope, store=ctx.store)

    return handle


def when_events_update_projection(ctx: ServiceContext) -> BatchHandler:
    """Apply a batch of events to the read tables, in global order, the checkpoint moved once."""

    async def handle(conn: asyncpg.Connection, envelopes: Sequence[Envelope]) -> None:
        await project_batch(conn, envelopes, store=ctx.store)

    return handle


def when_request_finished_write_report(ctx: ServiceContext) -> Handler:
    """On `Integrated` or `RequestClosed`: write the report (and reserve the Berita Acara no.);
    on a correction after it: write it again from the corrected facts (`ReportRevised`)."""

    async def handle(conn: asyncpg.Connection, envelope: Envelope) -> None:
        reaction = _REACTIONS[envelope.type]
        await _react(reaction, conn, envelope, store=ctx.store, clock=ctx.clock, new_id=ctx.new_id)

    return handle


async def _react(
    reaction: Reaction,
    conn: asyncpg.Connection,
    envelope: Envelope,
    *,
    store: EventStore,
    clock: Clock,
    new_id: IdFactory,
) -> None:
    # A refusal of the stream (a second report of one request) is dead-lettered by the
    # consumer base: no retry will change it.
    await reaction(conn, envelope, store=store, clock=clock, new_id=new_id)
