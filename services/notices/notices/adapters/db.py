"""The notices service's rows: the directory as learned, requests, choices, and the outbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

import asyncpg

from notices.app.ports import Outgoing
from notices.domain.model import Breach, Delegation, Directory, Person, Preferences, RequestFacts
from penghubung.events.base import Role
from penghubung.events.directory import DelegationGranted, PersonRegistered
from penghubung.events.notices import NoticeChannel, NoticeKind
from penghubung.sop import Step
from penghubung.workcal import CalendarSpec
from penghubung.workcal_changes import BASE

# --- the directory, as learned from its events ------------------------------------------------


async def save_person(conn: asyncpg.Connection, event: PersonRegistered) -> None:
    """A person as registered (a second registration of the NIP updates the contacts)."""
    await conn.execute(
        "INSERT INTO notices.people (nip, name, agency, email, mobile) VALUES ($1, $2, $3, $4, $5)"
        " ON CONFLICT (nip) DO UPDATE SET name = excluded.name, agency = excluded.agency,"
        " email = excluded.email, mobile = excluded.mobile, updated_at = now()",
        event.nip,
        event.name,
        event.agency,
        event.email,
        event.mobile,
    )


async def grant_role(conn: asyncpg.Connection, nip: str, role: Role) -> None:
    """The person now holds a role (a role of someone not yet registered waits for them)."""
    await conn.execute(
        "INSERT INTO notices.people (nip, name, roles) VALUES ($1, $1, ARRAY[$2])"
        " ON CONFLICT (nip) DO UPDATE SET roles = array(SELECT DISTINCT unnest("
        "notices.people.roles || ARRAY[$2]) ORDER BY 1), updated_at = now()",
        nip,
        role.value,
    )


async def revoke_role(conn: asyncpg.Connection, nip: str, role: Role) -> None:
    """The person no longer holds a role."""
    await conn.execute(
        "UPDATE notices.people SET roles = array_remove(roles, $2), updated_at = now()"
        " WHERE nip = $1",
        nip,
        role.value,
    )


async def save_delegation(conn: asyncpg.Connection, event: DelegationGranted) -> None:
    """A Plt/Plh delegation in force over its days."""
    await conn.execute(
        "INSERT INTO notices.delegations (delegation_id, position, delegate_nip, delegate_name,"
        " holder_nip, starts_on, ends_on) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        " ON CONFLICT (delegation_id) DO NOTHING",
        event.delegation_id,
        event.position.value,
        event.delegate_nip,
        event.delegate_name,
        event.holder_nip,
        event.starts_on,
        event.ends_on,
    )


async def end_delegation(conn: asyncpg.Connection, delegation_id: UUID, ended_on: date) -> None:
    """A delegation ended early: from that day on it gives no notices."""
    await conn.execute(
        "UPDATE notices.delegations SET ended_on = $2 WHERE delegation_id = $1",
        delegation_id,
        ended_on,
    )


async def directory(conn: asyncpg.Connection) -> Directory:
    """Everyone known and the delegations in force (an early end shortens the last day)."""
    people = await conn.fetch("SELECT nip, name, email, mobile, roles FROM notices.people")
    delegations = await conn.fetch(
        "SELECT position, delegate_nip, starts_on,"
        " CASE WHEN ended_on IS NULL THEN ends_on ELSE LEAST(ends_on, ended_on - 1) END AS last"
        " FROM notices.delegations ORDER BY starts_on, delegation_id"
    )
    return Directory(
        people={
            r["nip"]: Person(
                nip=r["nip"],
                name=r["name"],
                email=r["email"],
                mobile=r["mobile"],
                roles=frozenset(Role(x) for x in r["roles"]),
            )
            for r in people
        },
        delegations=tuple(
            Delegation(Role(r["position"]), r["delegate_nip"], r["starts_on"], r["last"])
            for r in delegations
        ),
    )


# --- the calendar ---------------------------------------------------------------------------


async def calendar_spec(conn: asyncpg.Connection) -> CalendarSpec:
    """The calendar in force (the base calendar until an administrator changed it)."""
    spec = await conn.fetchval("SELECT spec FROM notices.calendar")
    return BASE if spec is None else CalendarSpec.model_validate(spec)


async def calendar_version(conn: asyncpg.Connection) -> int:
    """The version of the calendar in force."""
    version: int | None = await conn.fetchval("SELECT version FROM notices.calendar")
    return version or BASE.version


async def save_calendar(conn: asyncpg.Connection, spec: CalendarSpec) -> None:
    """Keep the calendar after a change."""
    await conn.execute(
        "INSERT INTO notices.calendar (id, version, spec) VALUES (true, $1, $2)"
        " ON CONFLICT (id) DO UPDATE SET version = excluded.version, spec = excluded.spec",
        spec.version,
        spec.model_dump(mode="json"),
    )


# --- preferences ------------------------------------------------------------------------------


async def preferences(conn: asyncpg.Connection, nips: list[str]) -> dict[str, Preferences]:
    """The choices of these people (those without a row keep the defaults)."""
    rows = await conn.fetch(
        "SELECT nip, email, whatsapp, digests FROM notices.preferences WHERE nip = ANY($1)", nips
    )
    return {r["nip"]: Preferences(r["email"], r["whatsapp"], r["digests"]) for r in rows}


async def save_preferences(
    conn: asyncpg.Connection, nip: str, chosen: Preferences, *, at: datetime
) -> None:
    """Keep a person's choices."""
    await conn.execute(
        "INSERT INTO notices.preferences (nip, email, whatsapp, digests, updated_at)"
        " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (nip) DO UPDATE SET email = excluded.email,"
        " whatsapp = excluded.whatsapp, digests = excluded.digests,"
        " updated_at = excluded.updated_at",
        nip,
        chosen.email,
        chosen.whatsapp,
        chosen.digests,
        at,
    )


