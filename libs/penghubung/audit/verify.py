"""Verify the log: recompute the hash chain and check the signed checkpoints against it.

Two sources, one walk (`chain.ChainWalker`): the database (`verify_database`, from position 1
or from the newest valid signed checkpoint) and an exported bundle (`verify_bundle`, with no
database at all). The report names the first bad position and what is wrong there, each
checkpoint's standing, and what the walk does not prove.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import asyncpg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from penghubung.audit.bundle import READ_ERRORS, BundleCorrupt, BundleReader, Manifest
from penghubung.audit.chain import (
    GENESIS,
    Anchor,
    ChainWalker,
    Finding,
    Problem,
    WalkResult,
    read_head,
    walk_database,
)
from penghubung.audit.checkpoints import (
    Checkpoint,
    Located,
    SignatureStatus,
    Sourced,
    UnreadableCheckpoint,
    check_signature,
    merge,
    read_checkpoint_files,
    read_log_checkpoints,
    trusted_keys,
)
from penghubung.audit.errors import AuditUsageError
from penghubung.audit.keys import parse_public_key


class ChainStatus(StrEnum):
    """How a checkpoint compares with the chain that was walked."""

    MATCHES = "matches"
    DIFFERS = "differs"
    BEYOND_END = "beyond_end"
    NOT_REACHED = "not_reached"
    BEFORE_START = "before_start"
    NOT_IN_BUNDLE = "not_in_bundle"
    AFTER_EXPORT = "after_export"
    """Beyond the bundle's end, and signed after the bundle was exported: not a contradiction."""


_CHAIN_FAILS = {ChainStatus.DIFFERS, ChainStatus.BEYOND_END}
_SIGNATURE_FAILS = {SignatureStatus.BAD_SIGNATURE, SignatureStatus.UNKNOWN_KEY}


