"""The four services (and, asked, the portal) as real processes on servers of the caller's choosing.

`System` migrates a database, declares a stream of its own, and runs intake, disposition,
integration and reporting as processes, as `penghubung up` does. It can kill, terminate and
start each of them again on its port, and reads readiness and the relay's holder from
`/health/ready`. The caller owns the servers: they may be the machine's, or private embedded
ones that a fault test stops and kills.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Self

import httpx
from rich.console import Console

from penghubung.bus.topology import bootstrap, service_consumers
from penghubung.runtime.supervisor import (
    ServiceProcess,
    pick_ports,
    run_step,
    start_service,
    stop_services,
)
from penghubung.runtime.up import ADMIN_NIP, directory_environment
from penghubung.runtime.welcome import DEMO_USERS
from penghubung.services import PROCESSES
from penghubung.settings import AuthSettings, NatsSettings
from penghubung.web.auth import mint_token

HOST = "127.0.0.1"
READY_TIMEOUT_SECONDS = 90.0
HEALTH_TIMEOUT_SECONDS = 5.0
_POLL_SECONDS = 0.1


class SystemUnderTestError(RuntimeError):
    """The system did not come up, or a process did not do what it was asked in time."""


LOAD_UPLOAD_QUOTAS: Mapping[str, str] = {
    f"PENGHUBUNG_INTAKE_{who}UPLOAD_QUOTA_{what}_PER_DAY": str(most)
    for who in ("", "DESK_")
    for what, most in (("BYTES", 2**40), ("FILES", 10**9))
}
"""Intake's daily upload quotas lifted: a load (the soak, the faults, the bench) uploads thousands
of letters a day from a handful of agencies, which is what the quota exists to stop."""


@dataclass(frozen=True)
class SystemConfig:
    """Where the system runs and how it is tuned; the run id keeps its stream apart."""

    database_url: str
    nats_url: str
    log_dir: Path
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:10])
    jwt_secret: str = "system-under-test-secret-" + "s" * 24
    settings: Mapping[str, str] = field(default_factory=dict)
    """More PENGHUBUNG_* variables for every process (they win over the defaults here)."""
    ack_wait_seconds: int | None = None
    """Declare the consumers with this ack wait instead of their own (30 s)."""
    with_portal: bool = False
    """Run the portal too (the browser tests, with `directory_sign_in`: people sign in there)."""
    directory_sign_in: bool = False
    """Tokens come from the directory, as under `penghubung up`: every process verifies them
    through its JWKS (no shared secret), the portal signs people in there by password, and the
    first admin (`first_admin`) is registered at its start to register everyone else."""
    first_admin_password: str = "Admin-Awal-2026-uji"
    """The first admin's initial password (with `directory_sign_in`; changed at first sign-in)."""

    @property
    def names(self) -> tuple[str, ...]:
        """The processes of the run."""
        return tuple(n for n in PROCESSES if n != "portal" or self.with_portal)

    @property
    def stream_name(self) -> str:
        """The run's JetStream stream."""
        return f"RUN_{self.run_id.upper()}"

    @property
    def subject_prefix(self) -> str:
        """The run's subject prefix."""
        return f"run{self.run_id}.events"