# --- requests ---------------------------------------------------------------------------------

_REQUEST_COLUMNS = (
    "ticket_id, agency, application_name, applicant, step, since, petugas_nip, petugas_name,"
    " integrated_at, berita_acara, berita_acara_at, reminded_at, archived_at,"
    " berita_acara_returned_at"
)


async def request(conn: asyncpg.Connection, ticket_id: str) -> RequestFacts | None:
    """A request's facts, locked until the caller commits."""
    row = await conn.fetchrow(
        f"SELECT {_REQUEST_COLUMNS} FROM notices.requests WHERE ticket_id = $1 FOR UPDATE",
        ticket_id,
    )
    return None if row is None else _facts(row)


async def open_requests(conn: asyncpg.Connection) -> list[RequestFacts]:
    """Requests waiting at a step, oldest first."""
    rows = await conn.fetch(
        f"SELECT {_REQUEST_COLUMNS} FROM notices.requests WHERE step IS NOT NULL"
        " ORDER BY since, ticket_id"
    )
    return [_facts(r) for r in rows]


async def unreturned_berita_acara(conn: asyncpg.Connection) -> list[RequestFacts]:
    """Requests whose BA is reserved, not reminded, not back, not archived; locked (skip others)."""
    rows = await conn.fetch(
        f"SELECT {_REQUEST_COLUMNS} FROM notices.requests WHERE berita_acara_at IS NOT NULL"
        " AND reminded_at IS NULL AND archived_at IS NULL AND berita_acara_returned_at IS NULL"
        " ORDER BY ticket_id"
        " FOR UPDATE SKIP LOCKED"
    )
    return [_facts(r) for r in rows]


