"""Reporting's own SQL: the yearly counters, and the read queries over the projection's tables.

The read queries take the schema of the tables they read: `reporting` (live) by default, or a
connection's temporary copy as of a past position (`app/as_of.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import asyncpg

from penghubung.agency import agency_key
from reporting.domain.numbers import WIB, Series, YearlyNumber
from reporting.projections.tables import LIVE


async def take_number(conn: asyncpg.Connection, series: Series, year: int) -> YearlyNumber:
    """The next number of a series in a year, locked until the caller's transaction ends.

    Call it in the transaction that appends the event carrying the number: a rollback gives the
    number back, and a concurrent taker waits for the commit, so numbers never skip or repeat.
    """
    if not conn.is_in_transaction():
        raise RuntimeError("take_number needs the caller's open transaction")
    number: int = await conn.fetchval(
        "INSERT INTO reporting.counters (series, year, last) VALUES ($1, $2, 1)"
        " ON CONFLICT (series, year) DO UPDATE SET last = reporting.counters.last + 1"
        " RETURNING last",
        series.value,
        year,
    )
    return YearlyNumber(year, number)


@dataclass(frozen=True)
class RequestFilter:
    """Which requests a list shows; `agency` is forced to an applicant's own."""

    agency: str | None = None
    """Compared without regard to case or spacing."""
    status: str | None = None
    current_step: str | None = None
    received_from: date | None = None
    received_to: date | None = None


def _office_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=WIB)


async def list_requests(
    conn: asyncpg.Connection,
    where: RequestFilter,
    *,
    limit: int,
    offset: int,
    schema: str = LIVE,
) -> tuple[int, list[asyncpg.Record]]:
    """One page of requests, newest receipt first, and how many match in all."""
    args = [
        agency_key(where.agency) if where.agency else None,
        where.status,
        where.current_step,
        _office_midnight(where.received_from) if where.received_from else None,
        _office_midnight(where.received_to + timedelta(days=1)) if where.received_to else None,
    ]
    condition = (
        " WHERE ($1::text IS NULL OR agency_key = $1) AND ($2::text IS NULL OR status = $2)"
        " AND ($3::text IS NULL OR current_step = $3)"
        " AND ($4::timestamptz IS NULL OR received_at >= $4)"
        " AND ($5::timestamptz IS NULL OR received_at < $5)"
    )
    total: int = await conn.fetchval(f"SELECT count(*) FROM {schema}.requests{condition}", *args)
    rows = await conn.fetch(
        f"SELECT * FROM {schema}.requests{condition}"
        " ORDER BY received_at DESC, ticket_id DESC LIMIT $6 OFFSET $7",
        *args,
        limit,
        offset,
    )
    return total, rows


async def get_request(
    conn: asyncpg.Connection, ticket_id: str, *, schema: str = LIVE
) -> asyncpg.Record | None:
    """One request's row."""
    row: asyncpg.Record | None = await conn.fetchrow(
        f"SELECT * FROM {schema}.requests WHERE ticket_id = $1", ticket_id
    )
    return row


async def timeline(
    conn: asyncpg.Connection, ticket_id: str, *, schema: str = LIVE
) -> list[asyncpg.Record]:
    """Every event of one request, in log order."""
    rows: list[asyncpg.Record] = await conn.fetch(
        f"SELECT * FROM {schema}.timeline WHERE ticket_id = $1 ORDER BY global_position", ticket_id
    )
    return rows


async def get_report(
    conn: asyncpg.Connection, ticket_id: str, *, schema: str = LIVE
) -> asyncpg.Record | None:
    """One request's report."""
    row: asyncpg.Record | None = await conn.fetchrow(
        f"SELECT * FROM {schema}.reports WHERE ticket_id = $1", ticket_id
    )
    return row


async def projection_status(
    conn: asyncpg.Connection, projection: str
) -> tuple[int, int, list[asyncpg.Record]]:
    """The projection's checkpoint, how many gaps it met, and the latest of them."""
    checkpoint: int = await conn.fetchval(
        "SELECT position FROM reporting.checkpoint WHERE projection = $1", projection
    )
    count: int = await conn.fetchval(
        "SELECT count(*) FROM reporting.gaps WHERE projection = $1", projection
    )
    gaps = await conn.fetch(
        "SELECT * FROM reporting.gaps WHERE projection = $1 ORDER BY id DESC LIMIT 20", projection
    )
    return checkpoint, count, gaps


async def lock_survey(conn: asyncpg.Connection, ticket_id: str) -> None:
    """Hold the request's survey until the transaction ends: a second answer sent at the same
    moment waits, then reads the first one's event and is refused as already answered."""
    await conn.execute(
        "SELECT pg_advisory_xact_lock(hashtext($1))", f"reporting-survey-{ticket_id}"
    )
