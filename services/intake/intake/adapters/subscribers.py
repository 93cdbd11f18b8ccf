"""What intake learns from the bus: a request returned to its applicant by disposition."""

from __future__ import annotations

from functools import partial

import asyncpg

from intake.app import handlers
from penghubung.bus.consumer import Rejected, Subscription
from penghubung.bus.topology import ConsumerSpec
from penghubung.events.base import Envelope
from penghubung.events.catalog import RequestReturned
from penghubung.eventstore import EventStore

RETURNS = ConsumerSpec(durable="intake-returns", filter="disposition.>")
"""Disposition's events; of them intake handles RequestReturned."""

CONSUMERS: list[ConsumerSpec] = [RETURNS]
"""The durable consumers the bootstrap step declares for intake."""


async def when_request_returned_mark_it_returned(
    conn: asyncpg.Connection, envelope: Envelope, *, store: EventStore
) -> None:
    """Show the request as returned, with the reasons, so its applicant can resubmit it."""
    if not isinstance(envelope.event, RequestReturned):
        raise Rejected(f"intake-returns handles RequestReturned, not {envelope.type}")
    await handlers.mark_returned(conn, envelope, store=store)  # a refusal is dead-lettered


def subscriptions(intake: handlers.Intake) -> list[Subscription]:
    """Intake's subscriptions, bound to its event log."""
    return [
        Subscription(
            RETURNS,
            partial(when_request_returned_mark_it_returned, store=intake.store),
            frozenset({"RequestReturned"}),
        )
    ]
