"""`penghubung up`: the whole system on one machine, embedded servers unless URLs are given.

Starts PostgreSQL and NATS from the wheels (or uses PENGHUBUNG_DATABASE_URL and
PENGHUBUNG_NATS_URL), applies the migrations, declares the JetStream stream and consumers,
runs the directory first (the others verify tokens through its JWKS), then the other services
and the portal, waits until each is ready, and tells where everything is. A Ctrl-C or SIGTERM
stops it all in order; a service that dies stops it all with an error.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
from collections.abc import Callable, Mapping
from pathlib import Path

import httpx
from rich.console import Console

from penghubung.operate import write_system_env
from penghubung.runtime.nats import EmbeddedNats
from penghubung.runtime.people import example_passwords, print_example_people, register_people
from penghubung.runtime.postgres import EmbeddedPostgres
from penghubung.runtime.processes import EmbeddedServerError
from penghubung.runtime.running import NoRunningSystem, access_token, find_running_system
from penghubung.runtime.supervisor import (
    READY_TIMEOUT_SECONDS,
    Interrupted,
    ServiceProcess,
    StopSignals,
    UpError,
    check_stop,
    pick_ports,
    run_step,
    stable_ports,
    start_service,
    stop_services,
    supervise,
    wait_ready,
)
from penghubung.runtime.welcome import print_sign_in, summary, write_service_urls
from penghubung.services import PROCESSES
from penghubung.settings import RuntimeSettings

DATABASE_NAME = "penghubung"
ADMIN_NIP = "198001012005011001"
"""The first admin `penghubung up` has the directory register (PENGHUBUNG_DIRECTORY_ADMIN_NIP)."""


def run_up(data_dir: str | None, base_port: int | None) -> int:
    """Run the whole system until Ctrl-C or SIGTERM; 0 after a clean stop, 1 after a failure."""
    console = Console()
    folder = (Path(data_dir) if data_dir else RuntimeSettings().data_dir).resolve()
    (folder / "logs").mkdir(parents=True, exist_ok=True)
    signals = StopSignals().install()
    services: list[ServiceProcess] = []
    try:
        with contextlib.ExitStack() as servers:
            if not _sole_supervisor(folder, servers):
                console.print(f"[bold red]✗[/] another `penghubung up` runs on {folder}")
                return 1
            try:
                return _run(console, folder, base_port, signals, servers, services)
            except Interrupted:
                console.print("[yellow]stop requested while starting[/]")
                return 0
            except (UpError, EmbeddedServerError) as error:
                console.print(f"[bold red]✗[/] {error}", highlight=False)
                return 1
            finally:
                stop_services(console, services, signals=signals)
    finally:
        signals.restore()


def _run(
    console: Console,
    folder: Path,
    base_port: int | None,
    signals: StopSignals,
    servers: contextlib.ExitStack,
    services: list[ServiceProcess],
) -> int:
    env, postgres, nats = _servers(console, folder, servers)
    check_stop(signals)
    for step in ("migrate", "bootstrap"):
        run_step(console, step, env=env, log_dir=folder / "logs")
        check_stop(signals)
    host = env.setdefault("PENGHUBUNG_HTTP_HOST", "127.0.0.1")
    env.setdefault("PENGHUBUNG_DATA_DIR", str(folder))  # the notices' mailbox lives there too
    if base_port is None:
        ports = stable_ports(PROCESSES, host=host, portal=env.get("PENGHUBUNG_PORTAL_PORT"))
    else:
        ports = pick_ports(len(PROCESSES), base_port=base_port, host=host)
    env.update(audit_environment(folder, env))
    local = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    urls = {name: f"http://{local}:{port}" for name, port in zip(PROCESSES, ports, strict=True)}
    apis = {name: url for name, url in urls.items() if name != "portal"}
    # Every process verifies tokens through the directory's JWKS; the portal signs people in there.
    env.update(directory_environment(folder, env, directory_url=urls["directory"]))
    # The directory first: the others verify tokens through its JWKS from their first request.
    order = sorted(zip(PROCESSES, ports, strict=True), key=lambda item: item[0] != "directory")
    for name, port in order:
        # One process signs the chain head for the auditors: reporting.
        own = {**env, "PENGHUBUNG_AUDIT_SIGNER_ENABLED": str(name == "reporting").lower()}
        if name in ("reporting", "portal"):  # reporting samples their readiness; portal calls them
            own["PENGHUBUNG_SERVICE_URLS"] = json.dumps(apis)
        if name == "reporting":  # the papers' QR codes lead to its verify page, unless set
            own.setdefault("PENGHUBUNG_PUBLIC_URL", urls["reporting"])
        if name != "directory":  # the admin's initial password is the directory's alone
            own.pop("PENGHUBUNG_DIRECTORY_ADMIN_PASSWORD", None)
        services.append(start_service(name, port=port, host=host, env=own, log_dir=folder / "logs"))
        if name == "directory":
            console.print("starting directory …")
            dead = wait_ready(services, timeout=READY_TIMEOUT_SECONDS, signals=signals)
            if dead is not None:
                raise UpError(dead.describe_exit())
    console.print(f"starting {', '.join(p for p in PROCESSES if p != 'directory')} …")
    dead = wait_ready(services, timeout=READY_TIMEOUT_SECONDS, signals=signals)
    if dead is not None:
        raise UpError(dead.describe_exit())
    check_stop(signals)
    portal = next((s.url for s in services if s.name == "portal"), None)
    if portal:  # what people open first; they sign in as the people listed below
        console.print(f"[bold]Portal:[/] {portal}  (open it in a browser)", highlight=False)
    console.print(summary(services, env=env, folder=folder, postgres=postgres, nats=nats))
    write_service_urls(folder, services)
    write_system_env(folder, env)  # operator commands (audit, dead-letters, token) find it there
    if postgres is not None:  # whole, on one line, to copy (rich would fold it in the table)
        print(f"PENGHUBUNG_DATABASE_URL={env['PENGHUBUNG_DATABASE_URL']}", flush=True)
    print_sign_in(console, env, directory_url=urls["directory"])
    if wants_example_people(env, embedded=postgres is not None):
        example_people(console, folder, env, directory_url=urls["directory"], portal=portal)
    console.print(f"[bold green]Penghubung is running:[/] {portal or ''}  Press Ctrl-C to stop.")
    return supervise(console, services, signals=signals, postgres=postgres, nats=nats)


# --------------------------------------------------------------------------- servers


def _servers(
    console: Console, folder: Path, stack: contextlib.ExitStack
) -> tuple[dict[str, str], EmbeddedPostgres | None, EmbeddedNats | None]:
    """The environment of every child process, starting the embedded servers it lacks."""
    env = dict(os.environ)
    postgres: EmbeddedPostgres | None = None
    nats: EmbeddedNats | None = None
    if not env.get("PENGHUBUNG_DATABASE_URL"):
        console.print(f"starting PostgreSQL (embedded) in {folder / 'postgres'} …")
        postgres = EmbeddedPostgres(folder).start()
        stack.callback(_stopping, console, "PostgreSQL", postgres.stop)
        env["PENGHUBUNG_DATABASE_URL"] = postgres.ensure_database(DATABASE_NAME)
    if not env.get("PENGHUBUNG_NATS_URL"):
        console.print(f"starting NATS with JetStream (embedded) in {folder / 'nats'} …")
        nats = EmbeddedNats(folder).start()
        stack.callback(_stopping, console, "NATS", nats.stop)
        env["PENGHUBUNG_NATS_URL"] = nats.url
    return env, postgres, nats


def _sole_supervisor(folder: Path, stack: contextlib.ExitStack) -> bool:
    """Lock the data folder for this process (the lock ends with the process, even killed)."""
    handle = stack.enter_context((folder / "up.lock").open("a"))
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _stopping(console: Console, what: str, stop: Callable[[], None]) -> None:
    console.print(f"stopping {what} …")
    stop()


def directory_environment(
    folder: Path, env: dict[str, str], *, directory_url: str
) -> dict[str, str]:
    """Where the directory answers and its JWKS, for every process; the first admin's initial
    password (made on the first start, kept in the data folder, mode 0600) for the directory."""
    return {
        "PENGHUBUNG_DIRECTORY_URL": directory_url,
        "PENGHUBUNG_JWKS_URL": env.get("PENGHUBUNG_JWKS_URL")
        or f"{directory_url}/.well-known/jwks.json",
        "PENGHUBUNG_DIRECTORY_ADMIN_NIP": env.get("PENGHUBUNG_DIRECTORY_ADMIN_NIP") or ADMIN_NIP,
        "PENGHUBUNG_DIRECTORY_ADMIN_PASSWORD": env.get("PENGHUBUNG_DIRECTORY_ADMIN_PASSWORD")
        or _admin_password(folder),
    }


def _admin_password(folder: Path) -> str:
    """The first admin's initial password for this data folder (to be changed at sign-in)."""
    path = folder / "directory-admin-password"
    with contextlib.suppress(OSError):
        saved = path.read_text().strip()
        if saved:
            return saved
    password = f"Awal-{secrets.randbelow(10**6):06d}-{secrets.token_urlsafe(6)}"
    path.touch(mode=0o600)
    path.write_text(password + "\n")
    return password


