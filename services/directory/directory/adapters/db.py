"""The directory's own rows: people, agencies, roles, delegations, secrets kept out of the log."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg

from directory.app.views import AgencyView, DelegationView, PersonView
from penghubung.events.base import Event
from penghubung.events.directory import (
    AgencyRegistered,
    DelegationEnded,
    DelegationGranted,
    PersonRegistered,
    RoleGranted,
    RoleRevoked,
)


async def apply(conn: asyncpg.Connection, event: Event, *, at: datetime) -> None:
    """Bring the read rows up to date with one of the directory's own events."""
    match event:
        case AgencyRegistered():
            await conn.execute(
                "INSERT INTO directory.agencies (code, name, registered_at) VALUES ($1, $2, $3)",
                event.code,
                event.name,
                at,
            )
        case PersonRegistered():
            await conn.execute(
                "INSERT INTO directory.people (nip, name, position, echelon, agency, unit, email,"
                " mobile, registered_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                event.nip,
                event.name,
                event.position,
                event.echelon.value if event.echelon else None,
                event.agency,
                event.unit,
                event.email,
                event.mobile,
                at,
            )
        case RoleGranted():
            await conn.execute(
                "INSERT INTO directory.roles (nip, role) VALUES ($1, $2)",
                event.nip,
                event.role.value,
            )
        case RoleRevoked():
            await conn.execute(
                "DELETE FROM directory.roles WHERE nip = $1 AND role = $2",
                event.nip,
                event.role.value,
            )
        case DelegationGranted():
            await conn.execute(
                "INSERT INTO directory.delegations (delegation_id, position, kind, holder_nip,"
                " holder_name, delegate_nip, delegate_name, starts_on, ends_on, decree_number,"
                " granted_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                event.delegation_id,
                event.position.value,
                event.kind.value,
                event.holder_nip,
                event.holder_name,
                event.delegate_nip,
                event.delegate_name,
                event.starts_on,
                event.ends_on,
                event.decree_number,
                at,
            )
        case DelegationEnded():
            await conn.execute(
                "UPDATE directory.delegations SET ended_on = $2, end_reason = $3"
                " WHERE delegation_id = $1",
                event.delegation_id,
                event.ended_on,
                event.reason,
            )


# --- agencies and people ---------------------------------------------------------------------


async def agencies(conn: asyncpg.Connection) -> list[AgencyView]:
    """Every agency, by code."""
    rows = await conn.fetch("SELECT code, name FROM directory.agencies ORDER BY code")
    return [AgencyView(code=r["code"], name=r["name"]) for r in rows]


async def agency_name(conn: asyncpg.Connection, code: str) -> str | None:
    """The name of an agency."""
    name: str | None = await conn.fetchval(
        "SELECT name FROM directory.agencies WHERE code = $1", code
    )
    return name


_PERSON = (
    "SELECT p.nip, p.name, p.position, p.echelon, p.agency, a.name AS agency_name, p.unit,"
    " p.email, p.mobile, p.active,"
    " coalesce(array_agg(r.role ORDER BY r.role) FILTER (WHERE r.role IS NOT NULL), '{}') AS roles"
    " FROM directory.people p JOIN directory.agencies a ON a.code = p.agency"
    " LEFT JOIN directory.roles r ON r.nip = p.nip"
)


def _person(row: asyncpg.Record) -> PersonView:
    return PersonView.model_validate(dict(row))


async def person(conn: asyncpg.Connection, nip: str) -> PersonView | None:
    """One person with their roles."""
    row = await conn.fetchrow(f"{_PERSON} WHERE p.nip = $1 GROUP BY p.nip, a.name", nip)
    return None if row is None else _person(row)


async def people(
    conn: asyncpg.Connection,
    *,
    role: str | None,
    agency: str | None,
    limit: int,
    offset: int,
    text: str | None = None,
) -> tuple[list[PersonView], int]:
    """A page of people, by name; with a role, only its holders; with an agency, only its staff;
    with a text, only those whose name holds it or whose NIP starts with it."""
    where = (
        " WHERE ($1::text IS NULL OR EXISTS (SELECT 1 FROM directory.roles x"
        " WHERE x.nip = p.nip AND x.role = $1)) AND ($2::text IS NULL OR p.agency = $2)"
        " AND ($3::text IS NULL OR strpos(lower(p.name), lower($3)) > 0"
        " OR strpos(p.nip, $3) = 1)"
    )
    rows = await conn.fetch(
        f"{_PERSON}{where} GROUP BY p.nip, a.name ORDER BY p.name, p.nip LIMIT $4 OFFSET $5",
        role,
        agency,
        text,
        limit,
        offset,
    )
    total: int = await conn.fetchval(
        f"SELECT count(*) FROM directory.people p{where}", role, agency, text
    )
    return [_person(r) for r in rows], total


async def admin_exists(conn: asyncpg.Connection) -> bool:
    """Whether anyone holds the admin role."""
    found: bool = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM directory.roles WHERE role = 'admin')"
    )
    return found


