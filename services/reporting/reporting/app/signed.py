"""The wet-signed Berita Acara comes back: its scan is kept and `BeritaAcaraSigned` recorded, in
one transaction, on the request's reporting stream."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from penghubung.clock import Clock, IdFactory
from penghubung.events import Actor, Metadata, NewEvent
from penghubung.events.documents import BeritaAcaraSigned
from penghubung.eventstore import EventStore
from penghubung.forms import Attachment, AttachmentKind
from penghubung.refusals import Conflict, TooLarge, Unsupported
from reporting.app.handlers import stream_id
from reporting.domain.state import fold

SCAN_TYPES = {"application/pdf": b"%PDF-", "image/jpeg": b"\xff\xd8\xff"}
"""What a scan may be, by the bytes it starts with."""


class ScanTooLarge(TooLarge):
    """The scan is over the cap."""

    code = "scan_too_large"
    message = "berkas pindaian melebihi batas ukuran"
    field = "file"


class ScanTypeUnsupported(Unsupported):
    """The scan is neither a PDF nor a JPEG (by its first bytes)."""

    code = "scan_type_unsupported"
    message = "berkas pindaian harus PDF atau JPEG"
    field = "file"


class BeritaAcaraMissing(Conflict):
    """The request has no Berita Acara number yet: nothing can come back."""

    code = "berita_acara_missing"
    message = "permohonan ini belum memiliki Berita Acara"


@dataclass(frozen=True, slots=True)
class SignedScan:
    """A scan as uploaded."""

    ticket_id: str
    filename: str
    content: bytes
    returned_at: datetime | None


def sniff(content: bytes, *, max_bytes: int) -> str:
    """The scan's media type by its first bytes; refused when too large or of another kind."""
    if len(content) > max_bytes:
        raise ScanTooLarge(f"berkas pindaian melebihi {max_bytes} bita")
    for media_type, magic in SCAN_TYPES.items():
        if content.startswith(magic):
            return media_type
    raise ScanTypeUnsupported()


async def receive_signed_berita_acara(
    scan: SignedScan,
    *,
    max_bytes: int,
    actor: Actor,
    store: EventStore,
    clock: Clock,
    new_id: IdFactory,
) -> BeritaAcaraSigned:
    """Keep the scan and record that the signed Berita Acara came back."""
    media_type = sniff(scan.content, max_bytes=max_bytes)
    now = clock()
    digest = hashlib.sha256(scan.content).hexdigest()
    key = f"berita-acara/{scan.ticket_id}/{digest}"
    async with store.pool.acquire() as conn, conn.transaction():
        stream = await store.read_stream(stream_id(scan.ticket_id), conn=conn)
        number = fold(e.event for e in stream.events).berita_acara_number
        if number is None:
            raise BeritaAcaraMissing(f"permohonan {scan.ticket_id} belum memiliki Berita Acara")
        await conn.execute(
            "INSERT INTO reporting.scans (storage_key, sha256, content_type, content, stored_at)"
            " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (storage_key) DO NOTHING",
            key,
            digest,
            media_type,
            scan.content,
            now,
        )
        event = BeritaAcaraSigned(
            ticket_id=scan.ticket_id,
            berita_acara_number=number,
            returned_at=scan.returned_at or now,
            scan=Attachment(
                kind=AttachmentKind.OTHER,
                filename=scan.filename,
                content_type=media_type,
                size_bytes=len(scan.content),
                sha256=digest,
                storage_key=key,
            ),
        )
        meta = Metadata(
            event_id=new_id(),
            occurred_at=now,
            actor=actor,
            correlation_id=scan.ticket_id,
            causation_id=None,
        )
        await store.append(
            stream.id,
            expected_version=stream.version,
            events=[NewEvent(event=event, meta=meta)],
            conn=conn,
        )
    return event
