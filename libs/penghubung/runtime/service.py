"""One service process: its HTTP API, its consumers and a relay candidate, on one event loop."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import signal
import sys
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import nats
import nats.aio.client
import uvicorn
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from penghubung import logs
from penghubung.bus.consumer import Subscription, serve_consumers
from penghubung.bus.relay import Relay
from penghubung.clock import Clock, IdFactory, new_id, utc_now
from penghubung.db import connect, create_pool
from penghubung.dbroles import service_role
from penghubung.eventstore import EventStore
from penghubung.eventstore.migrations import migrate, pending
from penghubung.settings import ServiceSettings
from penghubung.web import errors, openapi
from penghubung.web.auth import AuthNotConfigured, TokenVerifier
from penghubung.web.headers import SecurityHeaders
from penghubung.web.limits import BodyLimit, BodySizeLimit
from penghubung.web.ratelimit import WriteRateLimit, person_of
from penghubung.web.server import uvicorn_config

log = logging.getLogger(__name__)


@dataclass
class ServiceContext:
    """What a service's composition root is given: settings, pool, log, clock, ids."""

    name: str
    settings: ServiceSettings
    pool: asyncpg.Pool
    store: EventStore
    clock: Clock = utc_now
    new_id: IdFactory = new_id


@dataclass
class ServiceParts:
    """What a service contributes: its routes, its subscriptions, its words for /docs."""

    title: str
    description: str
    routers: Sequence[APIRouter] = ()
    subscriptions: Sequence[Subscription] = ()
    on_start: Sequence[Callable[[], Awaitable[None]]] = field(default_factory=list)
    on_stop: Sequence[Callable[[], Awaitable[None]]] = field(default_factory=list)
    """Run in reverse order when the service stops, before its consumers and pool close."""
    body_limits: Mapping[str, BodyLimit] = field(default_factory=dict)
    """Paths whose bodies may be larger (or smaller) than PENGHUBUNG_HTTP_MAX_BODY_BYTES."""
    token_verifier: TokenVerifier | None = None
    """How this service verifies bearer tokens, when not by the settings alone (the directory)."""


Build = Callable[[ServiceContext], ServiceParts]


class Health:
    """Readiness: PostgreSQL answers, migrations are current, NATS is connected."""

    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx
        self.nats: nats.aio.client.Client | None = None
        self.relay: Relay | None = None

    async def check(self) -> tuple[bool, dict[str, Any]]:
        """Each dependency's state, and whether all are ready."""
        checks: dict[str, Any] = {}
        try:
            async with asyncio.timeout(2):
                async with self._ctx.pool.acquire() as conn:
                    missing = await pending(conn)
            checks["postgres"] = "ok"
            checks["migrations"] = "current" if not missing else f"{len(missing)} pending"
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            checks["postgres"] = f"unreachable: {type(exc).__name__}"
            checks["migrations"] = "unknown"
        connected = self.nats is not None and self.nats.is_connected
        checks["nats"] = "ok" if connected else "unreachable"
        if self.relay is not None:
            checks["relay"] = "active" if self.relay.is_leader else "standby"
        ready = checks["postgres"] == "ok" and checks["migrations"] == "current" and connected
        return ready, checks


def health_router(name: str, health: Health) -> APIRouter:
    """`/health/live` (the process runs) and `/health/ready` (it can do its work)."""
    router = APIRouter(prefix="/health", tags=["health"])

    @router.get("/live", summary="The process is running")
    async def live() -> dict[str, str]:
        return {"service": name, "status": "live"}

    @router.get("/ready", summary="PostgreSQL and NATS reachable, migrations current")
    async def ready() -> JSONResponse:
        ok, checks = await health.check()
        body = {"service": name, "status": "ready" if ok else "not_ready", "checks": checks}
        return JSONResponse(body, status_code=200 if ok else 503)

    return router


class CorrelationMiddleware(BaseHTTPMiddleware):
    """Puts the caller's X-Correlation-Id (or the ticket in the path) on every log line."""

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        cid = request.headers.get("x-correlation-id") or request.path_params.get("ticket_id")
        token = logs.correlation_id.set(cid)
        try:
            return await call_next(request)
        finally:
            logs.correlation_id.reset(token)


def create_app(ctx: ServiceContext, parts: ServiceParts, health: Health) -> FastAPI:
    """The service's FastAPI application."""
    # ReDoc would load its script from a CDN: only Swagger UI, served by the service itself.
    app = FastAPI(
        title=parts.title,
        description=parts.description,
        version="0.1.0",
        docs_url=None,
        redoc_url=None,
    )
    local_docs(app)
    app.state.token_verifier = parts.token_verifier or TokenVerifier(ctx.settings)
    app.state.ctx = ctx
    errors.install(app)
    openapi.install(app)
    app.add_middleware(CorrelationMiddleware)
    app.add_middleware(
        BodySizeLimit,
        default=BodyLimit(ctx.settings.http_max_body_bytes),
        per_path=parts.body_limits,
    )
    if ctx.settings.http_write_rate_per_minute is not None:
        app.add_middleware(
            WriteRateLimit,
            per_minute=ctx.settings.http_write_rate_per_minute,
            burst=ctx.settings.http_write_burst,
            person=person_of(app.state.token_verifier.verify),
        )
    app.add_middleware(SecurityHeaders, max_headers=ctx.settings.http_max_headers)
    if ctx.settings.trusted_proxies:
        # Outermost: every layer, and the routes, see the client behind a trusted proxy.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=ctx.settings.trusted_proxies)
    app.include_router(health_router(ctx.name, health))
    for router in parts.routers:
        app.include_router(router)

    document: dict[str, Any] = {}

    @app.get("/asyncapi.json", tags=["contract"], summary="AsyncAPI document of the event bus")
    async def asyncapi() -> dict[str, Any]:
        # Built once: it takes a fifth of a second, and anyone may ask for it without a token.
        if not document:
            from penghubung.contract import asyncapi_document

            document.update(asyncapi_document(ctx.settings))
        return document

    return app


