"""The appliers of the papers' events: issued documents (for the verify page) and signed Berita
Acara copies that came back (for the request and the list of those still out)."""

from __future__ import annotations

import asyncpg

from penghubung.events import Envelope
from penghubung.events.documents import BeritaAcaraSigned, DocumentIssued
from reporting.projections.rows import Row, insert, update
from reporting.projections.tables import LIVE


async def apply_document_issued(
    conn: asyncpg.Connection, envelope: Envelope, *, schema: str = LIVE
) -> None:
    """A document was issued: its code, kind, ticket and hash, for anyone to check."""
    row = document_row(envelope)
    await insert(conn, schema, "documents", row, on_conflict="ON CONFLICT (code) DO NOTHING")


async def apply_berita_acara_signed(
    conn: asyncpg.Connection, envelope: Envelope, *, schema: str = LIVE
) -> None:
    """The signed Berita Acara came back: the latest copy is the one that counts."""
    row = berita_acara_return_row(envelope)
    changed = ", ".join(f"{k} = EXCLUDED.{k}" for k in row if k != "ticket_id")
    await insert(
        conn,
        schema,
        "berita_acara_returns",
        row,
        on_conflict=f"ON CONFLICT (ticket_id) DO UPDATE SET {changed}",
    )
    await update(conn, schema, "requests", row["ticket_id"], returned_changes(envelope))


def document_row(envelope: Envelope) -> Row:
    """An issued document's row (the first issue of a code stands)."""
    event = envelope.event
    assert isinstance(event, DocumentIssued)
    return {
        "code": event.code,
        "paper": event.paper.value,
        "ticket_id": event.ticket_id,
        "period": event.period,
        "sha256": event.sha256,
        "size_bytes": event.size_bytes,
        "facts_position": event.facts_position,
        "issued_at": envelope.occurred_at,
        "global_position": envelope.global_position,
    }


def berita_acara_return_row(envelope: Envelope) -> Row:
    """The returned signed copy's row (it replaces an earlier one of the same request)."""
    event = envelope.event
    assert isinstance(event, BeritaAcaraSigned)
    scan = event.scan
    return {
        "ticket_id": event.ticket_id,
        "berita_acara_number": event.berita_acara_number,
        "returned_at": event.returned_at,
        "filename": scan.filename,
        "content_type": scan.content_type,
        "size_bytes": scan.size_bytes,
        "sha256": scan.sha256,
        "storage_key": scan.storage_key,
        "received_by": envelope.actor.name,
        "global_position": envelope.global_position,
    }


def returned_changes(envelope: Envelope) -> Row:
    """What a returned signed copy changes in the request's row."""
    event = envelope.event
    assert isinstance(event, BeritaAcaraSigned)
    return {"berita_acara_returned_at": event.returned_at}
