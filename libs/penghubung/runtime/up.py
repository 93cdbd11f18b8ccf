"""`penghubung up`: the whole system on one machine, embedded servers unless URLs are given.

Starts PostgreSQL and NATS from the wheels (or uses PENGHUBUNG_DATABASE_URL and
PENGHUBUNG_NATS_URL), applies the migrations, declares the JetStream stream and consumers,
runs the four services, waits until each is ready, and tells where everything is. A Ctrl-C
or SIGTERM stops it all in order; a service that dies stops it all with an error.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import FrameType
from urllib.parse import urlsplit, urlunsplit

from rich.console import Console
from rich.table import Table

from penghubung.cli import SERVICES
from penghubung.runtime.embedded import (
    EmbeddedNats,
    EmbeddedPostgres,
    EmbeddedServerError,
    free_port,
    port_is_free,
    tail,
)
from penghubung.runtime.running import write_system_env
from penghubung.settings import RuntimeSettings

DATABASE_NAME = "penghubung"
READY_TIMEOUT_SECONDS = 120.0
STOP_TIMEOUT_SECONDS = 25.0  # above the services' graceful_timeout (15 s by default)
STEP_TIMEOUT_SECONDS = 300.0
_POLL_SECONDS = 0.25
ADMIN_NIP = "198001012005011001"
"""The first admin `penghubung up` has the directory register (PENGHUBUNG_DIRECTORY_ADMIN_NIP)."""


class UpError(Exception):
    """`penghubung up` cannot go on; the message says what failed and where to look."""


@dataclass(frozen=True)
class DemoUser:
    """Someone `make demo` and the tests act as (with a token `penghubung token` would give)."""

    role: str
    name: str
    nip: str
    agency: str | None = None


DEMO_USERS = (
    DemoUser("pemohon", "Siti Rahmawati", "198501012010011001", "Dinas Kesehatan"),
    DemoUser("kadis", "Ahmad Fauzi", "197003152000031002"),
    DemoUser("kabid", "Dewi Lestari", "197506202001122001"),
    DemoUser("prakom", "Budi Santoso", "198802142012011003"),
    DemoUser("petugas", "Rina Wulandari", "199207082019032004"),
    DemoUser("auditor", "Hendra Gunawan", "198009092005011005"),
    DemoUser("admin", "Yusuf Maulana", "198612122011011006"),
)


@dataclass
class ServiceProcess:
    """One service process run by `penghubung up`."""

    name: str
    host: str
    port: int
    log_path: Path
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        """Where the service answers, as a browser on this machine reaches it."""
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host
        return f"http://{host}:{self.port}"

    def alive(self) -> bool:
        """Whether the process still runs."""
        return self.process.poll() is None

    def ready(self) -> bool:
        """Whether `/health/ready` answers 200."""
        try:
            with urllib.request.urlopen(f"{self.url}/health/ready", timeout=2.0) as response:
                return int(response.status) == 200
        except (OSError, urllib.error.URLError):
            return False

    def describe_exit(self) -> str:
        """How the process ended, and the end of its log."""
        code = self.process.returncode
        how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit {code}"
        return f"{self.name} stopped ({how}); last lines of {self.log_path}:\n{tail(self.log_path)}"


class StopSignals:
    """SIGINT and SIGTERM ask for a stop; a second one asks to hurry (kill, not wait)."""

    def __init__(self) -> None:
        self.requested = threading.Event()
        self.count = 0
        self._previous: dict[int, Callable[[int, FrameType | None], object] | int | None] = {}

    def install(self) -> StopSignals:
        """Take over SIGINT and SIGTERM (only possible in the main thread)."""
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def restore(self) -> None:
        """Give the signals back to their former handlers."""
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()

    def wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`, waking when a stop is asked for; whether one was."""
        return self.requested.wait(seconds)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.count += 1
        self.requested.set()


