"""What the integration service hears: a prakom's order to a petugas opens a work item."""

from __future__ import annotations

import asyncpg

from integration.app.handlers import assign_officer, mark_archived
from integration.domain.commands import AssignOfficer
from penghubung.bus.consumer import Rejected, Subscription
from penghubung.bus.topology import ConsumerSpec
from penghubung.events.base import Envelope, Role
from penghubung.events.catalog import Disposed, ReportArchived, WorkReassigned

DISPOSITIONS = ConsumerSpec(durable="integration-dispositions", filter="disposition.>")
"""Every disposition event; only `Disposed` reaches the handler, and it acts on petugas orders."""

REPORTS = ConsumerSpec(durable="integration-reports", filter="reporting.>")
"""Reporting's events; of them ReportArchived, after which corrections are refused."""

CONSUMERS: list[ConsumerSpec] = [DISPOSITIONS, REPORTS]
"""The durable consumers the bootstrap step declares for this service."""


async def when_disposed_to_petugas_open_work_item(
    conn: asyncpg.Connection, envelope: Envelope
) -> None:
    """A disposition prakom→petugas opens the officer's work item, or moves it to a new one."""
    event = envelope.event
    if isinstance(event, WorkReassigned):  # the work moves; the step's clock goes on
        officer, instruction = event.to_officer, event.reason
    elif isinstance(event, Disposed) and event.to_role is Role.PETUGAS:
        if event.to_officer is None:  # the event's own validation forbids it; for the reader
            raise Rejected("disposisi kepada petugas tanpa nama petugas", code="officer_missing")
        officer, instruction = event.to_officer, event.instruction
    else:
        return  # kadis→kabid and kabid→prakom are not this service's business
    await assign_officer(
        conn,
        AssignOfficer(
            ticket_id=event.ticket_id,
            officer=officer,
            instruction=instruction,
            assigned_at=envelope.occurred_at,
            assigned_by=envelope.actor,
            disposition_event_id=envelope.event_id,
            disposition_position=envelope.global_position,
        ),
    )


async def when_report_archived_close_corrections(
    conn: asyncpg.Connection, envelope: Envelope
) -> None:
    """The report is in the agenda book: the analysis and the implementation stand as they are."""
    event = envelope.event
    if not isinstance(event, ReportArchived):
        raise Rejected(f"not a ReportArchived: {envelope.type}", code="wrong_event")
    await mark_archived(conn, event.ticket_id, at=envelope.occurred_at)


def subscriptions() -> list[Subscription]:
    """The subscriptions this service runs."""
    return [
        Subscription(
            spec=DISPOSITIONS,
            handler=when_disposed_to_petugas_open_work_item,
            types=frozenset({"Disposed", "WorkReassigned"}),
        ),
        Subscription(
            spec=REPORTS,
            handler=when_report_archived_close_corrections,
            types=frozenset({"ReportArchived"}),
        ),
    ]
