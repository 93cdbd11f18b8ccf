"""The one walk along the hash chain, fed row by row from the database or from a bundle.

`ChainWalker.feed` takes the rows in the order the source holds them and stops at the first
one that breaks the chain. Before it names the problem it may read on: whether a stored hash
or the content was changed shows in the next row's `prev_hash`, and where a moved row went
shows further down. Each problem is named with the first bad position:

- `changed`: the content (payload or any envelope field) differs from what was hashed;
- `hash`: the stored hash itself was changed (the next link still names the true one);
- `prev_hash`: the stored prev_hash was changed (content and hash are right for the place);
- `missing`: a position is absent; `duplicate`: a position appears twice;
- `out_of_order`: a row stands at a position other than the one it was hashed at;
- `non_canonical`: the stored form cannot give back the bytes that were hashed (a bundle line
  that is not canonical JSON, a number with a fraction in jsonb, a digest of the wrong size);
- `head`: the head row disagrees with the end of the chain;
- `checkpoint`: a signed checkpoint disagrees with the chain (see `checkpoints`);
- `bundle`: a bundle's file is unreadable, or differs from its manifest.

A partial walk (one ticket, a time range) cannot recompute the chain from position 1: each
event's hash is recomputed from its own content and prev_hash, and consecutive positions are
checked to link; membership in the whole signed chain is not proven by it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

import asyncpg

from penghubung.events.canonical import GENESIS_HASH, canonical_bytes, chain_hash

COLUMNS = (
    "global_position, event_id, stream_id, stream_version, type, schema_version, occurred_at,"
    " recorded_at, actor, correlation_id, causation_id, payload, prev_hash, hash"
)
"""Every column the chain hash needs, and the two hashes."""


class Problem(StrEnum):
    """What is wrong at the first bad position (or with a checkpoint, or with a bundle)."""

    CHANGED = "changed"
    HASH = "hash"
    PREV_HASH = "prev_hash"
    MISSING = "missing"
    DUPLICATE = "duplicate"
    OUT_OF_ORDER = "out_of_order"
    NON_CANONICAL = "non_canonical"
    HEAD = "head"
    CHECKPOINT = "checkpoint"
    BUNDLE = "bundle"


@dataclass(frozen=True)
class Anchor:
    """A point of the chain: a position and the chain hash there."""

    position: int
    hash: bytes


GENESIS = Anchor(0, GENESIS_HASH)
"""Before position 1."""


@dataclass(frozen=True)
class Finding:
    """One thing found wrong: what, at which position, said for people."""

    problem: Problem
    position: int | None
    message: str
    event_id: str | None = None
    where: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The finding as JSON values."""
        return {
            "problem": self.problem.value,
            "position": self.position,
            "message": self.message,
            "event_id": self.event_id,
            "where": self.where,
        }


@dataclass(frozen=True)
class Unreadable:
    """A source item that could not even be read as a row (a broken bundle line)."""

    where: str
    reason: str


@dataclass(frozen=True)
class ChainRow:
    """One stored event: every field the hash covers, its two hashes, and where it was read."""

    global_position: int
    event_id: str
    stream_id: str
    stream_version: int
    type: str
    schema_version: int
    occurred_at: datetime
    recorded_at: datetime
    actor: Any
    correlation_id: str
    causation_id: str | None
    payload: Any
    prev_hash: bytes
    hash: bytes
    where: str = ""
    noncanonical: str | None = None
    """Why the stored form is not the canonical one, when the source can tell."""

    def record(self) -> dict[str, Any]:
        """The fields the canonical bytes are made of."""
        return {
            "global_position": self.global_position,
            "event_id": self.event_id,
            "stream_id": self.stream_id,
            "stream_version": self.stream_version,
            "type": self.type,
            "schema_version": self.schema_version,
            "occurred_at": self.occurred_at,
            "recorded_at": self.recorded_at,
            "actor": self.actor,
            "correlation_id": self.correlation_id,
            "causation_id": self.causation_id,
            "payload": self.payload,
        }

    def link_hash(self, prev_hash: bytes, *, position: int | None = None) -> bytes:
        """The chain hash of this row after `prev_hash` (as if stored at `position`)."""
        row = self if position is None else replace(self, global_position=position)
        return chain_hash(prev_hash, canonical_bytes(row.record()))

    @property
    def self_consistent(self) -> bool:
        """Whether the stored hash follows from the content and the stored prev_hash."""
        return self.link_hash(self.prev_hash) == self.hash


