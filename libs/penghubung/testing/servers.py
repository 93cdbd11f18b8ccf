"""Where the tests' PostgreSQL and NATS come from (DESIGN §5).

In this order: the URLs in the environment (`PENGHUBUNG_DATABASE_URL`,
`PENGHUBUNG_NATS_URL`); else Docker through testcontainers, when a Docker daemon answers;
else the embedded servers of the Python wheels, under a temporary folder.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from penghubung.runtime.nats import EmbeddedNats
from penghubung.runtime.postgres import EmbeddedPostgres

DATABASE_URL_VAR = "PENGHUBUNG_DATABASE_URL"
NATS_URL_VAR = "PENGHUBUNG_NATS_URL"
POSTGRES_IMAGE = "postgres:16"
NATS_IMAGE = "nats:2.10"

Source = Literal["env", "docker", "embedded"]


@dataclass(frozen=True)
class ServerUrls:
    """The servers a test run uses, and where they came from.

    `source` is "env" when both URLs come from the environment; otherwise it names what
    provided the missing one(s). `postgres` and `nats` are the embedded servers, if any,
    so that fault tests may kill and restart them.
    """

    database_url: str
    nats_url: str
    source: Source
    nats: EmbeddedNats | None = None
    postgres: EmbeddedPostgres | None = None


def docker_available(timeout: int = 3) -> bool:
    """Whether a Docker daemon answers a ping (a `docker` CLI alone proves nothing)."""
    try:
        docker = importlib.import_module("docker")
    except ImportError:
        return False
    try:
        client = docker.from_env(timeout=timeout)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:  # whatever fails, there is no daemon we can use
        return False


@contextlib.contextmanager
def provide_servers(tmp_root: Path) -> Iterator[ServerUrls]:
    """Give the tests a PostgreSQL and a NATS with JetStream; stop what was started for them."""
    database_url = os.environ.get(DATABASE_URL_VAR) or None
    nats_url = os.environ.get(NATS_URL_VAR) or None
    if database_url and nats_url:
        yield ServerUrls(database_url=database_url, nats_url=nats_url, source="env")
        return
    with contextlib.ExitStack() as stack:
        if docker_available():
            database_url = database_url or stack.enter_context(_docker_postgres())
            nats_url = nats_url or stack.enter_context(_docker_nats())
            yield ServerUrls(database_url=database_url, nats_url=nats_url, source="docker")
            return
        folder = Path(tmp_root) / "embedded"
        postgres: EmbeddedPostgres | None = None
        nats: EmbeddedNats | None = None
        if database_url is None:
            postgres = stack.enter_context(EmbeddedPostgres(folder))
            database_url = postgres.url
        if nats_url is None:
            nats = stack.enter_context(EmbeddedNats(folder))
            nats_url = nats.url
        yield ServerUrls(
            database_url=database_url,
            nats_url=nats_url,
            source="embedded",
            nats=nats,
            postgres=postgres,
        )


def spawn_private_nats(tmp_root: Path) -> EmbeddedNats:
    """Start a NATS server of the caller's own, which it may kill; the caller stops it."""
    Path(tmp_root).mkdir(parents=True, exist_ok=True)
    return EmbeddedNats(Path(tempfile.mkdtemp(prefix="nats-", dir=tmp_root))).start()


@contextlib.contextmanager
def _docker_postgres() -> Iterator[str]:
    from testcontainers.community.postgres import PostgresContainer

    with PostgresContainer(POSTGRES_IMAGE, driver=None) as container:
        # asyncpg rejects the "+psycopg2" that testcontainers puts in by default.
        yield container.get_connection_url().replace("+psycopg2", "")


@contextlib.contextmanager
def _docker_nats() -> Iterator[str]:
    from testcontainers.community.nats import NatsContainer

    # JetStream is off by default in the container: `jetstream=True` passes `-js`.
    with NatsContainer(NATS_IMAGE, jetstream=True) as container:
        yield container.nats_uri()
