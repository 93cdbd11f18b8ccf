"""Everyone: the notices sent (or waiting) to the signed-in person, and how they want them."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from portal import formdata, web
from portal.clients.services import ApiRefusal, Services, ServiceUnreachable, SignInAgain

router = APIRouter()
Form = Annotated[FormData, Depends(web.checked_form)]
PAGE = 50
CHANNELS = {"email": (True, False), "whatsapp": (False, True), "keduanya": (True, True)}
"""The choice on the form, as the API's two switches (e-mail, WhatsApp)."""


def _channel_choice(preferences: dict[str, bool]) -> str:
    """The form's one choice for the API's two switches."""
    chosen = (bool(preferences.get("email")), bool(preferences.get("whatsapp")))
    return next((name for name, pair in CHANNELS.items() if pair == chosen), "email")


async def _page(
    request: Request, *, errors: dict[str, str] | None = None, status: int = 200
) -> Response:
    api = await web.services_for(request)
    page, preferences = await asyncio.gather(
        api.get("notices", "/notifications", limit=PAGE),
        api.get("notices", "/preferences"),
    )
    context = {
        "page": page,
        "values": {
            "channel": _channel_choice(preferences),
            "mute_digest": not preferences.get("digests", True),
        },
        "errors": errors or {},
    }
    return web.render(request, "notices/list.html", context, status=status)


@router.get("/notifikasi")
async def notices(request: Request) -> Response:
    """The person's notices, newest first, with their delivery state; and the preferences."""
    return await _page(request)


@router.get("/notifikasi/jumlah")
async def waiting_count(request: Request) -> Response:
    """The header's badge: how many of the person's latest notices wait for service hours
    (fetched by htmx after the page, so a slow notices service never slows a page)."""
    portal, session = web.portal_of(request), web.session_of(request)
    if not session.signed_in:
        return HTMLResponse("")
    # The token as it is, never refreshed here: this fragment must not write the session
    # (a late answer would overwrite what a form posted meanwhile); no count beats a wrong page.
    api = Services(portal.http, portal.settings.service_urls, session.access_token)
    try:
        page = await api.get("notices", "/notifications", limit=PAGE)
    except (ApiRefusal, ServiceUnreachable, SignInAgain):
        return HTMLResponse("")
    waiting = sum(1 for n in page["items"] if n["status"] == "pending")
    return portal.templates.TemplateResponse(request, "notices/_count.html", {"waiting": waiting})


@router.post("/notifikasi/pengaturan")
async def choose(request: Request, form: Form) -> Response:
    """E-mail, WhatsApp or both; and whether the daily digest comes."""
    api = await web.services_for(request)
    email, whatsapp = CHANNELS.get(str(form.get("channel") or ""), (False, False))
    body = {"email": email, "whatsapp": whatsapp, "digests": form.get("mute_digest") is None}
    try:
        await api.call("notices", "PUT", "/preferences", json=body)
    except ApiRefusal as refused:
        if refused.status not in (403, 422):
            raise
        return await _page(request, errors=formdata.field_errors(refused), status=refused.status)
    web.flash(request, "Pengaturan pemberitahuan disimpan.")
    return web.redirect("/notifikasi")
