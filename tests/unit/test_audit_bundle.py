"""Audit bundles checked offline: the chain walk names each kind of tampering, keys, checkpoints."""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import tarfile
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import cast

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from penghubung.audit import (
    AuditUsageError,
    ChainRow,
    ChainStatus,
    Checkpoint,
    Problem,
    SignatureStatus,
    generate_key_pair,
    key_id,
    load_private_key,
    load_public_key,
    read_checkpoint_files,
    sign_checkpoint,
    verify_bundle,
    write_checkpoint_file,
)
from penghubung.audit.bundle import (
    BUNDLE_FORMAT,
    CHECKPOINTS,
    EVENTS,
    MANIFEST,
    PUBLIC_KEY,
    Manifest,
    canonical_json,
    checkpoint_line,
    event_line,
)
from penghubung.audit.chain import Anchor
from penghubung.audit.keys import public_key_pem
from penghubung.cli import main
from penghubung.events.audit import ExportScope, ExportScopeKind
from penghubung.events.base import Actor, Role
from penghubung.events.canonical import GENESIS_HASH

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
KEY_A = Ed25519PrivateKey.generate()
KEY_B = Ed25519PrivateKey.generate()


def chain(n: int = 6) -> list[ChainRow]:
    """A well-formed chain of n events over two tickets (odd positions T-1, even T-2)."""
    rows: list[ChainRow] = []
    prev = GENESIS_HASH
    for p in range(1, n + 1):
        ticket = "T-1" if p % 2 else "T-2"
        row = ChainRow(
            global_position=p,
            event_id=str(uuid.UUID(int=p)),
            stream_id=f"intake-{ticket}",
            stream_version=(p + 1) // 2,
            type="Noted",
            schema_version=1,
            occurred_at=T0 + timedelta(hours=p),
            recorded_at=T0 + timedelta(hours=p, seconds=1, microseconds=p),
            actor={"name": "Siti", "role": "pemohon", "nip": "198501012010011001"},
            correlation_id=ticket,
            causation_id=None,
            payload={"text": f"note {p}", "n": p},
            prev_hash=prev,
            hash=b"",
        )
        row = replace(row, hash=row.link_hash(prev))
        rows.append(row)
        prev = row.hash
    return rows


def rehash(rows: list[ChainRow]) -> list[ChainRow]:
    """The rows with every link recomputed (what a forger who rewrites the chain does)."""
    out: list[ChainRow] = []
    prev = GENESIS_HASH
    for row in rows:
        row = replace(row, prev_hash=prev, hash=row.link_hash(prev))
        out.append(row)
        prev = row.hash
    return out


def signed(position: int, rows: list[ChainRow], key: Ed25519PrivateKey = KEY_A) -> Checkpoint:
    """A checkpoint of the chain at `position`, signed with `key`."""
    head = rows[position - 1].hash if position else GENESIS_HASH
    return sign_checkpoint(key, head=Anchor(position, head), signed_at=T0 + timedelta(days=1))


def write_bundle(
    path: Path,
    rows: list[ChainRow],
    *,
    complete: bool = True,
    checkpoints: tuple[Checkpoint, ...] = (),
    key: Ed25519PrivateKey | None = KEY_A,
    events: bytes | None = None,
    head: Anchor | None = None,
) -> Path:
    """A bundle as `penghubung audit export` writes it, made without a database."""
    data = events if events is not None else b"".join(event_line(r) for r in rows)
    members = {EVENTS: data, CHECKPOINTS: b"".join(checkpoint_line(c) for c in checkpoints)}
    if key is not None:
        members[PUBLIC_KEY] = public_key_pem(key.public_key())
    end = head or Anchor(rows[-1].global_position, rows[-1].hash)
    scope = (
        ExportScope(kind=ExportScopeKind.ALL)
        if complete
        else ExportScope(kind=ExportScopeKind.TICKET, ticket_id="T-1")
    )
    manifest = Manifest(
        format=BUNDLE_FORMAT,
        bundle_id=str(uuid.uuid4()),
        exported_at=T0 + timedelta(days=2),
        exported_by=Actor(name="Agus", role=Role.AUDITOR),
        scope=scope,
        complete=complete,
        event_count=len(rows),
        first_position=rows[0].global_position,
        last_position=rows[-1].global_position,
        head_position=end.position,
        head_hash=end.hash.hex(),
        public_key_id=None if key is None else key_id(key.public_key()),
        files={name: hashlib.sha256(body).hexdigest() for name, body in members.items()},
        verification="test bundle",
    )
    members[MANIFEST] = (canonical_json(manifest.model_dump(mode="json")) + "\n").encode()
    _tar(path, members)
    return path


