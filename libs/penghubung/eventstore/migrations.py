"""Versioned SQL migrations: every component's files applied in order, once, under a lock."""

from __future__ import annotations

import hashlib
import importlib.util
import logging
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from penghubung.services import SERVICES

log = logging.getLogger(__name__)

COMPONENTS = ("penghubung.eventstore", "penghubung.bus", *SERVICES, "penghubung.dbroles")
"""Packages whose `schema/` folder holds `NNNN_name.sql` files, applied in this order.

`penghubung.dbroles` comes last: it grants the services' roles what the others created."""

_LOCK_KEY = 0x5048_4D49  # "PHMI": one migrator at a time across processes


@dataclass(frozen=True)
class Migration:
    """One SQL file of one component."""

    component: str
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        """SHA-256 of the file, to notice a file changed after it was applied."""
        return hashlib.sha256(self.sql.encode()).hexdigest()


class MigrationError(RuntimeError):
    """An applied migration's file was changed, or its SQL failed."""


def discover(components: tuple[str, ...] = COMPONENTS) -> list[Migration]:
    """Every migration file shipped with the code, component by component, in version order."""
    found: list[Migration] = []
    for component in components:
        spec = importlib.util.find_spec(component)
        if spec is None or not spec.submodule_search_locations:
            continue
        for location in dict.fromkeys(spec.submodule_search_locations):
            folder = Path(location) / "schema"
            for f in sorted(folder.glob("*.sql")):
                version, _, name = f.stem.partition("_")
                found.append(Migration(component, int(version), name, f.read_text()))
    return found


async def migrate(conn: asyncpg.Connection) -> list[Migration]:
    """Apply every pending migration, each in its own transaction; return those applied."""
    await conn.execute("SELECT pg_advisory_lock($1)", _LOCK_KEY)
    try:
        await conn.execute(
            """CREATE TABLE IF NOT EXISTS public.penghubung_migrations (
                   component  text NOT NULL,
                   version    integer NOT NULL,
                   name       text NOT NULL,
                   checksum   text NOT NULL,
                   applied_at timestamptz NOT NULL DEFAULT now(),
                   PRIMARY KEY (component, version))"""
        )
        rows = await conn.fetch("SELECT component, version, checksum FROM penghubung_migrations")
        applied = {(r["component"], r["version"]): r["checksum"] for r in rows}
        done: list[Migration] = []
        for m in discover():
            known = applied.get((m.component, m.version))
            if known is not None:
                if known != m.checksum:
                    raise MigrationError(
                        f"{m.component} {m.version:04d}_{m.name} changed after it ran"
                    )
                continue
            async with conn.transaction():
                await conn.execute(m.sql)
                await conn.execute(
                    "INSERT INTO penghubung_migrations (component, version, name, checksum)"
                    " VALUES ($1, $2, $3, $4)",
                    m.component,
                    m.version,
                    m.name,
                    m.checksum,
                )
            log.info("migration applied", extra={"component": m.component, "version": m.version})
            done.append(m)
        return done
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", _LOCK_KEY)


async def pending(conn: asyncpg.Connection) -> list[Migration]:
    """Migrations shipped with the code but not yet applied (readiness wants none)."""
    exists = await conn.fetchval("SELECT to_regclass('public.penghubung_migrations') IS NOT NULL")
    if not exists:
        return discover()
    rows = await conn.fetch("SELECT component, version FROM penghubung_migrations")
    applied = {(r["component"], r["version"]) for r in rows}
    return [m for m in discover() if (m.component, m.version) not in applied]


async def migrate_command() -> int:
    """`penghubung migrate`: apply pending migrations to PENGHUBUNG_DATABASE_URL."""
    from penghubung.settings import DatabaseSettings

    settings = DatabaseSettings()
    conn = await asyncpg.connect(settings.database_url)
    try:
        done = await migrate(conn)
    finally:
        await conn.close()
    for m in done:
        print(f"applied {m.component} {m.version:04d}_{m.name}")
    print(f"migrations current ({len(done)} applied now)")
    return 0
