"""SQL of a rebuild: fresh tables like the live ones, their digests and differences, the swap.

Fresh tables are made from the live tables' own definitions (`LIKE reporting.<table>`), so a
rebuild never needs a copy of the migrations: the same columns, defaults and checks, and the
keys and indexes under the same names (a swapped-in table is the migrated table again). They
are made in a schema of their own, or in `pg_temp` (a connection's temporary tables).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

from reporting.projections import rows
from reporting.projections.tables import LIVE, PROJECTED, TEMPORARY

BASE_CALENDAR = (1, '{"version": 1}', 0)
"""Version 1 of the working calendar (version, spec, position), as `0002_sla.sql` inserts it:
the base every calendar change builds on, not a fact of the log."""

_LIKE = (
    "INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED INCLUDING IDENTITY"
    " INCLUDING STORAGE INCLUDING COMMENTS"
)
"""Everything of a live table but its keys and indexes (those are copied under their names)."""

_KEYS = (
    "SELECT conname, pg_get_constraintdef(oid) AS definition FROM pg_constraint"
    " WHERE conrelid = $1::regclass AND contype IN ('p', 'u', 'x') ORDER BY conname"
)
_INDEXES = (
    "SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS definition"
    " FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
    " WHERE i.indrelid = $1::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint k"
    " WHERE k.conrelid = i.indrelid AND k.conindid = i.indexrelid) ORDER BY c.relname"
)
_ON_TABLE = re.compile(r" ON (ONLY )?\S+ USING ")


def ident(name: str) -> str:
    """A name quoted as an SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


async def create_tables(
    conn: asyncpg.Connection, schema: str, *, base_calendar: bool = True
) -> None:
    """Empty copies of the projection's tables in `schema` (created here unless `pg_temp`), with
    version 1 of the calendar, as after the migrations (unless not `base_calendar`: a snapshot
    brings it): all of it, or nothing."""
    async with conn.transaction():
        if schema != TEMPORARY:
            await conn.execute(f"CREATE SCHEMA {schema}")
        for table in PROJECTED:
            await _create_like(conn, table, f"{schema}.{table}")
        if not base_calendar:
            return
        await conn.execute(
            f"INSERT INTO {schema}.calendar_versions (version, spec, global_position)"
            " VALUES ($1, $2::text::jsonb, $3)",
            *BASE_CALENDAR,
        )


async def _create_like(conn: asyncpg.Connection, table: str, fresh: str) -> None:
    await conn.execute(f"CREATE TABLE {fresh} (LIKE {LIVE}.{table} {_LIKE})")
    await _add_keys(conn, table, fresh)


@contextlib.asynccontextmanager
async def keys_deferred(conn: asyncpg.Connection, schema: str) -> AsyncIterator[None]:
    """In the caller's transaction: the keys and indexes of `schema`'s fresh tables dropped for
    the block and made again after it, over all the rows at once (PostgreSQL builds an index of
    rows already there several times faster than it maintains one row by row, as COPY would make
    it). A key that the rows break fails at the end of the block rather than during it."""
    for table in PROJECTED:
        live, fresh = f"{LIVE}.{table}", f"{schema}.{table}"
        for key in await conn.fetch(_KEYS, live):
            await conn.execute(f"ALTER TABLE {fresh} DROP CONSTRAINT {ident(key['conname'])}")
        for index in await conn.fetch(_INDEXES, live):
            await conn.execute(f"DROP INDEX {schema}.{ident(index['name'])}")
    yield
    for table in PROJECTED:
        await _add_keys(conn, table, f"{schema}.{table}")


async def _add_keys(conn: asyncpg.Connection, table: str, fresh: str) -> None:
    """The live table's keys and indexes, under their names, on `fresh`."""
    live = f"{LIVE}.{table}"
    for key in await conn.fetch(_KEYS, live):
        await conn.execute(
            f"ALTER TABLE {fresh} ADD CONSTRAINT {ident(key['conname'])} {key['definition']}"
        )
    for index in await conn.fetch(_INDEXES, live):
        definition, found = _ON_TABLE.subn(rf" ON \g<1>{fresh} USING ", index["definition"], 1)
        if not found:
            raise RuntimeError(f"unexpected definition of index {index['name']}: {definition}")
        await conn.execute(definition)


