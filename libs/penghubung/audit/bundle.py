"""The audit bundle: one .tar.gz that an auditor verifies with no database and no service.

Members:
- `manifest.json`: what was exported, by whom, when, the head of the log then, and the SHA-256
  of every other member;
- `events.jsonl`: one event per line, canonical JSON (sorted keys, no spaces, UTF-8) of every
  column the chain hash covers, times as `YYYY-MM-DDTHH:MM:SS.ffffffZ`, hashes as hex;
- `checkpoints.jsonl`: the signed checkpoints known at export (from the log and its folder);
- `public_key.pem`: the audit public key, when the exporter had it;
- `README.txt`: how to verify it.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import tarfile
import zlib
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from penghubung.audit.chain import ChainRow, Unreadable
from penghubung.audit.checkpoints import Checkpoint, Sourced, UnreadableCheckpoint
from penghubung.audit.errors import AuditUsageError
from penghubung.events.audit import ExportScope, HexDigest
from penghubung.events.base import Actor
from penghubung.events.canonical import canonical_time

BUNDLE_FORMAT = "penghubung.audit-bundle.v1"
MANIFEST = "manifest.json"
EVENTS = "events.jsonl"
CHECKPOINTS = "checkpoints.jsonl"
PUBLIC_KEY = "public_key.pem"
README = "README.txt"

_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
_FIELDS = frozenset(
    {
        "global_position",
        "event_id",
        "stream_id",
        "stream_version",
        "type",
        "schema_version",
        "occurred_at",
        "recorded_at",
        "actor",
        "correlation_id",
        "causation_id",
        "payload",
        "prev_hash",
        "hash",
    }
)
READ_ERRORS = (tarfile.TarError, zlib.error, EOFError, OSError, UnicodeDecodeError)
"""What reading a damaged archive raises."""


class Manifest(BaseModel):
    """What a bundle holds and how to check it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    format: str = Field(description="Bundle format, penghubung.audit-bundle.v1")
    bundle_id: str = Field(description="Id of the AuditExported event that records the export")
    exported_at: AwareDatetime = Field(description="When the bundle was made")
    exported_by: Actor = Field(description="Who made it")
    scope: ExportScope = Field(description="What part of the log it holds")
    complete: bool = Field(description="True when it holds the whole chain from position 1")
    event_count: int = Field(ge=0, description="Lines in events.jsonl")
    first_position: int | None = Field(description="First exported position")
    last_position: int | None = Field(description="Last exported position")
    head_position: int = Field(ge=0, description="Head of the log when it was read")
    head_hash: HexDigest = Field(description="Chain hash at the head then, hex")
    public_key_id: HexDigest | None = Field(description="Fingerprint of public_key.pem, if any")
    files: dict[str, HexDigest] = Field(description="SHA-256 of every other member, hex")
    verification: str = Field(description="What a verifier can and cannot prove from it")


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, UTF-8 as is: the one form bundle lines are written in."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def event_line(row: ChainRow) -> bytes:
    """One events.jsonl line for a stored event."""
    body = {
        **row.record(),
        "occurred_at": canonical_time(row.occurred_at),
        "recorded_at": canonical_time(row.recorded_at),
        "prev_hash": row.prev_hash.hex(),
        "hash": row.hash.hex(),
    }
    return (canonical_json(body) + "\n").encode()


def parse_event_line(raw: bytes, where: str) -> ChainRow | Unreadable:
    """An events.jsonl line as a chain row, or why it cannot be one."""
    try:
        text = raw.decode("utf-8")
        body = json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constant)
    except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        return Unreadable(where, f"{where} is not a JSON line: {exc}")
    if not isinstance(body, dict) or set(body) != _FIELDS:
        keys = sorted(body) if isinstance(body, dict) else type(body).__name__
        return Unreadable(where, f"{where} does not hold the event fields (has {keys})")
    try:
        row, odd = _row(body, where)
    except (TypeError, ValueError) as exc:
        return Unreadable(where, f"{where}: {exc}")
    if odd is None and canonical_json(body) + "\n" != text:
        odd = f"{where} is not in canonical form (sorted keys, no spaces): it was rewritten"
    return row if odd is None else replace(row, noncanonical=odd)


