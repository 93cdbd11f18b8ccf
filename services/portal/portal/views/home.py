"""The dashboard of what waits for the signed-in person."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from portal import web

router = APIRouter()


@router.get("/")
async def home(request: Request) -> Response:
    """What waits: returned requests, the inbox, the work list — by role."""
    session = web.session_of(request)
    if not session.signed_in:
        return web.redirect("/masuk" if session.person is None else "/peran")
    api = await web.services_for(request)
    role = session.role
    waiting: list[dict[str, object]] = []
    ongoing: list[dict[str, object]] = []
    total = 0
    if role == "pemohon":
        page = await api.get("reporting", "/requests", limit=50)
        waiting = [i for i in page["items"] if i["status"] == "returned"]
        ongoing = [i for i in page["items"] if i["status"] not in ("returned", "archived")]
        total = page["total"]
    elif role in ("kadis", "kabid", "prakom"):
        page = await api.get("disposition", "/inbox", limit=10)
        waiting, total = page["items"], page["total"]
    elif role == "petugas":
        page = await api.get("integration", "/work-items", limit=100)
        waiting = [i for i in page["items"] if i["status"] != "closed"]
        total = page["total"]
    return web.render(
        request, "home/dashboard.html", {"waiting": waiting, "ongoing": ongoing, "total": total}
    )