async def temporary_size(conn: asyncpg.Connection) -> int:
    """Bytes the connection's temporary copies of the projection's tables take (with indexes;
    the shared rows a copy reads in place, `read_shared`, are not its own)."""
    size: int = await conn.fetchval(
        "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint FROM pg_class c"
        " WHERE c.relnamespace = pg_my_temp_schema() AND c.relkind = 'r'"
        " AND c.relname = ANY($1::text[])",
        [*PROJECTED, *(_after(t) for t in SHARED)],
    )
    return size


# --- snapshots for `as_of` -------------------------------------------------------------------

_SHAPE = (
    "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a"
    " JOIN pg_class c ON c.oid = a.attrelid WHERE c.relnamespace = 'reporting'::regnamespace"
    " AND c.relname = ANY($1::text[]) AND a.attnum > 0 AND NOT a.attisdropped"
    " ORDER BY c.relname, a.attnum"
)


SHARED = {"timeline": "as_of_timeline", "sla_facts": "as_of_sla_facts"}
"""The growing tables whose rows the snapshots share (migration 0007), by the table that holds
them: the largest by far (a snapshot near the end of a 200,000-event log would hold about
100 MB of them), and no later event changes their rows, each keyed by its own log position."""


def _after(table: str) -> str:
    """The temporary table of a copy that holds a shared table's rows after its snapshot."""
    return f"{table}_after_snapshot"


async def shape(conn: asyncpg.Connection) -> str:
    """The SHA-256 of the projected tables' columns and types, and of the shared rows' tables (a
    snapshot of other tables is of no use)."""
    rows = await conn.fetch(_SHAPE, [*PROJECTED, *SHARED.values()])
    return hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest()


async def nearest_snapshot(conn: asyncpg.Connection, position: int, *, rules: str) -> int:
    """The position of the latest snapshot at or before `position` made by `rules`, whose
    shared rows are kept (0: none)."""
    found: int = await conn.fetchval(
        "SELECT coalesce(max(s.position), 0) FROM reporting.as_of_snapshots s"
        " JOIN reporting.as_of_rows r ON r.rules = s.rules"
        " WHERE s.rules = $1 AND s.position <= $2 AND s.position <= r.upto",
        rules,
        position,
    )
    return found


async def restore_snapshot(conn: asyncpg.Connection, position: int) -> None:
    """Fill the connection's empty temporary tables (made without the base calendar) with the
    tables of the snapshot at `position`, all but the shared ones (`read_shared`)."""
    rows = await conn.fetch(
        "SELECT table_name, data FROM reporting.as_of_snapshot_tables"
        " WHERE position = $1 AND table_name <> ALL($2::text[])",
        position,
        list(SHARED),
    )
    for row in rows:
        await conn.copy_to_table(
            row["table_name"],
            schema_name=TEMPORARY,
            source=io.BytesIO(row["data"]),
            format="binary",
        )


async def read_shared(conn: asyncpg.Connection, position: int) -> None:
    """Make the copy's shared tables (holding the rows folded after the snapshot at `position`)
    views of the shared rows up to `position` and of those rows: the copy reads the snapshot's
    part in place instead of restoring it. After the copy's keys are made."""
    for table, shared in SHARED.items():
        names = ", ".join(ident(n) for n in await columns(conn, table))
        after = _after(table)
        await conn.execute(f"ALTER TABLE {TEMPORARY}.{table} RENAME TO {after}")
        await conn.execute(
            f"CREATE TEMPORARY VIEW {table} AS SELECT {names} FROM {LIVE}.{shared}"
            f" WHERE global_position <= {int(position)}"
            f" UNION ALL SELECT {names} FROM {TEMPORARY}.{after}"
        )