@dataclass(frozen=True)
class CheckpointResult:
    """One signed checkpoint: is the signature good, and does the chain have that hash there."""

    checkpoint: Checkpoint
    sources: tuple[str, ...]
    signature: SignatureStatus
    chain: ChainStatus

    @property
    def ok(self) -> bool:
        """False when the signature fails or the chain disagrees with it."""
        return self.signature not in _SIGNATURE_FAILS and self.chain not in _CHAIN_FAILS

    @property
    def proven(self) -> bool:
        """True when the signature holds and the walked chain has the signed hash there."""
        return self.signature is SignatureStatus.VALID and self.chain is ChainStatus.MATCHES

    def finding(self) -> Finding | None:
        """What is wrong with it, for the report's list of findings."""
        if self.ok:
            return None
        cp = self.checkpoint
        why = {
            SignatureStatus.BAD_SIGNATURE: "its signature does not verify with its key",
            SignatureStatus.UNKNOWN_KEY: f"it is signed by key {cp.key_id}, not a trusted key",
        }.get(self.signature)
        if why is None and self.chain is ChainStatus.DIFFERS:
            why = "the chain at its position has another hash: rewritten after it was signed"
        elif why is None:
            why = "the chain ends before its position: rows were removed from the end"
        where = ", ".join(self.sources)
        message = (
            f"checkpoint of position {cp.position} signed {cp.signed_at:%Y-%m-%d %H:%M}Z: {why}"
        )
        return Finding(Problem.CHECKPOINT, cp.position, message, where=where)

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON values."""
        return {
            **self.checkpoint.to_json(),
            "sources": list(self.sources),
            "signature_status": self.signature.value,
            "chain_status": self.chain.value,
            "ok": self.ok,
        }


@dataclass(frozen=True)
class AuditReport:
    """The outcome of a verification, for people (`render`) and programs (`to_dict`)."""

    source: str
    walk: WalkResult
    head: Anchor | None
    checkpoints: tuple[CheckpointResult, ...]
    findings: tuple[Finding, ...]
    keys: tuple[str, ...]
    key_source: str
    notes: tuple[str, ...] = ()
    manifest: Manifest | None = None
    unreadable: bool = field(default=False)
    """True when the bundle could not be read at all."""

    @property
    def ok(self) -> bool:
        """True when nothing at all was found wrong."""
        return not self.findings

    @property
    def first_bad_position(self) -> int | None:
        """The position of the first finding (the chain's, when the chain broke)."""
        return self.findings[0].position if self.findings else None

    @property
    def signed_through(self) -> int | None:
        """The highest position a valid signed checkpoint vouches for on the walked chain."""
        proven = [c.checkpoint.position for c in self.checkpoints if c.proven]
        # A checkpoint of position 0 (the empty log) vouches for no event at all.
        return max(proven) if proven and max(proven) > 0 else None

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON values (`penghubung audit verify --json`)."""
        walk = self.walk
        return {
            "ok": self.ok,
            "source": self.source,
            "complete": walk.complete,
            "started_after": {"position": walk.start.position, "hash": walk.start.hash.hex()},
            "checked": walk.checked,
            "first_position": walk.first_position,
            "last_position": walk.last_position,
            "last_hash": walk.last_hash.hex(),
            "head": None
            if self.head is None
            else {"position": self.head.position, "hash": self.head.hash.hex()},
            "first_bad_position": self.first_bad_position,
            "problem": self.findings[0].problem.value if self.findings else None,
            "findings": [f.to_dict() for f in self.findings],
            "checkpoints": [c.to_dict() for c in self.checkpoints],
            "signed_through": self.signed_through,
            "keys": list(self.keys),
            "key_source": self.key_source,
            "notes": list(self.notes),
            "manifest": None if self.manifest is None else self.manifest.model_dump(mode="json"),
        }


# --- the database -----------------------------------------------------------------------------


async def verify_database(
    conn: asyncpg.Connection,
    *,
    public_keys: Sequence[Ed25519PublicKey] = (),
    checkpoint_dir: Path | None = None,
    from_checkpoint: bool = False,
    batch_size: int = 5000,
    source: str = "database",
    key_source: str = "given",
) -> AuditReport:
    """Walk the log in one snapshot and check every checkpoint of the log and of the folder."""
    keys = trusted_keys(public_keys)
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        found: list[Sourced] = list(await read_log_checkpoints(conn))
        if checkpoint_dir is not None:
            found += await asyncio.to_thread(read_checkpoint_files, checkpoint_dir)
        located, unreadable = merge(found)
        start = _start(located, keys) if from_checkpoint else None
        walker = ChainWalker(
            start=start.checkpoint.anchor if start else GENESIS,
            in_position_order=True,
            watch=frozenset(c.checkpoint.position for c in located),
        )
        first = max(start.checkpoint.position, 1) if start else 1
        await walk_database(conn, walker, from_position=first, batch_size=batch_size)
        head = await read_head(conn)
    walk = walker.finish(head=head)
    results = _check_checkpoints(located, keys, walk)
    key_source = key_source if keys else "none"
    notes = _walk_notes(walk, start) + _key_notes(keys, key_source, results)
    return _report(source, walk, head, results, unreadable, keys, key_source, notes)


def _start(located: Sequence[Located], keys: Mapping[str, Ed25519PublicKey]) -> Located:
    if not keys:
        raise AuditUsageError("--from-checkpoint needs the public key (--public-key FILE)")
    valid = [c for c in located if check_signature(c.checkpoint, keys) is SignatureStatus.VALID]
    if not valid:
        raise AuditUsageError("no checkpoint signed by the given key: verify from position 1")
    return max(valid, key=lambda c: c.checkpoint.position)


# --- a bundle ---------------------------------------------------------------------------------


def verify_bundle(
    path: Path,
    *,
    public_keys: Sequence[Ed25519PublicKey] = (),
    checkpoint_dir: Path | None = None,
    from_checkpoint: bool = False,
) -> AuditReport:
    """Verify an exported bundle with nothing but the file (and, better, the trusted key).

    `checkpoint_dir`: checkpoint files the auditor holds apart from the bundle (received
    earlier, or copied from the signer's folder); they are checked against the bundle's chain
    too, so a chain rewritten together with its checkpoints still fails.
    """
    try:
        reader = BundleReader(path)
    except BundleCorrupt as exc:
        return _unreadable(str(path), str(exc))
    with reader:
        manifest = reader.manifest
        keys, key_source = _bundle_keys(reader, public_keys)
        if from_checkpoint and not manifest.complete:
            raise AuditUsageError("--from-checkpoint needs a bundle of the whole log")
        found = [] if checkpoint_dir is None else read_checkpoint_files(checkpoint_dir)
        try:
            located, unreadable = merge(
                [*reader.checkpoints(), *reader.logged_checkpoints(), *found]
            )
        except BundleCorrupt as exc:
            return _unreadable(str(path), str(exc))
        start = _start(located, keys) if from_checkpoint else None
        walker = ChainWalker(
            start=start.checkpoint.anchor if start else GENESIS,
            complete=manifest.complete,
            watch=frozenset(c.checkpoint.position for c in located),
        )
        try:
            for item in reader.rows():
                if walker.feed(item):
                    break
            reader.finish()
        except (BundleCorrupt, *READ_ERRORS) as exc:
            return _unreadable(str(path), f"the bundle cannot be read to the end: {exc}")
    head = Anchor(manifest.head_position, bytes.fromhex(manifest.head_hash))
    walk = walker.finish(head=head if manifest.complete else None)
    results = _check_checkpoints(located, keys, walk, exported_at=manifest.exported_at)
    notes = (
        _walk_notes(walk, start, manifest)
        + _after_export_notes(results, manifest)
        + _key_notes(keys, key_source, results)
    )
    problems = [Finding(Problem.BUNDLE, None, p, where=path.name) for p in reader.problems]
    return _report(
        str(path),
        walk,
        head if manifest.complete else None,
        results,
        unreadable,
        keys,
        key_source,
        notes,
        manifest=manifest,
        extra=problems,
    )


def _bundle_keys(
    reader: BundleReader, given: Sequence[Ed25519PublicKey]
) -> tuple[dict[str, Ed25519PublicKey], str]:
    if given:
        return trusted_keys(given), "given"
    pem = reader.public_key_pem()
    if pem is None:
        return {}, "none"
    try:
        return trusted_keys([parse_public_key(pem, source="the bundle's public_key.pem")]), "bundle"
    except AuditUsageError as exc:
        reader.problems.append(str(exc))
        return {}, "none"


def _unreadable(source: str, reason: str) -> AuditReport:
    walk = ChainWalker().finish()
    finding = Finding(Problem.BUNDLE, None, reason, where=Path(source).name)
    return AuditReport(source, walk, None, (), (finding,), (), "none", unreadable=True)


# --- shared -----------------------------------------------------------------------------------


def _check_checkpoints(
    located: Iterable[Located],
    keys: Mapping[str, Ed25519PublicKey],
    walk: WalkResult,
    *,
    exported_at: datetime | None = None,
) -> tuple[CheckpointResult, ...]:
    return tuple(
        CheckpointResult(
            c.checkpoint,
            c.sources,
            check_signature(c.checkpoint, keys),
            _on_chain(c, walk, exported_at=exported_at),
        )
        for c in located
    )


def _on_chain(
    located: Located, walk: WalkResult, *, exported_at: datetime | None = None
) -> ChainStatus:
    position = located.checkpoint.position
    if position in walk.hashes_at:
        matches = walk.hashes_at[position] == located.checkpoint.anchor.hash
        return ChainStatus.MATCHES if matches else ChainStatus.DIFFERS
    if not walk.complete:
        return ChainStatus.NOT_IN_BUNDLE
    if position < walk.start.position:
        return ChainStatus.BEFORE_START
    if walk.finding is not None:
        return ChainStatus.NOT_REACHED
    if exported_at is not None and located.checkpoint.signed_at > exported_at:
        # The signer went on after the export (hourly): the bundle never held that position.
        # A checkpoint signed before the export yet beyond its end means rows were cut off.
        return ChainStatus.AFTER_EXPORT
    return ChainStatus.BEYOND_END


def _report(
    source: str,
    walk: WalkResult,
    head: Anchor | None,
    results: tuple[CheckpointResult, ...],
    unreadable: Sequence[UnreadableCheckpoint],
    keys: Mapping[str, Ed25519PublicKey],
    key_source: str,
    notes: list[str],
    *,
    manifest: Manifest | None = None,
    extra: Sequence[Finding] = (),
) -> AuditReport:
    findings: list[Finding] = [] if walk.finding is None else [walk.finding]
    findings += [f for f in (r.finding() for r in results) if f is not None]
    findings += [
        Finding(Problem.CHECKPOINT, None, f"unreadable checkpoint: {u.reason}", where=u.source)
        for u in unreadable
    ]
    findings += extra
    signed = [r.checkpoint.position for r in results if r.proven and r.checkpoint.position > 0]
    if walk.complete and walk.ok and walk.last_position is not None:
        last = walk.last_position
        if signed:
            top = max(signed)
            unsigned = f"position {last}" if top + 1 == last else f"positions {top + 1}..{last}"
            rest = f"; {unsigned}: chained, not signed yet" if top < last else ""
            notes.append(f"positions 1..{top} are vouched for by a valid signed checkpoint{rest}")
        else:
            notes.append("no valid signed checkpoint covers the chain yet")
    return AuditReport(
        source,
        walk,
        head,
        results,
        tuple(findings),
        tuple(keys),
        key_source,
        tuple(notes),
        manifest,
    )


def _walk_notes(
    walk: WalkResult, start: Located | None, manifest: Manifest | None = None
) -> list[str]:
    notes: list[str] = []
    if manifest is not None:
        notes.append(
            f"bundle of {manifest.scope.describe()}, exported"
            f" {manifest.exported_at:%Y-%m-%d %H:%M}Z by {manifest.exported_by.name}"
            f" (export event {manifest.bundle_id})"
        )
    if start is not None:
        cp = start.checkpoint
        notes.append(
            f"positions 1..{cp.position} were not recomputed: the walk starts from the"
            f" checkpoint signed {cp.signed_at:%Y-%m-%d %H:%M}Z by key {cp.key_id[:16]}…"
        )
    if not walk.complete:
        notes.append(
            "partial export: each event's hash was recomputed from its own content and"
            " prev_hash, and consecutive positions were checked to link. That these events"
            " belong to the signed chain is NOT proven by this bundle: verify the whole log"
            " (penghubung audit verify) or a full export, or find this bundle's SHA-256 in the"
            " AuditExported event of a verified log"
        )
    return notes


def _after_export_notes(results: Sequence[CheckpointResult], manifest: Manifest) -> list[str]:
    return [
        f"checkpoint of position {r.checkpoint.position} was signed"
        f" {r.checkpoint.signed_at:%Y-%m-%d %H:%M}Z, after this bundle was exported"
        f" ({manifest.exported_at:%Y-%m-%d %H:%M}Z, head position {manifest.head_position}):"
        " it vouches for positions beyond the bundle's end, which this bundle cannot check;"
        " verify it against the log or a later export"
        for r in results
        if r.chain is ChainStatus.AFTER_EXPORT
    ]


def _key_notes(
    keys: Mapping[str, Ed25519PublicKey], key_source: str, results: Sequence[CheckpointResult]
) -> list[str]:
    if not results:
        return []
    if not keys:
        return ["no public key: the checkpoints' signatures were not checked (--public-key FILE)"]
    if key_source == "settings":
        return [
            "the public key was read from PENGHUBUNG_AUDIT_PUBLIC_KEY on this machine, beside"
            " the data it protects; pass --public-key with the copy you hold yourself"
        ]
    if key_source == "bundle":
        key = next(iter(keys))
        return [
            f"the public key was taken from the bundle itself (key id {key}): anyone who"
            " rewrote the bundle could have replaced it; pass --public-key with the key you trust"
        ]
    return []
