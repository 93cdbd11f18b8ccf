"""The four services' HTTP APIs in one process, for the tests that go over every endpoint.

Each service runs as it does in production (its database role, its middleware, its routes) on
one shared database, without its bus consumers and its relay: the tests that use this speak only
HTTP, through `httpx.ASGITransport`.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from typing import Any, cast

import httpx
from fastapi import FastAPI

from penghubung.events.base import Role
from penghubung.eventstore import EventStore
from penghubung.runtime.service import (
    Health,
    ServiceContext,
    ServiceParts,
    create_app,
    load_build,
    running_service,
)
from penghubung.services import SERVICES
from penghubung.settings import ServiceSettings
from penghubung.web.auth import mint_token

OFFICER_NIP = "199212312019032002"
"""The NIP on every staff token (a petugas without one can hold no work)."""


@dataclass(frozen=True)
class ServiceApi:
    """One running service: its application, its context and an HTTP client on it."""

    name: str
    app: FastAPI
    ctx: ServiceContext
    client: httpx.AsyncClient

    def token(self, role: Role, **claims: Any) -> str:
        """A valid bearer token for a person of the role (an applicant of `agency`)."""
        if role is Role.PEMOHON:
            claims.setdefault("agency", "Dinas Uji Akses")
        else:
            claims.setdefault("nip", OFFICER_NIP)
        return mint_token(self.ctx.settings, role=role, name=f"Pengguna {role.value}", **claims)

    def auth(self, role: Role | None, **claims: Any) -> dict[str, str]:
        """The Authorization header for the role; none for `None`."""
        if role is None:
            return {}
        return {"Authorization": f"Bearer {self.token(role, **claims)}"}


def _without_consumers(name: str) -> Any:
    build = load_build(name)

    def parts(ctx: ServiceContext) -> ServiceParts:
        return replace(build(ctx), subscriptions=(), on_start=(), on_stop=())

    return parts


@contextlib.asynccontextmanager
async def service_apis(
    database_url: str, nats_url: str, *, run_id: str, **settings: Any
) -> AsyncIterator[dict[str, ServiceApi]]:
    """The four services on one database, by name; `settings` override the defaults."""
    async with contextlib.AsyncExitStack() as stack:
        apis: dict[str, ServiceApi] = {}
        for name in SERVICES:
            config = ServiceSettings(
                database_url=database_url,
                nats_url=nats_url,
                relay_enabled=False,
                stream_name=f"APIS_{run_id}",
                subject_prefix=f"apis{run_id}.events",
                **settings,
            )
            app, ctx = await stack.enter_async_context(
                running_service(name, config, build=_without_consumers(name))
            )
            client = await stack.enter_async_context(
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=f"http://{name}")
            )
            apis[name] = ServiceApi(name=name, app=app, ctx=ctx, client=client)
        yield apis


def openapi_documents() -> dict[str, dict[str, Any]]:
    """Each service's OpenAPI document by name, built without a database or a bus.

    The routes are built over no pool (nothing is connected while they are declared), so a
    unit test can read what every operation accepts.
    """
    documents: dict[str, dict[str, Any]] = {}
    for name in SERVICES:
        settings = ServiceSettings(jwt_secret="openapi-documents-only-" + "0" * 32)
        pool = cast(Any, None)
        ctx = ServiceContext(name=name, settings=settings, pool=pool, store=EventStore(pool))
        app = create_app(ctx, load_build(name)(ctx), Health(ctx))
        documents[name] = app.openapi()
    return documents
