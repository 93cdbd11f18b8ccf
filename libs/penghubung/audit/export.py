"""Export part or all of the log as a self-contained bundle, and record the export in the log."""

from __future__ import annotations

import asyncio
import contextlib
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import asyncpg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from penghubung.audit.bundle import (
    BUNDLE_FORMAT,
    CHECKPOINTS,
    EVENTS,
    MANIFEST,
    PUBLIC_KEY,
    README,
    Manifest,
    canonical_json,
    checkpoint_line,
    event_line,
    sha256_file,
)
from penghubung.audit.chain import COLUMNS, Anchor, read_head, row_from_record
from penghubung.audit.checkpoints import (
    Located,
    merge,
    read_checkpoint_files,
    read_log_checkpoints,
)
from penghubung.audit.errors import AuditUsageError
from penghubung.audit.keys import key_id, public_key_pem
from penghubung.clock import Clock, IdFactory, new_id, utc_now
from penghubung.events.audit import EXPORT_STREAM, AuditExported, ExportScope, ExportScopeKind
from penghubung.events.base import Actor, Metadata, NewEvent
from penghubung.eventstore.store import ANY_VERSION, EventStore

_FULL = (
    "The whole chain from position 1: every event's hash is recomputed from its content and"
    " the previous hash, the last one must equal the head, and each signed checkpoint must"
    " verify with the audit public key and match the chain at its position."
)
_PARTIAL = (
    "Part of the chain: each event's hash is recomputed from its own content and its"
    " prev_hash, and consecutive positions must link. The bundle cannot prove that these"
    " events belong to the signed chain; the log itself (or a full export) can, and the"
    " AuditExported event in the log holds this bundle's SHA-256."
)
_README = """Penghubung audit bundle
=======================

{scope}, exported {exported_at} by {who}.
{count} events (positions {first}..{last}); head of the log then: {head}.

Verify it with no database and no running service:

    penghubung audit verify --bundle {name} --public-key audit_ed25519.pub.pem

Use the public key you received from the service desk, not only the copy in this bundle.

{verification}
"""


@dataclass(frozen=True)
class Exported:
    """A bundle written: where, its digest, its manifest, and the event recording it."""

    path: Path
    sha256: str
    manifest: Manifest
    event_position: int


async def export_bundle(
    store: EventStore,
    out: Path,
    *,
    scope: ExportScope,
    actor: Actor,
    public_key: Ed25519PublicKey | None = None,
    checkpoint_dir: Path | None = None,
    clock: Clock = utc_now,
    ids: IdFactory = new_id,
    batch_size: int = 5000,
) -> Exported:
    """Write the bundle of `scope` to `out` (a .tar.gz) and append `AuditExported` for it.

    The file only takes its name once the export event is stored: an export that could not
    be recorded leaves no bundle behind.
    """
    if await asyncio.to_thread(out.exists):
        raise AuditUsageError(f"{out} already exists: refusing to overwrite it")
    bundle_id, exported_at = ids(), clock()
    with tempfile.TemporaryDirectory(prefix="penghubung-export-") as tmp:
        folder = Path(tmp)
        async with (
            store.pool.acquire() as conn,
            conn.transaction(isolation="repeatable_read", readonly=True),
        ):
            head = await read_head(conn)
            found = list(await read_log_checkpoints(conn, until=head.position))
            written = await _write_events(conn, folder / EVENTS, scope, head, batch_size)
        if checkpoint_dir is not None:
            found += await asyncio.to_thread(read_checkpoint_files, checkpoint_dir)
        located, _ = merge(found)
        members = await asyncio.to_thread(_write_members, folder, located, public_key)
        manifest = Manifest(
            format=BUNDLE_FORMAT,
            bundle_id=str(bundle_id),
            exported_at=exported_at,
            exported_by=actor,
            scope=scope,
            complete=scope.kind is ExportScopeKind.ALL,
            event_count=written.count,
            first_position=written.first,
            last_position=written.last,
            head_position=head.position,
            head_hash=head.hash.hex(),
            public_key_id=None if public_key is None else key_id(public_key),
            files={name: sha256_file(folder / name) for name in (EVENTS, *members)},
            verification=_FULL if scope.kind is ExportScopeKind.ALL else _PARTIAL,
        )
        await asyncio.to_thread((folder / README).write_text, _readme(manifest, out.name), "utf-8")
        files = {**manifest.files, README: await asyncio.to_thread(sha256_file, folder / README)}
        manifest = manifest.model_copy(update={"files": files})
        part = out.with_name(out.name + ".part")
        await asyncio.to_thread(_write_tar, part, folder, manifest)
    try:
        digest = await asyncio.to_thread(sha256_file, part)
        position = await _record(store, manifest, out.name, digest, bundle_id)
        await asyncio.to_thread(part.rename, out)
    except BaseException:
        with contextlib.suppress(OSError):
            part.unlink()
        raise
    return Exported(out, digest, manifest, position)