class _Interrupted(Exception):
    """A stop was asked for while starting up."""


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
            except _Interrupted:
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
    _check(signals)
    for step in ("migrate", "bootstrap"):
        run_step(console, step, env=env, log_dir=folder / "logs")
        _check(signals)
    host = env.setdefault("PENGHUBUNG_HTTP_HOST", "127.0.0.1")
    ports = pick_ports(len(SERVICES), base_port=base_port, host=host)
    env.update(audit_environment(folder, env))
    local = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    urls = {name: f"http://{local}:{port}" for name, port in zip(SERVICES, ports, strict=True)}
    # The directory first: the others verify tokens through its JWKS from their first request.
    env.update(directory_environment(folder, env, directory_url=urls["directory"]))
    for name, port in zip(SERVICES, ports, strict=True):
        # One process signs the chain head for the auditors: reporting.
        own = {**env, "PENGHUBUNG_AUDIT_SIGNER_ENABLED": str(name == "reporting").lower()}
        if name == "reporting":  # it samples every service's readiness (availability)
            own["PENGHUBUNG_SERVICE_URLS"] = json.dumps(urls)
        if name != "directory":  # the admin's initial password is the directory's alone
            own.pop("PENGHUBUNG_DIRECTORY_ADMIN_PASSWORD", None)
        services.append(start_service(name, port=port, host=host, env=own, log_dir=folder / "logs"))
        if name == "directory":
            console.print("starting directory …")
            dead = wait_ready(services, timeout=READY_TIMEOUT_SECONDS, signals=signals)
            if dead is not None:
                raise UpError(dead.describe_exit())
    console.print(f"starting {', '.join(SERVICES[1:])} …")
    dead = wait_ready(services, timeout=READY_TIMEOUT_SECONDS, signals=signals)
    if dead is not None:
        raise UpError(dead.describe_exit())
    _check(signals)
    console.print(_summary(services, env=env, folder=folder, postgres=postgres, nats=nats))
    write_service_urls(folder, services)
    write_system_env(folder, database_url=env["PENGHUBUNG_DATABASE_URL"])
    _print_sign_in(console, env, directory_url=urls["directory"])
    console.print("[bold green]Penghubung is running.[/] Press Ctrl-C to stop.")
    return supervise(console, services, signals=signals, postgres=postgres, nats=nats)


def _check(signals: StopSignals) -> None:
    if signals.requested.is_set():
        raise _Interrupted


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
    """Where the directory answers and its JWKS, for every service; the first admin's initial
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


def redact(url: str) -> str:
    """A URL fit to print: its password replaced by ***."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


# --------------------------------------------------------------------------- steps


def _cli_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "penghubung.cli", *args]


def _service_command(name: str) -> list[str]:
    return [sys.executable, "-m", name]