async def _share_rows(conn: asyncpg.Connection, position: int, *, rules: str) -> None:
    """In the caller's transaction: the shared tables' rows of the copy up to `position` kept
    for every snapshot made by `rules` (those of other rules are dropped first)."""
    kept = await conn.fetchrow("SELECT rules, upto FROM reporting.as_of_rows FOR UPDATE")
    assert kept is not None  # made by migration 0007
    upto = kept["upto"] if kept["rules"] == rules else 0
    if kept["rules"] != rules:
        for shared in SHARED.values():
            await conn.execute(f"DELETE FROM {LIVE}.{shared}")
    if position > upto:
        for table, shared in SHARED.items():
            names = ", ".join(ident(n) for n in await columns(conn, table))
            await conn.execute(
                f"INSERT INTO {LIVE}.{shared} ({names}) SELECT {names} FROM {TEMPORARY}.{table}"
                " WHERE global_position > $1 AND global_position <= $2",
                upto,
                position,
            )
    await conn.execute(
        "UPDATE reporting.as_of_rows SET rules = $1, upto = $2", rules, max(upto, position)
    )


async def forget_snapshots(conn: asyncpg.Connection) -> None:
    """Drop every snapshot and the rows they share (the next copies start from position 1)."""
    async with conn.transaction():
        await conn.execute("DELETE FROM reporting.as_of_snapshots")
        await conn.execute("UPDATE reporting.as_of_rows SET rules = '', upto = 0")
        for shared in SHARED.values():
            await conn.execute(f"DELETE FROM {LIVE}.{shared}")


async def save_snapshot(conn: asyncpg.Connection, position: int, *, rules: str, keep: int) -> bool:
    """Keep the connection's temporary tables as the snapshot at `position` (False: one is there
    already): the shared tables' rows once for all snapshots (`SHARED`), the others in the
    snapshot's own; and drop all but the `keep` latest snapshots made by `rules` (and all
    others)."""
    tables = {}
    for table in PROJECTED:
        if table in SHARED:
            continue
        data = io.BytesIO()
        await conn.copy_from_table(table, schema_name=TEMPORARY, output=data, format="binary")
        tables[table] = data.getvalue()
    async with conn.transaction():
        await _share_rows(conn, position, rules=rules)
        made = await conn.fetchval(
            "INSERT INTO reporting.as_of_snapshots (position, rules, bytes)"
            " VALUES ($1, $2, $3) ON CONFLICT (position) DO NOTHING RETURNING true",
            position,
            rules,
            sum(len(d) for d in tables.values()),
        )
        if not made:
            return False
        await conn.executemany(
            "INSERT INTO reporting.as_of_snapshot_tables (position, table_name, data)"
            " VALUES ($1, $2, $3)",
            [(position, table, data) for table, data in tables.items()],
        )
        await conn.execute(
            "DELETE FROM reporting.as_of_snapshots WHERE rules <> $1 OR position NOT IN"
            " (SELECT position FROM reporting.as_of_snapshots WHERE rules = $1"
            " ORDER BY made_at DESC, position DESC LIMIT $2)",
            rules,
            keep,
        )
    return True


async def drop_schema(conn: asyncpg.Connection, schema: str) -> None:
    """Drop a rebuild's schema and its tables."""
    await conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


async def columns(conn: asyncpg.Connection, table: str) -> list[str]:
    """The live table's columns, in their order."""
    return await rows.columns(conn, table)


# --- comparing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Digest:
    """How many rows a table holds, and the SHA-256 of their md5s in key order."""

    rows: int
    sha256: str