def _tar(path: Path, members: dict[str, bytes]) -> None:
    with tarfile.open(path, "w:gz") as tar:
        for name, body in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))


def edit_member(path: Path, name: str, change: Callable[[bytes], bytes]) -> None:
    """Rewrite one member of a bundle in place (the manifest is left as it was)."""
    with tarfile.open(path, "r:gz") as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}  # type: ignore[union-attr]
    members[name] = change(members[name])
    path.unlink()
    _tar(path, members)


def lines_of(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True)


# --- an untouched bundle ---------------------------------------------------------------------


def test_an_untouched_bundle_verifies_with_count_head_and_signed_coverage(tmp_path: Path) -> None:
    rows = chain()
    path = write_bundle(tmp_path / "b.tar.gz", rows, checkpoints=(signed(4, rows),))

    report = verify_bundle(path, public_keys=[KEY_A.public_key()])

    assert report.ok, report.findings
    assert report.walk.checked == 6
    assert report.walk.last_hash == rows[-1].hash
    assert report.signed_through == 4
    assert [(c.signature, c.chain) for c in report.checkpoints] == [
        (SignatureStatus.VALID, ChainStatus.MATCHES)
    ]
    assert any("positions 5..6: chained, not signed yet" in n for n in report.notes)
    assert report.key_source == "given"


def test_without_a_given_key_the_bundles_own_key_is_used_and_the_report_says_so(
    tmp_path: Path,
) -> None:
    rows = chain()
    path = write_bundle(tmp_path / "b.tar.gz", rows, checkpoints=(signed(6, rows),))

    report = verify_bundle(path)

    assert report.ok
    assert report.key_source == "bundle"
    assert any("taken from the bundle itself" in n for n in report.notes)


# --- each kind of tampering, named with its position ---------------------------------------


def _change_payload(data: bytes) -> bytes:
    return data.replace(b'"note 3"', b'"note 9"')


def _flip_one_byte(data: bytes) -> bytes:
    at = data.index(b'"note 3"') + 2  # the 'o' of "note 3"
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


def _line(n: int, change: Callable[[dict[str, object]], None]) -> Callable[[bytes], bytes]:
    def edit(data: bytes) -> bytes:
        lines = lines_of(data)
        body = json.loads(lines[n - 1])
        change(body)
        lines[n - 1] = (canonical_json(body) + "\n").encode()
        return b"".join(lines)

    return edit


def _set(field: str, value: object) -> Callable[[dict[str, object]], None]:
    return lambda body: body.__setitem__(field, value)


def _swap_positions(data: bytes) -> bytes:
    lines = lines_of(data)
    a, b = json.loads(lines[2]), json.loads(lines[4])
    a["global_position"], b["global_position"] = 5, 3
    lines[2], lines[4] = (canonical_json(a) + "\n").encode(), (canonical_json(b) + "\n").encode()
    return b"".join(lines)


def _swap_lines(data: bytes) -> bytes:
    lines = lines_of(data)
    lines[2], lines[4] = lines[4], lines[2]
    return b"".join(lines)


def _drop_line(data: bytes) -> bytes:
    lines = lines_of(data)
    del lines[2]
    return b"".join(lines)


