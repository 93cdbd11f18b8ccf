"""Reporting's SLA reads: calendar versions, recalculations, facts, warnings and availability.

The projection's reads take the schema of the tables they read: `reporting` (live) by default,
or a connection's temporary copy as of a past position (`app/as_of.py`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import asyncpg

from penghubung.events.sla import RecalculationScope
from penghubung.sop import Step
from penghubung.workcal import CalendarSpec
from reporting.projections.tables import LIVE
from reporting.sla.domain.clocks import FACT, CalendarBook, Fact, Intake, Recalculation

BATCH = 200
"""Requests read (and measured) at a time when a month is gone through."""


async def calendar_book(conn: asyncpg.Connection, *, schema: str = LIVE) -> CalendarBook:
    """Every projected calendar version with the position that made it."""
    rows = await conn.fetch(f"SELECT global_position, spec FROM {schema}.calendar_versions")
    return CalendarBook.of(
        (r["global_position"], CalendarSpec.model_validate(r["spec"])) for r in rows
    )


async def recalculations(conn: asyncpg.Connection, *, schema: str = LIVE) -> list[Recalculation]:
    """Every recalculation, in log order."""
    rows = await conn.fetch(f"SELECT * FROM {schema}.sla_recalculations ORDER BY global_position")
    return [
        Recalculation(
            position=r["global_position"],
            calendar_version=r["calendar_version"],
            scope=RecalculationScope(r["scope"]),
            month=r["month"],
            ticket_id=r["ticket_id"],
        )
        for r in rows
    ]


@dataclass(frozen=True)
class SlaRequest:
    """A request as the clocks need it, with where it stands now (from the requests table)."""

    intake: Intake
    agency: str
    agency_key: str
    status: str
    current_step: str | None
    holder_role: str | None
    holder_officer_nip: str | None
    holder_officer_name: str | None
    since: datetime
    intake_rank: int
    facts: tuple[Fact, ...] = ()


_REQUEST_COLUMNS = (
    "s.ticket_id, s.intake_day, s.intake_rank, r.agency, r.agency_key, r.status, r.current_step,"
    " r.holder_role, r.holder_officer_nip, r.holder_officer_name, r.since"
)


def _request(row: asyncpg.Record, *, capacity: int, facts: Sequence[Fact] = ()) -> SlaRequest:
    intake = Intake(
        ticket_id=row["ticket_id"],
        intake_day=row["intake_day"],
        overloaded=row["intake_rank"] >= capacity,
    )
    return SlaRequest(
        intake=intake,
        agency=row["agency"],
        agency_key=row["agency_key"],
        status=row["status"],
        current_step=row["current_step"],
        holder_role=row["holder_role"],
        holder_officer_nip=row["holder_officer_nip"],
        holder_officer_name=row["holder_officer_name"],
        since=row["since"],
        intake_rank=row["intake_rank"],
        facts=tuple(facts),
    )


async def request(
    conn: asyncpg.Connection, ticket_id: str, *, capacity: int, schema: str = LIVE
) -> SlaRequest | None:
    """One request with its facts; None if the projection has not seen it."""
    row = await conn.fetchrow(
        f"SELECT {_REQUEST_COLUMNS} FROM {schema}.sla_requests s"
        f" JOIN {schema}.requests r USING (ticket_id) WHERE s.ticket_id = $1",
        ticket_id,
    )
    if row is None:
        return None
    facts = await facts_of(conn, [ticket_id], schema=schema)
    return _request(row, capacity=capacity, facts=facts[ticket_id])


async def facts_of(
    conn: asyncpg.Connection, tickets: Sequence[str], *, schema: str = LIVE
) -> dict[str, list[Fact]]:
    """The facts of some requests, in log order."""
    rows = await conn.fetch(
        f"SELECT ticket_id, fact FROM {schema}.sla_facts WHERE ticket_id = ANY($1::text[])"
        " ORDER BY ticket_id, global_position",
        list(tickets),
    )
    found: dict[str, list[Fact]] = defaultdict(list)
    for r in rows:
        found[r["ticket_id"]].append(FACT.validate_python(r["fact"]))
    return {t: found.get(t, []) for t in tickets}


async def requests_between(
    conn: asyncpg.Connection,
    *,
    start: datetime,
    end: datetime,
    capacity: int,
    schema: str = LIVE,
) -> AsyncIterator[list[SlaRequest]]:
    """Batches of the requests whose clocks may have been settled in [start, end): received
    before the end, and open or with a fact since the start. Needs an open transaction."""
    cursor = conn.cursor(
        f"SELECT {_REQUEST_COLUMNS} FROM {schema}.sla_requests s"
        f" JOIN {schema}.requests r USING (ticket_id)"
        " WHERE s.received_at < $2 AND (s.open OR s.last_event_at >= $1) ORDER BY s.ticket_id",
        start,
        end,
    )
    async for rows in _batches(cursor):
        facts = await facts_of(conn, [r["ticket_id"] for r in rows], schema=schema)
        yield [_request(r, capacity=capacity, facts=facts[r["ticket_id"]]) for r in rows]


async def open_requests(
    conn: asyncpg.Connection, *, capacity: int
) -> AsyncIterator[list[SlaRequest]]:
    """Batches of the requests not yet archived, with their facts. Needs an open transaction."""
    cursor = conn.cursor(
        f"SELECT {_REQUEST_COLUMNS} FROM reporting.sla_requests s"
        " JOIN reporting.requests r USING (ticket_id) WHERE s.open ORDER BY s.ticket_id"
    )
    async for rows in _batches(cursor):
        facts = await facts_of(conn, [r["ticket_id"] for r in rows])
        yield [_request(r, capacity=capacity, facts=facts[r["ticket_id"]]) for r in rows]


async def _batches(cursor: asyncpg.cursor.CursorFactory) -> AsyncIterator[list[asyncpg.Record]]:
    opened = await cursor
    while rows := await opened.fetch(BATCH):
        yield rows


async def warnings_raised(
    conn: asyncpg.Connection, tickets: Sequence[str]
) -> dict[str, frozenset[tuple[Step, int]]]:
    """The projected warnings of some requests: (step, threshold) pairs."""
    rows = await conn.fetch(
        "SELECT ticket_id, step, threshold_percent FROM reporting.sla_warnings"
        " WHERE ticket_id = ANY($1::text[])",
        list(tickets),
    )
    found: dict[str, set[tuple[Step, int]]] = defaultdict(set)
    for r in rows:
        found[r["ticket_id"]].add((Step(r["step"]), r["threshold_percent"]))
    return {t: frozenset(found.get(t, ())) for t in tickets}


async def calendar_versions(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    """Every projected calendar version with its change, in version order."""
    rows: list[asyncpg.Record] = await conn.fetch(
        "SELECT * FROM reporting.calendar_versions ORDER BY version"
    )
    return rows


# --- availability ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    """One readiness call of one service in one sampling round."""

    service: str
    round_at: datetime
    up: bool
    status_code: int | None
    error: str | None
    latency_ms: int


async def save_samples(conn: asyncpg.Connection, samples: Sequence[Sample]) -> int:
    """Store a round's samples; a round already sampled (by another process) adds nothing."""
    await conn.executemany(
        "INSERT INTO reporting.availability_samples (service, round_at, up, status_code, error,"
        " latency_ms) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
        [(s.service, s.round_at, s.up, s.status_code, s.error, s.latency_ms) for s in samples],
    )
    return len(samples)


