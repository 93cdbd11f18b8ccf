"""The portal's composition root: settings, the HTTP client, templates, routes, handlers."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from penghubung import logs
from portal import web
from portal.clients.services import ApiRefusal, ServiceUnreachable, SignInAgain
from portal.session import Session, SessionCodec
from portal.settings import PortalSettings
from portal.views import (
    admin,
    audit,
    auth,
    calendar,
    chain,
    dashboard,
    documents,
    home,
    inbox,
    notices,
    people,
    requests,
    survey,
    work,
)

log = logging.getLogger(__name__)


def build(
    settings: PortalSettings, *, transport: httpx.AsyncBaseTransport | None = None
) -> FastAPI:
    """The portal application; the HTTP client to the services lives as long as the app."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        timeout = httpx.Timeout(settings.portal_call_timeout_seconds)
        async with httpx.AsyncClient(timeout=timeout, transport=transport) as http:
            app.state.portal = web.Portal(
                settings=settings,
                http=http,
                templates=web.templates(),
                codec=SessionCodec(settings.portal_session_secret),
            )
            yield

    app = FastAPI(
        title="Penghubung — portal",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.add_middleware(web.SessionAndHeaders)
    if settings.trusted_proxies:
        # Outermost: the sign-in forwards the person's address behind the proxy, not the proxy's
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
    app.mount("/static", StaticFiles(directory=web.HERE / "static"), name="static")
    for module in (
        auth,
        home,
        requests,
        documents,
        inbox,
        work,
        admin,
        calendar,
        audit,
        chain,
        dashboard,
        survey,
        people,
        notices,
    ):
        app.include_router(module.router)
    _handlers(app)

    @app.get("/health/live", include_in_schema=False)
    @app.get("/health/ready", include_in_schema=False)
    async def health() -> JSONResponse:
        return JSONResponse({"service": "portal", "status": "ready", "checks": {}})

    return app


def _handlers(app: FastAPI) -> None:
    """What a person sees when a call is refused, a service is away, or a session ended."""

    @app.exception_handler(web.NotSignedIn)
    async def not_signed_in(request: Request, _: Exception) -> Response:
        return web.redirect("/masuk")

    @app.exception_handler(SignInAgain)
    async def sign_in_again(request: Request, _: Exception) -> Response:
        portal = web.portal_of(request)
        fresh = Session.anonymous(hours=portal.settings.portal_session_hours)
        ended = "Sesi Anda berakhir; silakan masuk lagi."
        web.save(request, fresh.model_copy(update={"flash": ended}))
        return web.redirect("/masuk")

    @app.exception_handler(web.WrongRole)
    async def wrong_role(request: Request, _: Exception) -> Response:
        return web.render(request, "errors/forbidden.html", status=403)

    @app.exception_handler(web.CsrfRefused)
    async def csrf_refused(request: Request, _: Exception) -> Response:
        return web.render(request, "errors/csrf.html", status=403)

    @app.exception_handler(ApiRefusal)
    async def refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiRefusal)
        if exc.status == 404:
            return web.render(request, "errors/not_found.html", status=404)
        context = {"message": exc.message, "code": exc.code}
        return web.render(request, "errors/refused.html", context, status=exc.status)

    @app.exception_handler(ServiceUnreachable)
    async def unreachable(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ServiceUnreachable)
        log.warning("service unreachable: %s", exc)
        context = {"service": exc.service}
        return web.render(request, "errors/unavailable.html", context, status=503)

    @app.exception_handler(404)
    async def not_found(request: Request, _: Exception) -> Response:
        return web.render(request, "errors/not_found.html", status=404)


def main() -> int:
    """`python -m portal`: settings from the environment, then serve."""
    settings = PortalSettings()
    logs.configure("portal", level=settings.log_level, json_logs=settings.log_json)
    if settings.portal_session_secret is None:
        log.warning("PENGHUBUNG_PORTAL_SESSION_SECRET unset: sessions end when the portal stops")
    app = build(settings)
    # proxy_headers off: uvicorn's default trusts 127.0.0.1; the app trusts its settings' list
    uvicorn.run(
        app,
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        proxy_headers=False,
    )
    return 0