def _repeat_line(data: bytes) -> bytes:
    lines = lines_of(data)
    return b"".join([*lines[:3], lines[2], *lines[3:]])


def _spaces(data: bytes) -> bytes:
    lines = lines_of(data)
    lines[2] = (json.dumps(json.loads(lines[2]), sort_keys=True) + "\n").encode()
    return b"".join(lines)


def _truncate(data: bytes) -> bytes:
    lines = lines_of(data)
    lines[2] = lines[2][:40] + b"\n"
    return b"".join(lines)


def _half(body: dict[str, object]) -> None:
    body["payload"] = {**cast(dict[str, object], body["payload"]), "n": 3.5}


def _float(data: bytes) -> bytes:
    return _line(3, _half)(data)


OTHER = hashlib.sha256(b"forged").hexdigest()

TAMPERING: dict[str, tuple[Callable[[bytes], bytes], Problem, int]] = {
    "payload changed": (_change_payload, Problem.CHANGED, 3),
    "one byte flipped": (_flip_one_byte, Problem.CHANGED, 3),
    "envelope field changed": (_line(3, _set("stream_id", "intake-T-9")), Problem.CHANGED, 3),
    "stored hash changed": (_line(3, _set("hash", OTHER)), Problem.HASH, 3),
    "prev_hash changed": (_line(3, _set("prev_hash", OTHER)), Problem.PREV_HASH, 3),
    "row deleted": (_drop_line, Problem.MISSING, 3),
    "positions swapped": (_swap_positions, Problem.OUT_OF_ORDER, 3),
    "lines reordered": (_swap_lines, Problem.OUT_OF_ORDER, 3),
    "row repeated": (_repeat_line, Problem.DUPLICATE, 3),
    "line not canonical": (_spaces, Problem.NON_CANONICAL, 3),
    "line broken": (_truncate, Problem.NON_CANONICAL, 3),
    "time not canonical": (
        _line(3, _set("occurred_at", "2026-03-02T04:00:00+00:00")),
        Problem.NON_CANONICAL,
        3,
    ),
    "float in payload": (_float, Problem.NON_CANONICAL, 3),
}


@pytest.mark.parametrize("case", sorted(TAMPERING))
def test_each_kind_of_tampering_is_named_at_its_first_bad_position(
    tmp_path: Path, case: str
) -> None:
    change, problem, position = TAMPERING[case]
    path = write_bundle(tmp_path / "b.tar.gz", chain())
    edit_member(path, EVENTS, change)

    report = verify_bundle(path, public_keys=[KEY_A.public_key()])

    assert not report.ok
    first = report.findings[0]
    assert (first.problem, first.position) == (problem, position), first
    assert report.first_bad_position == position


def test_a_changed_file_is_also_named_against_the_manifest(tmp_path: Path) -> None:
    path = write_bundle(tmp_path / "b.tar.gz", chain())
    edit_member(path, EVENTS, _change_payload)

    report = verify_bundle(path)

    assert Problem.BUNDLE in {f.problem for f in report.findings}
    assert any("events.jsonl has SHA-256" in f.message for f in report.findings)


def test_a_rewritten_row_with_a_recomputed_hash_is_found_by_the_next_link(tmp_path: Path) -> None:
    rows = chain()
    forged = replace(rows[2], payload={"text": "forged", "n": 3})
    rows[2] = replace(forged, hash=forged.link_hash(forged.prev_hash))
    path = write_bundle(tmp_path / "b.tar.gz", rows)

    report = verify_bundle(path)

    first = report.findings[0]
    assert (first.problem, first.position) == (Problem.CHANGED, 3)
    assert "rewritten" in first.message


def test_a_head_that_disagrees_with_the_chain_is_named(tmp_path: Path) -> None:
    rows = chain()
    path = write_bundle(tmp_path / "b.tar.gz", rows, head=Anchor(6, bytes.fromhex(OTHER)))

    report = verify_bundle(path)

    assert (report.findings[0].problem, report.findings[0].position) == (Problem.HEAD, 6)


