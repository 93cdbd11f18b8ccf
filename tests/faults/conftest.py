"""The four services on a PostgreSQL and a NATS of the fault tests' own, which they may break.

One system serves every fault test (starting one costs seconds on this machine); it stops, with
its servers, after the last of them (package scope). Each test
finds it whole: the servers running, the four processes alive and ready. The durables are
declared with a 5 s ack wait instead of 30 s, so that a message held by a killed process
comes back within seconds (the guarantee does not depend on it; the test's length does).
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from penghubung.runtime.nats import EmbeddedNats
from penghubung.runtime.postgres import EmbeddedPostgres
from penghubung.runtime.processes import free_port
from penghubung.soak import Sop
from penghubung.testing.faults import (
    ACK_WAIT_SECONDS,
    AGENCY,
    GRACEFUL_TIMEOUT_SECONDS,
    Bench,
)
from penghubung.testing.servers import spawn_private_nats
from penghubung.testing.system import System, SystemConfig
from reporting.projections.apply import APPLIERS


@pytest.fixture(scope="package")
def breakable_servers() -> Iterator[tuple[EmbeddedPostgres, EmbeddedNats]]:
    """A PostgreSQL and a NATS that only the fault tests use, so they may stop and kill them.

    Their data is kept out of pytest's temporary root, whose permissions another pytest run
    resets to the owner's alone (the embedded PostgreSQL runs as a user of its own).
    """
    folder = Path(tempfile.mkdtemp(prefix="penghubung-faults-"))
    try:
        postgres = EmbeddedPostgres(folder / "pg", port=free_port()).start()
        try:
            nats = spawn_private_nats(folder / "nats")
            try:
                yield postgres, nats
            finally:
                nats.stop()
        finally:
            postgres.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="package")
async def bench(
    breakable_servers: tuple[EmbeddedPostgres, EmbeddedNats],
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Bench]:
    """The four services on the breakable servers, ready."""
    postgres, nats = breakable_servers
    config = SystemConfig(
        database_url=await asyncio.to_thread(postgres.ensure_database, "penghubung"),
        nats_url=nats.url,
        log_dir=Path(tmp_path_factory.mktemp("faults-logs")),
        settings={
            "PENGHUBUNG_RELAY_POLL_SECONDS": "0.2",
            "PENGHUBUNG_RETRY_BACKOFF_SECONDS": "0.2",
            "PENGHUBUNG_GRACEFUL_TIMEOUT_SECONDS": str(GRACEFUL_TIMEOUT_SECONDS),
        },
        ack_wait_seconds=ACK_WAIT_SECONDS,
    )
    async with System(config) as system:
        tokens = {**system.tokens, f"pemohon:{AGENCY}": system.applicant_token(AGENCY)}
        async with Sop(system.urls, tokens, timeout=90.0) as sop:
            yield Bench(
                system=system,
                postgres=postgres,
                nats=nats,
                sop=sop,
                timeline_types=APPLIERS.handled,
            )


@pytest.fixture(autouse=True)
async def whole(bench: Bench) -> None:
    """Every fault test starts with both servers up and the four services alive and ready."""
    if not bench.postgres.is_running():
        await asyncio.to_thread(bench.postgres.start)
    if not bench.nats.is_running():
        await asyncio.to_thread(bench.nats.start)
    for name, process in bench.system.processes.items():
        if not process.alive():
            bench.system.launch(name)
    await bench.system.wait_ready()
