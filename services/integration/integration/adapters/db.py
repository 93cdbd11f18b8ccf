"""The read rows of `integration.work_items`: written with the events, read by the API."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from integration.domain.commands import AssignOfficer
from integration.domain.state import Status, WorkItem
from penghubung.forms import Officer

_COLUMNS = (
    "ticket_id, officer_nip, officer_name, instruction, assigned_at, assigned_by_nip,"
    " assigned_by_name, assignment_event_id, assignment_position, reassignments, status,"
    " difficulty, feasible, analysis, implementation, closure_recommendation, analysed_at,"
    " integrated_at, closed_at, updated_at"
)


@dataclass(frozen=True)
class WorkItemRecord:
    """One row of `integration.work_items`."""

    ticket_id: str
    officer_nip: str
    officer_name: str
    instruction: str
    assigned_at: datetime
    assigned_by_nip: str | None
    assigned_by_name: str
    assignment_event_id: UUID
    assignment_position: int
    reassignments: int
    status: Status
    difficulty: str | None
    feasible: bool | None
    analysis: dict[str, Any] | None
    implementation: dict[str, Any] | None
    closure_recommendation: str | None
    analysed_at: datetime | None
    integrated_at: datetime | None
    closed_at: datetime | None
    updated_at: datetime

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> WorkItemRecord:
        """A fetched row as a record."""
        return cls(**{**row, "status": Status(row["status"])})

    @property
    def officer(self) -> Officer:
        """The officer who holds the work item."""
        return Officer(nip=self.officer_nip, name=self.officer_name)


async def assign(conn: asyncpg.Connection, cmd: AssignOfficer) -> bool:
    """Open the work item, or move it to the newly ordered officer; False if a later order holds."""
    moved: bool | None = await conn.fetchval(
        "INSERT INTO integration.work_items (ticket_id, officer_nip, officer_name, instruction,"
        " assigned_at, assigned_by_nip, assigned_by_name, assignment_event_id,"
        " assignment_position) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        " ON CONFLICT (ticket_id) DO UPDATE SET officer_nip = excluded.officer_nip,"
        " officer_name = excluded.officer_name, instruction = excluded.instruction,"
        " assigned_at = excluded.assigned_at, assigned_by_nip = excluded.assigned_by_nip,"
        " assigned_by_name = excluded.assigned_by_name,"
        " assignment_event_id = excluded.assignment_event_id,"
        " assignment_position = excluded.assignment_position,"
        " reassignments = work_items.reassignments + 1, updated_at = now()"
        " WHERE work_items.assignment_position < excluded.assignment_position"
        " RETURNING true",
        cmd.ticket_id,
        cmd.officer.nip,
        cmd.officer.name,
        cmd.instruction,
        cmd.assigned_at,
        cmd.assigned_by.nip,
        cmd.assigned_by.name,
        cmd.disposition_event_id,
        cmd.disposition_position,
    )
    return bool(moved)


async def lock(conn: asyncpg.Connection, ticket_id: str) -> WorkItemRecord | None:
    """The work item, locked until the transaction ends (commands on one ticket queue here)."""
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM integration.work_items WHERE ticket_id = $1 FOR UPDATE",
        ticket_id,
    )
    return WorkItemRecord.of(dict(row)) if row is not None else None


async def save_progress(
    conn: asyncpg.Connection, state: WorkItem, *, at: datetime
) -> WorkItemRecord:
    """Write the state's analysis, integration and closure; the times are set when first seen."""
    analysis, integration, closure = state.analysis, state.integration, state.closure
    row = await conn.fetchrow(
        "UPDATE integration.work_items SET status = $2, difficulty = $3, feasible = $4,"
        " analysis = $5, implementation = $6, closure_recommendation = $7,"
        " analysed_at = CASE WHEN analysed_at IS NULL AND $5::jsonb IS NOT NULL"
        "   THEN $8 ELSE analysed_at END,"
        " integrated_at = CASE WHEN integrated_at IS NULL AND $6::jsonb IS NOT NULL"
        "   THEN $8 ELSE integrated_at END,"
        " closed_at = CASE WHEN closed_at IS NULL AND $7::text IS NOT NULL"
        "   THEN $8 ELSE closed_at END,"
        f" updated_at = now() WHERE ticket_id = $1 RETURNING {_COLUMNS}",
        state.ticket_id,
        state.status.value,
        analysis.difficulty.value if analysis else None,
        analysis.feasible if analysis else None,
        analysis.payload() if analysis else None,
        integration.payload() if integration else None,
        closure.recommendation if closure else None,
        at,
    )
    assert row is not None  # locked by `lock` in the same transaction
    return WorkItemRecord.of(dict(row))


async def fetch(
    conn: asyncpg.Connection | asyncpg.Pool, ticket_id: str, *, officer_nip: str | None
) -> WorkItemRecord | None:
    """One work item; with `officer_nip`, only if that officer holds it."""
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM integration.work_items"
        " WHERE ticket_id = $1 AND ($2::text IS NULL OR officer_nip = $2)",
        ticket_id,
        officer_nip,
    )
    return WorkItemRecord.of(dict(row)) if row is not None else None


async def page(
    conn: asyncpg.Connection | asyncpg.Pool,
    *,
    officer_nip: str | None,
    status: Status | None,
    limit: int,
    offset: int,
) -> tuple[list[WorkItemRecord], int]:
    """One page of work items, oldest assignment first, and how many match in all."""
    rows = await conn.fetch(
        f"SELECT {_COLUMNS}, count(*) OVER () AS total FROM integration.work_items"
        " WHERE ($1::text IS NULL OR officer_nip = $1) AND ($2::text IS NULL OR status = $2)"
        " ORDER BY assigned_at, ticket_id LIMIT $3 OFFSET $4",
        officer_nip,
        status.value if status else None,
        limit,
        offset,
    )
    if not rows:
        total: int = await conn.fetchval(
            "SELECT count(*) FROM integration.work_items"
            " WHERE ($1::text IS NULL OR officer_nip = $1) AND ($2::text IS NULL OR status = $2)",
            officer_nip,
            status.value if status else None,
        )
        return [], total
    records = [WorkItemRecord.of({k: v for k, v in r.items() if k != "total"}) for r in rows]
    return records, rows[0]["total"]


async def mark_archived(conn: asyncpg.Connection, ticket_id: str, *, at: datetime) -> None:
    """Reporting archived the request's report."""
    await conn.execute(
        "INSERT INTO integration.archived (ticket_id, archived_at) VALUES ($1, $2)"
        " ON CONFLICT (ticket_id) DO NOTHING",
        ticket_id,
        at,
    )


async def is_archived(conn: asyncpg.Connection, ticket_id: str) -> bool:
    """Whether the request's report is archived."""
    found: bool = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM integration.archived WHERE ticket_id = $1)", ticket_id
    )
    return found