# --- credentials -----------------------------------------------------------------------------


async def save_credential(
    conn: asyncpg.Connection, nip: str, *, password_hash: str, must_change: bool, at: datetime
) -> None:
    """Keep a person's password hash (the log only says that it changed)."""
    await conn.execute(
        "INSERT INTO directory.credentials (nip, password_hash, must_change, changed_at)"
        " VALUES ($1, $2, $3, $4) ON CONFLICT (nip) DO UPDATE SET password_hash = $2,"
        " must_change = $3, changed_at = $4",
        nip,
        password_hash,
        must_change,
        at,
    )


async def credential(conn: asyncpg.Connection, nip: str) -> tuple[str, bool] | None:
    """A person's password hash and whether it must be changed, if they are active."""
    row = await conn.fetchrow(
        "SELECT c.password_hash, c.must_change FROM directory.credentials c"
        " JOIN directory.people p ON p.nip = c.nip WHERE c.nip = $1 AND p.active",
        nip,
    )
    return None if row is None else (row["password_hash"], row["must_change"])


# --- throttling ------------------------------------------------------------------------------


async def failures_since(
    conn: asyncpg.Connection, *, account: str, address: str, since: datetime
) -> tuple[int, datetime | None, int, datetime | None]:
    """Failed sign-ins since `since`: (count, oldest) of the account, then of the address."""
    row = await conn.fetchrow(
        "SELECT count(*) FILTER (WHERE account = $1) AS account_count,"
        " min(failed_at) FILTER (WHERE account = $1) AS account_oldest,"
        " count(*) FILTER (WHERE address = $2) AS address_count,"
        " min(failed_at) FILTER (WHERE address = $2) AS address_oldest"
        " FROM directory.sign_in_failures"
        " WHERE (account = $1 OR address = $2) AND failed_at > $3",
        account,
        address,
        since,
    )
    assert row is not None
    return row["account_count"], row["account_oldest"], row["address_count"], row["address_oldest"]


async def record_failure(
    conn: asyncpg.Connection, *, account: str, address: str, at: datetime
) -> None:
    """Count one failed sign-in."""
    await conn.execute(
        "INSERT INTO directory.sign_in_failures (account, address, failed_at) VALUES ($1, $2, $3)",
        account,
        address,
        at,
    )


async def clear_failures(conn: asyncpg.Connection, *, account: str) -> None:
    """Forget an account's failures once its owner signed in."""
    await conn.execute("DELETE FROM directory.sign_in_failures WHERE account = $1", account)


# --- sessions and grants ---------------------------------------------------------------------


async def insert_session(
    conn: asyncpg.Connection,
    token_hash: str,
    *,
    nip: str,
    at: datetime,
    expires_at: datetime,
    address: str,
    via_sso: bool = False,
) -> None:
    """Keep a new session (its token's hash only)."""
    await conn.execute(
        "INSERT INTO directory.sessions (token_hash, nip, created_at, expires_at, address, via_sso)"
        " VALUES ($1, $2, $3, $4, $5, $6)",
        token_hash,
        nip,
        at,
        expires_at,
        address,
        via_sso,
    )


async def session_via_sso(conn: asyncpg.Connection, token_hash: str) -> bool:
    """Whether the session was opened by single sign-on."""
    found: bool | None = await conn.fetchval(
        "SELECT via_sso FROM directory.sessions WHERE token_hash = $1", token_hash
    )
    return bool(found)


async def session_nip(conn: asyncpg.Connection, token_hash: str, *, now: datetime) -> str | None:
    """The NIP of a live session's person (not ended, not expired, person active)."""
    nip: str | None = await conn.fetchval(
        "SELECT s.nip FROM directory.sessions s JOIN directory.people p ON p.nip = s.nip"
        " WHERE s.token_hash = $1 AND s.ended_at IS NULL AND s.expires_at > $2 AND p.active",
        token_hash,
        now,
    )
    return nip


async def end_session(conn: asyncpg.Connection, token_hash: str, *, at: datetime) -> None:
    """End a session (sign-out)."""
    await conn.execute(
        "UPDATE directory.sessions SET ended_at = $2 WHERE token_hash = $1 AND ended_at IS NULL",
        token_hash,
        at,
    )


async def end_sessions_of(
    conn: asyncpg.Connection, nip: str, *, at: datetime, keep: str | None = None
) -> None:
    """End every session of a person but `keep` (after a password change or reset)."""
    await conn.execute(
        "UPDATE directory.sessions SET ended_at = $2 WHERE nip = $1 AND ended_at IS NULL"
        " AND token_hash IS DISTINCT FROM $3",
        nip,
        at,
        keep,
    )