def run_step(console: Console, step: str, *, env: dict[str, str], log_dir: Path) -> None:
    """Run `penghubung <step>` to its end; `UpError` with its output if it fails."""
    log_path = log_dir / f"{step}.log"
    console.print(f"penghubung {step} …")
    with log_path.open("ab") as log:
        log.write(f"--- {datetime.now().isoformat()} penghubung {step}\n".encode())
        log.flush()
        try:
            done = subprocess.run(
                _cli_command(step),
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                timeout=STEP_TIMEOUT_SECONDS,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise UpError(
                f"penghubung {step} did not end in {STEP_TIMEOUT_SECONDS:.0f} s"
            ) from None
    if done.returncode != 0:
        raise UpError(
            f"penghubung {step} failed (exit {done.returncode}); "
            f"last lines of {log_path}:\n{tail(log_path)}"
        )


def pick_ports(count: int, *, base_port: int | None, host: str) -> list[int]:
    """`count` HTTP ports: base_port, base_port+1, … when given, else free ones."""
    if base_port is None:
        ports: list[int] = []
        while len(ports) < count:
            port = free_port(host)
            if port not in ports:
                ports.append(port)
        return ports
    ports = list(range(base_port, base_port + count))
    busy = [port for port in ports if not port_is_free(port, host)]
    if busy:
        raise UpError(f"port(s) {busy} on {host} are in use: choose another --base-port")
    return ports


def start_service(
    name: str, *, port: int, host: str, env: dict[str, str], log_dir: Path
) -> ServiceProcess:
    """Start one service process, its output appended to `log_dir/<name>.log`."""
    log_path = log_dir / f"{name}.log"
    with log_path.open("ab") as log:
        log.write(f"--- {datetime.now().isoformat()} penghubung up: {name} on {port}\n".encode())
        log.flush()
        # Own session: a Ctrl-C reaches only the supervisor, which stops services in order.
        process = subprocess.Popen(
            _service_command(name),
            env={**env, "PENGHUBUNG_HTTP_PORT": str(port)},
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    return ServiceProcess(name=name, host=host, port=port, log_path=log_path, process=process)


def wait_ready(
    services: Sequence[ServiceProcess], *, timeout: float, signals: StopSignals
) -> ServiceProcess | None:
    """Wait until every service is ready; the first that died instead, if one did."""
    pending = list(services)
    deadline = time.monotonic() + timeout
    while pending:
        _check(signals)
        for service in list(pending):
            if not service.alive():
                return service
            if service.ready():
                pending.remove(service)
        if pending and time.monotonic() > deadline:
            logs = "\n".join(f"--- {s.log_path}:\n{tail(s.log_path, 15)}" for s in pending)
            names = ", ".join(s.name for s in pending)
            raise UpError(f"not ready after {timeout:.0f} s: {names}\n{logs}")
        if pending:
            signals.wait(_POLL_SECONDS)
    return None


def supervise(
    console: Console,
    services: Sequence[ServiceProcess],
    *,
    signals: StopSignals,
    postgres: EmbeddedPostgres | None = None,
    nats: EmbeddedNats | None = None,
) -> int:
    """Watch until a stop is asked for (0) or a process dies (1)."""
    while not signals.wait(_POLL_SECONDS * 2):
        for service in services:
            if not service.alive():
                console.print(f"[bold red]✗[/] {service.describe_exit()}", highlight=False)
                return 1
        if postgres is not None and not postgres.is_running():
            console.print(f"[bold red]✗[/] PostgreSQL stopped; see {postgres.log_path}")
            return 1
        if nats is not None and not nats.is_running():
            console.print(f"[bold red]✗[/] NATS stopped; see {nats.log_path}")
            return 1
    console.print("stopping …")
    return 0


def stop_services(
    console: Console,
    services: Sequence[ServiceProcess],
    *,
    signals: StopSignals | None = None,
    timeout: float = STOP_TIMEOUT_SECONDS,
) -> None:
    """SIGTERM every service, wait for them, and kill those still running after `timeout`."""
    running = [s for s in services if s.alive()]
    for service in running:
        console.print(f"stopping {service.name} …")
        with contextlib.suppress(ProcessLookupError):
            service.process.send_signal(signal.SIGTERM)
    hurry_at = signals.count + 1 if signals is not None else None
    deadline = time.monotonic() + timeout
    while any(s.alive() for s in running) and time.monotonic() < deadline:
        if signals is not None and hurry_at is not None and signals.count >= hurry_at:
            break  # asked again: do not wait any longer
        time.sleep(0.1)
    for service in running:
        if service.alive():
            console.print(f"[yellow]{service.name} did not stop in time: killing it[/]")
            service.process.kill()
        service.process.wait()


# --------------------------------------------------------------------------- what to show


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


def write_service_urls(folder: Path, services: Sequence[ServiceProcess]) -> None:
    """`<data>/services.env`: where each service answers, for `make demo` and other tools."""
    lines = [f"URL_{service.name.upper()}={service.url}" for service in services]
    (folder / "services.env").write_text("\n".join(lines) + "\n")


def _summary(
    services: Sequence[ServiceProcess],
    *,
    env: dict[str, str],
    folder: Path,
    postgres: EmbeddedPostgres | None,
    nats: EmbeddedNats | None,
) -> Table:
    table = Table(title="Penghubung", caption=f"data in {folder}, logs in {folder / 'logs'}")
    table.add_column("what", style="bold", no_wrap=True)
    table.add_column("URL (services: API docs)", overflow="fold")
    table.add_column("log", overflow="fold")
    for service in services:
        table.add_row(service.name, f"{service.url}/docs", service.log_path.name)
    table.add_section()
    for what, url, server in (
        ("PostgreSQL", env["PENGHUBUNG_DATABASE_URL"], postgres),
        ("NATS", env["PENGHUBUNG_NATS_URL"], nats),
    ):
        table.add_row(what, redact(url), server.log_path.name if server else "(external)")
    return table


def _print_sign_in(console: Console, env: dict[str, str], *, directory_url: str) -> None:
    """Who signs in first: the seeded admin, with the initial password to change at once."""
    nip = env["PENGHUBUNG_DIRECTORY_ADMIN_NIP"]
    password = env["PENGHUBUNG_DIRECTORY_ADMIN_PASSWORD"]
    console.print("[bold]Masuk pertama kali[/] (admin; kata sandi awal wajib diganti saat masuk):")
    # Plain print: rich would wrap and style what is meant to be copied.
    print(f"  NIP {nip}  kata sandi awal: {password}", flush=True)
    print(
        f"  curl -X POST {directory_url}/sessions -H 'Content-Type: application/json'"
        f""" -d '{{"nip": "{nip}", "password": "…"}}'""",
        flush=True,
    )
    console.print(
        "  token untuk skrip dan uji: [cyan]penghubung token --role petugas[/] "
        "(menemukan sistem ini sendiri; EdDSA, 15 menit)",
        highlight=False,
    )
