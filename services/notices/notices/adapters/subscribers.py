"""What the notices service learns from the bus: the directory's facts and the SOP's steps."""

from __future__ import annotations

from notices.app.handlers import Notices
from penghubung.bus.consumer import Subscription
from penghubung.bus.topology import ConsumerSpec
from penghubung.events.registry import event_type_name
from penghubung.workcal_changes import CALENDAR_CHANGES

EVENTS = ConsumerSpec(durable="notices-events", filter=">", max_ack_pending=1)
"""Every category, strictly in log order (one message out at a time): a role is known before it
is told anything, a request before its dispositions, even when a message is redelivered."""

CONSUMERS: list[ConsumerSpec] = [EVENTS]
"""The durable consumers the bootstrap step declares for notices."""

DIRECTORY_TYPES = frozenset(
    {"PersonRegistered", "RoleGranted", "RoleRevoked", "DelegationGranted", "DelegationEnded"}
)
"""Who holds which position, who stands in, and how to reach them."""

SOP_TYPES = frozenset(
    {
        "RequestSubmitted",
        "RequestResubmitted",
        "Disposed",
        "RequestReturned",
        "FeasibilityDone",
        "Integrated",
        "RequestClosed",
        "ReportWritten",
        "BeritaAcaraNumberReserved",
        "ReportArchived",
        "BeritaAcaraSigned",
        "SlaWarningRaised",
    }
)
"""The request's steps: those that tell someone, and those that move where it stands."""

CALENDAR_TYPES = frozenset(event_type_name(change) for change in CALENDAR_CHANGES)
"""The administrators' changes to the working calendar: notices go in its service hours."""


def subscriptions(notices: Notices) -> list[Subscription]:
    """One durable, in log order, one message at a time (a role must be known before its use)."""
    return [Subscription(EVENTS, notices.learn, DIRECTORY_TYPES | SOP_TYPES | CALENDAR_TYPES)]