async def save_request(conn: asyncpg.Connection, facts: RequestFacts) -> None:
    """Write a request's facts."""
    a = facts.applicant
    await conn.execute(
        f"INSERT INTO notices.requests ({_REQUEST_COLUMNS})"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
        " ON CONFLICT (ticket_id) DO UPDATE SET agency = excluded.agency,"
        " application_name = excluded.application_name, applicant = excluded.applicant,"
        " step = excluded.step, since = excluded.since, petugas_nip = excluded.petugas_nip,"
        " petugas_name = excluded.petugas_name, integrated_at = excluded.integrated_at,"
        " berita_acara = excluded.berita_acara, berita_acara_at = excluded.berita_acara_at,"
        " reminded_at = excluded.reminded_at, archived_at = excluded.archived_at,"
        " berita_acara_returned_at = excluded.berita_acara_returned_at",
        facts.ticket_id,
        facts.agency,
        facts.application_name,
        {"nip": a.nip, "name": a.name, "email": a.email, "mobile": a.mobile},
        facts.step.value if facts.step else None,
        facts.since,
        facts.petugas.nip if facts.petugas else None,
        facts.petugas.name if facts.petugas else None,
        facts.integrated_at,
        facts.berita_acara,
        facts.berita_acara_at,
        facts.reminded_at,
        facts.archived_at,
        facts.berita_acara_returned_at,
    )


def _facts(row: asyncpg.Record) -> RequestFacts:
    a = row["applicant"]
    petugas = None
    if row["petugas_nip"] is not None:
        petugas = Person(nip=row["petugas_nip"], name=row["petugas_name"])
    return RequestFacts(
        ticket_id=row["ticket_id"],
        agency=row["agency"],
        application_name=row["application_name"],
        applicant=Person(nip=a["nip"], name=a["name"], email=a["email"], mobile=a["mobile"]),
        step=Step(row["step"]) if row["step"] else None,
        since=row["since"],
        petugas=petugas,
        integrated_at=row["integrated_at"],
        berita_acara=row["berita_acara"],
        berita_acara_at=row["berita_acara_at"],
        reminded_at=row["reminded_at"],
        archived_at=row["archived_at"],
        berita_acara_returned_at=row["berita_acara_returned_at"],
    )


async def save_breach(conn: asyncpg.Connection, breach: Breach) -> None:
    """A clock that reached its standard, for the next digest."""
    await conn.execute(
        "INSERT INTO notices.breaches (ticket_id, step, reached_at, due_at)"
        " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        breach.ticket_id,
        breach.step.value,
        breach.reached_at,
        breach.due_at,
    )


async def breaches_between(
    conn: asyncpg.Connection, start: datetime, end: datetime
) -> list[Breach]:
    """The breaches reached in [start, end)."""
    rows = await conn.fetch(
        "SELECT ticket_id, step, reached_at, due_at FROM notices.breaches"
        " WHERE reached_at >= $1 AND reached_at < $2 ORDER BY reached_at, ticket_id",
        start,
        end,
    )
    return [Breach(r["ticket_id"], Step(r["step"]), r["reached_at"], r["due_at"]) for r in rows]


async def claim_digest(conn: asyncpg.Connection, day: date, *, at: datetime) -> bool:
    """Whether this transaction raises the day's digest (False: it was raised already)."""
    claimed = await conn.fetchval(
        "INSERT INTO notices.digests (day, raised_at) VALUES ($1, $2)"
        " ON CONFLICT (day) DO NOTHING RETURNING true",
        day,
        at,
    )
    return bool(claimed)


# --- the outbox -------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutboxRow:
    """A notice on its way out, as it is written to the outbox."""

    notice_id: UUID
    kind: NoticeKind
    ticket_id: str | None
    correlation_id: str
    causation_id: str | None
    recipient_nip: str
    recipient_name: str
    channel: NoticeChannel
    address: str
    subject: str
    body: str
    raised_at: datetime
    due_at: datetime


