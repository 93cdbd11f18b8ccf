"""The four services as real processes on real PostgreSQL and NATS, for the journeys.

They start with the first journey and stop after the last (package scope)."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from rich.console import Console

from penghubung.runtime.supervisor import (
    ServiceProcess,
    StopSignals,
    pick_ports,
    run_step,
    start_service,
    stop_services,
    wait_ready,
)
from penghubung.runtime.welcome import DEMO_USERS
from penghubung.settings import AuthSettings
from penghubung.web.auth import mint_token

SERVICES = ("intake", "disposition", "integration", "reporting")
SECRET = "e2e-secret-" + "x" * 32


@dataclass
class System:
    """Where each service answers, and a token per demo role."""

    urls: dict[str, str]
    tokens: dict[str, str] = field(default_factory=dict)
    processes: list[ServiceProcess] = field(default_factory=list)
    database_url: str = ""
    """The run's database (for what reads the log itself, as an auditor's replay does)."""

    def client(self, service: str, role: str) -> httpx.AsyncClient:
        """An HTTP client for one service, authenticated as one demo role."""
        return httpx.AsyncClient(
            base_url=self.urls[service],
            headers={"Authorization": f"Bearer {self.tokens[role]}"},
            timeout=30,
        )

    def token_for(self, role: str, **claims: Any) -> str:
        """A token for another person in a role (another agency, another officer)."""
        return mint_token(AuthSettings(jwt_secret=SECRET), role=role, **claims)


@pytest.fixture(scope="package")
async def system(
    servers: Any, new_database: Any, run_id: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[System]:
    """Migrate, declare the stream, start the four services, wait until each is ready."""
    database_url = await new_database()
    env = {
        **os.environ,
        "PENGHUBUNG_DATABASE_URL": database_url,
        "PENGHUBUNG_NATS_URL": servers.nats_url,
        "PENGHUBUNG_STREAM_NAME": f"E2E_{run_id}",
        "PENGHUBUNG_SUBJECT_PREFIX": f"e2e{run_id}.events",
        "PENGHUBUNG_JWT_SECRET": SECRET,
        # No directory runs in these journeys: work goes to the demo petugas unchecked.
        "PENGHUBUNG_OFFICERS_FROM_DIRECTORY": "false",
        "PENGHUBUNG_RELAY_POLL_SECONDS": "0.2",
        "PENGHUBUNG_RETRY_BACKOFF_SECONDS": "0.2",
        "PENGHUBUNG_LOG_JSON": "true",
    }
    logs = tmp_path_factory.mktemp("e2e-logs")
    console = Console(quiet=True)
    # One touches only PostgreSQL, the other only NATS: side by side, each in its process.
    await asyncio.gather(
        *(
            asyncio.to_thread(run_step, console, step, env=env, log_dir=logs)
            for step in ("migrate", "bootstrap")
        )
    )
    ports = pick_ports(len(SERVICES), base_port=None, host="127.0.0.1")
    processes = [
        start_service(name, port=port, host="127.0.0.1", env=env, log_dir=logs)
        for name, port in zip(SERVICES, ports, strict=True)
    ]
    try:
        dead = await asyncio.to_thread(wait_ready, processes, timeout=90, signals=StopSignals())
        if dead is not None:
            raise RuntimeError(dead.describe_exit())
        found = System(
            urls={p.name: p.url for p in processes},
            processes=processes,
            database_url=database_url,
        )
        settings = AuthSettings(jwt_secret=SECRET)
        for user in DEMO_USERS:
            found.tokens[user.role] = mint_token(
                settings, role=user.role, name=user.name, nip=user.nip, agency=user.agency
            )
        yield found
    finally:
        await asyncio.to_thread(stop_services, console, processes)


async def eventually(
    check: Callable[[], Awaitable[Any]], *, seconds: float = 60.0, what: str = "condition"
) -> Any:
    """Poll until `check` returns something truthy; fail with `what` after the deadline."""
    deadline = time.monotonic() + seconds
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not reached within {seconds:.0f} s")
        await asyncio.sleep(0.1)
