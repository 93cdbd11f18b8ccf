"""The satisfaction survey through the portal: the pemohon answers the survey of an archived
request (a refused try shows the reason beside the element), and the kadis's dashboard shows the
month's IKM with its class and each element's NRR."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Locator, expect

from penghubung.testing.portal import (
    Person,
    kabid_disposes,
    kadis_disposes,
    pemohon_submits,
    petugas_analyses,
    petugas_archives,
    prakom_orders,
)

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

OFFICER = "Rina Wulandari (NIP 199207082019032004)"
ANSWERS = {
    "U1. Persyaratan": "Sangat sesuai",
    "U2. Sistem, mekanisme, dan prosedur": "Mudah",
    "U3. Waktu penyelesaian": "Sangat cepat",
    "U4. Biaya/tarif": "Gratis",
    "U5. Produk spesifikasi jenis pelayanan": "Sesuai",
    "U6. Kompetensi pelaksana": "Sangat kompeten",
    "U7. Perilaku pelaksana": "Sangat sopan dan ramah",
    "U8. Penanganan pengaduan, saran dan masukan": "Dikelola dengan baik",
    "U9. Sarana dan prasarana": "Baik",
}
"""4 3 4 4 3 4 4 4 3: Σ 33, one respondent → IKM 33/9 × 25 = 91,67, mutu A (Sangat Baik)."""


def _visible(locator: Locator) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return await locator.count() > 0

    return check


async def pemohon_answers(pemohon: Person, answers: dict[str, str]) -> None:
    """The applicant picks one answer per element."""
    for element, answer in answers.items():
        group = pemohon.page.get_by_role("group", name=element, exact=True)
        await group.get_by_label(answer, exact=True).check()


async def test_the_pemohon_answers_the_survey_and_the_kadis_sees_the_ikm(
    people: dict[str, Person],
) -> None:
    pemohon, kadis, petugas = people["pemohon"], people["kadis"], people["petugas"]
    ticket = await pemohon_submits(pemohon, application="SIMPATEN")
    await pemohon.open(f"/permohonan/{ticket}/survei")  # not yet: the service is not finished
    await expect(pemohon.flash()).to_contain_text("setelah laporan permohonan diarsipkan")
    await expect(pemohon.page.get_by_role("link", name="Isi Survei Kepuasan")).to_have_count(0)
    await kadis_disposes(kadis, ticket)
    await kabid_disposes(people["kabid"], ticket)
    await prakom_orders(people["prakom"], ticket, officer=OFFICER)
    await petugas_analyses(petugas, ticket, feasible=False)
    await petugas_archives(petugas, ticket)

    invite = pemohon.page.get_by_role("link", name="Isi Survei Kepuasan")
    await pemohon.until("the survey's invitation", _visible(invite), path=f"/permohonan/{ticket}")
    await pemohon.look_at("30-permohonan-diarsipkan-ajakan-survei")
    await invite.click()
    await expect(
        pemohon.page.get_by_role("heading", name="Survei Kepuasan Masyarakat")
    ).to_be_visible()
    await pemohon.look_at("31-formulir-survei-kepuasan")

    page = pemohon.page
    await pemohon_answers(pemohon, {k: v for k, v in ANSWERS.items() if not k.startswith("U3")})
    await page.get_by_role("button", name="Kirim survei").click()
    speed = page.get_by_role("group", name="U3. Waktu penyelesaian", exact=True)
    await expect(speed.get_by_text("pilih salah satu jawaban")).to_be_visible()
    await expect(page.get_by_role("alert")).to_contain_text("periksa unsur yang ditandai")
    await pemohon.look_at("32-survei-belum-lengkap")

    await speed.get_by_label("Sangat cepat", exact=True).check()
    await page.get_by_label("Saran dan masukan").fill("Dokumentasi API mohon dilengkapi.")
    await page.get_by_role("button", name="Kirim survei").click()
    await expect(pemohon.flash()).to_contain_text("Terima kasih")
    answer = page.get_by_role("region", name="Survei Kepuasan Masyarakat")
    await expect(answer.get_by_text("Terima kasih, survei kepuasan instansi Anda")).to_be_visible()
    await expect(answer.get_by_role("cell", name="Dikelola dengan baik")).to_be_visible()
    await expect(answer.get_by_text("Dokumentasi API mohon dilengkapi.")).to_be_visible()
    await expect(page.get_by_role("link", name="Isi Survei Kepuasan")).to_have_count(0)
    await pemohon.look_at("33-survei-terima-kasih")

    month = datetime.now(ZoneInfo("Asia/Jakarta")).strftime("%Y-%m")
    figure = kadis.page.get_by_text("91,67")
    await kadis.until("the month's IKM", _visible(figure), path=f"/dasbor?bulan={month}")
    ikm = kadis.page.get_by_role("region", name="Indeks Kepuasan Masyarakat (IKM)", exact=False)
    await expect(ikm.get_by_text("Mutu A · Sangat Baik")).to_be_visible()
    await expect(ikm.get_by_role("img", name="Nilai rata-rata (NRR) per unsur")).to_be_visible()
    await expect(ikm.get_by_role("row", name="U9. Sarana dan prasarana 3,00 1")).to_be_visible()
    await kadis.look_at("34-dasbor-ikm")
    sheet = await kadis.context.request.get(f"{kadis.base}/dasbor/ikm.csv?bulan={month}")
    assert sheet.status == 200
    assert sheet.headers["content-type"].startswith("text/csv")
    assert "91.67" in await sheet.text()
