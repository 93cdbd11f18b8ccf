"""`penghubung audit …`: keygen, sign, export and verify, with rich or JSON output.

Exit codes: 0 the chain verifies (or the command did its work), 1 something was found
tampered (or, for `sign`, the chain does not verify so nothing was signed), 2 a usage error
or a server that cannot be reached.
"""

from __future__ import annotations

import asyncio
import getpass
import json
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import ValidationError
from rich.console import Console

from penghubung.audit.checkpoints import Signed, sign_head
from penghubung.audit.errors import AuditUsageError, ChainBroken
from penghubung.audit.export import Exported, export_bundle
from penghubung.audit.keys import generate_key_pair, load_public_key, signing_key
from penghubung.audit.render import render_report
from penghubung.audit.settings import AuditSettings
from penghubung.audit.verify import AuditReport, verify_bundle, verify_database
from penghubung.audit.witness import Witnesses
from penghubung.db import connect, create_pool
from penghubung.dbroles import AUDITOR_ROLE, role_of
from penghubung.events.audit import ExportScope, ExportScopeKind
from penghubung.events.base import Actor, Role
from penghubung.eventstore.store import EventStore
from penghubung.operate import operator_role
from penghubung.settings import DatabaseSettings

EXIT_OK, EXIT_TAMPERED, EXIT_USAGE = 0, 1, 2


def cli_actor(*, name: str | None, nip: str | None, role: str) -> Actor:
    """Who runs the command: the name given, else the operating-system user."""
    try:
        as_role = Role(role)
    except ValueError:
        raise AuditUsageError(f"unknown role {role!r}") from None
    if not name:
        try:
            name = getpass.getuser()
        except (KeyError, OSError):  # a container user with no passwd entry
            raise AuditUsageError("say who you are: --name NAME") from None
    return Actor(name=name, nip=nip, role=as_role)


def keygen_command(*, out: Path | None, as_json: bool) -> int:
    """Make an Ed25519 key pair in a folder (default: the folder of the configured key)."""

    def run() -> int:
        folder = out or AuditSettings().audit_private_key.parent
        made = generate_key_pair(folder)
        body = {
            "private_key": str(made.private_key),
            "public_key": str(made.public_key),
            "key_id": made.key_id,
        }
        if as_json:
            print(json.dumps(body))
        else:
            console = Console()
            console.print(f"[green]key pair written[/green]  key id [bold]{made.key_id}[/bold]")
            console.print(f"  private  {made.private_key}  (mode 0600: keep it on the signer)")
            console.print(f"  public   {made.public_key}  (give it to the auditors)")
        return EXIT_OK

    return _guarded(run, as_json)


def sign_command(
    *, private_key: Path | None, checkpoint_dir: Path | None, actor: Actor, as_json: bool
) -> int:
    """Verify the chain since the last checkpoint, then sign its head now."""

    def run() -> int:
        settings = AuditSettings()
        key = signing_key(settings, private_key)
        folder = checkpoint_dir or settings.audit_checkpoint_dir
        witnesses = Witnesses.from_settings(settings)

        async def sign() -> Signed | None:
            async with _store() as store:
                return await sign_head(
                    store, private_key=key, checkpoint_dir=folder, actor=actor, witnesses=witnesses
                )

        try:
            signed = asyncio.run(sign())
        except ChainBroken as exc:
            _error(f"not signed: {exc}", as_json)
            return EXIT_TAMPERED
        assert signed is not None  # without skip_unchanged a checkpoint is always made
        _print_signed(signed, as_json)
        return EXIT_OK

    return _guarded(run, as_json)


def _print_signed(signed: Signed, as_json: bool) -> None:
    cp = signed.checkpoint
    witnessed = [{"place": w.place, "ok": w.ok, "detail": w.detail} for w in signed.witnessed]
    if as_json:
        extra = {"event_position": signed.event_position, "file": str(signed.file)}
        extra["witnessed"] = witnessed
        print(json.dumps({**cp.to_json(), **extra, "verified_from": signed.verified_from}))
        return
    console = Console()
    console.print(f"[green]signed[/green] position [bold]{cp.position}[/bold]  head {cp.head_hash}")
    console.print(f"  verified   positions {signed.verified_from + 1}..{cp.position} first")
    console.print(f"  key id     {cp.key_id}")
    console.print(f"  signed at  {cp.signed_at.isoformat()}")
    console.print(f"  event      ChainCheckpointSigned at position {signed.event_position}")
    console.print(f"  file       {signed.file}")
    for w in signed.witnessed:
        mark = "[green]published[/green]" if w.ok else "[bold red]NOT published[/bold red]"
        console.print(f"  {mark}  {w.place}: {w.detail}")


