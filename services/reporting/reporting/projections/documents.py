"""The appliers of the papers' events: issued documents (for the verify page) and signed Berita
Acara copies that came back (for the request and the list of those still out)."""

from __future__ import annotations

import asyncpg

from penghubung.events import Envelope
from penghubung.events.documents import BeritaAcaraSigned, DocumentIssued
from reporting.projections.tables import LIVE


async def apply_document_issued(
    conn: asyncpg.Connection, envelope: Envelope, *, schema: str = LIVE
) -> None:
    """A document was issued: its code, kind, ticket and hash, for anyone to check."""
    event = envelope.event
    assert isinstance(event, DocumentIssued)
    await conn.execute(
        f"INSERT INTO {schema}.documents (code, paper, ticket_id, period, sha256, size_bytes,"
        " facts_position, issued_at, global_position) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        " ON CONFLICT (code) DO NOTHING",
        event.code,
        event.paper.value,
        event.ticket_id,
        event.period,
        event.sha256,
        event.size_bytes,
        event.facts_position,
        envelope.occurred_at,
        envelope.global_position,
    )


async def apply_berita_acara_signed(
    conn: asyncpg.Connection, envelope: Envelope, *, schema: str = LIVE
) -> None:
    """The signed Berita Acara came back: the latest copy is the one that counts."""
    event = envelope.event
    assert isinstance(event, BeritaAcaraSigned)
    scan = event.scan
    await conn.execute(
        f"INSERT INTO {schema}.berita_acara_returns (ticket_id, berita_acara_number, returned_at,"
        " filename, content_type, size_bytes, sha256, storage_key, received_by, global_position)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (ticket_id) DO UPDATE SET"
        " berita_acara_number = EXCLUDED.berita_acara_number, returned_at = EXCLUDED.returned_at,"
        " filename = EXCLUDED.filename, content_type = EXCLUDED.content_type,"
        " size_bytes = EXCLUDED.size_bytes, sha256 = EXCLUDED.sha256,"
        " storage_key = EXCLUDED.storage_key, received_by = EXCLUDED.received_by,"
        " global_position = EXCLUDED.global_position",
        event.ticket_id,
        event.berita_acara_number,
        event.returned_at,
        scan.filename,
        scan.content_type,
        scan.size_bytes,
        scan.sha256,
        scan.storage_key,
        envelope.actor.name,
        envelope.global_position,
    )
    await conn.execute(
        f"UPDATE {schema}.requests SET berita_acara_returned_at = $2 WHERE ticket_id = $1",
        event.ticket_id,
        event.returned_at,
    )