def audit_environment(folder: Path, env: dict[str, str]) -> dict[str, str]:
    """The audit key pair under the data folder (made on the first start) and where to find it,
    unless the operator already points PENGHUBUNG_AUDIT_* elsewhere."""
    from penghubung.audit import generate_key_pair

    keys = folder / "audit" / "keys"
    private = Path(env.get("PENGHUBUNG_AUDIT_PRIVATE_KEY", keys / "audit_ed25519.pem"))
    public = Path(env.get("PENGHUBUNG_AUDIT_PUBLIC_KEY", keys / "audit_ed25519.pub.pem"))
    if not private.exists() and "PENGHUBUNG_AUDIT_PRIVATE_KEY" not in env:
        generate_key_pair(keys)
    return {
        "PENGHUBUNG_AUDIT_PRIVATE_KEY": str(private),
        "PENGHUBUNG_AUDIT_PUBLIC_KEY": str(public),
        "PENGHUBUNG_AUDIT_CHECKPOINT_DIR": env.get(
            "PENGHUBUNG_AUDIT_CHECKPOINT_DIR", str(folder / "audit" / "checkpoints")
        ),
    }


# --------------------------------------------------------------------------- example people


def wants_example_people(env: Mapping[str, str], *, embedded: bool) -> bool:
    """Example people are registered on a system tried on one machine (embedded PostgreSQL),
    never on one given its own database, unless `PENGHUBUNG_UP_EXAMPLE_PEOPLE` says otherwise."""
    chosen = env.get("PENGHUBUNG_UP_EXAMPLE_PEOPLE", "").strip().lower()
    if chosen in ("1", "true", "yes", "on"):
        return True
    if chosen in ("0", "false", "no", "off"):
        return False
    return embedded


def example_people(
    console: Console,
    folder: Path,
    env: Mapping[str, str],
    *,
    directory_url: str,
    portal: str | None,
) -> None:
    """Register the example people (known ones stay) and print who signs in with what."""
    passwords = example_passwords(folder)
    try:
        token = access_token(
            find_running_system(folder),
            role="admin",
            name="Administrator",
            nip=env.get("PENGHUBUNG_DIRECTORY_ADMIN_NIP") or ADMIN_NIP,
        )
        register_people(directory_url, admin_token=token, passwords=passwords)
    except (RuntimeError, OSError, httpx.HTTPError, NoRunningSystem) as failed:
        console.print(f"[yellow]orang contoh tidak terdaftar:[/] {failed}", highlight=False)
        return
    print_example_people(console, passwords, portal=portal or directory_url)
