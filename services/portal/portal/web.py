"""The portal's plumbing: the session on every request, security headers, CSRF, rendering."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.datastructures import FormData
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from portal import charts, timefmt, words
from portal.clients.directory import Directory
from portal.clients.services import Services
from portal.session import COOKIE, Session, SessionCodec
from portal.settings import PortalSettings

HERE = Path(__file__).parent
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)


@dataclass
class Portal:
    """What every view is given: settings, the shared HTTP client, templates, the codec."""

    settings: PortalSettings
    http: httpx.AsyncClient
    templates: Jinja2Templates
    codec: SessionCodec

    @property
    def directory(self) -> Directory | None:
        """The directory client, once the directory is configured."""
        url = self.settings.directory_url
        return Directory(self.http, url) if url else None


def templates() -> Jinja2Templates:
    """The Jinja2 environment with the words and time filters."""
    env = Jinja2Templates(directory=HERE / "templates")
    env.env.filters.update(
        wib=timefmt.wib,
        day=timefmt.day_words,
        month=timefmt.month_words,
        working=timefmt.working,
        status=lambda v: words.label(words.STATUS, v),
        step=lambda v: words.label(words.STEP, v),
        role=lambda v: words.label(words.ROLE, v),
        channel=lambda v: words.label(words.CHANNEL, v),
        priority=lambda v: words.label(words.PRIORITY, v),
        level=lambda v: words.label(words.LEVEL, v),
        mechanism=lambda v: words.label(words.MECHANISM, v),
        document=lambda v: words.label(words.DOCUMENT, v),
        attachment=lambda v: words.label(words.ATTACHMENT, v),
        pause_reason=lambda v: words.label(words.PAUSE_REASON, v),
        clock_state=lambda v: words.label(words.CLOCK_STATE, v),
        outcome=lambda v: words.label(words.OUTCOME, v),
        platform=lambda v: words.label(words.PLATFORM, v),
        percent=charts.percent,
        event=lambda v: words.label(words.EVENT, v),
        hhmm=timefmt.hhmm,
        kb=timefmt.kb,
    )
    env.env.globals.update(words=words)
    return env


def portal_of(request: Request) -> Portal:
    """The portal the request reached."""
    portal: Portal = request.app.state.portal
    return portal


def session_of(request: Request) -> Session:
    """This browser's session (anonymous if none)."""
    session: Session = request.state.session
    return session


def save(request: Request, session: Session) -> None:
    """Replace the session; the cookie is written with the response."""
    request.state.session = session
    request.state.session_changed = True


class SessionAndHeaders(BaseHTTPMiddleware):
    """Opens the session cookie, writes it back when changed, and sets the safety headers."""

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        portal = portal_of(request)
        opened = portal.codec.open(request.cookies.get(COOKIE))
        request.state.session = opened or Session.anonymous(
            hours=portal.settings.portal_session_hours
        )
        request.state.session_changed = opened is None
        response = await call_next(request)
        if request.state.session_changed:
            session = session_of(request)
            max_age = int((session.expires_at - datetime.now(UTC)).total_seconds())
            response.set_cookie(
                COOKIE,
                portal.codec.seal(session),
                max_age=max(max_age, 0),
                httponly=True,
                secure=request.url.scheme == "https",
                samesite="lax",
                path="/",
            )
        headers = response.headers
        headers["Content-Security-Policy"] = CSP
        headers["X-Content-Type-Options"] = "nosniff"
        headers["X-Frame-Options"] = "DENY"
        headers["Referrer-Policy"] = "same-origin"
        if not request.url.path.startswith("/static/"):
            headers["Cache-Control"] = "no-store"
        return response


class CsrfRefused(Exception):
    """A form came without the session's CSRF token."""


async def checked_form(request: Request) -> FormData:
    """The posted form, once its CSRF token matches the session's (403 otherwise)."""
    form = await request.form()
    sent = form.get("csrf_token") or request.headers.get("x-csrf-token") or ""
    if not isinstance(sent, str) or not secrets.compare_digest(sent, session_of(request).csrf):
        raise CsrfRefused()
    return form


class NotSignedIn(Exception):
    """The page needs a signed-in person."""


class WrongRole(Exception):
    """The page is for another role."""


async def services_for(request: Request, *roles: str) -> Services:
    """The services as the signed-in person sees them; refreshes a short access token."""
    session = session_of(request)
    if not session.signed_in:
        raise NotSignedIn()
    if roles and session.role not in roles:
        raise WrongRole()
    portal = portal_of(request)
    soon = datetime.now(UTC) + timedelta(seconds=30)
    directory = portal.directory
    if (
        directory is not None
        and session.directory_token
        and session.choice is not None
        and session.access_expires_at is not None
        and session.access_expires_at < soon
    ):
        fresh = await directory.token(session.directory_token, session.choice)
        session = session.model_copy(
            update={"access_token": fresh.access_token, "access_expires_at": fresh.expires_at}
        )
        save(request, session)
    return Services(portal.http, portal.settings.service_urls, session.access_token)


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, *, status: int = 200
) -> HTMLResponse:
    """A page: the template with the session, the CSRF token and the view model."""
    session = session_of(request)
    flash = session.flash
    if flash:
        save(request, session.model_copy(update={"flash": None}))
    portal = portal_of(request)
    values = {
        "session": session,
        "csrf": session.csrf,
        "flash": flash,
        **(context or {}),
    }
    return portal.templates.TemplateResponse(request, template, values, status_code=status)


def redirect(url: str) -> RedirectResponse:
    """After a POST: see the result with a GET."""
    return RedirectResponse(url, status_code=303)


def flash(request: Request, text: str) -> None:
    """A one-time message shown on the next page."""
    save(request, session_of(request).model_copy(update={"flash": text}))