def _row(body: dict[str, Any], where: str) -> tuple[ChainRow, str | None]:
    odd: list[str] = []
    times = {name: _time(body[name], name, odd) for name in ("occurred_at", "recorded_at")}
    hashes = {name: _digest(body[name], name, odd) for name in ("prev_hash", "hash")}
    row = ChainRow(
        global_position=_int(body["global_position"], "global_position"),
        event_id=_str(body["event_id"], "event_id"),
        stream_id=_str(body["stream_id"], "stream_id"),
        stream_version=_int(body["stream_version"], "stream_version"),
        type=_str(body["type"], "type"),
        schema_version=_int(body["schema_version"], "schema_version"),
        occurred_at=times["occurred_at"],
        recorded_at=times["recorded_at"],
        actor=body["actor"],
        correlation_id=_str(body["correlation_id"], "correlation_id"),
        causation_id=None
        if body["causation_id"] is None
        else _str(body["causation_id"], "causation_id"),
        payload=body["payload"],
        prev_hash=hashes["prev_hash"],
        hash=hashes["hash"],
        where=where,
    )
    return row, (f"{where}: " + "; ".join(odd)) if odd else None


def _int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} is not an integer")
    return value


def _str(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} is not a string")
    return value


def _time(value: Any, name: str, odd: list[str]) -> datetime:
    text = _str(value, name)
    try:
        return datetime.strptime(text, _TIME_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        pass
    parsed = datetime.fromisoformat(text)  # a ValueError here makes the line unreadable
    if parsed.tzinfo is None:
        raise ValueError(f"{name} {text!r} has no time zone")
    odd.append(f"{name} {text!r} is not in canonical form (UTC, microseconds, Z)")
    return parsed


def _digest(value: Any, name: str, odd: list[str]) -> bytes:
    text = _str(value, name)
    digest = bytes.fromhex(text)
    if len(digest) != 32:
        raise ValueError(f"{name} is {len(digest)} bytes, not a SHA-256 digest")
    if text != digest.hex():
        odd.append(f"{name} is not lowercase hex")
    return digest


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"key {key!r} appears twice")
        seen[key] = value
    return seen


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def checkpoint_line(checkpoint: Checkpoint) -> bytes:
    """One checkpoints.jsonl line."""
    return (canonical_json(checkpoint.to_json()) + "\n").encode()