@pytest.mark.parametrize("where", [0.3, 0.5, 0.7])
def test_a_byte_flipped_in_the_compressed_file_is_detected(tmp_path: Path, where: float) -> None:
    path = write_bundle(tmp_path / "b.tar.gz", chain())
    data = bytearray(path.read_bytes())
    data[int(len(data) * where)] ^= 0xFF
    path.write_bytes(bytes(data))

    report = verify_bundle(path)

    # Depending on where the byte lands, the archive no longer opens, a line no longer
    # parses, or the content no longer matches its hash: never a clean report.
    assert not report.ok
    assert report.findings


# --- keys and checkpoints --------------------------------------------------------------------


def test_a_checkpoint_signed_with_key_a_fails_verification_with_key_b(tmp_path: Path) -> None:
    rows = chain()
    path = write_bundle(tmp_path / "b.tar.gz", rows, checkpoints=(signed(6, rows, KEY_A),))

    report = verify_bundle(path, public_keys=[KEY_B.public_key()])

    assert not report.ok
    assert report.checkpoints[0].signature is SignatureStatus.UNKNOWN_KEY
    assert report.findings[0].problem is Problem.CHECKPOINT
    assert report.findings[0].position == 6


def test_a_checkpoint_claiming_key_b_but_signed_with_key_a_has_a_bad_signature(
    tmp_path: Path,
) -> None:
    rows = chain()
    forged = signed(6, rows, KEY_A).model_copy(update={"key_id": key_id(KEY_B.public_key())})
    path = write_bundle(tmp_path / "b.tar.gz", rows, checkpoints=(forged,))

    report = verify_bundle(path, public_keys=[KEY_B.public_key()])

    assert report.checkpoints[0].signature is SignatureStatus.BAD_SIGNATURE
    assert not report.ok


def test_an_edited_checkpoint_no_longer_verifies(tmp_path: Path) -> None:
    rows = chain()
    edited = signed(6, rows).model_copy(update={"position": 5, "head_hash": rows[4].hash.hex()})
    path = write_bundle(tmp_path / "b.tar.gz", rows, checkpoints=(edited,))

    report = verify_bundle(path, public_keys=[KEY_A.public_key()])

    assert report.checkpoints[0].signature is SignatureStatus.BAD_SIGNATURE


def test_a_validly_signed_checkpoint_whose_hash_is_not_the_chains_fails(tmp_path: Path) -> None:
    rows = chain()
    wrong = sign_checkpoint(KEY_A, head=Anchor(4, rows[2].hash), signed_at=T0)
    path = write_bundle(tmp_path / "b.tar.gz", rows, checkpoints=(wrong,))

    report = verify_bundle(path, public_keys=[KEY_A.public_key()])

    assert not report.ok
    assert report.walk.ok  # the chain itself is whole; the signature is what it contradicts
    assert report.checkpoints[0].signature is SignatureStatus.VALID
    assert report.checkpoints[0].chain is ChainStatus.DIFFERS
    assert (report.findings[0].problem, report.findings[0].position) == (Problem.CHECKPOINT, 4)


def test_a_chain_rewritten_consistently_is_caught_by_its_signed_checkpoint(
    tmp_path: Path,
) -> None:
    rows = chain()
    checkpoint = signed(5, rows)
    rows[1] = replace(rows[1], payload={"text": "forged", "n": 2})
    path = write_bundle(tmp_path / "b.tar.gz", rehash(rows), checkpoints=(checkpoint,))

    report = verify_bundle(path, public_keys=[KEY_A.public_key()])

    assert report.walk.ok  # every link recomputes: only the signature can tell
    assert report.checkpoints[0].chain is ChainStatus.DIFFERS
    assert not report.ok


