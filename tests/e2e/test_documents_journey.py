"""The papers through the four running services: the Berita Acara of an archived request as PDF,
its QR code to the public verify page, and the signed copy coming back."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx
import pytest

from penghubung.demo import Desk, StepFailed
from penghubung.testing import pdfs

pytestmark = pytest.mark.e2e

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 4096


@pytest.fixture
def desk(system: Any) -> Desk:
    return Desk(urls=system.urls, tokens=system.tokens)


async def test_the_berita_acara_is_issued_verified_signed_and_returned(
    desk: Desk, system: Any
) -> None:
    journey = await desk.integrated_journey("Dinas Kesehatan")
    ticket = journey.ticket
    headers = {"Authorization": f"Bearer {system.tokens['petugas']}"}
    async with httpx.AsyncClient(base_url=system.urls["reporting"], timeout=30) as http:
        got = await http.get(f"/requests/{ticket}/documents/berita-acara.pdf", headers=headers)
        assert got.status_code == 200, got.text
        text = pdfs.text(got.content)
        assert "/BA-LIA/SC-05/DISKOMINFO/" in text
        assert "Pada hari ini" in text
        assert "Selanjutnya disebut PIHAK PERTAMA" in text
        assert "Government Service Bus (GSB)" in text or "Application Programming" in text

        (url,) = pdfs.qr_codes(got.content)
        code = url.rsplit("/", 1)[1]

        async def verified() -> Any:
            answer = await http.get(f"/verify/{code}")  # public: no token
            return answer.json() if answer.status_code == 200 else None

        shown = await desk.until("the issue on the verify page", verified)
        assert shown["sha256"] == hashlib.sha256(got.content).hexdigest()
        assert shown["ticket_id"] == ticket

        sent = await http.post(
            f"/requests/{ticket}/berita-acara/signed",
            files={"file": ("ba.jpg", JPEG, "image/jpeg")},
            headers=headers,
        )
        assert sent.status_code == 201, sent.text

        async def returned() -> Any:
            status = await http.get(f"/requests/{ticket}/berita-acara", headers=headers)
            body = status.json()
            return body if body["returned"] else None

        status = await desk.until("the signed Berita Acara back", returned)
        assert status["status"].startswith("BA ditandatangani dan dikembalikan pada ")
        out = await http.get("/berita-acara/outstanding", headers=headers)
        assert ticket not in [i["ticket_id"] for i in out.json()["items"]]


API_CORRECTION = {
    "details": {
        "mechanism": {"kind": "api"},
        "base_url": "https://api.dinkes.babelprov.go.id/v1",
        "operations": ["cariKunjungan"],
        "authentication": "oauth2",
    },
    "notes": "Layanan diterbitkan sebagai API langsung, bukan melalui GSB.",
    "reason": "Mekanisme tercatat keliru: OPD memakai API langsung",
}


async def test_a_correction_after_the_report_revises_the_report_and_the_berita_acara(
    desk: Desk,
) -> None:
    ticket = await desk.submit("Dinas Kesehatan")
    await desk.dispose_down_the_chain(ticket)
    await desk.analyse(ticket, feasible=True)
    await desk.implement(ticket)  # over the GSB

    async def report(revision: int) -> Any:
        try:
            found = await desk.call("reporting", "petugas", "GET", f"/requests/{ticket}/report")
        except StepFailed:
            return None  # not written yet
        return found if found["revision"] == revision else None

    written = await desk.until("the report", lambda: report(0))
    assert "Government Service Bus" in written["summary"]
    await desk.call(
        "integration",
        "petugas",
        "POST",
        f"/requests/{ticket}/implementation/corrections",
        expect=201,
        json=API_CORRECTION,
    )

    revised = await desk.until("the revised report", lambda: report(1))
    assert "Application Programming Interface (API)" in revised["summary"]
    assert "https://api.dinkes.babelprov.go.id/v1" in str(revised["sections"])
    assert revised["revision_reason"] == API_CORRECTION["reason"]
    assert revised["written_at"] == written["written_at"]  # the first report stays in the log
    journey = await desk.timeline(ticket, until_type="ReportRevised")
    types = [e["type"] for e in journey]
    assert types.index("ReportWritten") < types.index("ImplementationCorrected")
    assert types.index("ImplementationCorrected") < types.index("ReportRevised")
    [line] = [e for e in journey if e["type"] == "ReportRevised"]
    assert "revisi ke-1" in line["summary"]

    berita_acara = await desk.download(
        "reporting", "petugas", f"/requests/{ticket}/documents/berita-acara.pdf"
    )
    text = pdfs.text(berita_acara.content)
    assert "Application Programming Interface (API)" in text
    assert "Government Service Bus" not in text
    laporan = pdfs.text(
        (
            await desk.download("reporting", "petugas", f"/requests/{ticket}/documents/laporan.pdf")
        ).content
    )
    assert "Direvisi" in laporan
    assert "api.dinkes.babelprov.go.id" in laporan
