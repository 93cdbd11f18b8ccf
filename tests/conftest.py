"""Fixtures shared by every level: real servers found as DESIGN §5 says, a database per run."""

from __future__ import annotations

import gc
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from penghubung.db import connect, create_pool

# The services under test verify HS256 tokens on an explicit secret (the tests mint them); the
# directory's own EdDSA tokens are tested where the directory runs.
os.environ.setdefault("PENGHUBUNG_JWT_SECRET", "tests-explicit-hs256-secret-0123456789abcdef")
from penghubung.eventstore import EventStore
from penghubung.eventstore.migrations import migrate


def database_url_named(url: str, name: str) -> str:
    """The same server URL pointing at another database."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


@pytest.fixture(scope="module", autouse=True)
def collector_skips_what_lived_before() -> Iterator[None]:
    """The cyclic garbage collector leaves alone, while a module runs, what was alive before it.

    A full collection walks every object the process holds: every module imported for the run
    and what the session keeps. A module that makes millions of short-lived objects (Hypothesis,
    Schemathesis) then pays for that walk again and again. Frozen, those objects are skipped;
    thawed when the module ends, whatever of them became garbage is collected as before.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@pytest.fixture(scope="session")
def run_id() -> str:
    """A short id that keeps this run's databases and streams apart from any other run's."""
    return uuid.uuid4().hex[:10]


@pytest.fixture(scope="session")
def servers() -> Iterator[object]:
    """PostgreSQL and NATS: the environment's, else Docker's, else the embedded wheels.

    The embedded servers' data lives in a folder of the run's own, not under pytest's temporary
    root: pytest removes old runs' folders there when another run starts, which would pull the
    data from under a server still running.
    """
    from penghubung.testing.servers import provide_servers

    folder = Path(tempfile.mkdtemp(prefix="penghubung-test-servers-"))
    try:
        with provide_servers(folder) as found:
            yield found
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def private_dir() -> Iterator[Path]:
    """A folder outside pytest's temporary root, for an embedded PostgreSQL of a test's own
    (it runs as another user, and another pytest run resets that root to the owner alone)."""
    folder = Path(tempfile.mkdtemp(prefix="penghubung-test-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


NewDatabase = Callable[[], Awaitable[str]]


@pytest.fixture(scope="session")
async def new_database(servers: object, run_id: str) -> AsyncIterator[NewDatabase]:
    """Make a migrated database of this run's own; all are dropped when the run ends.

    The migrations run once, on a template database that nobody connects to afterwards; each
    database is then a copy of it (`CREATE DATABASE … TEMPLATE`), a fraction of the migrations'
    cost. Roles belong to the server and the grants are copied with the catalog, so the copy is
    what a migration of its own would have made (`test_eventstore` checks that nothing is left to
    apply, `test_db_roles` migrates databases side by side itself).
    """
    admin_url: str = servers.database_url  # type: ignore[attr-defined]
    template = f"penghubung_test_{run_id}_template"
    made: list[str] = []

    async def make() -> str:
        admin = await asyncpg.connect(admin_url)
        try:
            if not made:
                await admin.execute(f'CREATE DATABASE "{template}"')
                made.append(template)
                conn = await connect(database_url_named(admin_url, template))
                try:
                    await migrate(conn)
                finally:
                    await conn.close()
            name = f"penghubung_test_{run_id}_{len(made)}"
            await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        finally:
            await admin.close()
        made.append(name)
        return database_url_named(admin_url, name)

    yield make
    if servers.postgres is not None:  # type: ignore[attr-defined]
        return  # the run's own server: it goes, with every database on it, when the run ends
    admin = await asyncpg.connect(admin_url)
    try:
        for name in reversed(made):
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture(scope="session")
async def database_url(new_database: NewDatabase) -> str:
    """The run's shared database (tests use random ids, never truncate)."""
    return await new_database()


@pytest.fixture(scope="session")
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    """A pool on the run's shared database."""
    async with create_pool(database_url, size=12) as p:
        yield p


@pytest.fixture(scope="session")
def store(pool: asyncpg.Pool) -> EventStore:
    """The event log of the run's shared database."""
    return EventStore(pool)


@pytest.fixture(scope="session")
def nats_url(servers: object) -> str:
    """The NATS server of this run."""
    url: str = servers.nats_url  # type: ignore[attr-defined]
    return url
