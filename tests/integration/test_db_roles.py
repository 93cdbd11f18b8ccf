"""Each service works in PostgreSQL as its own role: its schema, its category of the log, no more.

These tests speak SQL to the database directly, under each role, so that what they show is what
PostgreSQL refuses — not what the Python code happens not to do.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from penghubung.audit import generate_key_pair, load_private_key, sign_head
from penghubung.db import connect, create_pool
from penghubung.dbroles import AUDITOR_ROLE, role_of, service_role
from penghubung.events.base import Actor, Metadata, NewEvent, Role
from penghubung.events.catalog import RequestReturned
from penghubung.eventstore import EventStore
from penghubung.eventstore.migrations import migrate
from penghubung.services import SERVICES
from penghubung.sop import Step
from penghubung.testing.apis import ServiceApi, service_apis

pytestmark = pytest.mark.integration

INSERT = (
    "INSERT INTO eventstore.events (global_position, event_id, stream_id, stream_version, type,"
    " schema_version, occurred_at, recorded_at, actor, correlation_id, causation_id, payload,"
    " prev_hash, hash) VALUES ((SELECT position + 1 FROM eventstore.head), $1, $2, 1, 'Probe',"
    " 1, now(), now(), '{}', 'probe', NULL, '{}', '\\x00', '\\x00')"
)
"""One row, written by hand: whatever the database lets through is in the log."""


@pytest.fixture(scope="module")
async def database(new_database: Callable[[], Awaitable[str]]) -> str:
    return await new_database()


@contextlib.asynccontextmanager
async def as_role(url: str, role: str | None) -> AsyncIterator[asyncpg.Connection]:
    conn = await connect(url, role=role)
    try:
        yield conn
    finally:
        await conn.close()


async def refused(conn: asyncpg.Connection, sql: str, *args: Any) -> str:
    """The SQLSTATE with which PostgreSQL refuses `sql` (in a transaction rolled back)."""
    with pytest.raises(asyncpg.PostgresError) as caught:
        async with conn.transaction():
            await conn.execute(sql, *args)
    return str(caught.value.sqlstate)


async def appended(conn: asyncpg.Connection, stream_id: str) -> None:
    """Insert one probe row and roll it back (the log's chain is not disturbed)."""
    tx = conn.transaction()
    await tx.start()
    try:
        await conn.execute(INSERT, uuid.uuid4(), stream_id)
    finally:
        await tx.rollback()


def test_each_service_takes_its_own_role_unless_told_otherwise() -> None:
    assert service_role("intake", None) == "penghubung_intake"
    assert service_role("reporting", "operator_reporting") == "operator_reporting"
    assert service_role("intake", "") is None  # the login's own privileges


async def test_the_roles_exist_and_cannot_log_in(database: str) -> None:
    async with as_role(database, None) as conn:
        rows = await conn.fetch(
            "SELECT rolname, rolcanlogin, rolsuper FROM pg_roles WHERE rolname = ANY($1)",
            [*(role_of(s) for s in SERVICES), AUDITOR_ROLE, "penghubung_service"],
        )
    assert len(rows) == len(SERVICES) + 2
    assert not any(r["rolcanlogin"] or r["rolsuper"] for r in rows)


@pytest.mark.parametrize("service", SERVICES)
async def test_a_service_appends_to_its_own_category_only(database: str, service: str) -> None:
    async with as_role(database, role_of(service)) as conn:
        assert await conn.fetchval("SELECT current_user") == role_of(service)
        await appended(conn, f"{service}-SC05-2026-00001")
        for other in SERVICES:
            if other != service:
                code = await refused(conn, INSERT, uuid.uuid4(), f"{other}-SC05-2026-00001")
                assert code == "42501", other  # new row violates row-level security policy
        for stream in ("nocategory", "-x", f"x{service}-1", f"{service.upper()}-1"):
            assert await refused(conn, INSERT, uuid.uuid4(), stream) == "42501", stream
        if service == "reporting":
            await appended(conn, "audit-checkpoints")  # the reporting process signs the chain
        else:
            assert await refused(conn, INSERT, uuid.uuid4(), "audit-checkpoints") == "42501"


@pytest.mark.parametrize("role", [*(role_of(s) for s in SERVICES), AUDITOR_ROLE])
async def test_no_role_a_service_uses_changes_the_log(database: str, role: str) -> None:
    async with as_role(database, role) as conn:
        assert await conn.fetchval("SELECT count(*) FROM eventstore.events") >= 0
        for sql in (
            "UPDATE eventstore.events SET type = 'Forged'",
            "DELETE FROM eventstore.events",
            "TRUNCATE eventstore.events",
            "ALTER TABLE eventstore.events DISABLE TRIGGER USER",
            "ALTER TABLE eventstore.events DISABLE ROW LEVEL SECURITY",
            "DROP POLICY events_append_own_category ON eventstore.events",
            "INSERT INTO eventstore.writers VALUES (current_user, 'intake')",
            "DELETE FROM eventstore.writers",
        ):
            assert await refused(conn, sql) == "42501", sql  # insufficient privilege


async def test_the_auditor_reads_every_schema_and_writes_none(database: str) -> None:
    async with as_role(database, AUDITOR_ROLE) as conn:
        for table in (
            "eventstore.events",
            "messaging.inbox",
            "intake.requests",
            "disposition.requests",
            "integration.work_items",
            "reporting.requests",
            "notices.outbox",
            "directory.people",
            "directory.delegations",
        ):
            assert await conn.fetchval(f"SELECT count(*) FROM {table}") >= 0, table
        # Never the directory's secrets: password hashes, sessions, signing keys, grants.
        for secret in ("credentials", "sessions", "signing_keys", "grants"):
            assert await refused(conn, f"SELECT 1 FROM directory.{secret}") == "42501", secret
        assert await refused(conn, INSERT, uuid.uuid4(), "intake-SC05-2026-00001") == "42501"
        assert await refused(conn, "UPDATE intake.requests SET status = 'x'") == "42501"
        assert await refused(conn, "DELETE FROM messaging.inbox") == "42501"


@pytest.mark.parametrize("service", SERVICES)
async def test_a_service_touches_no_other_services_schema(database: str, service: str) -> None:
    tables = {
        "directory": "directory.people",
        "intake": "intake.requests",
        "disposition": "disposition.requests",
        "integration": "integration.work_items",
        "reporting": "reporting.requests",
        "notices": "notices.outbox",
    }
    async with as_role(database, role_of(service)) as conn:
        assert await conn.fetchval(f"SELECT count(*) FROM {tables[service]}") >= 0
        for other, table in tables.items():
            if other != service:
                assert await refused(conn, f"SELECT 1 FROM {table}") == "42501", table
        # What every service shares: the consumers' inbox, the relay's checkpoint, the head.
        async with conn.transaction():
            await conn.execute("SELECT position FROM eventstore.head FOR UPDATE")
            await conn.execute("UPDATE eventstore.relay_checkpoint SET position = position")
            await conn.fetchval("SELECT count(*) FROM messaging.dead_letters")


async def test_every_pooled_connection_of_a_service_keeps_its_role(
    new_database: Callable[[], Awaitable[str]], nats_url: str, run_id: str
) -> None:
    """Released connections are reset by the pool (RESET ALL): the role survives it."""
    async with service_apis(await new_database(), nats_url, run_id=f"{run_id}dr") as apis:
        for name, api in apis.items():
            seen = await _current_users(api)
            assert seen == {role_of(name)}, name


async def _current_users(api: ServiceApi) -> set[str]:
    async def one() -> str:
        async with api.ctx.pool.acquire() as conn:
            await asyncio.sleep(0.01)  # hold it, so that several connections are used
            user: str = await conn.fetchval("SELECT current_user")
            return user

    first = await asyncio.gather(*(one() for _ in range(5)))
    again = await asyncio.gather(*(one() for _ in range(5)))
    return {*first, *again}


async def test_a_store_on_a_service_pool_cannot_append_another_category(
    database: str,
) -> None:
    """The same through the event store (its own Python check aside: the category of the events
    matches the stream; it is the database that says no)."""
    event = RequestReturned(ticket_id="SC05-2026-00042", step=Step.DISPOSE_KABID, reasons=("x",))
    meta = Metadata(
        event_id=uuid.uuid4(),
        occurred_at=datetime.now(UTC),
        actor=Actor(name="Kadis", role=Role.KADIS),
        correlation_id="SC05-2026-00042",
    )
    async with create_pool(database, size=1, role=role_of("intake")) as pool:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await EventStore(pool).append(
                "disposition-SC05-2026-00042",
                expected_version=0,
                events=[NewEvent(event=event, meta=meta)],
            )
    async with create_pool(database, size=1, role=role_of("disposition")) as pool:
        result = await EventStore(pool).append(
            "disposition-SC05-2026-00042",
            expected_version=0,
            events=[NewEvent(event=event, meta=meta)],
        )
    assert result.stream_version == 1


async def test_an_operators_own_login_counts_as_the_role_it_is_a_member_of(
    database: str,
) -> None:
    """PENGHUBUNG_DATABASE_ROLE="" for a service that logs in as a member of its role."""
    login = f"penghubung_test_login_{uuid.uuid4().hex[:8]}"
    async with as_role(database, None) as admin:
        await admin.execute(f"CREATE ROLE {login} LOGIN PASSWORD 'uji-sandi'")
        await admin.execute(f"GRANT penghubung_intake TO {login}")
    try:
        parts = urlsplit(database)
        where = parts.netloc.rsplit("@", 1)[-1]
        url = urlunsplit((parts.scheme, f"{login}:uji-sandi@{where}", *parts[2:]))
        async with as_role(url, service_role("intake", "")) as conn:
            assert await conn.fetchval("SELECT current_user") == login
            await appended(conn, "intake-SC05-2026-00002")
            assert await refused(conn, INSERT, uuid.uuid4(), "reporting-x") == "42501"
            assert await refused(conn, "DELETE FROM eventstore.events") == "42501"
    finally:
        async with as_role(database, None) as admin:
            await admin.execute(f"DROP OWNED BY {login}")
            await admin.execute(f"DROP ROLE {login}")


async def test_databases_migrated_at_the_same_moment_share_the_roles(
    servers: Any, run_id: str
) -> None:
    """Roles belong to the server: a second database's migration finds them and grants anew."""
    admin_url: str = servers.database_url
    names = [f"penghubung_test_{run_id}_roles_{n}" for n in range(3)]
    admin = await asyncpg.connect(admin_url)
    try:
        for name in names:
            await admin.execute(f'CREATE DATABASE "{name}"')
        urls = [_database_url(admin_url, name) for name in names]

        async def migrated(url: str) -> None:
            async with as_role(url, None) as conn:
                await migrate(conn)

        await asyncio.gather(*(migrated(url) for url in urls))
        for url in urls:
            async with as_role(url, role_of("integration")) as conn:
                await appended(conn, "integration-SC05-2026-00003")
                assert await refused(conn, INSERT, uuid.uuid4(), "intake-x") == "42501"
    finally:
        for name in names:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def _database_url(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


async def test_the_reporting_process_signs_the_chain_and_no_other_may(
    new_database: Callable[[], Awaitable[str]], tmp_path: Path
) -> None:
    """The signer (PENGHUBUNG_AUDIT_SIGNER_ENABLED, in the reporting process) appends `audit-…`."""
    database = await new_database()
    keys = generate_key_pair(tmp_path / "keys")
    private_key = load_private_key(keys.private_key)
    async with create_pool(database, size=2, role=role_of("intake")) as pool:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await sign_head(
                EventStore(pool), private_key=private_key, checkpoint_dir=tmp_path / "intake"
            )
    async with create_pool(database, size=2, role=role_of("reporting")) as pool:
        signed = await sign_head(
            EventStore(pool), private_key=private_key, checkpoint_dir=tmp_path / "reporting"
        )
    assert signed is not None
