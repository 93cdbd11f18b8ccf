"""Sign in, choose the role to act in, sign out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

import jwt
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from portal import web, words
from portal.clients import dev_signin
from portal.clients.directory import SignedIn
from portal.clients.services import ApiRefusal
from portal.session import Choice, Session

router = APIRouter()
Form = Annotated[FormData, Depends(web.checked_form)]


@router.get("/masuk")
async def sign_in_page(request: Request) -> Response:
    """The sign-in page: NIP and password, SSO when the province runs it (or, in development
    without a directory, a demo person)."""
    directory = web.portal_of(request).directory
    sso = None
    if directory is not None and await directory.sso_enabled():
        sso = directory.sso_url(str(request.url_for("sso_return")))
    return web.render(request, "auth/signin.html", {"people": web.dev_people(), "sso": sso})


@router.get("/masuk/sso", name="sso_return")
async def sso_return(request: Request, grant: str = "") -> Response:
    """Back from the identity provider with a one-time code: the directory turns it into a
    session (GET with a side effect only because the provider redirects here)."""
    directory = web.portal_of(request).directory
    if directory is None or not grant:
        return web.redirect("/masuk")
    try:
        signed = await directory.redeem(grant, client=_address(request))
        choices = await directory.choices(signed.session_token)
    except ApiRefusal as refused:
        error = words.problem_text(refused.code, refused.message)
        return web.render(request, "auth/signin.html", {"error": error}, status=refused.status)
    _start(request, signed, choices)
    return web.redirect("/peran")


def _start(request: Request, signed: SignedIn, choices: list[Choice]) -> None:
    """A new session (and CSRF secret) for the person the directory signed in."""
    hours = web.portal_of(request).settings.portal_session_hours
    session = Session(
        expires_at=min(signed.expires_at, datetime.now(UTC) + timedelta(hours=hours)),
        person=signed.person,
        choices=choices,
        directory_token=signed.session_token,
    )
    web.save(request, session)


@router.post("/masuk")
async def sign_in(request: Request, form: Form) -> Response:
    """Password sign-in through the directory."""
    portal = web.portal_of(request)
    directory = portal.directory
    nip, password = str(form.get("nip") or "").strip(), str(form.get("password") or "")
    if directory is None:
        return web.render(
            request,
            "auth/signin.html",
            {"people": web.dev_people(), "error": "Layanan direktori belum tersedia."},
            status=503,
        )
    try:
        signed = await directory.sign_in(nip, password, client=_address(request))
        choices = await directory.choices(signed.session_token)
    except ApiRefusal as refused:
        error = words.problem_text(refused.code, refused.message)
        return web.render(
            request, "auth/signin.html", {"error": error, "nip": nip}, status=refused.status
        )
    _start(request, signed, choices)
    return web.redirect("/peran")


@router.post("/masuk/pengembangan")
async def dev_sign_in(request: Request, form: Form) -> Response:
    """DEVELOPMENT ONLY: sign in as a demo person (PENGHUBUNG_ENV=development)."""
    portal = web.portal_of(request)
    user = dev_signin.person_of(str(form.get("nip") or ""))
    if not portal.settings.development or user is None:
        return web.render(
            request,
            "auth/signin.html",
            {"people": web.dev_people(), "error": "Pilih orang yang tersedia."},
            status=403 if not portal.settings.development else 422,
        )
    person, choices = dev_signin.sign_in(user)
    hours = portal.settings.portal_session_hours
    session = Session(
        expires_at=datetime.now(UTC) + timedelta(hours=hours), person=person, choices=choices
    )
    web.save(request, session)
    return web.redirect("/peran")


@router.get("/peran")
async def choose_page(request: Request) -> Response:
    """Choose the role (or the Plt/Plh delegation) to act in."""
    session = web.session_of(request)
    if session.person is None:
        return web.redirect("/masuk")
    return web.render(request, "auth/choose.html", {"choices": session.choices})


@router.post("/peran")
async def choose(request: Request, form: Form) -> Response:
    """Act in the chosen role: get its access token."""
    portal = web.portal_of(request)
    session = web.session_of(request)
    picked = str(form.get("choice") or "")
    index = int(picked) if picked.isdigit() else -1
    if session.person is None or not 0 <= index < len(session.choices):
        return web.redirect("/peran")
    choice = session.choices[index]
    directory = portal.directory
    if directory is not None and session.directory_token:
        access = await directory.token(session.directory_token, choice)
        token, expires = access.access_token, access.expires_at
    else:
        user = dev_signin.person_of(session.person.nip)
        if user is None or not portal.settings.development:
            return web.redirect("/masuk")
        token, expires = dev_signin.token(
            portal.settings, user, choice, hours=portal.settings.portal_session_hours
        )
    stand_in = choice.label if choice.delegation_id else None
    kind = _stand_in_kind(token) if choice.delegation_id else None
    web.save(
        request,
        session.model_copy(
            update={
                "choice": choice,
                "access_token": token,
                "access_expires_at": expires,
                "stand_in_label": stand_in,
                "stand_in": kind,
            }
        ),
    )
    return web.redirect("/")


def _stand_in_kind(token: str) -> str | None:
    """plt or plh, as the person's own token says (the services verify it; this only reads).

    The development tokens carry no such claim: their one delegation is a Plt."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    kind = claims.get("stand_in", "plt")
    return kind if kind in ("plt", "plh") else None


@router.post("/keluar")
async def sign_out(request: Request, form: Form) -> Response:
    """End the session here and at the directory."""
    portal = web.portal_of(request)
    session = web.session_of(request)
    if portal.directory is not None and session.directory_token:
        await portal.directory.sign_out(session.directory_token)
    fresh = Session.anonymous(hours=portal.settings.portal_session_hours)
    web.save(request, fresh.model_copy(update={"flash": "Anda telah keluar."}))
    return web.redirect("/masuk")


def _address(request: Request) -> str | None:
    """The person's address as the portal knows it (behind a trusted proxy: the forwarded one)."""
    return request.client.host if request.client else None