def row_from_record(record: Mapping[str, Any]) -> ChainRow:
    """A database row (asyncpg record or dict) as a chain row."""
    return ChainRow(
        global_position=record["global_position"],
        event_id=str(record["event_id"]),
        stream_id=record["stream_id"],
        stream_version=record["stream_version"],
        type=record["type"],
        schema_version=record["schema_version"],
        occurred_at=record["occurred_at"],
        recorded_at=record["recorded_at"],
        actor=_json(record["actor"]),
        correlation_id=record["correlation_id"],
        causation_id=record["causation_id"],
        payload=_json(record["payload"]),
        prev_hash=bytes(record["prev_hash"]),
        hash=bytes(record["hash"]),
        where=f"position {record['global_position']}",
    )


def _json(value: Any) -> Any:
    # A connection without the JSON codecs hands jsonb over as text.
    return json.loads(value) if isinstance(value, str) else value


def noncanonical_values(row: ChainRow) -> str | None:
    """Why the row's values cannot reproduce the canonical bytes that were hashed, if they can't.

    Events carry no floats: a jsonb number with a fraction or an exponent is re-serialised
    in another form than the one hashed, so a row holding one cannot verify.
    """
    for name, digest in (("prev_hash", row.prev_hash), ("hash", row.hash)):
        if len(digest) != len(GENESIS_HASH):
            return f"{name} is {len(digest)} bytes, not a SHA-256 digest"
    for name in ("actor", "payload"):
        found = _first_float(getattr(row, name), name)
        if found is not None:
            return f"{found} is a number with a fraction or exponent; canonical form has integers"
    return None


def _first_float(value: Any, path: str) -> str | None:
    if isinstance(value, float):
        return f"{path} ({value!r})"
    if isinstance(value, dict):
        items: list[tuple[str, Any]] = [(f"{path}.{k}", v) for k, v in value.items()]
    elif isinstance(value, list):
        items = [(f"{path}[{i}]", v) for i, v in enumerate(value)]
    else:
        return None
    for sub_path, sub in items:
        found = _first_float(sub, sub_path)
        if found is not None:
            return found
    return None


@dataclass(frozen=True)
class WalkResult:
    """How far the walk got, the hash at its end, and the first problem, if any."""

    complete: bool
    start: Anchor
    checked: int
    first_position: int | None
    last_position: int | None
    last_hash: bytes
    finding: Finding | None
    hashes_at: dict[int, bytes] = field(default_factory=dict)
    """The verified hash at each watched position (for the checkpoints)."""

    @property
    def ok(self) -> bool:
        """True when every row checked out."""
        return self.finding is None


@dataclass(frozen=True)
class _Gap:
    expected: int
    found: ChainRow


@dataclass(frozen=True)
class _Unlinked:
    expected: int
    prev: bytes
    row: ChainRow


@dataclass(frozen=True)
class _Mismatch:
    row: ChainRow
    recomputed: bytes


