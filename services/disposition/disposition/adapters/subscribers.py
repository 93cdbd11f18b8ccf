"""What disposition hears: from intake, requests entering the kadis inbox; from the directory,
who is a petugas and which delegations ended."""

from __future__ import annotations

import logging

import asyncpg

from disposition.app.handlers import Handlers
from disposition.domain.commands import StartAtKadis
from penghubung.bus.consumer import Rejected, Subscription
from penghubung.bus.topology import ConsumerSpec
from penghubung.events.base import Envelope
from penghubung.events.catalog import (
    Integrated,
    RequestClosed,
    RequestResubmitted,
    RequestSubmitted,
)

log = logging.getLogger(__name__)

INTAKE = ConsumerSpec(durable="disposition-intake", filter="intake.>")
"""Every intake event; the subscription wants only the two below."""

DIRECTORY = ConsumerSpec(durable="disposition-directory", filter="directory.>")
"""Who is who: the petugas work may be ordered to, and the delegations that ended."""

INTEGRATION = ConsumerSpec(durable="disposition-integration", filter="integration.>")
"""Integration's events; of them, the two that end its work on a request."""

CONSUMERS: list[ConsumerSpec] = [INTAKE, DIRECTORY, INTEGRATION]
"""The durable consumers the bootstrap step declares for disposition."""

INTAKE_TYPES = frozenset({"RequestSubmitted", "RequestResubmitted"})
FINISHED_TYPES = frozenset({"Integrated", "RequestClosed"})
DIRECTORY_TYPES = frozenset(
    {"PersonRegistered", "RoleGranted", "RoleRevoked", "DelegationGranted", "DelegationEnded"}
)


def _start_at_kadis(event: RequestSubmitted | RequestResubmitted) -> StartAtKadis:
    return StartAtKadis(
        ticket_id=event.ticket_id,
        agency=event.form.applicant.agency,
        application_name=event.form.application.name,
        priority=event.priority,
        received_at=event.received_at,
        resubmission=event.resubmission,
    )


async def when_request_submitted_open_kadis_inbox(
    conn: asyncpg.Connection, envelope: Envelope, *, handlers: Handlers
) -> None:
    """A new request waits for the kadis's disposition."""
    if not isinstance(envelope.event, RequestSubmitted) or envelope.category != "intake":
        raise Rejected(f"not an intake RequestSubmitted: {envelope.type}", code="wrong_event")
    if not await handlers.start_at_kadis(conn, _start_at_kadis(envelope.event)):
        log.info("request %s is already in disposition", envelope.event.ticket_id)


async def when_request_resubmitted_restart_at_kadis(
    conn: asyncpg.Connection, envelope: Envelope, *, handlers: Handlers
) -> None:
    """A returned request came back completed: the chain starts again at kadis."""
    if not isinstance(envelope.event, RequestResubmitted) or envelope.category != "intake":
        raise Rejected(f"not an intake RequestResubmitted: {envelope.type}", code="wrong_event")
    if not await handlers.start_at_kadis(conn, _start_at_kadis(envelope.event)):
        log.info("request %s has a later submission already", envelope.event.ticket_id)


def subscriptions(handlers: Handlers) -> list[Subscription]:
    """The intake subscription, routing each wanted event to its reaction."""

    async def on_intake(conn: asyncpg.Connection, envelope: Envelope) -> None:
        if envelope.type == "RequestResubmitted":
            await when_request_resubmitted_restart_at_kadis(conn, envelope, handlers=handlers)
        else:
            await when_request_submitted_open_kadis_inbox(conn, envelope, handlers=handlers)

    async def when_directory_changed_learn_it(conn: asyncpg.Connection, envelope: Envelope) -> None:
        """A person, a petugas role or a delegation changed in the directory: keep what matters."""
        if envelope.category != "directory":
            raise Rejected(f"not a directory event: {envelope.type}", code="wrong_event")
        await handlers.learn(conn, envelope)

    async def when_work_finished_leave_the_petugas_inbox(
        conn: asyncpg.Connection, envelope: Envelope
    ) -> None:
        """Integration finished the work: the request no longer waits in the petugas's inbox."""
        event = envelope.event
        if envelope.category != "integration" or not isinstance(event, Integrated | RequestClosed):
            raise Rejected(f"not an integration end of work: {envelope.type}", code="wrong_event")
        await handlers.finish(conn, event.ticket_id, at=envelope.occurred_at)

    return [
        Subscription(INTAKE, on_intake, INTAKE_TYPES),
        Subscription(DIRECTORY, when_directory_changed_learn_it, DIRECTORY_TYPES),
        Subscription(INTEGRATION, when_work_finished_leave_the_petugas_inbox, FINISHED_TYPES),
    ]
