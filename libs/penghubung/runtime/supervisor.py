"""The service processes of `penghubung up`: start them, wait until ready, watch, stop in order.

Also what the test systems and the benchmarks use to run the services as real processes.
"""

from __future__ import annotations

import contextlib
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

from rich.console import Console

from penghubung.runtime.nats import EmbeddedNats
from penghubung.runtime.postgres import EmbeddedPostgres
from penghubung.runtime.processes import free_port, port_is_free, tail

READY_TIMEOUT_SECONDS = 120.0
STOP_TIMEOUT_SECONDS = 25.0  # above the services' graceful_timeout (15 s by default)
STEP_TIMEOUT_SECONDS = 300.0
_POLL_SECONDS = 0.25


class UpError(Exception):
    """`penghubung up` cannot go on; the message says what failed and where to look."""


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


class Interrupted(Exception):
    """A stop was asked for while starting up."""


def check_stop(signals: StopSignals) -> None:
    """Raise `Interrupted` if a stop was asked for."""
    if signals.requested.is_set():
        raise Interrupted


def cli_command(*args: str) -> list[str]:
    """The command line of `penghubung <args>` in this interpreter."""
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
                cli_command(step),
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


DEFAULT_PORTS = {
    "portal": 8080,
    "intake": 8001,
    "disposition": 8002,
    "integration": 8003,
    "reporting": 8004,
    "directory": 8005,
}
"""Where `penghubung up` puts each process, so that bookmarks survive a restart."""


def stable_ports(names: Sequence[str], *, host: str, portal: str | None = None) -> list[int]:
    """Each process's default port (the portal's from PENGHUBUNG_PORTAL_PORT), or the next free."""
    ports: list[int] = []
    for name in names:
        port = int(portal) if name == "portal" and portal else DEFAULT_PORTS.get(name, 8010)
        while port in ports or not port_is_free(port, host):
            port += 1
        ports.append(port)
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
        check_stop(signals)
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
