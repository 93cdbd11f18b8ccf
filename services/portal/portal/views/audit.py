"""Auditor: a ticket's full history from the log, with positions, hashes and links."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from portal import web

router = APIRouter()


@router.get("/audit")
async def audit(request: Request, tiket: str | None = None) -> Response:
    """Look a ticket up; its events as the log holds them, each hash checked."""
    api = await web.services_for(request, "auditor", "admin")
    found = None
    if tiket:
        found = await api.find("reporting", f"/audit/tickets/{tiket.strip()}/events")
    projection = await api.get("reporting", "/projection")
    context = {"ticket": tiket or "", "found": found, "projection": projection}
    return web.render(request, "audit/ticket.html", context)
