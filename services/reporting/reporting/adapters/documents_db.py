"""Reads for the papers: a ticket's events from the log, the agenda book with its requests, and
the issued documents and returned Berita Acara copies of the projection."""

from __future__ import annotations

import asyncpg

from penghubung.events import Envelope
from penghubung.eventstore import EventStore
from reporting.adapters import log_db
from reporting.projections.tables import LIVE


async def ticket_envelopes(
    conn: asyncpg.Connection, ticket_id: str, *, store: EventStore
) -> list[Envelope]:
    """Every event of a ticket, in log order, as typed envelopes."""
    return [store.envelope(row) for row in await log_db.ticket_events(conn, ticket_id)]


async def agenda_entries(
    conn: asyncpg.Connection, year: int, month: int | None, *, schema: str = LIVE
) -> list[asyncpg.Record]:
    """A year's (or one month's, WIB) agenda book, by number, with each request's agency,
    application and Berita Acara number."""
    rows: list[asyncpg.Record] = await conn.fetch(
        "SELECT a.number, a.code, a.ticket_id, a.report_ref, a.archived_at, a.archived_by,"
        " a.global_position,"
        " r.agency, r.application_name, r.berita_acara_number"
        f" FROM {schema}.agenda_book a JOIN {schema}.requests r USING (ticket_id)"
        " WHERE a.year = $1 AND ($2::int IS NULL"
        " OR extract(month FROM a.archived_at AT TIME ZONE 'Asia/Jakarta') = $2)"
        " ORDER BY a.number",
        year,
        month,
    )
    return rows


async def issued(conn: asyncpg.Connection, code: str) -> asyncpg.Record | None:
    """The issued document with this code, if any."""
    row: asyncpg.Record | None = await conn.fetchrow(
        "SELECT * FROM reporting.documents WHERE code = $1", code
    )
    return row


async def unreturned_berita_acara(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    """Requests whose Berita Acara number was given but whose signed copy has not come back."""
    rows: list[asyncpg.Record] = await conn.fetch(
        "SELECT b.ticket_id, b.number, b.reserved_at, r.agency, r.application_name"
        " FROM reporting.berita_acara b JOIN reporting.requests r USING (ticket_id)"
        " LEFT JOIN reporting.berita_acara_returns s USING (ticket_id)"
        " WHERE s.ticket_id IS NULL ORDER BY b.reserved_at, b.ticket_id"
    )
    return rows


async def berita_acara_return(conn: asyncpg.Connection, ticket_id: str) -> asyncpg.Record | None:
    """The signed copy of a request's Berita Acara, if it came back."""
    row: asyncpg.Record | None = await conn.fetchrow(
        "SELECT * FROM reporting.berita_acara_returns WHERE ticket_id = $1", ticket_id
    )
    return row
