"""Disposition's own rows in `disposition.requests`: the round of each request and the inboxes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg
from pydantic import BaseModel, ConfigDict, Field

from disposition.domain.commands import StartAtKadis
from disposition.domain.state import Request, Round, Status
from penghubung.events.base import Role
from penghubung.forms import Officer
from penghubung.instants import Instant
from penghubung.sop import Priority

_COLUMNS = (
    "ticket_id, agency, application_name, priority, received_at, resubmission, holder_role,"
    " officer_nip, officer_name, status, held_since"
)
_ORDER = "ORDER BY priority, received_at, ticket_id"


class RequestRecord(BaseModel):
    """One request as the inboxes show it."""

    model_config = ConfigDict(frozen=True)

    ticket_id: str = Field(description="The request's ticket id")
    agency: str = Field(description="The applicant's agency (OPD)")
    application_name: str = Field(description="The application to connect")
    priority: Priority = Field(description="P1 (kritis) to P4 (rendah)")
    received_at: Instant = Field(description="When the latest (re)submission really arrived")
    resubmission: int = Field(description="0 for a first submission, then 1, 2, …")
    holder_role: Role = Field(description="Who holds it: kadis, kabid, prakom, petugas or pemohon")
    officer: Officer | None = Field(description="The petugas ordered to do the work, if any")
    status: Status = Field(description="disposing, assigned (to a petugas) or returned")
    held_since: Instant = Field(description="When the current holder got it")


def _record(row: asyncpg.Record) -> RequestRecord:
    fields: dict[str, Any] = dict(row)
    nip, name = fields.pop("officer_nip"), fields.pop("officer_name")
    officer = None if nip is None else Officer(nip=nip, name=name)
    return RequestRecord(officer=officer, **fields)


async def round_of(conn: asyncpg.Connection, ticket_id: str) -> Round | None:
    """Where the current round of a request began; None if intake never submitted it."""
    row = await conn.fetchrow(
        "SELECT ticket_id, round_start FROM disposition.requests WHERE ticket_id = $1", ticket_id
    )
    if row is None:
        return None
    return Round(ticket_id=row["ticket_id"], round_start=row["round_start"])


async def start_at_kadis(conn: asyncpg.Connection, cmd: StartAtKadis, *, round_start: int) -> bool:
    """Put the request with kadis; False when a later (or the same) submission is already here."""
    applied: bool | None = await conn.fetchval(
        "INSERT INTO disposition.requests AS r (ticket_id, agency, application_name, priority,"
        " received_at, resubmission, round_start, holder_role, status, held_since)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $5)"
        " ON CONFLICT (ticket_id) DO UPDATE SET agency = excluded.agency,"
        " application_name = excluded.application_name, priority = excluded.priority,"
        " received_at = excluded.received_at, resubmission = excluded.resubmission,"
        " round_start = excluded.round_start, holder_role = excluded.holder_role,"
        " officer_nip = NULL, officer_name = NULL, status = excluded.status,"
        " held_since = excluded.held_since, updated_at = now()"
        " WHERE r.resubmission < excluded.resubmission"
        " RETURNING true",
        cmd.ticket_id,
        cmd.agency,
        cmd.application_name,
        cmd.priority.value,
        cmd.received_at,
        cmd.resubmission,
        round_start,
        Role.KADIS.value,
        Status.DISPOSING.value,
    )
    return bool(applied)


async def save_state(conn: asyncpg.Connection, state: Request, *, since: datetime) -> None:
    """Write the folded state: holder, officer and status, held since `since`."""
    officer = state.officer
    await conn.execute(
        "UPDATE disposition.requests SET holder_role = $2, officer_nip = $3, officer_name = $4,"
        " status = $5, held_since = $6, updated_at = now() WHERE ticket_id = $1",
        state.ticket_id,
        state.holder.value,
        officer.nip if officer else None,
        officer.name if officer else None,
        state.status.value,
        since,
    )


async def find(conn: asyncpg.Connection, ticket_id: str) -> RequestRecord | None:
    """One request's row."""
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM disposition.requests WHERE ticket_id = $1", ticket_id
    )
    return None if row is None else _record(row)