class ChainWalker:
    """Checks rows one by one; `feed` says when it has seen enough, `finish` gives the result.

    `complete`: the rows are the whole chain after `start` and are recomputed link by link;
    otherwise each row is checked on its own (and against the row before it when consecutive).
    `in_position_order`: the source cannot hold rows out of order (the database sorts them),
    so a gap is a missing row at once, without reading on.
    """

    def __init__(
        self,
        *,
        start: Anchor = GENESIS,
        complete: bool = True,
        in_position_order: bool = False,
        watch: frozenset[int] = frozenset(),
    ) -> None:
        self._start = start
        self._complete = complete
        self._sorted = in_position_order
        self._watch = watch
        self._expected = start.position + 1
        self._prev = start.hash
        self._anchor_pending = complete and start.position >= 1
        self._last: ChainRow | None = None
        self._first_position: int | None = None
        self._checked = 0
        self._hashes_at: dict[int, bytes] = {}
        if complete and start.position in watch:
            self._hashes_at[start.position] = start.hash
        self._pending: _Gap | _Unlinked | _Mismatch | None = None
        self._finding: Finding | None = None

    @property
    def done(self) -> bool:
        """True once a problem is named: feeding more changes nothing."""
        return self._finding is not None

    def feed(self, item: ChainRow | Unreadable) -> bool:
        """Check the next row of the source; True when the walk is over (stop feeding)."""
        if self._finding is not None:
            return True
        if self._pending is not None:
            self._diagnose(item)
        elif isinstance(item, Unreadable):
            self._fail(Problem.NON_CANONICAL, self._expected, item.reason, where=item.where)
        elif self._complete:
            self._check_link(item)
        else:
            self._check_alone(item)
        return self._finding is not None

    def finish(self, *, head: Anchor | None = None) -> WalkResult:
        """The result; `head` is what the source says the end of the chain is, if it says."""
        if self._pending is not None:
            self._resolve_at_end(head)
        elif self._anchor_pending:
            self._fail(
                Problem.MISSING,
                self._start.position,
                f"the row at position {self._start.position}, where the walk starts, is absent",
            )
        elif self._finding is None and head is not None and self._complete:
            self._check_head(head)
        return WalkResult(
            complete=self._complete,
            start=self._start,
            checked=self._checked,
            first_position=self._first_position,
            last_position=self._last_position,
            last_hash=self._prev,
            finding=self._finding,
            hashes_at=dict(self._hashes_at),
        )

    @property
    def _last_position(self) -> int | None:
        if self._complete:
            return self._expected - 1 if self._checked else None
        return self._last.global_position if self._last is not None else None

    # --- a whole chain ------------------------------------------------------------------------

    def _check_link(self, row: ChainRow) -> None:
        position = row.global_position
        if self._anchor_pending:
            self._check_anchor_row(row)
            return
        if position < self._expected:
            self._fail(
                Problem.DUPLICATE,
                position,
                f"position {position} appears again (first seen earlier in the source)",
                row,
            )
            return
        if position > self._expected:
            if self._sorted:
                self._missing(self._expected, row)
            else:
                self._pending = _Gap(self._expected, row)
            return
        recomputed = row.link_hash(self._prev)
        if row.prev_hash == self._prev and recomputed == row.hash:
            if row.noncanonical is not None:
                self._fail(Problem.NON_CANONICAL, position, row.noncanonical, row)
                return
            self._accept(row, row.hash)
            return
        self._classify_mismatch(row, recomputed)

    def _check_anchor_row(self, row: ChainRow) -> None:
        anchor = self._start
        if row.global_position < anchor.position:
            return  # before the checkpoint the walk starts from: trusted by its signature
        self._anchor_pending = False
        if row.global_position > anchor.position:
            self._missing(anchor.position, row)
        elif row.hash != anchor.hash:
            self._fail(
                Problem.CHECKPOINT,
                anchor.position,
                f"the row at position {anchor.position} holds hash {row.hash.hex()}, but the"
                f" checkpoint the walk starts from signed {anchor.hash.hex()}:"
                " the chain was rewritten after it was signed",
                row,
            )

    def _classify_mismatch(self, row: ChainRow, recomputed: bytes) -> None:
        position = row.global_position
        why = row.noncanonical or noncanonical_values(row)
        if why is not None:
            self._fail(Problem.NON_CANONICAL, position, f"{why}; the hash does not verify", row)
        elif row.prev_hash == self._prev:
            self._pending = _Mismatch(row, recomputed)
        elif recomputed == row.hash:
            self._fail(
                Problem.PREV_HASH,
                position,
                f"prev_hash {row.prev_hash.hex()} is not the hash of position {position - 1}"
                f" ({self._prev.hex()}); content and hash are right for this place:"
                " the stored prev_hash was changed",
                row,
            )
        elif row.self_consistent and position > 1:
            self._fail(
                Problem.CHANGED,
                position - 1,
                f"position {position - 1} was rewritten: position {position} was chained to"
                f" hash {row.prev_hash.hex()}, but position {position - 1} now hashes to"
                f" {self._prev.hex()} (content changed and its hash recomputed)",
                self._last,
            )
        else:
            self._pending = _Unlinked(position, self._prev, row)

    def _accept(self, row: ChainRow, digest: bytes) -> None:
        position = row.global_position
        if self._first_position is None:
            self._first_position = position
        if position in self._watch:
            self._hashes_at[position] = digest
        self._prev, self._expected, self._last = digest, position + 1, row
        self._checked += 1

    # --- rows checked on their own (a partial export) -----------------------------------------

    def _check_alone(self, row: ChainRow) -> None:
        position, last = row.global_position, self._last
        if last is not None and position <= last.global_position:
            problem = (
                Problem.DUPLICATE if position == last.global_position else Problem.OUT_OF_ORDER
            )
            self._fail(problem, position, f"position {position} comes after {last.global_position}")
            return
        consecutive = last is not None and position == last.global_position + 1
        if consecutive and last is not None and row.prev_hash != last.hash:
            if row.link_hash(last.hash) == row.hash:
                self._fail(
                    Problem.PREV_HASH,
                    position,
                    f"prev_hash {row.prev_hash.hex()} is not the hash of position"
                    f" {position - 1}: the stored prev_hash was changed",
                    row,
                )
                return
            if row.self_consistent:
                self._fail(
                    Problem.CHANGED,
                    position - 1,
                    f"position {position} was chained to {row.prev_hash.hex()}, but position"
                    f" {position - 1} now hashes to {last.hash.hex()}: it was rewritten",
                    last,
                )
                return
        recomputed = row.link_hash(row.prev_hash)
        if recomputed != row.hash:
            why = row.noncanonical or noncanonical_values(row)
            if why is not None:
                self._fail(Problem.NON_CANONICAL, position, f"{why}; the hash does not verify", row)
            else:
                self._pending = _Mismatch(row, recomputed)
            return
        if row.noncanonical is not None:
            self._fail(Problem.NON_CANONICAL, position, row.noncanonical, row)
            return
        if self._first_position is None:
            self._first_position = position
        if position in self._watch:
            self._hashes_at[position] = row.hash
        self._prev, self._last = row.hash, row
        self._checked += 1

    # --- reading on to name the problem -------------------------------------------------------

    def _diagnose(self, item: ChainRow | Unreadable) -> None:
        pending = self._pending
        if isinstance(pending, _Mismatch):
            following = item if isinstance(item, ChainRow) else None
            if following is not None and following.global_position != (
                pending.row.global_position + 1
            ):
                following = None
            self._pending = None
            self._name_mismatch(pending, None if following is None else following.prev_hash)
        elif isinstance(item, Unreadable):
            return
        elif isinstance(pending, _Gap) and item.global_position == pending.expected:
            self._pending = None
            self._fail(
                Problem.OUT_OF_ORDER,
                pending.expected,
                f"position {pending.expected} ({item.where}) comes after position"
                f" {pending.found.global_position} ({pending.found.where})",
                item,
            )
        elif (
            isinstance(pending, _Unlinked)
            and item.prev_hash == pending.prev
            and item.link_hash(pending.prev, position=pending.expected) == item.hash
        ):
            self._pending = None
            self._fail(
                Problem.OUT_OF_ORDER,
                pending.expected,
                f"position {pending.expected} holds event {pending.row.event_id}, hashed at"
                f" another position; the event hashed at position {pending.expected}"
                f" ({item.event_id}) is stored at position {item.global_position}",
                pending.row,
            )

    def _resolve_at_end(self, head: Anchor | None) -> None:
        pending, self._pending = self._pending, None
        if isinstance(pending, _Mismatch):
            at_head = head is not None and head.position == pending.row.global_position
            self._name_mismatch(pending, head.hash if head is not None and at_head else None)
        elif isinstance(pending, _Gap):
            self._missing(pending.expected, pending.found)
        elif isinstance(pending, _Unlinked):
            self._fail(
                Problem.CHANGED,
                pending.expected,
                f"position {pending.expected} neither links to position {pending.expected - 1}"
                " nor matches its own hash: the row was replaced (content and prev_hash changed)",
                pending.row,
            )

    def _name_mismatch(self, pending: _Mismatch, next_link: bytes | None) -> None:
        row, position = pending.row, pending.row.global_position
        stored, recomputed = row.hash.hex(), pending.recomputed.hex()
        if next_link == pending.recomputed:
            self._fail(
                Problem.HASH,
                position,
                f"stored hash {stored} differs from the recomputed {recomputed}, and the next"
                " link names the recomputed one: the stored hash was changed",
                row,
            )
            return
        if next_link == row.hash:
            tail = "the next link names the stored hash"
        elif next_link is None:
            tail = "nothing follows to tell whether the content or the stored hash was changed"
        else:
            tail = "the next link names neither hash"
        self._fail(
            Problem.CHANGED,
            position,
            f"the content differs from what was hashed (payload or another field changed):"
            f" it hashes to {recomputed}, the stored hash is {stored}; {tail}",
            row,
        )

    def _check_head(self, head: Anchor) -> None:
        last = self._expected - 1
        if head.position == last and head.hash == self._prev:
            return
        if head.position == last:
            position, message = (
                last,
                f"the head's hash {head.hash.hex()} is not the chain's hash at position {last}"
                f" ({self._prev.hex()}): the head was edited",
            )
        elif head.position > last:
            gone = f"{last + 1}" if head.position == last + 1 else f"{last + 1}..{head.position}"
            position, message = (
                last + 1,
                f"the head says the log reaches position {head.position}, but it ends at"
                f" {last}: position {gone} is missing, or the head was edited",
            )
        else:
            position, message = (
                head.position,
                f"the head says the log ends at position {head.position}, but it goes on to"
                f" {last}: the head was edited",
            )
        self._fail(Problem.HEAD, position, message, where="head")

    def _missing(self, expected: int, found: ChainRow) -> None:
        last = found.global_position - 1
        span = f"position {expected}" if last == expected else f"positions {expected}..{last}"
        self._fail(
            Problem.MISSING,
            expected,
            f"{span} missing: the next row stored is position {found.global_position}",
            where=found.where,
        )

    def _fail(
        self,
        problem: Problem,
        position: int | None,
        message: str,
        row: ChainRow | None = None,
        *,
        where: str | None = None,
    ) -> None:
        self._finding = Finding(
            problem,
            position,
            message,
            event_id=row.event_id if row is not None else None,
            where=where if where is not None else (row.where if row is not None else None),
        )


async def walk_database(
    conn: asyncpg.Connection,
    walker: ChainWalker,
    *,
    from_position: int = 1,
    batch_size: int = 5000,
) -> None:
    """Feed the walker the log's rows from `from_position`, in order (inside a transaction)."""
    cursor = conn.cursor(
        f"SELECT {COLUMNS} FROM eventstore.events WHERE global_position >= $1"
        " ORDER BY global_position",
        from_position,
        prefetch=batch_size,
    )
    async for record in cursor:
        if walker.feed(row_from_record(record)):
            return


async def read_head(conn: asyncpg.Connection) -> Anchor:
    """What the head row says the end of the chain is."""
    head = await conn.fetchrow("SELECT position, hash FROM eventstore.head")
    if head is None:
        raise RuntimeError("eventstore.head has no row: the database is not migrated")
    return Anchor(head["position"], bytes(head["hash"]))