def export_command(
    *,
    out: Path | None,
    ticket: str | None,
    since: datetime | None,
    until: datetime | None,
    public_key: Path | None,
    checkpoint_dir: Path | None,
    actor: Actor,
    as_json: bool,
) -> int:
    """Export one ticket, a time range, or the whole log (no filter) as a bundle."""

    def run() -> int:
        settings = AuditSettings()
        scope = _scope(ticket, since, until)
        key_path = public_key or settings.audit_public_key
        key = load_public_key(key_path) if public_key or key_path.is_file() else None
        folder = checkpoint_dir or settings.audit_checkpoint_dir
        target = _target(out, scope, datetime.now().astimezone())

        async def export() -> Exported:
            async with _store() as store:
                return await export_bundle(
                    store, target, scope=scope, actor=actor, public_key=key, checkpoint_dir=folder
                )

        done = asyncio.run(export())
        body = {
            "bundle": str(done.path),
            "sha256": done.sha256,
            "scope": scope.model_dump(mode="json"),
            "events": done.manifest.event_count,
            "complete": done.manifest.complete,
            "head_position": done.manifest.head_position,
            "public_key_id": done.manifest.public_key_id,
            "export_event_position": done.event_position,
        }
        if as_json:
            print(json.dumps(body))
        else:
            console = Console()
            console.print(f"[green]exported[/green] {scope.describe()}: {body['events']} events")
            console.print(f"  bundle   {done.path}")
            console.print(f"  sha256   {done.sha256}")
            console.print(f"  recorded as AuditExported at position {done.event_position}")
            if key is None:
                console.print("  [yellow]no public key in the bundle[/yellow] (--public-key FILE)")
        return EXIT_OK

    return _guarded(run, as_json)


def verify_command(
    *,
    bundle: Path | None,
    public_keys: Sequence[Path],
    checkpoint_dir: Path | None,
    from_checkpoint: bool,
    as_json: bool,
) -> int:
    """Verify a bundle offline, or the database of PENGHUBUNG_DATABASE_URL."""

    def run() -> int:
        keys = [load_public_key(p) for p in public_keys]
        if bundle is not None:
            report: AuditReport = verify_bundle(
                bundle,
                public_keys=keys,
                checkpoint_dir=checkpoint_dir,
                from_checkpoint=from_checkpoint,
            )
        else:
            report = asyncio.run(_verify_db(keys, checkpoint_dir, from_checkpoint))
        if as_json:
            print(json.dumps(report.to_dict()))
        else:
            render_report(report, Console())
        return EXIT_OK if report.ok else EXIT_TAMPERED

    async def _verify_db(
        keys: list[Ed25519PublicKey], folder: Path | None, start: bool
    ) -> AuditReport:
        settings = AuditSettings()
        key_source = "given"
        if not keys and settings.audit_public_key.is_file():
            keys = [load_public_key(settings.audit_public_key)]
            key_source = "settings"
        url = DatabaseSettings().database_url
        role = operator_role(AUDITOR_ROLE)  # verifying reads; the auditor's role reads it all
        conn = await connect(url, role=role)
        try:
            return await verify_database(
                conn,
                public_keys=keys,
                checkpoint_dir=folder or settings.audit_checkpoint_dir,
                from_checkpoint=start,
                source=f"database {_safe_url(url)} as {role or 'the login role'}",
                key_source=key_source,
            )
        finally:
            await conn.close()

    return _guarded(run, as_json)


# --- helpers ----------------------------------------------------------------------------------


def _scope(ticket: str | None, since: datetime | None, until: datetime | None) -> ExportScope:
    if ticket is not None and (since or until):
        raise AuditUsageError("export one ticket or one time range, not both")
    if ticket is not None:
        return ExportScope(kind=ExportScopeKind.TICKET, ticket_id=ticket)
    if since or until:
        return ExportScope(kind=ExportScopeKind.RANGE, occurred_from=since, occurred_until=until)
    return ExportScope(kind=ExportScopeKind.ALL)


def _target(out: Path | None, scope: ExportScope, now: datetime) -> Path:
    what = {"all": "all", "ticket": f"ticket-{scope.ticket_id}", "range": "range"}[scope.kind]
    name = f"penghubung-audit-{what}-{now:%Y%m%dT%H%M%S}.tar.gz"
    if out is None:
        return Path(name)
    return out / name if out.is_dir() else out


def _guarded(run: Callable[[], int], as_json: bool) -> int:
    try:
        return run()
    except AuditUsageError as exc:
        _error(str(exc), as_json)
    except ValidationError as exc:  # a scope the model refused
        _error(
            "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors()), as_json
        )
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        _error(f"cannot reach the database: {exc}", as_json)
    return EXIT_USAGE


def _error(message: str, as_json: bool) -> None:
    if as_json:
        print(json.dumps({"ok": False, "error": message}))
    else:
        Console(stderr=True).print(f"[bold red]penghubung audit:[/bold red] {message}")


def _safe_url(url: str) -> str:
    """The URL without its password."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


@asynccontextmanager
async def _store() -> AsyncIterator[EventStore]:
    # Signing and exporting append to the audit-… streams: the reporting service's role does.
    role = operator_role(role_of("reporting"))
    async with create_pool(DatabaseSettings().database_url, size=2, role=role) as pool:
        yield EventStore(pool)
