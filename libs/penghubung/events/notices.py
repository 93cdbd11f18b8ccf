"""Who was told what: the notices service's facts about each notice it delivered or gave up on.

One stream per notice, `notices-<notice_id>`, whose correlation id is the request's ticket (or
`digest-<day>` for the Kadis's daily digest), so a request's timeline shows who was told what
and when. The text of a notice is not in the log (it is in the notices service's outbox row):
the log records the fact, the channel, the address and the subject.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import AwareDatetime, Field

from penghubung.events.base import Event
from penghubung.events.registry import registry
from penghubung.forms import LongText, Text, TicketId

__all__ = [
    "NoticeChannel",
    "NoticeKind",
    "NotificationFailed",
    "NotificationSent",
    "notice_stream",
]

_TYPE = "The event type name"
_VERSION = "Schema version of this event's payload"


class NoticeKind(StrEnum):
    """Why a person is told something."""

    INBOX_ITEM = "inbox_item"
    RETURNED = "returned"
    FEASIBILITY_DONE = "feasibility_done"
    BERITA_ACARA_READY = "berita_acara_ready"
    BERITA_ACARA_OVERDUE = "berita_acara_overdue"
    SLA_WARNING = "sla_warning"
    SLA_BREACHED = "sla_breached"
    DIGEST = "digest"


class NoticeChannel(StrEnum):
    """How a notice reaches its person: e-mail, WhatsApp, or the local mailbox of the portal."""

    EMAIL = "email"
    WHATSAPP = "whatsapp"
    MAILBOX = "mailbox"


def notice_stream(notice_id: UUID) -> str:
    """The stream of one notice."""
    return f"notices-{notice_id}"


class _Notification(Event):
    category: ClassVar[str] = "notices"

    notice_id: UUID = Field(description="The notice's id (one per person, channel and reason)")
    kind: NoticeKind = Field(description="Why the person was told")
    ticket_id: TicketId | None = Field(
        default=None, description="The request the notice is about (none for a digest)"
    )
    recipient_nip: str = Field(description="NIP of the person told")
    recipient_name: Text = Field(description="Name of the person told")
    channel: NoticeChannel = Field(description="email, whatsapp or mailbox")
    address: Text = Field(description="The e-mail address, mobile number or mailbox it went to")
    subject: Text = Field(description="The notice's subject line, as the person read it")
    raised_at: AwareDatetime = Field(description="When the fact behind the notice happened")
    attempts: int = Field(ge=1, description="Delivery attempts made, this one included")


@registry.register
class NotificationSent(_Notification):
    """A notice was handed to its channel (the SMTP server, the WhatsApp gateway, the mailbox)."""

    type: Literal["NotificationSent"] = Field(default="NotificationSent", description=_TYPE)
    schema_version: Literal[1] = Field(default=1, description=_VERSION)


@registry.register
class NotificationFailed(_Notification):
    """A notice could not be delivered after its last attempt; nobody will try it again."""

    type: Literal["NotificationFailed"] = Field(default="NotificationFailed", description=_TYPE)
    schema_version: Literal[1] = Field(default=1, description=_VERSION)
    reason: LongText = Field(description="What the channel answered at the last attempt")


NOTICE_EVENTS: tuple[type[Event], ...] = (NotificationSent, NotificationFailed)
"""Who was told what: the notices service's events."""
