"""Intake's own rows: requests, returns, ticket counters, uploaded files."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

import asyncpg

from intake.app.views import AttachmentView, RequestPage, RequestSummary, RequestView, ReturnView
from intake.domain.limits import Confirmation, UploadQuota
from intake.domain.state import Fact, RequestState, Status, Upload
from penghubung.agency import agency_key
from penghubung.events.base import Actor
from penghubung.events.catalog import BackdateConfirmation, RequestReturned
from penghubung.forms import Attachment


async def next_ticket_sequence(conn: asyncpg.Connection, year: int) -> int:
    """The year's next ticket number; the counter row stays locked until the caller commits."""
    sequence: int = await conn.fetchval(
        "INSERT INTO intake.ticket_counters (year, last_sequence) VALUES ($1, 1)"
        " ON CONFLICT (year) DO UPDATE SET last_sequence = intake.ticket_counters.last_sequence + 1"
        " RETURNING last_sequence",
        year,
    )
    return sequence


async def insert_upload(
    conn: asyncpg.Connection, upload: Upload, *, content: bytes, by: Actor, at: datetime
) -> None:
    """Store an uploaded file's bytes and metadata."""
    a = upload.attachment
    await conn.execute(
        "INSERT INTO intake.attachments (attachment_id, kind, filename, content_type, size_bytes,"
        " sha256, storage_key, owner, uploaded_by, uploaded_at, content)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        upload.attachment_id,
        a.kind.value,
        a.filename,
        a.content_type,
        a.size_bytes,
        a.sha256,
        a.storage_key,
        upload.owner,
        by.model_dump(mode="json"),
        at,
        content,
    )


async def count_upload(
    conn: asyncpg.Connection, owner: str, day: date, *, size: int, quota: UploadQuota
) -> bool:
    """Count an upload against its owner's quota of the day, if it fits; False when it does not.

    One conditional upsert: the row stays locked until the caller commits, so concurrent uploads
    of one owner take turns and none can push the sum over the quota.
    """
    if size > quota.bytes:
        return False
    counted = await conn.fetchval(
        "INSERT INTO intake.upload_usage AS u (owner, day, bytes, files) VALUES ($1, $2, $3, 1)"
        " ON CONFLICT (owner, day) DO UPDATE SET bytes = u.bytes + excluded.bytes,"
        " files = u.files + 1"
        " WHERE u.bytes + excluded.bytes <= $4 AND u.files + 1 <= $5"
        " RETURNING files",
        owner,
        day,
        size,
        quota.bytes,
        quota.files,
    )
    return counted is not None


@dataclass(frozen=True)
class Unattached:
    """An upload the sweeper took: what the event of its removal says."""

    upload: Upload
    uploaded_by: Actor
    uploaded_at: datetime


async def take_unattached(
    conn: asyncpg.Connection, *, before: datetime, limit: int
) -> list[Unattached]:
    """Delete up to `limit` uploads no request references, uploaded before `before`.

    Rows a submission holds (it locks its uploads before binding them) are skipped, not waited
    for: the submission binds them, or the next round takes them. The caller appends the
    removals' events in the same transaction.
    """
    rows = await conn.fetch(
        f"DELETE FROM intake.attachments WHERE attachment_id IN (SELECT attachment_id"
        " FROM intake.attachments WHERE ticket_id IS NULL AND uploaded_at < $1"
        " ORDER BY attachment_id LIMIT $2 FOR UPDATE SKIP LOCKED)"
        f" RETURNING {_UPLOAD_COLUMNS}, uploaded_by, uploaded_at",
        before,
        limit,
    )
    found = [
        Unattached(_upload(r), Actor.model_validate(r["uploaded_by"]), r["uploaded_at"])
        for r in rows
    ]
    return sorted(found, key=lambda u: u.upload.attachment_id)


async def remember_discarded(
    conn: asyncpg.Connection, taken: Sequence[Unattached], *, at: datetime, reason: str
) -> None:
    """Keep the removed uploads' ids, so a download says they were removed."""
    await conn.executemany(
        "INSERT INTO intake.discarded_uploads (attachment_id, owner, uploaded_at, discarded_at,"
        " reason) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (attachment_id) DO NOTHING",
        [(u.upload.attachment_id, u.upload.owner, u.uploaded_at, at, reason) for u in taken],
    )


async def discarded_at(
    conn: asyncpg.Connection, attachment_id: UUID, *, owner: str | None
) -> datetime | None:
    """When the sweeper removed an upload (for an applicant: only their agency's)."""
    at: datetime | None = await conn.fetchval(
        "SELECT discarded_at FROM intake.discarded_uploads"
        " WHERE attachment_id = $1 AND ($2::text IS NULL OR owner = $2)",
        attachment_id,
        owner,
    )
    return at


