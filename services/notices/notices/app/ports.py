"""What the use cases need from the outside, as they name it: channels and the notices' words.

The adapters implement these (`adapters/channels.py`, `adapters/templates.py`); the app knows
only the shapes, so the layers run one way (entry points -> adapters -> app -> domain).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from notices.domain.model import Notice, RequestFacts
from penghubung.events.notices import NoticeChannel


@dataclass(frozen=True)
class Outgoing:
    """One notice as the sender hands it to a channel."""

    notice_id: UUID
    channel: NoticeChannel
    address: str
    recipient_name: str
    recipient_nip: str
    ticket_id: str | None
    subject: str
    body: str
    sent_at: datetime
    """When this attempt is made (the message's Date)."""


class DeliveryFailed(Exception):
    """The channel did not take the notice; the reason is what it said."""


class Channel(Protocol):
    """Hands one notice over, or raises DeliveryFailed."""

    async def send(self, notice: Outgoing) -> None: ...


@dataclass(frozen=True)
class Rendered:
    """A notice's subject line and text."""

    subject: str
    body: str


class Renderer(Protocol):
    """Writes a notice's subject and text (the admin's templates, then the built-in ones)."""

    def render(
        self, notice: Notice, *, facts: RequestFacts | None, raised_at: datetime
    ) -> Rendered: ...
