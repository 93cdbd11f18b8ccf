"""What the embedded servers share: free ports, pid files, locks, and the end of a log.

The servers themselves are `penghubung.runtime.postgres.EmbeddedPostgres` and
`penghubung.runtime.nats.EmbeddedNats`.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

HOST = "127.0.0.1"
PORT_ATTEMPTS = 3


class EmbeddedServerError(RuntimeError):
    """An embedded server could not start or stop; the message says why and quotes its log."""


def free_port(host: str = HOST) -> int:
    """A TCP port that nothing listens on right now, chosen by the operating system."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_is_free(port: int, host: str = HOST) -> bool:
    """Whether a server could listen on `host:port` now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As servers do: connections of a stopped server linger in TIME_WAIT for a minute.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def tail(path: Path, lines: int = 40) -> str:
    """The last `lines` lines of a log file, or a note that there is none."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return f"(no log at {path})"
    return "\n".join(text.splitlines()[-lines:])


def preferred_port(port_file: Path) -> int:
    """The port saved by the last run when it is still free, else a fresh one."""
    with contextlib.suppress(OSError, ValueError):
        saved = int(port_file.read_text().strip())
        if 0 < saved < 65536 and port_is_free(saved):
            return saved
    return free_port()


def pid_alive(pid: int) -> bool:
    """Whether process `pid` lives; a zombie (killed, not yet reaped) does not."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return not Path("/proc/self").exists()  # without procfs, trust the signal probe
    except (OSError, IndexError):
        return True
    return state not in ("Z", "X")


def runs(pid: int, needle: str) -> bool:
    """Whether `pid` lives and its command line names `needle` (a dead server's pid is reused)."""
    if pid <= 0 or not pid_alive(pid):
        return False
    proc = Path("/proc")
    if not proc.is_dir():  # no procfs (macOS): the signal probe is all we have
        return True
    try:
        return needle.encode() in (proc / str(pid) / "cmdline").read_bytes()
    except OSError:
        return False


def wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while pid_alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on `path`: two processes never start one data folder at once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
