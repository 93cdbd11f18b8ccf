"""A request's papers: the documents reporting offers at the step the request reached, as PDF
with the person's own token, and the scan of the signed Berita Acara sent back by the petugas.

Which papers are ready, who may see them and what a scan must be are reporting's rules; a
refusal comes back as the API's words."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response, StreamingResponse
from starlette.datastructures import FormData, UploadFile

from portal import web, words
from portal.clients.services import ApiRefusal, Services

router = APIRouter()
Form = Annotated[FormData, Depends(web.checked_form)]
PaperName = Annotated[str, Path(pattern=r"^[a-z-]{1,30}$")]


async def section(api: Services, ticket_id: str) -> dict[str, Any]:
    """What the request page shows of its papers: the offers and the signed copy's standing."""
    offers, berita_acara = await asyncio.gather(
        api.find("reporting", f"/requests/{ticket_id}/documents"),
        api.find("reporting", f"/requests/{ticket_id}/berita-acara"),
    )
    papers = (offers or {}).get("papers", [])
    return {"papers": papers, "berita_acara": berita_acara}


@router.get("/permohonan/{ticket_id}/dokumen/{paper}.pdf")
async def download(request: Request, ticket_id: str, paper: PaperName) -> Response:
    """One paper as PDF, issued by reporting for this person (recorded with its hash)."""
    api = await web.services_for(request)
    got = await api.stream("reporting", f"/requests/{ticket_id}/documents/{paper}.pdf")
    filename = f"{paper}-{ticket_id}.pdf"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    for name in ("penghubung-document-code", "penghubung-document-sha256"):
        if name in got.headers:
            headers[name] = got.headers[name]
    if "content-encoding" not in got.headers and "content-length" in got.headers:
        headers["content-length"] = got.headers["content-length"]

    async def body() -> AsyncIterator[bytes]:
        try:
            async for chunk in got.aiter_bytes():
                yield chunk
        finally:  # also when the browser goes away mid-way: the connection returns to the pool
            await got.aclose()

    return StreamingResponse(body(), media_type="application/pdf", headers=headers)


@router.post("/permohonan/{ticket_id}/berita-acara")
async def upload_signed(request: Request, ticket_id: str, form: Form) -> Response:
    """The petugas sends the scan of the wet-signed Berita Acara back."""
    api = await web.services_for(request, "petugas")
    scan = form.get("scan")
    if not isinstance(scan, UploadFile) or not scan.filename:
        web.flash(request, "Pilih berkas pindaian Berita Acara yang sudah ditandatangani.")
        return web.redirect(f"/permohonan/{ticket_id}#dokumen")
    content = await scan.read()
    try:
        await api.post(
            "reporting",
            f"/requests/{ticket_id}/berita-acara/signed",
            files={"file": (scan.filename, content, scan.content_type)},
        )
    except ApiRefusal as refused:
        if refused.status == 404:
            raise
        text = words.problem_text(refused.code, refused.message)
        web.flash(request, f"Pindaian tidak diterima: {text}.")
    else:
        web.flash(request, "Pindaian Berita Acara yang ditandatangani telah diterima.")
    return web.redirect(f"/permohonan/{ticket_id}#dokumen")