async def insert_grant(
    conn: asyncpg.Connection, grant_hash: str, *, nip: str, expires_at: datetime
) -> None:
    """Keep a one-time sign-in grant (its hash only)."""
    await conn.execute(
        "INSERT INTO directory.grants (grant_hash, nip, expires_at) VALUES ($1, $2, $3)",
        grant_hash,
        nip,
        expires_at,
    )


async def use_grant(conn: asyncpg.Connection, grant_hash: str, *, now: datetime) -> str | None:
    """The NIP of an unused, unexpired grant, marking it used."""
    nip: str | None = await conn.fetchval(
        "UPDATE directory.grants SET used_at = $2 WHERE grant_hash = $1 AND used_at IS NULL"
        " AND expires_at > $2 RETURNING nip",
        grant_hash,
        now,
    )
    return nip


# --- delegations -----------------------------------------------------------------------------

_DELEGATION = (
    "SELECT delegation_id, position, kind, holder_nip, holder_name, delegate_nip, delegate_name,"
    " starts_on, ends_on, decree_number, ended_on, end_reason FROM directory.delegations"
)


async def delegations(
    conn: asyncpg.Connection, *, delegate_nip: str | None = None
) -> list[DelegationView]:
    """Every delegation (of one stand-in), newest first."""
    rows = await conn.fetch(
        f"{_DELEGATION} WHERE ($1::text IS NULL OR delegate_nip = $1)"
        " ORDER BY starts_on DESC, granted_at DESC",
        delegate_nip,
    )
    return [DelegationView.model_validate(dict(r)) for r in rows]


# --- signing keys ----------------------------------------------------------------------------


async def signing_key(conn: asyncpg.Connection, *, now: datetime) -> tuple[str, str] | None:
    """The key that signs now: (kid, private PEM)."""
    row = await conn.fetchrow(
        "SELECT kid, private_pem FROM directory.signing_keys WHERE signs_from <= $1"
        " AND (signing_until IS NULL OR signing_until > $1) ORDER BY signs_from DESC LIMIT 1",
        now,
    )
    return None if row is None else (row["kid"], row["private_pem"])


async def add_signing_key(
    conn: asyncpg.Connection,
    *,
    kid: str,
    private_pem: str,
    public_jwk: dict[str, Any],
    at: datetime,
    signs_from: datetime,
    keep_published: timedelta,
) -> None:
    """A new key, published now, signing from `signs_from`; the one it replaces stops then."""
    await conn.execute("LOCK TABLE directory.signing_keys IN SHARE ROW EXCLUSIVE MODE")
    await conn.execute(
        "UPDATE directory.signing_keys SET signing_until = $1, published_until = $2"
        " WHERE signing_until IS NULL",
        signs_from,
        signs_from + keep_published,
    )
    await conn.execute(
        "INSERT INTO directory.signing_keys (kid, private_pem, public_jwk, created_at, signs_from)"
        " VALUES ($1, $2, $3, $4, $5)",
        kid,
        private_pem,
        public_jwk,
        at,
        signs_from,
    )


async def published_keys(conn: asyncpg.Connection, *, now: datetime) -> list[dict[str, Any]]:
    """The public keys that verify tokens still valid: the signing one and those retiring."""
    rows = await conn.fetch(
        "SELECT public_jwk FROM directory.signing_keys"
        " WHERE published_until IS NULL OR published_until > $1 ORDER BY created_at DESC",
        now,
    )
    return [dict(r["public_jwk"]) for r in rows]


async def lock_person(conn: asyncpg.Connection, nip: str) -> None:
    """Serialise the changes of one person (their stream and their rows)."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"directory-person-{nip}")


def as_uuid(value: str | UUID) -> UUID:
    """A delegation id from the path."""
    return value if isinstance(value, UUID) else UUID(value)


# --- single sign-on --------------------------------------------------------------------------


async def insert_oidc_state(
    conn: asyncpg.Connection,
    state: str,
    *,
    code_verifier: str,
    nonce: str,
    return_to: str,
    expires_at: datetime,
) -> None:
    """Keep what the callback of a sign-on needs."""
    await conn.execute(
        "INSERT INTO directory.oidc_states (state, code_verifier, nonce, return_to, expires_at)"
        " VALUES ($1, $2, $3, $4, $5)",
        state,
        code_verifier,
        nonce,
        return_to,
        expires_at,
    )


async def take_oidc_state(
    conn: asyncpg.Connection, state: str, *, now: datetime
) -> tuple[str, str, str] | None:
    """(code_verifier, nonce, return_to) of a live sign-on, removed: it is used once."""
    row = await conn.fetchrow(
        "DELETE FROM directory.oidc_states WHERE state = $1 RETURNING code_verifier, nonce,"
        " return_to, expires_at",
        state,
    )
    if row is None or row["expires_at"] <= now:
        return None
    return row["code_verifier"], row["nonce"], row["return_to"]


async def is_active(conn: asyncpg.Connection, nip: str) -> bool:
    """Whether a person is registered and active."""
    found: bool = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM directory.people WHERE nip = $1 AND active)", nip
    )
    return found