@dataclass(frozen=True)
class _Written:
    count: int
    first: int | None
    last: int | None


async def _write_events(
    conn: asyncpg.Connection, path: Path, scope: ExportScope, head: Anchor, batch_size: int
) -> _Written:
    where, args = _scope_filter(scope)
    cursor = await conn.cursor(
        f"SELECT {COLUMNS} FROM eventstore.events WHERE global_position <= $1 AND {where}"
        " ORDER BY global_position",
        head.position,
        *args,
    )
    count, first, last = 0, None, None
    f: IO[bytes] = await asyncio.to_thread(open, path, "wb")
    try:
        while records := await cursor.fetch(batch_size):
            rows = [row_from_record(r) for r in records]
            await asyncio.to_thread(f.write, b"".join(event_line(r) for r in rows))
            count += len(rows)
            first = rows[0].global_position if first is None else first
            last = rows[-1].global_position
    finally:
        await asyncio.to_thread(f.close)
    return _Written(count, first, last)


def _scope_filter(scope: ExportScope) -> tuple[str, list[Any]]:
    if scope.kind is ExportScopeKind.TICKET:
        return "correlation_id = $2", [scope.ticket_id]
    if scope.kind is ExportScopeKind.RANGE:
        return (
            "($2::timestamptz IS NULL OR occurred_at >= $2)"
            " AND ($3::timestamptz IS NULL OR occurred_at < $3)",
            [scope.occurred_from, scope.occurred_until],
        )
    return "TRUE", []


def _write_members(
    folder: Path, checkpoints: list[Located], public_key: Ed25519PublicKey | None
) -> list[str]:
    (folder / CHECKPOINTS).write_bytes(b"".join(checkpoint_line(c.checkpoint) for c in checkpoints))
    names = [CHECKPOINTS]
    if public_key is not None:
        (folder / PUBLIC_KEY).write_bytes(public_key_pem(public_key))
        names.append(PUBLIC_KEY)
    return names


def _write_tar(part: Path, folder: Path, manifest: Manifest) -> None:
    body = canonical_json(manifest.model_dump(mode="json"))
    (folder / MANIFEST).write_text(body + "\n", encoding="utf-8")
    mtime = manifest.exported_at.timestamp()
    with tarfile.open(part, "x:gz") as tar:
        for member in (MANIFEST, README, *sorted(set(manifest.files) - {README})):
            info = tarfile.TarInfo(member)
            info.size, info.mtime, info.mode = (folder / member).stat().st_size, mtime, 0o644
            with open(folder / member, "rb") as f:
                tar.addfile(info, f)


def _readme(manifest: Manifest, name: str) -> str:
    return _README.format(
        scope=manifest.scope.describe().capitalize(),
        exported_at=_time(manifest.exported_at),
        who=manifest.exported_by.name,
        count=manifest.event_count,
        first=manifest.first_position or "-",
        last=manifest.last_position or "-",
        head=f"position {manifest.head_position}, hash {manifest.head_hash}",
        name=name,
        verification=manifest.verification,
    )


def _time(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S %Z")


async def _record(
    store: EventStore, manifest: Manifest, name: str, digest: str, bundle_id: Any
) -> int:
    event = AuditExported(
        scope=manifest.scope,
        event_count=manifest.event_count,
        first_position=manifest.first_position,
        last_position=manifest.last_position,
        head_position=manifest.head_position,
        complete=manifest.complete,
        bundle_name=name,
        bundle_sha256=digest,
    )
    meta = Metadata(
        event_id=bundle_id,
        occurred_at=manifest.exported_at,
        actor=manifest.exported_by,
        correlation_id=manifest.scope.ticket_id or EXPORT_STREAM,
    )
    result = await store.append(
        EXPORT_STREAM, expected_version=ANY_VERSION, events=[NewEvent(event=event, meta=meta)]
    )
    return result.positions[-1]