def test_a_rewrite_that_drops_the_bundles_checkpoints_fails_against_the_auditors_own(
    tmp_path: Path,
) -> None:
    rows = chain()
    write_checkpoint_file(tmp_path / "held", signed(5, rows))  # received earlier, kept apart
    rows[1] = replace(rows[1], payload={"text": "forged", "n": 2})
    path = write_bundle(tmp_path / "b.tar.gz", rehash(rows), checkpoints=())

    alone = verify_bundle(path, public_keys=[KEY_A.public_key()])
    held = verify_bundle(path, public_keys=[KEY_A.public_key()], checkpoint_dir=tmp_path / "held")

    assert alone.ok  # nothing in the bundle contradicts it ...
    assert any("no valid signed checkpoint" in n for n in alone.notes)  # ... and it says so
    assert not held.ok
    assert held.checkpoints[0].chain is ChainStatus.DIFFERS


def test_a_chain_cut_short_before_a_signed_checkpoint_fails(tmp_path: Path) -> None:
    rows = chain()
    checkpoint = signed(6, rows)
    path = write_bundle(tmp_path / "b.tar.gz", rows[:4], checkpoints=(checkpoint,))

    report = verify_bundle(path, public_keys=[KEY_A.public_key()])

    assert report.checkpoints[0].chain is ChainStatus.BEYOND_END
    assert not report.ok


def test_verifying_from_a_checkpoint_skips_what_it_vouches_for(tmp_path: Path) -> None:
    rows = chain()
    checkpoint = signed(4, rows)
    path = write_bundle(tmp_path / "b.tar.gz", rows, checkpoints=(checkpoint,))
    edit_member(path, EVENTS, _line(2, _set("payload", {"text": "forged", "n": 2})))

    report = verify_bundle(path, public_keys=[KEY_A.public_key()], from_checkpoint=True)

    assert report.walk.ok
    assert report.walk.checked == 2
    assert any("positions 1..4 were not recomputed" in n for n in report.notes)


def test_a_replaced_public_key_is_named(tmp_path: Path) -> None:
    rows = chain()
    path = write_bundle(tmp_path / "b.tar.gz", rows, checkpoints=(signed(6, rows),))
    edit_member(path, PUBLIC_KEY, lambda _: public_key_pem(KEY_B.public_key()))

    report = verify_bundle(path)

    assert not report.ok
    assert any("public_key.pem has SHA-256" in f.message for f in report.findings)
    assert report.checkpoints[0].signature is SignatureStatus.UNKNOWN_KEY


# --- a partial export ------------------------------------------------------------------------


def test_a_one_ticket_bundle_checks_each_event_on_its_own_and_says_what_it_cannot_prove(
    tmp_path: Path,
) -> None:
    rows = [r for r in chain() if r.correlation_id == "T-1"]
    path = write_bundle(tmp_path / "b.tar.gz", rows, complete=False)

    report = verify_bundle(path)

    assert report.ok, report.findings
    assert not report.walk.complete
    assert report.walk.checked == 3
    assert any("NOT proven" in n for n in report.notes)


def test_a_changed_event_in_a_one_ticket_bundle_is_detected(tmp_path: Path) -> None:
    rows = [r for r in chain() if r.correlation_id == "T-1"]
    path = write_bundle(tmp_path / "b.tar.gz", rows, complete=False)
    edit_member(path, EVENTS, _change_payload)

    report = verify_bundle(path)

    assert (report.findings[0].problem, report.findings[0].position) == (Problem.CHANGED, 3)


# --- key files and checkpoint files ---------------------------------------------------------


def test_keygen_writes_a_private_key_only_its_owner_can_read(tmp_path: Path) -> None:
    made = generate_key_pair(tmp_path / "keys")

    assert stat.S_IMODE(os.stat(made.private_key).st_mode) == 0o600
    private, public = load_private_key(made.private_key), load_public_key(made.public_key)
    assert key_id(private.public_key()) == key_id(public) == made.key_id


