"""Sign in, choose the role to act in, sign out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

import jwt
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from portal import formdata, web, words
from portal.clients.directory import SignedIn
from portal.clients.services import ApiRefusal
from portal.session import Choice, Session

router = APIRouter()
Form = Annotated[FormData, Depends(web.checked_form)]


@router.get("/masuk")
async def sign_in_page(request: Request) -> Response:
    """The sign-in page: NIP and password, and SSO when the province runs it."""
    directory = web.portal_of(request).directory
    sso = None
    if directory is not None and await directory.sso_enabled():
        sso = directory.sso_url(str(request.url_for("sso_return")))
    return web.render(request, "auth/signin.html", {"sso": sso})


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
        must_change_password=signed.must_change_password,
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
            {"error": "Layanan direktori belum tersedia."},
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
    return web.redirect("/kata-sandi" if signed.must_change_password else "/peran")


@router.get("/kata-sandi")
async def password_page(request: Request) -> Response:
    """Choose one's own password (at the first sign-in the directory asks for it)."""
    session = web.session_of(request)
    if session.person is None or not session.directory_token:
        return web.redirect("/masuk")
    return web.render(request, "auth/password.html", {"errors": {}})


@router.post("/kata-sandi")
async def change_password(request: Request, form: Form) -> Response:
    """Change the password at the directory, then choose the role to act in."""
    session = web.session_of(request)
    directory = web.portal_of(request).directory
    if session.person is None or not session.directory_token or directory is None:
        return web.redirect("/masuk")
    current, new = str(form.get("current_password") or ""), str(form.get("new_password") or "")
    if new != str(form.get("repeat_password") or ""):
        errors = {"repeat_password": "kata sandi baru dan ulangannya tidak sama"}
        return web.render(request, "auth/password.html", {"errors": errors}, status=422)
    try:
        await directory.change_password(session.directory_token, current=current, new=new)
        choices = await directory.choices(session.directory_token)
    except ApiRefusal as refused:
        errors = formdata.field_errors(refused)
        if refused.code == "credentials_invalid":
            errors = {"current_password": words.problem_text(refused.code, refused.message)}
        return web.render(request, "auth/password.html", {"errors": errors}, status=refused.status)
    saved = session.model_copy(update={"choices": choices, "must_change_password": False})
    web.save(request, saved.model_copy(update={"flash": "Kata sandi Anda sudah diganti."}))
    return web.redirect("/peran")


@router.get("/peran")
async def choose_page(request: Request) -> Response:
    """Choose the role (or the Plt/Plh delegation) to act in."""
    session = web.session_of(request)
    if session.person is None:
        return web.redirect("/masuk")
    if session.must_change_password:
        return web.redirect("/kata-sandi")
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
    if directory is None or not session.directory_token:
        return web.redirect("/masuk")
    access = await directory.token(session.directory_token, choice)
    token, expires = access.access_token, access.expires_at
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
    """plt or plh, as the person's own token says (the services verify it; this only reads)."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    kind = claims.get("stand_in")
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
