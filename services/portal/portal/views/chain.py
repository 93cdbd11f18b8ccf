"""Auditor: the hash chain's state — its head, the newest signed checkpoint, a verification from
that checkpoint to the head (reporting's, made by the audit library), the recent checkpoints."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from portal import web

router = APIRouter()

SIGNATURE = {
    "valid": "tanda tangan sah",
    "bad_signature": "tanda tangan tidak cocok",
    "unknown_key": "kunci tidak dikenal",
    "not_checked": "tanda tangan tidak diperiksa",
}
CHAIN = {
    "matches": "hash rantai cocok",
    "differs": "hash rantai berbeda",
    "beyond_end": "rantai berakhir sebelum posisi ini",
    "before_start": "sebelum titik awal pemeriksaan",
    "not_reached": "tidak tercapai (rantai rusak sebelumnya)",
}


@router.get("/audit/rantai")
async def chain_state(request: Request) -> Response:
    """The chain's state as reporting verifies it now, from the newest signed checkpoint."""
    api = await web.services_for(request, "auditor", "admin")
    state = await api.get("reporting", "/audit/chain", limit=20)
    context = {"state": state, "signature_words": SIGNATURE, "chain_words": CHAIN}
    return web.render(request, "audit/chain.html", context)