async def discarded_among(
    conn: asyncpg.Connection, ids: Sequence[UUID], *, owner: str | None
) -> frozenset[UUID]:
    """Which of these ids name uploads of `owner` the sweeper removed."""
    rows = await conn.fetch(
        "SELECT attachment_id FROM intake.discarded_uploads"
        " WHERE attachment_id = ANY($1::uuid[]) AND owner = $2",
        list(ids),
        owner,
    )
    return frozenset(r["attachment_id"] for r in rows)


async def insert_confirmation(conn: asyncpg.Connection, confirmation: Confirmation) -> None:
    """Keep an administrator's confirmation of an old receipt time."""
    c = confirmation.confirmation
    await conn.execute(
        "INSERT INTO intake.backdate_confirmations (confirmation_id, received_at, reason,"
        " confirmed_by, confirmed_at) VALUES ($1, $2, $3, $4, $5)",
        confirmation.confirmation_id,
        confirmation.received_at,
        c.reason,
        c.confirmed_by.model_dump(mode="json"),
        c.confirmed_at,
    )


async def lock_confirmation(
    conn: asyncpg.Connection, confirmation_id: UUID | None
) -> Confirmation | None:
    """A confirmation by id, locked until the caller commits (one registration may use it)."""
    if confirmation_id is None:
        return None
    row = await conn.fetchrow(
        "SELECT confirmation_id, received_at, reason, confirmed_by, confirmed_at, ticket_id"
        " FROM intake.backdate_confirmations WHERE confirmation_id = $1 FOR UPDATE",
        confirmation_id,
    )
    if row is None:
        return None
    confirmation = BackdateConfirmation(
        confirmation_id=row["confirmation_id"],
        confirmed_by=row["confirmed_by"],
        reason=row["reason"],
        confirmed_at=row["confirmed_at"],
    )
    return Confirmation(row["confirmation_id"], row["received_at"], confirmation, row["ticket_id"])


async def use_confirmation(
    conn: asyncpg.Connection, confirmation_id: UUID | None, ticket_id: str
) -> None:
    """Mark a confirmation as used by a registration."""
    if confirmation_id is not None:
        await conn.execute(
            "UPDATE intake.backdate_confirmations SET ticket_id = $2 WHERE confirmation_id = $1",
            confirmation_id,
            ticket_id,
        )


_UPLOAD_COLUMNS = (
    "attachment_id, kind, filename, content_type, size_bytes, sha256, storage_key, owner, ticket_id"
)


async def lock_uploads(conn: asyncpg.Connection, ids: Sequence[UUID]) -> dict[UUID, Upload]:
    """The uploads with these ids, locked (in id order) until the caller commits."""
    rows = await conn.fetch(
        f"SELECT {_UPLOAD_COLUMNS} FROM intake.attachments WHERE attachment_id = ANY($1::uuid[])"
        " ORDER BY attachment_id FOR UPDATE",
        list(ids),
    )
    return {r["attachment_id"]: _upload(r) for r in rows}


async def bind_uploads(conn: asyncpg.Connection, ticket_id: str, ids: Sequence[UUID]) -> None:
    """Mark uploads as sent with a request."""
    await conn.execute(
        "UPDATE intake.attachments SET ticket_id = $1 WHERE attachment_id = ANY($2::uuid[])",
        ticket_id,
        list(ids),
    )


async def upload_content(
    conn: asyncpg.Connection, attachment_id: UUID, *, owner: str | None, agency: str | None
) -> tuple[AttachmentView, bytes] | None:
    """An upload's metadata and bytes; for an applicant only their agency's (owner or request)."""
    row = await conn.fetchrow(
        "SELECT a.attachment_id, a.kind, a.filename, a.content_type, a.size_bytes, a.sha256,"
        " a.storage_key, a.owner, a.ticket_id, a.content FROM intake.attachments a"
        " LEFT JOIN intake.requests r ON r.ticket_id = a.ticket_id"
        " WHERE a.attachment_id = $1"
        " AND ($2::text IS NULL OR a.owner = $2 OR r.agency_key = $3)",
        attachment_id,
        owner,
        agency,
    )
    if row is None:
        return None
    return attachment_view(_upload(row)), bytes(row["content"])


def attachment_view(upload: Upload) -> AttachmentView:
    """An upload as the API shows it."""
    return AttachmentView(
        attachment_id=upload.attachment_id, **upload.attachment.model_dump(mode="json")
    )


def _upload(row: asyncpg.Record) -> Upload:
    attachment = Attachment.model_validate(
        {
            k: row[k]
            for k in ("kind", "filename", "content_type", "size_bytes", "sha256", "storage_key")
        }
    )
    return Upload(row["attachment_id"], attachment, row["owner"], row["ticket_id"])


async def lock_request(conn: asyncpg.Connection, ticket_id: str) -> None:
    """Hold the request's row until commit, so its writers take turns."""
    await conn.execute("SELECT 1 FROM intake.requests WHERE ticket_id = $1 FOR UPDATE", ticket_id)