async def availability(
    conn: asyncpg.Connection, *, start: datetime, end: datetime
) -> tuple[list[asyncpg.Record], asyncpg.Record]:
    """Per service: samples and samples up in [start, end); overall: rounds, rounds all up."""
    services = await conn.fetch(
        "SELECT service, count(*) AS samples, count(*) FILTER (WHERE up) AS up"
        " FROM reporting.availability_samples WHERE round_at >= $1 AND round_at < $2"
        " GROUP BY service ORDER BY service",
        start,
        end,
    )
    overall = await conn.fetchrow(
        "SELECT count(*) AS samples, count(*) FILTER (WHERE all_up) AS up FROM ("
        " SELECT round_at, bool_and(up) AS all_up FROM reporting.availability_samples"
        " WHERE round_at >= $1 AND round_at < $2 GROUP BY round_at) rounds",
        start,
        end,
    )
    assert overall is not None
    return services, overall


async def first_sample_at(conn: asyncpg.Connection) -> datetime | None:
    """When availability was first sampled (before it, nothing is known, nothing is expected)."""
    began: datetime | None = await conn.fetchval(
        "SELECT min(round_at) FROM reporting.availability_samples"
    )
    return began


def month_bounds(month: str) -> tuple[date, date]:
    """The first day of `month` (YYYY-MM) and of the month after it."""
    year, number = (int(part) for part in month.split("-"))
    first = date(year, number, 1)
    following = date(year + number // 12, number % 12 + 1, 1)
    return first, following