async def digest(
    conn: asyncpg.Connection, schema: str, table: str, *, names: Sequence[str]
) -> Digest:
    """The table's digest over `names`, streamed through a cursor (needs a transaction)."""
    key = ", ".join(ident(k) for k in PROJECTED[table])
    row = ", ".join(ident(n) for n in names)
    summed = hashlib.sha256()
    count = 0
    query = f"SELECT md5(ROW({row})::text) FROM {schema}.{table} ORDER BY {key}"
    async for record in conn.cursor(query, prefetch=10_000):
        summed.update(record[0].encode())
        count += 1
    return Digest(count, summed.hexdigest())


async def differing_keys(
    conn: asyncpg.Connection, rebuilt: str, table: str, *, names: Sequence[str], limit: int
) -> tuple[int, list[tuple[Any, ...]]]:
    """How many keys have a row that differs between the live table and the rebuilt one (or is
    in one only), and the first `limit` of them in key order."""
    key_names = PROJECTED[table]
    key = ", ".join(ident(k) for k in key_names)
    row = ", ".join(ident(n) for n in names)
    differing = (
        f"SELECT DISTINCT {key} FROM ((SELECT {row} FROM {LIVE}.{table}"
        f" EXCEPT ALL SELECT {row} FROM {rebuilt}.{table})"
        f" UNION ALL (SELECT {row} FROM {rebuilt}.{table}"
        f" EXCEPT ALL SELECT {row} FROM {LIVE}.{table})) AS d"
    )
    total: int = await conn.fetchval(f"SELECT count(*) FROM ({differing}) AS k")
    first = await conn.fetch(f"{differing} ORDER BY {key} LIMIT $1", limit)
    return total, [tuple(r[k] for k in key_names) for r in first]


async def row_at(
    conn: asyncpg.Connection, schema: str, table: str, key: Sequence[Any]
) -> dict[str, Any] | None:
    """One row by its key, or None."""
    where = " AND ".join(f"{ident(k)} = ${n}" for n, k in enumerate(PROJECTED[table], start=1))
    found = await conn.fetchrow(f"SELECT * FROM {schema}.{table} WHERE {where}", *key)
    return dict(found) if found is not None else None


# --- swapping ---------------------------------------------------------------------------------

_GRANTS = (
    "SELECT a.privilege_type, a.is_grantable,"
    " CASE WHEN a.grantee = 0 THEN NULL ELSE pg_get_userbyid(a.grantee) END AS grantee"
    " FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) AS a"
    " WHERE c.oid = $1::regclass AND a.grantee <> c.relowner"
)
_OWNER = "SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = $1::regclass"


async def swap(conn: asyncpg.Connection, rebuilt: str, *, backup: str) -> None:
    """In the caller's transaction: the live tables move to `backup`, the rebuilt ones (with the
    live ones' owner and grants) into `reporting`, and the emptied rebuild schema is dropped."""
    await conn.execute(f"CREATE SCHEMA {backup}")
    for table in PROJECTED:
        await _grant_like(conn, f"{LIVE}.{table}", f"{rebuilt}.{table}")
    for table in PROJECTED:
        await conn.execute(f"ALTER TABLE {LIVE}.{table} SET SCHEMA {backup}")
    for table in PROJECTED:
        await conn.execute(f"ALTER TABLE {rebuilt}.{table} SET SCHEMA {LIVE}")
    await conn.execute(f"DROP SCHEMA {rebuilt}")


async def _grant_like(conn: asyncpg.Connection, live: str, fresh: str) -> None:
    """Give the fresh table the live table's owner and privileges (the services' roles, the
    auditor's): default privileges only apply to tables made in their own schema."""
    owner: str = await conn.fetchval(_OWNER, live)
    if owner != await conn.fetchval(_OWNER, fresh):
        await conn.execute(f"ALTER TABLE {fresh} OWNER TO {ident(owner)}")
    for grant in await conn.fetch(_GRANTS, live):
        grantee = ident(grant["grantee"]) if grant["grantee"] is not None else "PUBLIC"
        option = " WITH GRANT OPTION" if grant["is_grantable"] else ""
        await conn.execute(f"GRANT {grant['privilege_type']} ON {fresh} TO {grantee}{option}")
