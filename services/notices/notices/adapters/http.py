"""The HTTP API: the signed-in person's notices and their choice of channels."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from notices.adapters import db
from notices.app.handlers import Notices
from notices.domain.model import Preferences
from penghubung.events.base import Role
from penghubung.events.notices import NoticeChannel, NoticeKind
from penghubung.instants import Instant
from penghubung.refusals import Invalid
from penghubung.web.auth import Principal, require
from penghubung.web.errors import ERROR_RESPONSES, refusals
from penghubung.web.params import Limit, Offset

_EVERYONE = tuple(r for r in Role if r is not Role.SYSTEM)


class NipRequired(Invalid):
    """Notices are addressed by NIP: a token without one has no notices and no choices."""

    code = "nip_required"
    message = "token tidak memuat NIP: pemberitahuan dan pengaturannya terikat pada NIP"
    field = "nip"


class PreferencesBody(BaseModel):
    """A person's choice of channels, and whether the Kadis's daily digest reaches them."""

    model_config = ConfigDict(extra="forbid")

    # Strict: `0`, `"no"` or `"off"` are not a choice the person made, and the schema says so.
    email: StrictBool = Field(description="Notices by e-mail")
    whatsapp: StrictBool = Field(description="Notices by WhatsApp")
    digests: StrictBool = Field(description="The daily digest (for the Kadis and a Plt/Plh)")

    @classmethod
    def of(cls, chosen: Preferences) -> PreferencesBody:
        """The body of stored choices."""
        return cls(email=chosen.email, whatsapp=chosen.whatsapp, digests=chosen.digests)


class NotificationView(BaseModel):
    """One notice to the person, on one channel, with its delivery state."""

    notice_id: UUID = Field(description="The notice's id")
    kind: NoticeKind = Field(description="Why the person is told")
    ticket_id: str | None = Field(description="The request it is about (none for a digest)")
    channel: NoticeChannel = Field(description="email, whatsapp or mailbox")
    address: str = Field(description="Where it goes: address, number, or the NIP's mailbox")
    subject: str = Field(description="Subject line")
    body: str = Field(description="The text, as sent")
    raised_at: Instant = Field(description="When the fact behind it happened")
    due_at: Instant = Field(description="The first opening of the office at or after it")
    status: str = Field(description="pending, sent or failed")
    attempts: int = Field(description="Delivery attempts so far")
    finished_at: Instant | None = Field(description="When it was sent, or given up")
    last_error: str | None = Field(description="What the channel said at the last failure")


class NotificationPage(BaseModel):
    """A page of the person's notices, newest first."""

    items: list[NotificationView] = Field(description="The notices of this page")
    total: int = Field(description="All the person's notices")
    limit: int = Field(description="Page size")
    offset: int = Field(description="Notices skipped")


Person = Annotated[Principal, Depends(require(*_EVERYONE))]
"""Anyone signed in: each reads only their own."""

Chooser = Annotated[Principal, Depends(require(*(r for r in _EVERYONE if r is not Role.AUDITOR)))]
"""Anyone who may write: the auditor reads everything and writes nothing, choices included."""


def _nip(principal: Principal) -> str:
    if not principal.nip:
        raise NipRequired()
    return principal.nip


def router(notices: Notices) -> APIRouter:
    """The notices' routes."""
    api = APIRouter(tags=["notices"], responses=ERROR_RESPONSES)

    @api.get(
        "/notifications",
        summary="The signed-in person's notices, newest first",
        responses=refusals(NipRequired),
    )
    async def list_notifications(
        principal: Person,
        limit: Limit = 20,
        offset: Offset = 0,
    ) -> NotificationPage:
        if not principal.nip:  # notices are addressed by NIP: a token without one has none
            return NotificationPage(items=[], total=0, limit=limit, offset=offset)
        async with notices.pool.acquire() as conn:
            total, rows = await db.notifications(conn, principal.nip, limit=limit, offset=offset)
        items = [NotificationView.model_validate(r) for r in rows]
        return NotificationPage(items=items, total=total, limit=limit, offset=offset)

    @api.get(
        "/preferences",
        summary="The signed-in person's choice of channels",
        responses=refusals(NipRequired),
    )
    async def get_preferences(principal: Person) -> PreferencesBody:
        return PreferencesBody.of(await notices.preferences_of(_nip(principal)))

    @api.put(
        "/preferences",
        summary="Choose e-mail, WhatsApp or both, and the daily digest",
        responses=refusals(NipRequired),
    )
    async def put_preferences(principal: Chooser, body: PreferencesBody) -> PreferencesBody:
        chosen = Preferences(email=body.email, whatsapp=body.whatsapp, digests=body.digests)
        return PreferencesBody.of(await notices.choose(_nip(principal), chosen))

    return api