async def inbox(
    conn: asyncpg.Connection, role: Role, *, nip: str | None, limit: int, offset: int
) -> tuple[list[RequestRecord], int]:
    """A role's inbox (a petugas's: the requests ordered to their NIP), one page, and the total."""
    if role is Role.PETUGAS:
        where = "status = 'assigned' AND officer_nip = $1 AND finished_at IS NULL"
        key = nip
    else:
        where, key = "status = 'disposing' AND holder_role = $1", role.value
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM disposition.requests WHERE {where} {_ORDER} LIMIT $2 OFFSET $3",
        key,
        limit,
        offset,
    )
    total: int = await conn.fetchval(
        f"SELECT count(*) FROM disposition.requests WHERE {where}", key
    )
    return [_record(r) for r in rows], total


# --- what the directory says, learnt over the bus ---------------------------------------------


async def learn_person(conn: asyncpg.Connection, nip: str, name: str) -> None:
    """A person the directory registered (their name, for the messages)."""
    await conn.execute(
        "INSERT INTO disposition.officers (nip, name) VALUES ($1, $2)"
        " ON CONFLICT (nip) DO UPDATE SET name = $2",
        nip,
        name,
    )


async def learn_petugas(conn: asyncpg.Connection, nip: str, *, petugas: bool, version: int) -> None:
    """Whether a person is a petugas, unless a later fact of theirs is known already."""
    await conn.execute(
        "INSERT INTO disposition.officers (nip, petugas, petugas_version) VALUES ($1, $2, $3)"
        " ON CONFLICT (nip) DO UPDATE SET petugas = $2, petugas_version = $3"
        " WHERE disposition.officers.petugas_version < $3",
        nip,
        petugas,
        version,
    )


async def is_petugas(conn: asyncpg.Connection, nip: str) -> bool:
    """Whether the directory made this NIP an active petugas."""
    found: bool | None = await conn.fetchval(
        "SELECT petugas FROM disposition.officers WHERE nip = $1", nip
    )
    return bool(found)


async def learn_delegation(
    conn: asyncpg.Connection, delegation_id: Any, *, delegate_nip: str | None, ended_on: Any
) -> None:
    """A delegation granted (delegate) or ended (the day)."""
    await conn.execute(
        "INSERT INTO disposition.delegations (delegation_id, delegate_nip, ended_on)"
        " VALUES ($1, $2, $3) ON CONFLICT (delegation_id) DO UPDATE SET"
        " delegate_nip = coalesce($2, disposition.delegations.delegate_nip),"
        " ended_on = coalesce($3, disposition.delegations.ended_on)",
        delegation_id,
        delegate_nip,
        ended_on,
    )


async def delegation_ended(conn: asyncpg.Connection, delegation_id: str) -> bool:
    """Whether the directory ended this delegation (one not known yet is not ended)."""
    try:
        key = uuid.UUID(delegation_id)
    except ValueError:
        return True  # no delegation has such an id
    ended: bool = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM disposition.delegations"
        " WHERE delegation_id = $1 AND ended_on IS NOT NULL)",
        key,
    )
    return ended


async def mark_finished(conn: asyncpg.Connection, ticket_id: str, *, at: datetime) -> None:
    """Integration finished the request's work: it leaves the petugas's inbox."""
    await conn.execute(
        "UPDATE disposition.requests SET finished_at = $2 WHERE ticket_id = $1"
        " AND finished_at IS NULL",
        ticket_id,
        at,
    )


async def is_finished(conn: asyncpg.Connection, ticket_id: str) -> bool:
    """Whether integration finished the request's work."""
    finished: bool = await conn.fetchval(
        "SELECT finished_at IS NOT NULL FROM disposition.requests WHERE ticket_id = $1", ticket_id
    )
    return bool(finished)