async def add_to_outbox(conn: asyncpg.Connection, rows: list[OutboxRow]) -> int:
    """Write notices to the outbox; one already there (same id) is left alone. Returns new ones."""
    added = 0
    for r in rows:
        status = await conn.execute(
            "INSERT INTO notices.outbox (notice_id, kind, ticket_id, correlation_id, causation_id,"
            " recipient_nip, recipient_name, channel, address, subject, body, raised_at, due_at,"
            " next_attempt_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)"
            " ON CONFLICT (notice_id) DO NOTHING",
            r.notice_id,
            r.kind.value,
            r.ticket_id,
            r.correlation_id,
            r.causation_id,
            r.recipient_nip,
            r.recipient_name,
            r.channel.value,
            r.address,
            r.subject,
            r.body,
            r.raised_at,
            r.due_at,
        )
        added += status == "INSERT 0 1"
    return added


@dataclass(frozen=True)
class Claimed:
    """A due notice, locked by the sender's transaction, with its history so far."""

    row: OutboxRow
    attempts: int


async def claim_due(conn: asyncpg.Connection, *, now: datetime) -> Claimed | None:
    """The most overdue pending notice, locked; one another sender holds is skipped."""
    r = await conn.fetchrow(
        "SELECT notice_id, kind, ticket_id, correlation_id, causation_id, recipient_nip,"
        " recipient_name, channel, address, subject, body, raised_at, due_at, attempts"
        " FROM notices.outbox WHERE status = 'pending' AND next_attempt_at <= $1"
        " ORDER BY next_attempt_at, notice_id LIMIT 1 FOR UPDATE SKIP LOCKED",
        now,
    )
    if r is None:
        return None
    row = OutboxRow(
        **{k: r[k] for k in OutboxRow.__dataclass_fields__ if k not in ("kind", "channel")},
        kind=NoticeKind(r["kind"]),
        channel=NoticeChannel(r["channel"]),
    )
    return Claimed(row, r["attempts"])


def outgoing(row: OutboxRow, *, at: datetime) -> Outgoing:
    """What a channel is handed for a claimed notice."""
    return Outgoing(
        notice_id=row.notice_id,
        channel=row.channel,
        address=row.address,
        recipient_name=row.recipient_name,
        recipient_nip=row.recipient_nip,
        ticket_id=row.ticket_id,
        subject=row.subject,
        body=row.body,
        sent_at=at,
    )


async def finish(
    conn: asyncpg.Connection,
    notice_id: UUID,
    *,
    status: str,
    attempts: int,
    at: datetime,
    error: str | None = None,
) -> None:
    """The notice was sent, or failed for good."""
    await conn.execute(
        "UPDATE notices.outbox SET status = $2, attempts = $3, finished_at = $4, last_error = $5"
        " WHERE notice_id = $1",
        notice_id,
        status,
        attempts,
        at,
        error,
    )


async def retry_later(
    conn: asyncpg.Connection, notice_id: UUID, *, attempts: int, at: datetime, error: str
) -> None:
    """The attempt failed; the notice is tried again at `at`."""
    await conn.execute(
        "UPDATE notices.outbox SET attempts = $2, next_attempt_at = $3, last_error = $4"
        " WHERE notice_id = $1",
        notice_id,
        attempts,
        at,
        error,
    )


async def notifications(
    conn: asyncpg.Connection, nip: str, *, limit: int, offset: int
) -> tuple[int, list[dict[str, Any]]]:
    """A person's notices, newest first, with the total."""
    total: int = await conn.fetchval(
        "SELECT count(*) FROM notices.outbox WHERE recipient_nip = $1", nip
    )
    rows = await conn.fetch(
        "SELECT notice_id, kind, ticket_id, channel, address, subject, body, raised_at, due_at,"
        " status, attempts, finished_at, last_error FROM notices.outbox WHERE recipient_nip = $1"
        " ORDER BY raised_at DESC, notice_id LIMIT $2 OFFSET $3",
        nip,
        limit,
        offset,
    )
    return total, [dict(r) for r in rows]