def test_keygen_never_overwrites_a_key(tmp_path: Path) -> None:
    generate_key_pair(tmp_path)
    with pytest.raises(AuditUsageError, match="already exists"):
        generate_key_pair(tmp_path)


def test_a_public_key_file_is_not_a_private_key(tmp_path: Path) -> None:
    made = generate_key_pair(tmp_path)
    with pytest.raises(AuditUsageError, match="not an unencrypted PEM private key"):
        load_private_key(made.public_key)


def test_checkpoint_files_round_trip_and_a_broken_one_is_reported(tmp_path: Path) -> None:
    checkpoint = signed(6, chain())
    written = write_checkpoint_file(tmp_path, checkpoint)
    (tmp_path / "checkpoint-000000000009-broken.json").write_text("{not json")

    found = dict(read_checkpoint_files(tmp_path))

    assert found[f"file {written.name}"] == checkpoint
    assert "file checkpoint-000000000009-broken.json" in found
    assert not isinstance(found["file checkpoint-000000000009-broken.json"], Checkpoint)


# --- the command line, with no database -------------------------------------------------------


@pytest.fixture
def no_database(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to reach a database fails: the port is closed."""
    monkeypatch.setenv("PENGHUBUNG_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")


@pytest.mark.usefixtures("no_database")
def test_cli_verify_bundle_exits_0_when_whole_1_when_tampered_2_on_usage(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = chain()
    keys = generate_key_pair(tmp_path / "keys")
    good = write_bundle(tmp_path / "good.tar.gz", rows, key=None)
    bad = write_bundle(tmp_path / "bad.tar.gz", rows, key=None)
    edit_member(bad, EVENTS, _flip_one_byte)
    args = ["audit", "verify", "--public-key", str(keys.public_key), "--json", "--bundle"]

    assert main([*args, str(good)]) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True
    assert main([*args, str(bad)]) == 1
    out = json.loads(capsys.readouterr().out)
    assert (out["problem"], out["first_bad_position"]) == ("changed", 3)
    assert main([*args, str(tmp_path / "absent.tar.gz")]) == 2
    assert "no bundle at" in json.loads(capsys.readouterr().out)["error"]


@pytest.mark.usefixtures("no_database")
def test_cli_verify_prints_a_readable_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = write_bundle(tmp_path / "bad.tar.gz", chain())
    edit_member(bad, EVENTS, _drop_line)

    assert main(["audit", "verify", "--bundle", str(bad)]) == 1

    out = capsys.readouterr().out
    assert "TAMPERED" in out
    assert "missing" in out


# --- every signed checkpoint found anywhere ---------------------------------------------------


def with_checkpoint_event(rows: list[ChainRow], at: int, checkpoint: Checkpoint) -> list[ChainRow]:
    """The chain with position `at` replaced by the ChainCheckpointSigned event the signer
    appends, re-linked from there on."""
    payload = {k: v for k, v in checkpoint.to_json().items() if k != "format"}
    event = replace(
        rows[at - 1],
        stream_id="audit-checkpoints",
        type="ChainCheckpointSigned",
        correlation_id="audit-checkpoints",
        payload=payload,
    )
    return rehash([*rows[: at - 1], event, *rows[at:]])


def test_a_checkpoint_event_inside_the_events_is_checked_like_any_other(tmp_path: Path) -> None:
    rows = chain()
    rows = with_checkpoint_event(rows, 5, signed(4, rows))
    path = write_bundle(tmp_path / "b.tar.gz", rows, checkpoints=())

    report = verify_bundle(path, public_keys=[KEY_A.public_key()])

    assert report.ok, report.findings
    assert report.signed_through == 4
    assert report.checkpoints[0].sources == ("bundle events.jsonl line 5 (event at position 5)",)


def test_a_rewrite_that_drops_checkpoints_jsonl_is_caught_by_the_checkpoint_event_it_kept(
    tmp_path: Path,
) -> None:
    rows = chain()
    checkpoint = signed(4, rows)
    rows = with_checkpoint_event(rows, 5, checkpoint)
    honest = write_bundle(tmp_path / "honest.tar.gz", rows, checkpoints=(checkpoint,))
    rows[1] = replace(rows[1], payload={"text": "forged", "n": 2})
    forged = write_bundle(tmp_path / "forged.tar.gz", rehash(rows), checkpoints=())

    assert verify_bundle(honest, public_keys=[KEY_A.public_key()]).ok
    report = verify_bundle(forged, public_keys=[KEY_A.public_key()])

    assert report.walk.ok  # every link recomputes; the manifest matches the files
    assert not report.ok
    assert report.checkpoints[0].chain is ChainStatus.DIFFERS
    assert report.checkpoints[0].signature is SignatureStatus.VALID
    assert (report.findings[0].problem, report.findings[0].position) == (Problem.CHECKPOINT, 4)
    assert "events.jsonl line 5" in (report.findings[0].where or "")


def test_a_checkpoint_signed_after_the_export_is_beyond_the_bundle_not_tampering(
    tmp_path: Path,
) -> None:
    rows = chain()
    later = sign_checkpoint(
        KEY_A, head=Anchor(6, rows[5].hash), signed_at=T0 + timedelta(days=3)
    )  # the hourly signer, a day after the bundle was exported (T0 + 2 days) at position 4
    write_checkpoint_file(tmp_path / "held", later)
    path = write_bundle(tmp_path / "b.tar.gz", rows[:4], checkpoints=(signed(4, rows),))

    report = verify_bundle(path, public_keys=[KEY_A.public_key()], checkpoint_dir=tmp_path / "held")

    assert report.ok, report.findings
    statuses = {c.checkpoint.position: c.chain for c in report.checkpoints}
    assert statuses == {4: ChainStatus.MATCHES, 6: ChainStatus.AFTER_EXPORT}
    assert report.signed_through == 4
    assert any("after this bundle was exported" in n for n in report.notes)
    assert not any("removed" in f.message for f in report.findings)


def test_only_a_checkpoint_of_the_empty_log_vouches_for_nothing(tmp_path: Path) -> None:
    rows = chain()
    path = write_bundle(tmp_path / "b.tar.gz", rows, checkpoints=(signed(0, rows),))

    report = verify_bundle(path, public_keys=[KEY_A.public_key()])

    assert report.ok, report.findings
    assert report.signed_through is None
    assert not any("1..0" in n for n in report.notes)
    assert any("no valid signed checkpoint covers the chain yet" in n for n in report.notes)


@pytest.mark.usefixtures("no_database")
def test_the_report_names_where_its_key_came_from(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = chain()
    keys = generate_key_pair(tmp_path / "keys")
    path = write_bundle(tmp_path / "b.tar.gz", rows, key=None)

    assert main(["audit", "verify", "--bundle", str(path), "--json"]) == 0
    alone = json.loads(capsys.readouterr().out)
    assert (
        main(["audit", "verify", "--bundle", str(path), "--public-key", str(keys.public_key)]) == 0
    )
    given = capsys.readouterr().out

    assert (alone["key_source"], alone["keys"]) == ("none", [])
    assert "given with --public-key" in given


def test_the_signing_key_may_come_from_a_pem_in_a_setting(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization

    from penghubung.audit.keys import signing_key
    from penghubung.settings import AuditSettings

    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    settings = AuditSettings(audit_private_key=tmp_path / "absent.pem", audit_private_key_pem=pem)

    assert key_id(signing_key(settings).public_key()) == key_id(key.public_key())
    with pytest.raises(AuditUsageError, match="PENGHUBUNG_AUDIT_PRIVATE_KEY_PEM"):
        signing_key(AuditSettings(audit_private_key_pem="-----BEGIN nonsense"))
    with pytest.raises(AuditUsageError, match="cannot read"):
        signing_key(AuditSettings(audit_private_key=tmp_path / "absent.pem"))