async def save_request(conn: asyncpg.Connection, state: RequestState) -> None:
    """Write the request's row from its state."""
    if state.status is None or state.form is None or state.received_at is None:
        raise ValueError(f"{state.ticket_id} has not been submitted")
    form, back = state.form, state.last_return
    await conn.execute(
        "INSERT INTO intake.requests (ticket_id, status, agency, agency_key, applicant_name,"
        " application_name, channel, priority, received_at, last_received_at, registered_by,"
        " resubmissions, form, attachments, returned_at, returned_step, return_reasons, answer)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)"
        " ON CONFLICT (ticket_id) DO UPDATE SET status = excluded.status,"
        " agency = excluded.agency, agency_key = excluded.agency_key,"
        " applicant_name = excluded.applicant_name, application_name = excluded.application_name,"
        " channel = excluded.channel, priority = excluded.priority,"
        " received_at = excluded.received_at, last_received_at = excluded.last_received_at,"
        " registered_by = excluded.registered_by, resubmissions = excluded.resubmissions,"
        " form = excluded.form, attachments = excluded.attachments,"
        " returned_at = excluded.returned_at, returned_step = excluded.returned_step,"
        " return_reasons = excluded.return_reasons, answer = excluded.answer, updated_at = now()",
        state.ticket_id,
        state.status.value,
        form.applicant.agency,
        agency_key(form.applicant.agency),
        form.applicant.name,
        form.application.name,
        state.channel,
        state.priority,
        state.received_at,
        state.last_received_at,
        state.registered_by.model_dump(mode="json") if state.registered_by else None,
        state.resubmissions,
        form.model_dump(mode="json"),
        [a.model_dump(mode="json") for a in state.attachments],
        back.at if back else None,
        back.step.value if back else None,
        list(back.reasons) if back else None,
        state.answer,
    )


async def insert_return(conn: asyncpg.Connection, fact: Fact, *, event_id: UUID) -> None:
    """Keep a RequestReturned of a request, to fold with intake's own events later."""
    event = fact.event
    assert isinstance(event, RequestReturned)
    await conn.execute(
        "INSERT INTO intake.returns (event_id, ticket_id, global_position, returned_at, step,"
        " reasons) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (event_id) DO NOTHING",
        event_id,
        event.ticket_id,
        fact.position,
        fact.occurred_at,
        event.step.value,
        list(event.reasons),
    )


async def return_facts(conn: asyncpg.Connection, ticket_id: str) -> list[Fact]:
    """The returns of a request, as facts with their log positions."""
    rows = await conn.fetch(
        "SELECT global_position, returned_at, step, reasons FROM intake.returns"
        " WHERE ticket_id = $1 ORDER BY global_position",
        ticket_id,
    )
    return [
        Fact(
            position=r["global_position"],
            occurred_at=r["returned_at"],
            event=RequestReturned(ticket_id=ticket_id, step=r["step"], reasons=r["reasons"]),
        )
        for r in rows
    ]


_REQUEST_COLUMNS = (
    "ticket_id, status, agency, channel, priority, received_at, last_received_at, registered_by,"
    " resubmissions, form, attachments, returned_at, returned_step, return_reasons, answer"
)


async def request_view(
    conn: asyncpg.Connection, ticket_id: str, *, agency: str | None
) -> RequestView | None:
    """One request; with `agency` (an agency key), only if it is that agency's."""
    row = await conn.fetchrow(
        f"SELECT {_REQUEST_COLUMNS} FROM intake.requests"
        " WHERE ticket_id = $1 AND ($2::text IS NULL OR agency_key = $2)",
        ticket_id,
        agency,
    )
    if row is None:
        return None
    returned = None
    if row["returned_at"] is not None:
        returned = ReturnView(
            returned_at=row["returned_at"],
            step=row["returned_step"],
            reasons=row["return_reasons"],
        )
    return RequestView.model_validate({**dict(row), "returned": returned})


async def request_page(
    conn: asyncpg.Connection,
    *,
    agency: str | None,
    status: Status | None,
    limit: int,
    offset: int,
) -> RequestPage:
    """A page of requests, newest receipt first; with `agency`, only that agency's."""
    where = "($1::text IS NULL OR agency_key = $1) AND ($2::text IS NULL OR status = $2)"
    state = status.value if status else None
    total: int = await conn.fetchval(
        f"SELECT count(*) FROM intake.requests WHERE {where}", agency, state
    )
    rows = await conn.fetch(
        "SELECT ticket_id, status, agency, applicant_name, application_name, channel, priority,"
        f" received_at, resubmissions FROM intake.requests WHERE {where}"
        " ORDER BY received_at DESC, ticket_id DESC LIMIT $3 OFFSET $4",
        agency,
        state,
        limit,
        offset,
    )
    items = [RequestSummary.model_validate(dict(r)) for r in rows]
    return RequestPage(items=items, total=total, limit=limit, offset=offset)
