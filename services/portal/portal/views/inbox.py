"""Kadis, Kabid and Prakom: the inbox by priority and age, open a request, dispose or return."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from portal import formdata, web
from portal.clients.services import ApiRefusal, Services
from portal.views.models import clocks_of, current_clock

router = APIRouter()
Form = Annotated[FormData, Depends(web.checked_form)]
DISPOSERS = ("kadis", "kabid", "prakom")
NEXT = {"kadis": "kabid", "kabid": "prakom", "prakom": "petugas"}
PAPERS = {
    "kadis": ["surat_permohonan"],
    "kabid": ["surat_permohonan", "disposisi_kadis"],
    "prakom": ["surat_permohonan", "disposisi_kadis", "disposisi_kabid"],
}
"""The papers offered at each step (the API decides which are required)."""


async def with_clocks(api: Services, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each inbox item with the clock running for it."""
    paths = [f"/requests/{item['ticket_id']}/sla" for item in items]
    slas = await asyncio.gather(*(api.find("reporting", path) for path in paths))
    return [{**item, "clock": current_clock(sla)} for item, sla in zip(items, slas, strict=True)]


@router.get("/kotak-masuk")
async def inbox(request: Request) -> Response:
    """The requests waiting for the person's disposition, P1 first, oldest first."""
    api = await web.services_for(request, *DISPOSERS)
    page = await api.get("disposition", "/inbox", limit=50)
    items = await with_clocks(api, page["items"])
    return web.render(request, "inbox/list.html", {"items": items, "total": page["total"]})


async def officers(request: Request, api: Services) -> list[dict[str, str]]:
    """The petugas the prakom may order, from the directory."""
    portal = web.portal_of(request)
    session = web.session_of(request)
    if portal.directory is None or not session.access_token:
        return []
    people = await portal.directory.people(session.access_token, role="petugas")
    return [{"nip": p.nip, "name": p.name} for p in people]


async def _open(
    request: Request,
    ticket_id: str,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    role = web.session_of(request).role or ""
    api = await web.services_for(request, *DISPOSERS)
    submitted, history, sla = await asyncio.gather(
        api.find("intake", f"/requests/{ticket_id}"),
        api.find("disposition", f"/requests/{ticket_id}/dispositions"),
        api.find("reporting", f"/requests/{ticket_id}/sla"),
    )
    if submitted is None or history is None:
        return web.render(request, "errors/not_found.html", status=404)
    context = {
        "ticket_id": ticket_id,
        "submitted": submitted,
        "history": history,
        "clocks": clocks_of(sla),
        "papers": PAPERS.get(role, []),
        "next_role": NEXT.get(role),
        "officers": await officers(request, api) if role == "prakom" else [],
        "errors": errors or {},
        "values": values or {},
        "mine": history["request"]["holder_role"] == role,
    }
    return web.render(request, "inbox/open.html", context, status=status)


@router.get("/kotak-masuk/{ticket_id}")
async def open_request(request: Request, ticket_id: str) -> Response:
    """Read the letter and the form; dispose or return in the same screen."""
    return await _open(request, ticket_id)


@router.post("/kotak-masuk/{ticket_id}/disposisi")
async def dispose(request: Request, ticket_id: str, form: Form) -> Response:
    """Hand the request one level down with an instruction and the papers at hand."""
    api = await web.services_for(request, *DISPOSERS)
    body: dict[str, Any] = {
        "instruction": str(form.get("instruction") or "").strip(),
        "documents": [str(d) for d in form.getlist("documents")],
    }
    stand_in = web.session_of(request).stand_in
    if stand_in:
        body["stand_in"] = stand_in
    officer = str(form.get("officer") or "")
    if officer:
        nip, _, name = officer.partition("|")
        body["to_officer"] = {"nip": nip, "name": name}
    try:
        await api.post("disposition", f"/requests/{ticket_id}/dispositions", body)
    except ApiRefusal as refused:
        if refused.status not in (409, 422):
            raise
        kept = {"instruction": body["instruction"]}
        errors = formdata.field_errors(refused)
        return await _open(request, ticket_id, errors=errors, values=kept, status=refused.status)
    web.flash(request, f"Disposisi permohonan {ticket_id} tercatat.")
    return web.redirect("/kotak-masuk")


@router.post("/kotak-masuk/{ticket_id}/kembalikan")
async def return_request(request: Request, ticket_id: str, form: Form) -> Response:
    """Send the request back to the applicant with the reasons."""
    api = await web.services_for(request, *DISPOSERS)
    body = {"reasons": formdata.lines(form.get("reasons"))}
    try:
        await api.post("disposition", f"/requests/{ticket_id}/returns", body)
    except ApiRefusal as refused:
        if refused.status not in (409, 422):
            raise
        errors = {k.split(".")[0]: v for k, v in formdata.field_errors(refused).items()}
        kept = {"reasons": str(form.get("reasons") or "")}
        return await _open(request, ticket_id, errors=errors, values=kept, status=refused.status)
    web.flash(request, f"Permohonan {ticket_id} dikembalikan kepada pemohon.")
    return web.redirect("/kotak-masuk")
