"""Intake's handlers: load, decide, then the read rows and the append in ONE transaction."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

import asyncpg

from intake.adapters import db
from intake.app.views import AttachmentView, ConfirmationView, RequestPage, RequestView
from intake.domain.commands import (
    ConfirmBackdate,
    ResubmitRequest,
    SubmitRequest,
    UploadAttachment,
)
from intake.domain.decide import (
    accept_upload,
    confirm_backdate,
    decide,
    discard,
    receipt_time,
    record_return,
)
from intake.domain.errors import RequestNotFound, UploadDiscarded, UploadNotFound
from intake.domain.limits import Backdating, UploadQuotas, quota_refusal, upload_day
from intake.domain.state import (
    Fact,
    RequestState,
    Status,
    Upload,
    evolve,
    fold,
    owner_of,
    ticket_year,
)
from penghubung.clock import Clock, IdFactory
from penghubung.events.base import Actor, Envelope, Event, Metadata, NewEvent, Role
from penghubung.events.catalog import (
    DiscardReason,
    RequestResubmitted,
    RequestReturned,
    RequestSubmitted,
    upload_stream,
)
from penghubung.eventstore import EventStore
from penghubung.forms import format_ticket_id
from penghubung.instants import wib_words

log = logging.getLogger(__name__)

SWEEP_BATCH = 200
"""Uploads the sweeper removes in one transaction (a round takes batches until none is left)."""


@dataclass(frozen=True)
class Intake:
    """What the handlers work with: the pool, the event log, the clock, ids, the upload cap and
    quotas, how long an unattached upload is kept, how far back the desk may date a receipt."""

    pool: asyncpg.Pool
    store: EventStore
    clock: Clock
    new_id: IdFactory
    attachment_max_bytes: int
    quotas: UploadQuotas
    unattached_kept: timedelta
    backdate_max_days: int


def stream_of(ticket_id: str) -> str:
    """The intake stream of a request."""
    return f"intake-{ticket_id}"


async def upload_attachment(
    conn: asyncpg.Connection, command: UploadAttachment, *, intake: Intake
) -> AttachmentView:
    """Keep an uploaded file's bytes in intake's table (in the caller's transaction); the
    events will carry its metadata."""
    now = intake.clock()
    upload = accept_upload(
        command, attachment_id=intake.new_id(), max_bytes=intake.attachment_max_bytes
    )
    quota = intake.quotas.of(upload.owner)
    size = upload.attachment.size_bytes
    if not await db.count_upload(conn, upload.owner, upload_day(now), size=size, quota=quota):
        raise quota_refusal(quota, owner=upload.owner, now=now)
    await db.insert_upload(conn, upload, content=command.content, by=command.actor, at=now)
    return db.attachment_view(upload)


async def sweep_unattached(intake: Intake) -> int:
    """Remove the uploads no request took within the time kept, each with its
    `AttachmentDiscarded` in the same transaction; how many were removed."""
    removed = 0
    while True:
        async with intake.pool.acquire() as conn, conn.transaction():
            now = intake.clock()
            taken = await db.take_unattached(
                conn, before=now - intake.unattached_kept, limit=SWEEP_BATCH
            )
            await db.remember_discarded(conn, taken, at=now, reason=DiscardReason.UNATTACHED)
            for upload in taken:
                event = discard(upload.upload, by=upload.uploaded_by, at=upload.uploaded_at)
                meta = Metadata(
                    event_id=intake.new_id(),
                    occurred_at=now,
                    actor=Actor.system("intake-sweeper"),
                    correlation_id=str(upload.upload.attachment_id),
                )
                stream = upload_stream(upload.upload.attachment_id)
                new = [NewEvent(event=event, meta=meta)]
                await intake.store.append(stream, expected_version=0, events=new, conn=conn)
        removed += len(taken)
        if len(taken) < SWEEP_BATCH:
            break
    if removed:
        log.info("removed %d uploads no request referenced", removed)
    return removed


async def confirm_old_receipt(
    conn: asyncpg.Connection, command: ConfirmBackdate, *, intake: Intake
) -> ConfirmationView:
    """Keep an administrator's confirmation of an old receipt time (in the caller's
    transaction), for one desk registration to name."""
    confirmation = confirm_backdate(command, confirmation_id=intake.new_id(), now=intake.clock())
    await db.insert_confirmation(conn, confirmation)
    return ConfirmationView.of(confirmation)


async def submit_request(
    conn: asyncpg.Connection,
    command: SubmitRequest,
    *,
    intake: Intake,
    causation_id: str | None = None,
) -> RequestView:
    """Register a request under the next ticket of its receipt year (SOP step 1), in the
    caller's transaction."""
    now = intake.clock()
    year = ticket_year(receipt_time(command, now=now))
    uploads = await db.lock_uploads(conn, command.attachment_ids)
    removed = await _removed(conn, command, uploads)
    confirmation = await db.lock_confirmation(conn, command.backdate_confirmation_id)
    backdating = Backdating(max_days=intake.backdate_max_days, found=confirmation)
    ticket = format_ticket_id(year, await db.next_ticket_sequence(conn, year))
    state = RequestState(ticket_id=ticket)
    events = decide(
        command, state, now=now, uploads=uploads, backdating=backdating, removed=removed
    )
    view = await _write(conn, _after(state, events), command.attachment_ids)
    await db.use_confirmation(conn, command.backdate_confirmation_id, ticket)
    new = _with_meta(events, intake, actor=command.actor, causation_id=causation_id)
    await intake.store.append(stream_of(ticket), expected_version=0, events=new, conn=conn)
    return view


