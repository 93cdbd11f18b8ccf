"""Signed checkpoints: the chain head signed with the audit key, in the log and in files.

A checkpoint says "at position P the chain hash was H", signed with Ed25519 over the canonical
JSON of `{format, position, head_hash, signed_at, key_id}`. The signer verifies the chain
since its last checkpoint before it signs, holds the head lock while it signs (so the
checkpoint event lands at P + 1 with prev_hash H), writes the checkpoint to a JSON file
outside the database, and appends it as `ChainCheckpointSigned` to `audit-checkpoints`.
Anyone with the public key alone can then check the signature and the chain at P.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import asyncpg
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from penghubung.audit.chain import (
    GENESIS,
    Anchor,
    ChainWalker,
    WalkResult,
    read_head,
    walk_database,
)
from penghubung.audit.errors import ChainBroken
from penghubung.audit.keys import key_id
from penghubung.clock import Clock, IdFactory, new_id, utc_now
from penghubung.events.audit import CHECKPOINT_STREAM, ChainCheckpointSigned, HexDigest
from penghubung.events.base import Actor, Metadata, NewEvent
from penghubung.events.canonical import canonical_time
from penghubung.eventstore.store import ANY_VERSION, EventStore

if TYPE_CHECKING:
    from penghubung.audit.witness import Published, Witnesses

log = logging.getLogger(__name__)

CHECKPOINT_FORMAT = "penghubung.checkpoint.v1"
"""Signed with the checkpoint: what the signature is over, so it is never taken for another."""


class Checkpoint(BaseModel):
    """A signed statement: at `position` the chain hash was `head_hash`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    position: int = Field(ge=0, description="Global position of the signed head")
    head_hash: HexDigest = Field(description="Chain hash at that position, hex")
    signed_at: AwareDatetime = Field(description="When it was signed")
    key_id: HexDigest = Field(description="SHA-256 fingerprint of the signing public key, hex")
    signature: str = Field(pattern=r"^[0-9a-f]{128}$", description="Ed25519 signature, hex")

    def signed_bytes(self) -> bytes:
        """The canonical JSON the signature is over."""
        return signed_body(self.position, self.head_hash, self.signed_at, self.key_id)

    def to_json(self) -> dict[str, Any]:
        """The checkpoint as stored in a file or a bundle."""
        return {
            "format": CHECKPOINT_FORMAT,
            "position": self.position,
            "head_hash": self.head_hash,
            "signed_at": canonical_time(self.signed_at),
            "key_id": self.key_id,
            "signature": self.signature,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Checkpoint:
        """A checkpoint from a file or a bundle (its format must be ours)."""
        if data.get("format") != CHECKPOINT_FORMAT:
            raise ValueError(f"not a {CHECKPOINT_FORMAT} checkpoint")
        return cls.model_validate({k: v for k, v in data.items() if k != "format"})

    def to_event(self) -> ChainCheckpointSigned:
        """The event that records this checkpoint in the log."""
        return ChainCheckpointSigned.model_validate(self.model_dump())

    @property
    def anchor(self) -> Anchor:
        """The point of the chain it signs."""
        return Anchor(self.position, bytes.fromhex(self.head_hash))

    @property
    def identity(self) -> tuple[int, str, str, str]:
        """What makes two copies (the log's, a file's) the same checkpoint."""
        return (self.position, self.head_hash, self.key_id, self.signature)


def signed_body(position: int, head_hash: str, signed_at: datetime, key: str) -> bytes:
    """Canonical JSON (sorted keys, no spaces) of what a checkpoint signs."""
    body = {
        "format": CHECKPOINT_FORMAT,
        "position": position,
        "head_hash": head_hash,
        "signed_at": canonical_time(signed_at),
        "key_id": key,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def sign_checkpoint(
    private_key: Ed25519PrivateKey, *, head: Anchor, signed_at: datetime
) -> Checkpoint:
    """Sign one point of the chain."""
    key = key_id(private_key.public_key())
    body = signed_body(head.position, head.hash.hex(), signed_at, key)
    return Checkpoint(
        position=head.position,
        head_hash=head.hash.hex(),
        signed_at=signed_at,
        key_id=key,
        signature=private_key.sign(body).hex(),
    )


class SignatureStatus(StrEnum):
    """Whether a checkpoint's signature holds under the keys the verifier trusts."""

    VALID = "valid"
    BAD_SIGNATURE = "bad_signature"
    UNKNOWN_KEY = "unknown_key"
    NOT_CHECKED = "not_checked"


def check_signature(
    checkpoint: Checkpoint, keys: Mapping[str, Ed25519PublicKey]
) -> SignatureStatus:
    """Check the signature with the trusted public keys (by fingerprint); no keys: not checked."""
    if not keys:
        return SignatureStatus.NOT_CHECKED
    key = keys.get(checkpoint.key_id)
    if key is None:
        return SignatureStatus.UNKNOWN_KEY
    try:
        key.verify(bytes.fromhex(checkpoint.signature), checkpoint.signed_bytes())
    except InvalidSignature:
        return SignatureStatus.BAD_SIGNATURE
    return SignatureStatus.VALID


def trusted_keys(keys: Iterable[Ed25519PublicKey]) -> dict[str, Ed25519PublicKey]:
    """Public keys by fingerprint."""
    return {key_id(k): k for k in keys}


# --- where checkpoints are kept -------------------------------------------------------------


@dataclass(frozen=True)
class Located:
    """A checkpoint and where it was found (`log position 57`, a file name, `bundle`)."""

    checkpoint: Checkpoint
    sources: tuple[str, ...]


@dataclass(frozen=True)
class UnreadableCheckpoint:
    """A checkpoint record that could not be read, and where it was."""

    source: str
    reason: str


def checkpoint_file_name(checkpoint: Checkpoint) -> str:
    """`checkpoint-000000000057-20260302T010000123456Z-<key>.json`: sorts by position."""
    stamp = "".join(c for c in canonical_time(checkpoint.signed_at) if c not in "-:.")
    return f"checkpoint-{checkpoint.position:012d}-{stamp}-{checkpoint.key_id[:12]}.json"


def write_checkpoint_file(directory: Path, checkpoint: Checkpoint) -> Path:
    """Write one checkpoint as its own JSON file (atomically: written, synced, renamed)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / checkpoint_file_name(checkpoint)
    tmp = path.with_suffix(".tmp")
    data = json.dumps(checkpoint.to_json(), sort_keys=True, indent=2) + "\n"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    return path


Sourced = tuple[str, Checkpoint | UnreadableCheckpoint]
"""A checkpoint record and where it was read (`log position 57`, `file checkpoint-….json`)."""


def read_checkpoint_files(directory: Path) -> list[Sourced]:
    """Every checkpoint file of a folder, in name order (none when there is no folder)."""
    found: list[Sourced] = []
    if not directory.is_dir():
        return found
    for path in sorted(directory.glob("checkpoint-*.json")):
        source = f"file {path.name}"
        try:
            found.append((source, Checkpoint.from_json(json.loads(path.read_text("utf-8")))))
        except (OSError, ValueError, ValidationError) as exc:
            found.append((source, UnreadableCheckpoint(source, _reason(exc))))
    return found


async def read_log_checkpoints(
    conn: asyncpg.Connection, *, until: int | None = None
) -> list[Sourced]:
    """The checkpoints recorded in the log, with the position of their event."""
    rows = await conn.fetch(
        "SELECT global_position, payload FROM eventstore.events"
        " WHERE stream_id = $1 AND type = $2 AND ($3::bigint IS NULL OR global_position <= $3)"
        " ORDER BY global_position",
        CHECKPOINT_STREAM,
        "ChainCheckpointSigned",
        until,
    )
    found: list[Sourced] = []
    for row in rows:
        payload = _json(row["payload"])
        source = f"log position {row['global_position']}"
        try:
            found.append((source, Checkpoint.model_validate(payload)))
        except ValidationError as exc:
            found.append((source, UnreadableCheckpoint(source, _reason(exc))))
    return found


def merge(found: Iterable[Sourced]) -> tuple[list[Located], list[UnreadableCheckpoint]]:
    """Each checkpoint once with all the places it was found, by position; and the unreadable."""
    merged: dict[tuple[int, str, str, str], Located] = {}
    unreadable: list[UnreadableCheckpoint] = []
    for source, item in found:
        if isinstance(item, UnreadableCheckpoint):
            unreadable.append(item)
            continue
        known = merged.get(item.identity)
        sources = (*known.sources, source) if known else (source,)
        merged[item.identity] = Located(item, sources)
    ordered = sorted(merged.values(), key=lambda c: (c.checkpoint.position, c.checkpoint.signed_at))
    return ordered, unreadable


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
    return str(exc)


# --- signing the head -----------------------------------------------------------------------


@dataclass(frozen=True)
class Signed:
    """A checkpoint just signed: what, where its event landed, where its file is."""

    checkpoint: Checkpoint
    event_position: int
    file: Path
    verified_from: int
    """The position the chain was verified from before signing (0: from the beginning)."""
    witnessed: tuple[Published, ...] = ()
    """What each witness (a second folder, an HTTP endpoint) answered."""


async def sign_head(
    store: EventStore,
    *,
    private_key: Ed25519PrivateKey,
    checkpoint_dir: Path,
    actor: Actor | None = None,
    clock: Clock = utc_now,
    ids: IdFactory = new_id,
    skip_unchanged: bool = False,
    witnesses: Witnesses | None = None,
) -> Signed | None:
    """Verify the chain since our last checkpoint, then sign the head and record it.

    Raises `ChainBroken` (and signs nothing) when the chain does not verify. With
    `skip_unchanged`, returns None when nothing but our last checkpoint was appended since.
    Once recorded, the checkpoint is published to the `witnesses` (outside the head lock).
    """
    from penghubung.audit.witness import publish

    keys = trusted_keys([private_key.public_key()])
    async with store.pool.acquire() as conn:
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            start = await _last_own_checkpoint(conn, keys)
            head = await read_head(conn)
            if skip_unchanged and start.event_position == head.position:
                return None
            verified = await _verify_since(conn, start.anchor, head)
        async with conn.transaction():
            # The head lock: no append commits between verifying the last rows and signing.
            head = await _lock_head(conn)
            if skip_unchanged and head.position == await _last_checkpoint_event(conn):
                return None
            await _verify_since(conn, verified, head)
            checkpoint = sign_checkpoint(private_key, head=head, signed_at=clock())
            # The file first: if the append fails, the file still states a true chain head.
            file = await asyncio.to_thread(write_checkpoint_file, checkpoint_dir, checkpoint)
            meta = Metadata(
                event_id=ids(),
                occurred_at=checkpoint.signed_at,
                actor=actor or Actor.system("audit-signer"),
                correlation_id=CHECKPOINT_STREAM,
            )
            result = await store.append(
                CHECKPOINT_STREAM,
                expected_version=ANY_VERSION,
                events=[NewEvent(event=checkpoint.to_event(), meta=meta)],
                conn=conn,
            )
    witnessed = await publish(checkpoint, witnesses) if witnesses is not None else ()
    return Signed(checkpoint, result.positions[-1], file, start.anchor.position, witnessed)


@dataclass(frozen=True)
class _Start:
    anchor: Anchor
    event_position: int | None


async def _last_own_checkpoint(
    conn: asyncpg.Connection, keys: Mapping[str, Ed25519PublicKey]
) -> _Start:
    """The newest checkpoint in the log this key signed validly (the chain before is trusted)."""
    row = await conn.fetchrow(
        "SELECT global_position, payload FROM eventstore.events WHERE stream_id = $1"
        " AND type = $2 AND payload->>'key_id' = $3 ORDER BY global_position DESC LIMIT 1",
        CHECKPOINT_STREAM,
        "ChainCheckpointSigned",
        next(iter(keys)),
    )
    if row is not None:
        try:
            checkpoint = Checkpoint.model_validate(_json(row["payload"]))
        except ValidationError:
            checkpoint = None
        if checkpoint is not None and check_signature(checkpoint, keys) is SignatureStatus.VALID:
            return _Start(checkpoint.anchor, row["global_position"])
    return _Start(GENESIS, None)


async def _verify_since(conn: asyncpg.Connection, start: Anchor, head: Anchor) -> Anchor:
    walker = ChainWalker(start=start, in_position_order=True)
    await walk_database(conn, walker, from_position=max(start.position, 1))
    result: WalkResult = walker.finish(head=head)
    if result.finding is not None:
        raise ChainBroken(result, f"the chain does not verify: {result.finding.message}")
    return Anchor(result.last_position or start.position, result.last_hash)


async def _lock_head(conn: asyncpg.Connection) -> Anchor:
    row = await conn.fetchrow("SELECT position, hash FROM eventstore.head FOR UPDATE")
    return Anchor(row["position"], bytes(row["hash"]))


async def _last_checkpoint_event(conn: asyncpg.Connection) -> int | None:
    position: int | None = await conn.fetchval(
        "SELECT global_position FROM eventstore.events WHERE stream_id = $1"
        " ORDER BY stream_version DESC LIMIT 1",
        CHECKPOINT_STREAM,
    )
    return position


async def run_signer(
    stop: asyncio.Event,
    *,
    store: EventStore,
    private_key: Ed25519PrivateKey,
    checkpoint_dir: Path,
    interval_seconds: float = 3600.0,
    clock: Clock = utc_now,
    ids: IdFactory = new_id,
    witnesses: Witnesses | None = None,
) -> None:
    """Sign the head at start and every interval until `stop` is set; skip when nothing is new.

    A broken chain is never signed: it is logged as an error at every round instead.
    """
    while not stop.is_set():
        try:
            signed = await sign_head(
                store,
                private_key=private_key,
                checkpoint_dir=checkpoint_dir,
                clock=clock,
                ids=ids,
                skip_unchanged=True,
                witnesses=witnesses,
            )
        except ChainBroken as exc:
            log.error("audit signer: not signing: %s", exc)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            log.warning("audit signer: could not sign this round: %s", exc)
        else:
            if signed is not None:
                log.info(
                    "audit signer: signed position %d (%s)",
                    signed.checkpoint.position,
                    signed.checkpoint.head_hash,
                )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval_seconds)