class System:
    """The four services of one run, each a process on its own port."""

    def __init__(self, config: SystemConfig) -> None:
        self.config = config
        self.processes: dict[str, ServiceProcess] = {}
        self._ports: dict[str, int] = {}
        self._console = Console(quiet=True)
        auth = AuthSettings(jwt_secret=config.jwt_secret)
        self.tokens = {
            user.role: mint_token(
                auth, role=user.role, name=user.name, nip=user.nip, agency=user.agency
            )
            for user in DEMO_USERS
        }

    # ------------------------------------------------------------------ configuration

    @property
    def env(self) -> dict[str, str]:
        """The environment of every process of the run (and of the CLI steps)."""
        return {
            **os.environ,
            "PENGHUBUNG_DATABASE_URL": self.config.database_url,
            "PENGHUBUNG_NATS_URL": self.config.nats_url,
            "PENGHUBUNG_STREAM_NAME": self.config.stream_name,
            "PENGHUBUNG_SUBJECT_PREFIX": self.config.subject_prefix,
            "PENGHUBUNG_JWT_SECRET": self.config.jwt_secret,
            # The directory runs, but nobody registers the run's officers in it: the faults and
            # the soak order work to them unchecked (HS256 tokens on the run's explicit secret).
            "PENGHUBUNG_OFFICERS_FROM_DIRECTORY": "false",
            "PENGHUBUNG_HTTP_HOST": HOST,
            "PENGHUBUNG_LOG_JSON": "true",
            "PENGHUBUNG_NOTICES_MAILBOX": str(self.config.log_dir / "notices.mbox"),
            **LOAD_UPLOAD_QUOTAS,
            **self.config.settings,
        }

    @property
    def nats(self) -> NatsSettings:
        """The bus settings the services run with (stream, prefix, URL)."""
        env = self.env
        return NatsSettings(
            nats_url=env["PENGHUBUNG_NATS_URL"],
            stream_name=env["PENGHUBUNG_STREAM_NAME"],
            subject_prefix=env["PENGHUBUNG_SUBJECT_PREFIX"],
            stream_replicas=int(env.get("PENGHUBUNG_STREAM_REPLICAS", "1")),
        )

    @property
    def urls(self) -> dict[str, str]:
        """Where each service answers."""
        return {name: f"http://{HOST}:{port}" for name, port in self._ports.items()}

    @property
    def first_admin(self) -> tuple[str, str]:
        """The NIP and initial password of the admin the directory registers at its start."""
        return ADMIN_NIP, self.config.first_admin_password

    def applicant_token(self, agency: str) -> str:
        """A token for an applicant of `agency` (they submit for their own agency only)."""
        return mint_token(
            AuthSettings(jwt_secret=self.config.jwt_secret),
            role="pemohon",
            name="Pemohon Uji",
            nip="198501012010011001",
            agency=agency,
        )

    # ------------------------------------------------------------------ life cycle

    async def start(self, *, within: float = READY_TIMEOUT_SECONDS) -> Self:
        """Migrate, declare the stream and consumers, start the four services, wait until ready."""
        self.config.log_dir.mkdir(parents=True, exist_ok=True)
        # One touches only PostgreSQL, the other only NATS: side by side, each in its process.
        await asyncio.gather(
            *(
                asyncio.to_thread(
                    run_step, self._console, step, env=self.env, log_dir=self.config.log_dir
                )
                for step in ("migrate", "bootstrap")
            )
        )
        if self.config.ack_wait_seconds is not None:
            await self._redeclare_consumers(self.config.ack_wait_seconds)
        names = self.config.names
        ports = pick_ports(len(names), base_port=None, host=HOST)
        self._ports = dict(zip(names, ports, strict=True))
        if self.config.directory_sign_in:  # the others fetch its JWKS from their first request
            self.launch("directory")
            await self.wait_ready(["directory"], within=within)
        for name in names:
            if name not in self.processes:
                self.launch(name)
        await self.wait_ready(within=within)
        return self

    async def _redeclare_consumers(self, ack_wait: int) -> None:
        """Change the durables' ack wait where it is done: in the declaration (DESIGN §7)."""
        specs = [replace(spec, ack_wait_seconds=ack_wait) for spec in service_consumers()]
        await bootstrap(self.nats, specs)

    def launch(self, name: str) -> ServiceProcess:
        """Start one service (again) on its port."""
        running = self.processes.get(name)
        if running is not None and running.alive():
            raise SystemUnderTestError(f"{name} runs already")
        env = self.env if not self.config.directory_sign_in else self._signed_by_directory(name)
        if name == "portal":  # it calls the others' APIs
            apis = {n: url for n, url in self.urls.items() if n != "portal"}
            env["PENGHUBUNG_SERVICE_URLS"] = json.dumps(apis)
        process = start_service(
            name, port=self._ports[name], host=HOST, env=env, log_dir=self.config.log_dir
        )
        self.processes[name] = process
        return process

    def _signed_by_directory(self, name: str) -> dict[str, str]:
        """A process's environment when the directory signs every token (as `penghubung up`)."""
        mine = ("PENGHUBUNG_JWT_SECRET", "PENGHUBUNG_ENV", "PENGHUBUNG_JWKS_URL")
        env = {k: v for k, v in self.env.items() if k not in mine}
        env["PENGHUBUNG_DIRECTORY_ADMIN_PASSWORD"] = self.config.first_admin_password
        env.pop("PENGHUBUNG_DIRECTORY_ADMIN_NIP", None)
        url = self.urls["directory"]
        env.update(directory_environment(self.config.log_dir, env, directory_url=url))
        if name != "directory":  # the admin's initial password is the directory's alone
            env.pop("PENGHUBUNG_DIRECTORY_ADMIN_PASSWORD")
        env["PENGHUBUNG_OFFICERS_FROM_DIRECTORY"] = "true"
        return env

    def kill(self, name: str) -> None:
        """SIGKILL one service, as a crash would, and reap it."""
        process = self.processes[name].process
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)

    def terminate(self, name: str, *, timeout: float) -> tuple[int | None, float]:
        """SIGTERM one service; its exit code (None: still running after `timeout`) and the wait."""
        process = self.processes[name].process
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        try:
            code: int | None = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            code = None
        return code, time.monotonic() - started

    def stop(self) -> None:
        """Stop every service (SIGTERM, then SIGKILL after the supervisor's timeout)."""
        stop_services(self._console, list(self.processes.values()))

    async def __aenter__(self) -> Self:
        try:
            return await self.start()
        except BaseException:
            self.stop()
            raise

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.to_thread(self.stop)

    # ------------------------------------------------------------------ health

    async def readiness(self, name: str) -> tuple[int, dict[str, Any]]:
        """The status and body of one service's `/health/ready` (0 and {} if it does not answer)."""
        try:
            async with httpx.AsyncClient(timeout=HEALTH_TIMEOUT_SECONDS) as http:
                response = await http.get(f"{self.urls[name]}/health/ready")
        except httpx.HTTPError:
            return 0, {}
        try:
            body = response.json()
        except ValueError:
            body = {}
        return response.status_code, body if isinstance(body, dict) else {}

    async def wait_ready(
        self, names: Iterable[str] | None = None, *, within: float = READY_TIMEOUT_SECONDS
    ) -> float:
        """Wait until the named services (all by default) answer ready; the seconds it took."""
        pending = list(names if names is not None else self.processes)
        started = time.monotonic()
        while pending:
            for name in list(pending):
                if not self.processes[name].alive():
                    raise SystemUnderTestError(self.processes[name].describe_exit())
                if (await self.readiness(name))[0] == 200:
                    pending.remove(name)
            if pending and time.monotonic() - started > within:
                raise SystemUnderTestError(f"not ready after {within:.0f} s: {', '.join(pending)}")
            if pending:
                await asyncio.sleep(_POLL_SECONDS)
        return time.monotonic() - started

    async def wait_not_ready(
        self, names: Iterable[str] | None = None, *, within: float = 30.0
    ) -> dict[str, tuple[int, dict[str, Any]]]:
        """Wait until each named service answers `/health/ready` with 503; each one's answer."""
        pending = list(names if names is not None else self.processes)
        seen: dict[str, tuple[int, dict[str, Any]]] = {}
        deadline = time.monotonic() + within
        while pending:
            for name in list(pending):
                status, body = await self.readiness(name)
                if status == 503:
                    seen[name] = (status, body)
                    pending.remove(name)
            if pending and time.monotonic() > deadline:
                raise SystemUnderTestError(
                    f"still ready after {within:.0f} s: {', '.join(pending)}"
                )
            if pending:
                await asyncio.sleep(_POLL_SECONDS)
        return seen

    async def relay_states(self) -> dict[str, str]:
        """Each live service's relay candidate: "active", "standby" (or "?" if it does not say)."""
        states: dict[str, str] = {}
        for name, process in self.processes.items():
            if process.alive():
                _, body = await self.readiness(name)
                states[name] = str(body.get("checks", {}).get("relay", "?"))
        return states

    async def relay_holder(self, *, within: float = 30.0) -> str:
        """The service whose relay candidate is the active one, once exactly one is."""
        deadline = time.monotonic() + within
        while True:
            active = [n for n, state in (await self.relay_states()).items() if state == "active"]
            if len(active) == 1:
                return active[0]
            if time.monotonic() > deadline:
                raise SystemUnderTestError(f"no single active relay after {within:.0f} s: {active}")
            await asyncio.sleep(_POLL_SECONDS)