def sha256_file(path: Path) -> str:
    """SHA-256 of a file, hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- reading a bundle -------------------------------------------------------------------------


class BundleCorrupt(Exception):
    """The bundle cannot be read: not a tar archive, truncated, or a member is missing."""


class BundleReader:
    """Reads a bundle member by member without unpacking it to disk."""

    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise AuditUsageError(f"no bundle at {path}")
        self.path = path
        self.problems: list[str] = []
        """Things found wrong with the members themselves (digests, extra files)."""
        self.lines_read = 0
        self._raw: Iterator[bytes] | None = None
        self._digest = hashlib.sha256()
        try:
            _check_compression(path)
            self._tar = tarfile.open(path, "r:*")  # noqa: SIM115 closed by __exit__
            self._members = {m.name: m for m in self._tar.getmembers()}
        except READ_ERRORS as exc:
            raise BundleCorrupt(f"{path.name} is not a readable bundle: {exc}") from None
        self.manifest = self._manifest()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._tar.close()

    def public_key_pem(self) -> bytes | None:
        """The public key the bundle carries, if it carries one."""
        if PUBLIC_KEY not in self._members:
            return None
        return self._checked(PUBLIC_KEY)

    def checkpoints(self) -> list[Sourced]:
        """The checkpoints the bundle carries."""
        if CHECKPOINTS not in self._members:
            return []
        found: list[Sourced] = []
        for n, line in enumerate(self._checked(CHECKPOINTS).splitlines(), start=1):
            source = f"bundle {CHECKPOINTS} line {n}"
            try:
                found.append((source, Checkpoint.from_json(json.loads(line))))
            except (ValueError, ValidationError) as exc:
                found.append((source, UnreadableCheckpoint(source, str(exc).splitlines()[0])))
        return found

    def logged_checkpoints(self) -> list[Sourced]:
        """The `ChainCheckpointSigned` events inside events.jsonl, as checkpoints.

        A forger who rewrites the chain can drop checkpoints.jsonl's lines and fix the manifest;
        the checkpoint events stay in the chain they rewrote, signed over the old hash. Read in a
        pass of their own, before the walk, so the walk knows which positions to watch.
        """
        found: list[Sourced] = []
        try:
            for n, raw in enumerate(self._open(EVENTS), start=1):
                # A type spelled with escapes is no longer canonical: the walk names that line.
                if b"ChainCheckpointSigned" not in raw:
                    continue
                row = parse_event_line(raw, f"{EVENTS} line {n}")
                if isinstance(row, Unreadable) or row.type != "ChainCheckpointSigned":
                    continue
                source = f"bundle {EVENTS} line {n} (event at position {row.global_position})"
                try:
                    found.append((source, Checkpoint.model_validate(row.payload)))
                except ValidationError as exc:
                    reason = str(exc).splitlines()[0]
                    found.append((source, UnreadableCheckpoint(source, reason)))
        except READ_ERRORS as exc:
            raise BundleCorrupt(f"{EVENTS} cannot be read: {exc}") from None
        return found

    def rows(self) -> Iterator[ChainRow | Unreadable]:
        """The events, line by line, in the order the file holds them."""
        self._raw = _lines(self._open(EVENTS), self._digest)
        for raw in self._raw:
            self.lines_read += 1
            yield parse_event_line(raw, f"{EVENTS} line {self.lines_read}")

    def finish(self) -> None:
        """Read the events to the end, then compare every member with the manifest."""
        if self._raw is None:
            self._raw = _lines(self._open(EVENTS), self._digest)
        for _ in self._raw:
            self.lines_read += 1
        self._compare(EVENTS, self._digest.hexdigest())
        self._check_members()

    def _manifest(self) -> Manifest:
        try:
            data = json.loads(self._read(MANIFEST))
            manifest = Manifest.model_validate(data)
        except (ValueError, ValidationError) as exc:
            raise BundleCorrupt(f"{MANIFEST} cannot be read: {exc}") from None
        if manifest.format != BUNDLE_FORMAT:
            raise BundleCorrupt(f"{MANIFEST} is of format {manifest.format!r}, not {BUNDLE_FORMAT}")
        return manifest

    def _open(self, name: str) -> IO[bytes]:
        member = self._members.get(name)
        if member is None or not member.isfile():
            raise BundleCorrupt(f"the bundle has no {name}")
        stream = self._tar.extractfile(member)
        if stream is None:
            raise BundleCorrupt(f"{name} cannot be read")
        return stream

    def _read(self, name: str) -> bytes:
        try:
            return self._open(name).read()
        except READ_ERRORS as exc:
            raise BundleCorrupt(f"{name} cannot be read: {exc}") from None

    def _checked(self, name: str) -> bytes:
        data = self._read(name)
        self._compare(name, hashlib.sha256(data).hexdigest())
        return data

    def _compare(self, name: str, actual: str) -> None:
        expected = self.manifest.files.get(name)
        if expected is None:
            self.problems.append(f"{name} is not listed in the manifest")
        elif expected != actual:
            self.problems.append(
                f"{name} has SHA-256 {actual}, the manifest says {expected}: it was changed"
            )

    def _check_members(self) -> None:
        listed = set(self.manifest.files) | {MANIFEST}
        for name in sorted(set(self._members) - listed):
            self.problems.append(f"the bundle holds {name}, which the manifest does not list")
        for name in sorted(set(self.manifest.files) - set(self._members)):
            self.problems.append(f"the manifest lists {name}, which the bundle does not hold")
        if self.lines_read != self.manifest.event_count:
            self.problems.append(
                f"{EVENTS} holds {self.lines_read} lines, the manifest says"
                f" {self.manifest.event_count} events"
            )


def _lines(stream: IO[bytes], digest: Any) -> Iterator[bytes]:
    for raw in stream:
        digest.update(raw)
        yield raw


def _check_compression(path: Path) -> None:
    """Read the whole gzip stream so its CRC is checked: tar stops at its end marker and would
    never notice a byte changed in the padding after it."""
    with gzip.open(path) as stream:
        while stream.read(1 << 20):
            pass