async def resubmit_request(
    conn: asyncpg.Connection,
    command: ResubmitRequest,
    *,
    intake: Intake,
    causation_id: str | None = None,
) -> RequestView:
    """Continue a returned request under its ticket with the corrected form and the answer, in
    the caller's transaction."""
    now = intake.clock()
    await db.lock_request(conn, command.ticket_id)
    stream = await intake.store.read_stream(stream_of(command.ticket_id), conn=conn)
    returns = await db.return_facts(conn, command.ticket_id)
    state = fold(command.ticket_id, [*_facts(stream.events), *returns])
    uploads = await db.lock_uploads(conn, command.attachment_ids)
    removed = await _removed(conn, command, uploads)
    events = decide(command, state, now=now, uploads=uploads, removed=removed)
    view = await _write(conn, _after(state, events), command.attachment_ids)
    new = _with_meta(events, intake, actor=command.actor, causation_id=causation_id)
    await intake.store.append(stream.id, expected_version=stream.version, events=new, conn=conn)
    return view


async def _removed(
    conn: asyncpg.Connection, command: SubmitRequest | ResubmitRequest, found: Mapping[UUID, Upload]
) -> frozenset[UUID]:
    """The caller's uploads among those named that the sweeper removed."""
    missing = [i for i in command.attachment_ids if i not in found]
    if not missing:
        return frozenset()
    return await db.discarded_among(conn, missing, owner=owner_of(command.actor))


async def mark_returned(conn: asyncpg.Connection, envelope: Envelope, *, store: EventStore) -> None:
    """Disposition returned a request: keep the return and show the request as returned."""
    if not isinstance(envelope.event, RequestReturned):
        raise TypeError(f"mark_returned takes RequestReturned, not {envelope.type}")
    ticket_id = envelope.event.ticket_id
    returned = Fact(envelope.global_position, envelope.occurred_at, envelope.event)
    await db.lock_request(conn, ticket_id)
    stream = await store.read_stream(stream_of(ticket_id), conn=conn)
    known = [*_facts(stream.events), *await db.return_facts(conn, ticket_id)]
    state = record_return(ticket_id, known, returned)
    await db.insert_return(conn, returned, event_id=envelope.event_id)
    await db.save_request(conn, state)


async def get_request(ticket_id: str, *, scope: str | None, intake: Intake) -> RequestView:
    """One request, if the caller may see it: within `scope`, the agency key an applicant is
    limited to (another agency's answers as not found); None for Diskominfo staff."""
    async with intake.pool.acquire() as conn:
        view = await db.request_view(conn, ticket_id, agency=scope)
    if view is None:
        raise RequestNotFound()
    return view


async def list_requests(
    *, scope: str | None, intake: Intake, status: Status | None, limit: int, offset: int
) -> RequestPage:
    """A page of the requests within `scope` (see `get_request`), newest receipt first."""
    async with intake.pool.acquire() as conn:
        return await db.request_page(conn, agency=scope, status=status, limit=limit, offset=offset)


async def attachment_content(
    attachment_id: UUID, *, viewer: Actor, scope: str | None, intake: Intake
) -> tuple[AttachmentView, bytes]:
    """An uploaded file, if the viewer may see it: their agency's (`scope`), or any for
    Diskominfo staff."""
    owner = owner_of(viewer) if viewer.role is Role.PEMOHON else None
    async with intake.pool.acquire() as conn:
        found = await db.upload_content(conn, attachment_id, owner=owner, agency=scope)
        if found is None:
            removed = await db.discarded_at(conn, attachment_id, owner=owner)
            if removed is not None:
                raise UploadDiscarded(
                    message=f"{UploadDiscarded.message} dalam {_hours(intake.unattached_kept)}"
                    f" jam; dihapus pada {wib_words(removed)}; unggah ulang berkasnya"
                )
    if found is None:
        raise UploadNotFound()
    return found


def _hours(kept: timedelta) -> str:
    hours = kept.total_seconds() / 3600
    return str(int(hours)) if hours.is_integer() else f"{hours:.1f}".replace(".", ",")


async def _write(
    conn: asyncpg.Connection, state: RequestState, attachment_ids: Sequence[UUID]
) -> RequestView:
    """The request's row and its uploads' binding; returns the row as the API shows it."""
    await db.save_request(conn, state)
    await db.bind_uploads(conn, state.ticket_id, attachment_ids)
    view = await db.request_view(conn, state.ticket_id, agency=None)
    assert view is not None  # just written
    return view


def _facts(envelopes: Sequence[Envelope]) -> list[Fact]:
    return [Fact(e.global_position, e.occurred_at, e.event) for e in envelopes]


def _own(event: Event) -> RequestSubmitted | RequestResubmitted:
    """An event decide yielded: a submission or a resubmission, never anything else."""
    if not isinstance(event, RequestSubmitted | RequestResubmitted):
        raise TypeError(f"intake does not emit {event.type}")
    return event


def _after(state: RequestState, events: Sequence[Event]) -> RequestState:
    for event in events:
        state = evolve(state, event, at=_own(event).received_at)
    return state


def _with_meta(
    events: Sequence[Event], intake: Intake, *, actor: Actor, causation_id: str | None
) -> list[NewEvent]:
    """Each event with its metadata: the real receipt time, the caller, the ticket."""
    return [
        NewEvent(
            event=event,
            meta=Metadata(
                event_id=intake.new_id(),
                occurred_at=_own(event).received_at,
                actor=actor,
                correlation_id=_own(event).ticket_id,
                causation_id=causation_id,
            ),
        )
        for event in events
    ]
