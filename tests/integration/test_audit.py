"""The auditor's toolkit against real PostgreSQL: tampering as a superuser, signing, exporting."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import json
import tarfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar, Literal

import asyncpg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from penghubung.audit import (
    AuditReport,
    ChainBroken,
    ChainStatus,
    Problem,
    SignatureStatus,
    export_bundle,
    generate_key_pair,
    key_id,
    load_private_key,
    load_public_key,
    run_signer,
    sign_checkpoint,
    sign_head,
    verify_bundle,
    verify_database,
    write_checkpoint_file,
)
from penghubung.audit.bundle import EVENTS
from penghubung.audit.chain import Anchor
from penghubung.audit.verdict import verify_chain
from penghubung.audit.witness import Witnesses
from penghubung.db import connect, create_pool
from penghubung.events import Actor, Event, EventRegistry, Metadata, NewEvent, Role
from penghubung.events.audit import (
    CHECKPOINT_STREAM,
    EXPORT_STREAM,
    AuditExported,
    ChainCheckpointSigned,
    ExportScope,
    ExportScopeKind,
)
from penghubung.events.canonical import canonical_bytes, chain_hash
from penghubung.eventstore import EventStore

pytestmark = pytest.mark.integration

events = EventRegistry()
events.register(ChainCheckpointSigned)
events.register(AuditExported)


@events.register
class Noted(Event):
    """A test fact in the `intake` category."""

    type: Literal["Noted"] = "Noted"
    schema_version: int = 1
    category: ClassVar[str] = "intake"
    text: str
    n: int = 0


T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
AUDITOR = Actor(nip="198501012010011001", name="Agus", role=Role.AUDITOR)


def noted(n: int, ticket: str) -> NewEvent:
    meta = Metadata(
        event_id=uuid.uuid4(),
        occurred_at=T0 + timedelta(days=n),
        actor=Actor(nip="198501012010011001", name="Siti", role=Role.PEMOHON, agency="Dinkes"),
        correlation_id=ticket,
    )
    return NewEvent(event=Noted(text=f"note {n}", n=n), meta=meta)


@dataclass
class Log:
    """A private database with six events: odd positions are ticket T-1, even ones T-2."""

    url: str
    store: EventStore
    keys: Path

    @property
    def private_key(self) -> Ed25519PrivateKey:
        return load_private_key(self.keys / "audit_ed25519.pem")

    @property
    def public_key_file(self) -> Path:
        return self.keys / "audit_ed25519.pub.pem"

    async def append(self, n: int, ticket: str) -> None:
        await self.store.append(f"intake-{ticket}", expected_version=-1, events=[noted(n, ticket)])

    async def verify(self, **kwargs: Any) -> AuditReport:
        conn = await connect(self.url)
        try:
            return await verify_database(conn, **kwargs)
        finally:
            await conn.close()

    async def tamper(self, *statements: str) -> None:
        """Change the log as a superuser: the append-only triggers off, then on again."""
        conn = await connect(self.url)
        try:
            await conn.execute("ALTER TABLE eventstore.events DISABLE TRIGGER USER")
            try:
                for sql in statements:
                    await conn.execute(sql)
            finally:
                await conn.execute("ALTER TABLE eventstore.events ENABLE TRIGGER USER")
        finally:
            await conn.close()

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        conn = await connect(self.url)
        try:
            rows: list[asyncpg.Record] = await conn.fetch(sql, *args)
            return rows
        finally:
            await conn.close()


@pytest.fixture
async def log(new_database: Callable[[], Awaitable[str]], tmp_path: Path) -> AsyncIterator[Log]:
    url = await new_database()
    generate_key_pair(tmp_path / "keys")
    async with create_pool(url, size=3) as pool:
        it = Log(url, EventStore(pool, events=events), tmp_path / "keys")
        for n in range(1, 7):
            await it.append(n, "T-1" if n % 2 else "T-2")
        yield it


# --- verify -----------------------------------------------------------------------------------


async def test_an_untouched_log_verifies_with_its_count_and_head_hash(log: Log) -> None:
    report = await log.verify()

    head = (await log.fetch("SELECT position, hash FROM eventstore.head"))[0]
    assert report.ok, report.findings
    assert report.walk.checked == 6
    assert report.walk.last_position == 6
    assert report.walk.last_hash == bytes(head["hash"])


def _forged_hash() -> str:
    return "'\\x" + hashlib.sha256(b"forged").hexdigest() + "'::bytea"


TAMPERING: dict[str, tuple[list[str], Problem, int]] = {
    "payload changed": (
        [
            "UPDATE eventstore.events SET payload = jsonb_set(payload, '{text}', '\"forged\"')"
            " WHERE global_position = 3"
        ],
        Problem.CHANGED,
        3,
    ),
    "envelope field changed": (
        [
            "UPDATE eventstore.events SET occurred_at = occurred_at + interval '1 day'"
            " WHERE global_position = 3"
        ],
        Problem.CHANGED,
        3,
    ),
    "row deleted": (
        ["DELETE FROM eventstore.events WHERE global_position = 3"],
        Problem.MISSING,
        3,
    ),
    "rows swapped": (
        [
            "UPDATE eventstore.events SET global_position = -2 WHERE global_position = 2",
            "UPDATE eventstore.events SET global_position = 2 WHERE global_position = 4",
            "UPDATE eventstore.events SET global_position = 4 WHERE global_position = -2",
        ],
        Problem.OUT_OF_ORDER,
        2,
    ),
    "prev_hash changed": (
        [f"UPDATE eventstore.events SET prev_hash = {_forged_hash()} WHERE global_position = 3"],
        Problem.PREV_HASH,
        3,
    ),
    "hash changed": (
        [f"UPDATE eventstore.events SET hash = {_forged_hash()} WHERE global_position = 3"],
        Problem.HASH,
        3,
    ),
    "last hash changed": (
        [f"UPDATE eventstore.events SET hash = {_forged_hash()} WHERE global_position = 6"],
        Problem.HASH,
        6,
    ),
    "head hash edited": (
        [f"UPDATE eventstore.head SET hash = {_forged_hash()}"],
        Problem.HEAD,
        6,
    ),
    "head position edited": (
        ["UPDATE eventstore.head SET position = 5"],
        Problem.HEAD,
        5,
    ),
    "last row deleted": (
        ["DELETE FROM eventstore.events WHERE global_position = 6"],
        Problem.HEAD,
        6,
    ),
    "number not canonical": (
        [
            "UPDATE eventstore.events SET payload = jsonb_set(payload, '{n}', '3.5')"
            " WHERE global_position = 3"
        ],
        Problem.NON_CANONICAL,
        3,
    ),
}


@pytest.mark.parametrize("case", sorted(TAMPERING))
async def test_each_kind_of_tampering_is_detected_and_named_with_its_position(
    log: Log, case: str
) -> None:
    statements, problem, position = TAMPERING[case]
    await log.tamper(*statements)

    report = await log.verify()

    assert not report.ok
    first = report.findings[0]
    assert (first.problem, first.position) == (problem, position), first.message
    conn = await connect(log.url)
    try:
        legacy = await verify_chain(conn)
    finally:
        await conn.close()
    assert legacy.first_bad_position == position
    assert legacy.problem is not None
    assert legacy.problem.startswith(problem.value)


async def test_a_row_rewritten_with_a_recomputed_hash_is_found_by_the_next_link(
    log: Log,
) -> None:
    row = dict((await log.fetch("SELECT * FROM eventstore.events WHERE global_position = 3"))[0])
    row["payload"] = {**row["payload"], "text": "forged"}
    forged = chain_hash(bytes(row["prev_hash"]), canonical_bytes(row))
    await log.tamper(
        "UPDATE eventstore.events SET payload = jsonb_set(payload, '{text}', '\"forged\"'),"
        f" hash = '\\x{forged.hex()}'::bytea WHERE global_position = 3"
    )

    report = await log.verify()

    first = report.findings[0]
    assert (first.problem, first.position) == (Problem.CHANGED, 3)
    assert "rewritten" in first.message


# --- sign -------------------------------------------------------------------------------------


async def test_signing_records_the_checkpoint_in_the_log_and_in_a_file(
    log: Log, tmp_path: Path
) -> None:
    signed = await sign_head(
        log.store, private_key=log.private_key, checkpoint_dir=tmp_path / "cp", actor=AUDITOR
    )

    assert signed is not None
    head = (await log.fetch("SELECT hash FROM eventstore.events WHERE global_position = 6"))[0]
    assert (signed.checkpoint.position, signed.checkpoint.head_hash) == (6, head["hash"].hex())
    event = (await log.fetch("SELECT * FROM eventstore.events WHERE global_position = 7"))[0]
    assert (event["stream_id"], event["type"]) == (CHECKPOINT_STREAM, "ChainCheckpointSigned")
    assert bytes(event["prev_hash"]) == bytes(head["hash"])  # signed under the head lock
    assert json.loads(signed.file.read_text())["signature"] == signed.checkpoint.signature
    report = await log.verify(
        public_keys=[load_public_key(log.public_key_file)], checkpoint_dir=tmp_path / "cp"
    )
    assert report.ok, report.findings
    assert report.signed_through == 6
    assert report.checkpoints[0].sources == ("log position 7", f"file {signed.file.name}")


async def test_a_checkpoint_signed_with_key_a_fails_verification_with_key_b(
    log: Log, tmp_path: Path
) -> None:
    await sign_head(log.store, private_key=log.private_key, checkpoint_dir=tmp_path / "cp")
    other = generate_key_pair(tmp_path / "other")

    report = await log.verify(public_keys=[load_public_key(other.public_key)])

    assert not report.ok
    assert report.walk.ok
    assert report.checkpoints[0].signature is SignatureStatus.UNKNOWN_KEY
    assert (report.findings[0].problem, report.findings[0].position) == (Problem.CHECKPOINT, 6)


async def test_a_checkpoint_whose_hash_is_not_the_chains_fails(log: Log, tmp_path: Path) -> None:
    wrong = sign_checkpoint(
        log.private_key, head=Anchor(4, hashlib.sha256(b"x").digest()), signed_at=T0
    )
    write_checkpoint_file(tmp_path / "cp", wrong)

    report = await log.verify(
        public_keys=[load_public_key(log.public_key_file)], checkpoint_dir=tmp_path / "cp"
    )

    assert not report.ok
    assert report.checkpoints[0].chain is ChainStatus.DIFFERS
    assert (report.findings[0].problem, report.findings[0].position) == (Problem.CHECKPOINT, 4)


async def test_a_consistent_rewrite_of_the_chain_is_caught_by_the_signed_checkpoint(
    log: Log, tmp_path: Path
) -> None:
    await sign_head(log.store, private_key=log.private_key, checkpoint_dir=tmp_path / "cp")
    rows = [dict(r) for r in await log.fetch("SELECT * FROM eventstore.events ORDER BY 1")]
    rows[1]["payload"] = {**rows[1]["payload"], "text": "forged"}
    prev, statements = rows[0]["hash"], []
    for row in rows[1:]:
        digest = chain_hash(bytes(prev), canonical_bytes(row))
        statements.append(
            f"UPDATE eventstore.events SET payload = '{json.dumps(row['payload'])}'::jsonb,"
            f" prev_hash = '\\x{bytes(prev).hex()}', hash = '\\x{digest.hex()}'"
            f" WHERE global_position = {row['global_position']}"
        )
        prev = digest
    statements.append(f"UPDATE eventstore.head SET hash = '\\x{bytes(prev).hex()}'")
    await log.tamper(*statements)

    report = await log.verify(
        public_keys=[load_public_key(log.public_key_file)], checkpoint_dir=tmp_path / "cp"
    )

    assert report.walk.ok  # every link recomputes; only the signature can tell
    assert not report.ok
    assert {c.chain for c in report.checkpoints} == {ChainStatus.DIFFERS}


async def test_a_broken_chain_is_not_signed(log: Log, tmp_path: Path) -> None:
    await log.tamper(*TAMPERING["payload changed"][0])

    with pytest.raises(ChainBroken, match="content differs"):
        await sign_head(log.store, private_key=log.private_key, checkpoint_dir=tmp_path / "cp")

    assert not (tmp_path / "cp").exists()
    assert (
        await log.fetch("SELECT 1 FROM eventstore.events WHERE stream_id = 'audit-checkpoints'")
        == []
    )


async def test_signing_again_verifies_only_what_came_since_the_last_checkpoint(
    log: Log, tmp_path: Path
) -> None:
    await sign_head(log.store, private_key=log.private_key, checkpoint_dir=tmp_path / "cp")
    await log.append(8, "T-2")
    # Tampering before the last checkpoint is the full verification's to find, not the signer's.
    await log.tamper(*TAMPERING["payload changed"][0])

    again = await sign_head(log.store, private_key=log.private_key, checkpoint_dir=tmp_path / "cp")

    assert again is not None
    assert (again.verified_from, again.checkpoint.position) == (6, 8)


async def test_verify_from_a_checkpoint_recomputes_only_the_rows_after_it(
    log: Log, tmp_path: Path
) -> None:
    await sign_head(log.store, private_key=log.private_key, checkpoint_dir=tmp_path / "cp")
    await log.append(8, "T-2")
    await log.append(9, "T-1")
    keys = [load_public_key(log.public_key_file)]

    whole = await log.verify(public_keys=keys, from_checkpoint=True)
    await log.tamper(
        "UPDATE eventstore.events SET payload = jsonb_set(payload, '{text}', '\"forged\"')"
        " WHERE global_position = 8"
    )
    tampered = await log.verify(public_keys=keys, from_checkpoint=True)

    assert whole.ok, whole.findings
    assert whole.walk.checked == 3  # 7 (the checkpoint event), 8, 9
    assert any("positions 1..6 were not recomputed" in n for n in whole.notes)
    assert (tampered.findings[0].problem, tampered.findings[0].position) == (Problem.CHANGED, 8)


async def test_the_periodic_signer_signs_then_waits_for_something_new(
    log: Log, tmp_path: Path
) -> None:
    folder = tmp_path / "cp"
    stop = asyncio.Event()
    task = asyncio.create_task(
        run_signer(
            stop,
            store=log.store,
            private_key=log.private_key,
            checkpoint_dir=folder,
            interval_seconds=0.05,
        )
    )

    def files() -> int:
        return len(list(folder.glob("checkpoint-*.json")))

    try:
        await eventually(lambda: files() > 0)
        await asyncio.sleep(0.3)  # several more rounds with nothing new
        first = files()
        await log.append(8, "T-2")
        await eventually(lambda: files() > first)
    finally:
        stop.set()
        await task

    signed = await log.fetch(
        "SELECT payload->>'position' AS p FROM eventstore.events WHERE stream_id = $1 ORDER BY 1",
        CHECKPOINT_STREAM,
    )
    assert first == 1
    assert [int(r["p"]) for r in signed] == [6, 8]


# --- export -----------------------------------------------------------------------------------


async def test_a_full_export_verifies_offline_and_the_export_is_recorded(
    log: Log, tmp_path: Path
) -> None:
    await sign_head(log.store, private_key=log.private_key, checkpoint_dir=tmp_path / "cp")
    public_key = load_public_key(log.public_key_file)

    done = await export_bundle(
        log.store,
        tmp_path / "all.tar.gz",
        scope=ExportScope(kind=ExportScopeKind.ALL),
        actor=AUDITOR,
        public_key=public_key,
        checkpoint_dir=tmp_path / "cp",
    )
    report = verify_bundle(done.path, public_keys=[public_key])

    assert report.ok, report.findings
    assert (report.walk.checked, report.signed_through) == (7, 6)
    assert done.manifest.complete
    recorded = await log.fetch(
        "SELECT * FROM eventstore.events WHERE stream_id = $1", EXPORT_STREAM
    )
    assert [r["global_position"] for r in recorded] == [done.event_position] == [8]
    payload, actor = recorded[0]["payload"], recorded[0]["actor"]
    assert payload["bundle_sha256"] == hashlib.sha256(done.path.read_bytes()).hexdigest()
    assert (payload["event_count"], payload["scope"]["kind"]) == (7, "all")
    assert actor["name"] == "Agus"
    assert str(recorded[0]["event_id"]) == done.manifest.bundle_id
    assert (await log.verify()).ok


async def test_one_byte_flipped_in_an_exported_bundle_is_detected(log: Log, tmp_path: Path) -> None:
    done = await export_bundle(
        log.store,
        tmp_path / "all.tar.gz",
        scope=ExportScope(kind=ExportScopeKind.ALL),
        actor=AUDITOR,
    )
    flipped = _rewrite_member(done.path, EVENTS, lambda d: d.replace(b'"note 4"', b'"note 5"'))

    report = verify_bundle(flipped)

    assert (report.findings[0].problem, report.findings[0].position) == (Problem.CHANGED, 4)


async def test_a_tampered_log_exported_fails_offline_at_the_same_position(
    log: Log, tmp_path: Path
) -> None:
    await log.tamper(*TAMPERING["rows swapped"][0])

    done = await export_bundle(
        log.store,
        tmp_path / "all.tar.gz",
        scope=ExportScope(kind=ExportScopeKind.ALL),
        actor=AUDITOR,
    )
    report = verify_bundle(done.path)

    assert (report.findings[0].problem, report.findings[0].position) == (Problem.OUT_OF_ORDER, 2)


async def test_a_one_ticket_export_verifies_and_is_recorded_on_the_ticket(
    log: Log, tmp_path: Path
) -> None:
    await sign_head(log.store, private_key=log.private_key, checkpoint_dir=tmp_path / "cp")

    done = await export_bundle(
        log.store,
        tmp_path / "t1.tar.gz",
        scope=ExportScope(kind=ExportScopeKind.TICKET, ticket_id="T-1"),
        actor=AUDITOR,
        public_key=load_public_key(log.public_key_file),
    )
    report = verify_bundle(done.path, public_keys=[load_public_key(log.public_key_file)])

    assert report.ok, report.findings
    assert not report.walk.complete
    assert (report.walk.checked, report.walk.first_position, report.walk.last_position) == (
        3,
        1,
        5,
    )
    assert report.checkpoints[0].signature is SignatureStatus.VALID
    assert any("NOT proven" in n for n in report.notes)
    recorded = await log.fetch(
        "SELECT correlation_id, payload FROM eventstore.events WHERE type = 'AuditExported'"
    )
    assert recorded[0]["correlation_id"] == "T-1"
    assert recorded[0]["payload"]["scope"] == {
        "kind": "ticket",
        "ticket_id": "T-1",
        "occurred_from": None,
        "occurred_until": None,
    }


async def test_a_time_range_export_holds_the_events_that_occurred_in_it(
    log: Log, tmp_path: Path
) -> None:
    scope = ExportScope(
        kind=ExportScopeKind.RANGE,
        occurred_from=T0 + timedelta(days=2),
        occurred_until=T0 + timedelta(days=5),
    )

    done = await export_bundle(log.store, tmp_path / "r.tar.gz", scope=scope, actor=AUDITOR)
    report = verify_bundle(done.path)

    assert report.ok, report.findings
    assert (done.manifest.first_position, done.manifest.last_position) == (2, 4)


async def test_an_export_never_overwrites_a_file(log: Log, tmp_path: Path) -> None:
    (tmp_path / "all.tar.gz").write_bytes(b"keep")

    with pytest.raises(Exception, match="already exists"):
        await export_bundle(
            log.store,
            tmp_path / "all.tar.gz",
            scope=ExportScope(kind=ExportScopeKind.ALL),
            actor=AUDITOR,
        )

    assert (tmp_path / "all.tar.gz").read_bytes() == b"keep"
    assert await log.fetch("SELECT 1 FROM eventstore.events WHERE type = 'AuditExported'") == []


async def eventually(check: Callable[[], bool], *, within: float = 10.0) -> None:
    """Wait until `check` holds, or fail after `within` seconds."""
    for _ in range(int(within / 0.02)):
        if check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the condition did not come true in time")


def _rewrite_member(path: Path, name: str, change: Callable[[bytes], bytes]) -> Path:
    with tarfile.open(path, "r:gz") as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}  # type: ignore[union-attr]
    members[name] = change(members[name])
    out = path.with_name("tampered-" + path.name)
    with tarfile.open(out, "w:gz") as tar:
        for member, body in members.items():
            info = tarfile.TarInfo(member)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    return out


# --- the key elsewhere, checkpoints published to witnesses -----------------------------------


@contextlib.asynccontextmanager
async def http_witness() -> AsyncIterator[tuple[str, list[dict[str, Any]]]]:
    """An HTTP witness on loopback that keeps every checkpoint POSTed to it."""
    import socket

    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    kept: list[dict[str, Any]] = []

    async def receive(request: Request) -> JSONResponse:
        kept.append(await request.json())
        return JSONResponse({"kept": len(kept)}, status_code=201)

    app = Starlette(routes=[Route("/checkpoints", receive, methods=["POST"])])
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, lifespan="off"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:  # noqa: ASYNC110 - uvicorn's server offers no event to wait on
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/checkpoints", kept
    finally:
        server.should_exit = True
        await task
        sock.close()


async def test_each_checkpoint_is_published_to_a_second_folder_and_an_http_witness(
    log: Log, tmp_path: Path
) -> None:
    async with http_witness() as (url, kept):
        witnesses = Witnesses(directory=tmp_path / "elsewhere", url=url)
        signed = await sign_head(
            log.store,
            private_key=log.private_key,
            checkpoint_dir=tmp_path / "cp",
            witnesses=witnesses,
        )

    assert signed is not None
    assert [(w.ok, w.place.split()[0]) for w in signed.witnessed] == [
        (True, "folder"),
        (True, "witness"),
    ]
    assert kept == [signed.checkpoint.to_json()]
    copies = list((tmp_path / "elsewhere").glob("checkpoint-*.json"))
    assert [json.loads(c.read_text()) for c in copies] == [signed.checkpoint.to_json()]
    # The auditor verifies the log against the witness's copies.
    report = await log.verify(
        public_keys=[load_public_key(log.public_key_file)], checkpoint_dir=tmp_path / "elsewhere"
    )
    assert report.ok
    assert any(s.startswith("file ") for s in report.checkpoints[0].sources)


async def test_a_witness_that_cannot_be_reached_is_reported_and_the_checkpoint_still_made(
    log: Log, tmp_path: Path
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the folder should be")
    witnesses = Witnesses(directory=blocked, url="http://127.0.0.1:1/checkpoints")

    signed = await sign_head(
        log.store, private_key=log.private_key, checkpoint_dir=tmp_path / "cp", witnesses=witnesses
    )

    assert signed is not None
    assert [w.ok for w in signed.witnessed] == [False, False]
    assert all(w.detail for w in signed.witnessed)
    assert (await log.verify(public_keys=[load_public_key(log.public_key_file)])).ok


async def test_the_signer_takes_its_key_from_a_pem_setting_and_publishes(
    log: Log, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from penghubung.cli import main

    pem = (log.keys / "audit_ed25519.pem").read_text()
    monkeypatch.setenv("PENGHUBUNG_DATABASE_URL", log.url)
    monkeypatch.setenv("PENGHUBUNG_AUDIT_PRIVATE_KEY", str(tmp_path / "absent.pem"))
    monkeypatch.setenv("PENGHUBUNG_AUDIT_PRIVATE_KEY_PEM", pem)
    monkeypatch.setenv("PENGHUBUNG_AUDIT_CHECKPOINT_DIR", str(tmp_path / "cp"))
    monkeypatch.setenv("PENGHUBUNG_AUDIT_WITNESS_DIR", str(tmp_path / "elsewhere"))

    code = await asyncio.to_thread(main, ["audit", "sign", "--json", "--name", "Agus"])

    out = json.loads(capsys.readouterr().out)
    assert code == 0, out
    assert out["key_id"] == key_id(log.private_key.public_key())
    assert [w["ok"] for w in out["witnessed"]] == [True]
    assert len(list((tmp_path / "elsewhere").glob("checkpoint-*.json"))) == 1


async def test_the_database_report_says_where_its_key_came_from(
    log: Log, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from penghubung.cli import main

    await sign_head(log.store, private_key=log.private_key, checkpoint_dir=tmp_path / "cp")
    monkeypatch.setenv("PENGHUBUNG_DATABASE_URL", log.url)
    monkeypatch.setenv("PENGHUBUNG_AUDIT_CHECKPOINT_DIR", str(tmp_path / "cp"))
    monkeypatch.setenv("PENGHUBUNG_AUDIT_PUBLIC_KEY", str(tmp_path / "absent.pub.pem"))
    verify = ["audit", "verify", "--json"]

    assert await asyncio.to_thread(main, verify) == 0
    none = json.loads(capsys.readouterr().out)
    monkeypatch.setenv("PENGHUBUNG_AUDIT_PUBLIC_KEY", str(log.public_key_file))
    assert await asyncio.to_thread(main, verify) == 0
    configured = json.loads(capsys.readouterr().out)
    given = ["--public-key", str(log.public_key_file)]
    assert await asyncio.to_thread(main, [*verify, *given]) == 0
    named = json.loads(capsys.readouterr().out)

    assert (none["key_source"], none["keys"], none["signed_through"]) == ("none", [], None)
    assert configured["key_source"] == "settings"
    assert any("PENGHUBUNG_AUDIT_PUBLIC_KEY" in n for n in configured["notes"])
    assert named["key_source"] == "given"