SWAGGER_UI = Path(__file__).parent.parent / "web" / "static" / "swagger-ui"
"""swagger-ui-dist, vendored: /docs works without internet."""


def local_docs(app: FastAPI) -> None:
    """`/docs` with Swagger UI's script and style served by the service itself."""
    app.mount("/docs-assets", StaticFiles(directory=SWAGGER_UI), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} — API",
            swagger_js_url="/docs-assets/swagger-ui-bundle.js",
            swagger_css_url="/docs-assets/swagger-ui.css",
            swagger_favicon_url="/docs-assets/favicon-32x32.png",
        )


def load_build(name: str) -> Build:
    """The `build` function of `<name>.bootstrap`."""
    module = importlib.import_module(f"{name}.bootstrap")
    build: Build = module.build
    return build


@contextlib.asynccontextmanager
async def running_service(
    name: str, settings: ServiceSettings, *, build: Build | None = None
) -> AsyncIterator[tuple[FastAPI, ServiceContext]]:
    """Everything of one service but the HTTP server: pool, migrations, consumers, relay.

    Every connection works as the service's database role (`PENGHUBUNG_DATABASE_ROLE`).
    """
    await _migrate(settings.database_url)
    role = service_role(name, settings.database_role)
    async with create_pool(
        settings.database_url, size=settings.database_pool_size, role=role
    ) as pool:
        ctx = ServiceContext(name=name, settings=settings, pool=pool, store=EventStore(pool))
        parts = (build or load_build(name))(ctx)
        health = Health(ctx)
        app = create_app(ctx, parts, health)
        stop = asyncio.Event()
        relay_task: asyncio.Task[None] | None = None
        if settings.relay_enabled:
            health.relay = Relay(
                database_url=settings.database_url,
                nats=settings,
                relay=settings,
                name=name,
                database_role=role,
            )
            relay_task = asyncio.create_task(health.relay.run(stop), name=f"{name}-relay")
        tasks = [relay_task] if relay_task is not None else []
        if settings.audit_signer_enabled:
            tasks.append(asyncio.create_task(_signer(ctx, stop), name=f"{name}-signer"))
        health.nats = await nats.connect(
            settings.nats_servers, max_reconnect_attempts=-1, reconnect_time_wait=0.5
        )
        try:
            async with serve_consumers(
                pool=pool, settings=settings, subscriptions=list(parts.subscriptions)
            ):
                for hook in parts.on_start:
                    await hook()
                try:
                    yield app, ctx
                finally:
                    for stop_hook in reversed(parts.on_stop):
                        await stop_hook()
        finally:
            stop.set()
            await asyncio.gather(*tasks)
            await health.nats.close()


async def _signer(ctx: ServiceContext, stop: asyncio.Event) -> None:
    """Sign the chain head periodically (PENGHUBUNG_AUDIT_SIGNER_ENABLED, one process is enough)."""
    from penghubung.audit import run_signer
    from penghubung.audit.keys import signing_key
    from penghubung.audit.witness import Witnesses

    settings = ctx.settings
    await run_signer(
        stop,
        store=ctx.store,
        private_key=signing_key(settings),
        witnesses=Witnesses.from_settings(settings),
        checkpoint_dir=settings.audit_checkpoint_dir,
        interval_seconds=settings.audit_sign_interval_seconds,
        clock=ctx.clock,
        ids=ctx.new_id,
    )


async def serve(name: str, settings: ServiceSettings) -> None:
    """Run one service until SIGINT/SIGTERM; in-flight handlers finish within the timeout."""
    async with running_service(name, settings) as (app, _):
        config = uvicorn_config(
            app, settings, timeout_graceful_shutdown=int(settings.graceful_timeout_seconds)
        )
        server = _Server(config)
        log.info("%s listening on http://%s:%d", name, settings.http_host, settings.http_port)
        await server.serve()


class _Server(uvicorn.Server):
    """uvicorn's server, except that SIGINT/SIGTERM only stop it and are not raised again.

    uvicorn re-raises a captured signal once its own shutdown is done, with the default handler
    back in place: the process died there (-15), before the consumers finished the messages in
    flight and before the relay let go. Here the signal stops the HTTP server and `serve` goes
    on to stop the rest in order, within the graceful timeout.
    """

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        """Route SIGINT and SIGTERM to `handle_exit` while serving; restore them afterwards."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in _STOP_SIGNALS}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


async def _migrate(url: str) -> None:
    """Apply migrations at start-up, waiting for PostgreSQL if it is not up yet."""
    for attempt in range(60):
        try:
            conn = await connect(url)
        except (OSError, asyncpg.PostgresError) as exc:
            log.warning("waiting for PostgreSQL (%s), attempt %d", exc, attempt + 1)
            await asyncio.sleep(1)
            continue
        try:
            await migrate(conn)
            return
        finally:
            await conn.close()
    raise RuntimeError("PostgreSQL did not answer within a minute")


def main(name: str) -> int:
    """`python -m <service>`: settings from the environment, then run."""
    settings = ServiceSettings()
    logs.configure(name, level=settings.log_level, json_logs=settings.log_json)
    try:
        asyncio.run(serve(name, settings))
    except AuthNotConfigured as exc:
        print(f"{name}: {exc}", file=sys.stderr)
        return 2
    return 0
