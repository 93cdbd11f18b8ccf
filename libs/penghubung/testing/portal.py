"""The portal as its people use it, for the browser tests: each helper is one person's act.

Selectors are what a screen reader sees — labels, roles, names — never CSS positions. Every
screen a helper reaches can be looked at: screenshot at desktop and 360 px width, axe-core's
serious and critical violations, and the page's weight.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from playwright.async_api import Browser, BrowserContext, Page, ViewportSize, expect

from penghubung.testing.directory import INITIAL_PASSWORD, OWN_PASSWORD

ROOT = Path(__file__).resolve().parents[3]
AXE = ROOT / "tests" / "browser" / "vendor" / "axe.min.js"
SCREENSHOTS = ROOT / "tests" / "output" / "screenshots"
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 360, "height": 740}
WAIT_SECONDS = 60.0
PAGE_BUDGET_BYTES = 150 * 1024

PEMOHON = "198501012010011001"
PEMOHON_OTHER_AGENCY = "198703032011011007"
KADIS = "197003152000031002"
KABID = "197506202001122001"
PRAKOM = "198802142012011003"
PETUGAS = "199207082019032004"
AUDITOR = "198009092005011005"
ADMIN = "198612122011011006"

PDF = b"%PDF-1.7\n% surat permohonan integrasi\n" + b"0" * 512


@dataclass
class Weights:
    """The weight of each screen looked at: HTML plus its CSS and scripts, in bytes."""

    pages: dict[str, int] = field(default_factory=dict)
    assets: dict[str, int] = field(default_factory=dict)


WEIGHTS = Weights()


@dataclass
class Person:
    """One person at their own browser (own cookies), on the portal."""

    page: Page
    context: BrowserContext
    base: str

    async def open(self, path: str) -> None:
        """Go to a page of the portal."""
        await self.page.goto(self.base + path)

    async def look_at(self, name: str) -> None:
        """Screenshot at desktop and phone width; no serious accessibility fault; weight."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page = self.page
        await page.screenshot(path=SCREENSHOTS / f"{name}-desktop.png", full_page=True)
        await page.set_viewport_size(PHONE)
        await page.screenshot(path=SCREENSHOTS / f"{name}-360.png", full_page=True)
        wide = await page.evaluate("document.documentElement.scrollWidth")
        await page.set_viewport_size(DESKTOP)
        assert wide <= PHONE["width"] + 1, f"{name}: {wide} px wide at 360 px"
        WEIGHTS.pages[name] = await self.weight()
        assert WEIGHTS.pages[name] < PAGE_BUDGET_BYTES, f"{name}: {WEIGHTS.pages[name]} bytes"
        await page.add_script_tag(path=AXE)
        found = await page.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        )
        bad = [
            {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]}
            for v in found
            if v["impact"] in ("serious", "critical")
        ]
        assert not bad, f"{name}: {json.dumps(bad, ensure_ascii=False)}"

    async def weight(self) -> int:
        """Bytes of the page's HTML and of the CSS and scripts it loads."""
        html = len((await self.page.content()).encode())
        sources: list[str] = await self.page.evaluate(
            "[...document.querySelectorAll('script[src],link[rel=stylesheet]')]"
            ".map(e => e.src || e.href).filter(u => u.startsWith(location.origin))"
        )
        total = html
        for url in sources:
            if url not in WEIGHTS.assets:
                WEIGHTS.assets[url] = len(await (await self.context.request.get(url)).body())
            total += WEIGHTS.assets[url]
        return total

    async def until(
        self, what: str, check: Callable[[], Awaitable[bool]], *, path: str | None = None
    ) -> None:
        """Reload (or open `path`) until `check` holds: events travel over the bus."""
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            if path is not None:
                await self.open(path)
            else:
                await self.page.reload()
            if await check():
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"{what}: not seen within {WAIT_SECONDS:.0f} s")
            await asyncio.sleep(0.5)

    def flash(self) -> Any:
        """The one-time message at the top of the page."""
        return self.page.get_by_role("status")


async def person(browser: Browser, base: str) -> Person:
    """A new browser window for someone who has not signed in."""
    context = await browser.new_context(viewport=DESKTOP, bypass_csp=True, locale="id-ID")
    page = await context.new_page()
    return Person(page=page, context=context, base=base)


PASSWORDS: dict[tuple[str, str], str] = {}
"""Each person's password by (portal, NIP), once they chose their own (the initial one before)."""


async def signs_in(
    someone: Person, nip: str, *, acting_as: str | None = None, look: str | None = None
) -> Person:
    """Sign in with NIP and password through the directory — at the first sign-in changing the
    initial password on the portal's screen (looked at as `look`, if named) — and take their
    role, or the choice whose label starts with `acting_as` (a Plt/Plh delegation)."""
    await someone.open("/masuk")
    password = PASSWORDS.get((someone.base, nip), INITIAL_PASSWORD)
    await someone.page.get_by_label("NIP").fill(nip)
    await someone.page.get_by_label("Kata sandi").fill(password)
    await someone.page.get_by_role("button", name="Masuk").click()
    heading = someone.page.get_by_role("heading", level=1)
    await expect(heading).not_to_have_text("Masuk")
    if await heading.inner_text() == "Ganti kata sandi":
        if look is not None:
            await someone.look_at(look)
        await changes_password(someone, current=password, new=OWN_PASSWORD)
        PASSWORDS[(someone.base, nip)] = OWN_PASSWORD
    await expect(heading).to_have_text("Pilih peran")
    if acting_as is not None:
        await someone.page.get_by_label(re.compile(re.escape(acting_as))).check()
    await someone.page.get_by_role("button", name="Lanjutkan").click()
    await expect(heading).to_be_visible()
    return someone


async def changes_password(someone: Person, *, current: str, new: str) -> None:
    """On the must-change screen: the initial password, then one's own, twice."""
    page = someone.page
    await page.get_by_label("Kata sandi saat ini").fill(current)
    await page.get_by_label("Kata sandi baru", exact=True).fill(new)
    await page.get_by_label("Ulangi kata sandi baru").fill(new)
    await page.get_by_role("button", name="Simpan kata sandi").click()


async def fills_request_form(
    pemohon: Person, *, application: str, nip: str | None = None, letter: bool = True
) -> None:
    """Fill in the service request form as the paper asks."""
    page = pemohon.page
    if nip is not None:
        await page.get_by_label("NIP", exact=True).fill(nip)
    await page.get_by_label("Jabatan", exact=True).fill("Kepala Bidang Pelayanan Kesehatan")
    await page.get_by_label("Eselon").select_option("III.a")
    await page.get_by_label("Unit kerja").fill("Bidang Pelayanan Kesehatan")
    await page.get_by_label("Alamat kantor").fill("Jl. Pulau Bangka, Air Itam, Pangkalpinang")
    await page.get_by_label("Nomor telepon HP").fill("0821-8064-0997")
    await page.get_by_label("Nomor telepon internal").fill("214")
    await page.get_by_label("Alamat surat elektronik").fill("siti.rahmawati@babelprov.go.id")
    await page.get_by_label("Nama aplikasi").fill(application)
    await page.get_by_label("Deskripsi aplikasi").fill(f"Aplikasi {application} milik OPD")
    mechanism = page.get_by_role("group", name=re.compile("^Government Service Bus"))
    await mechanism.get_by_label("Ada", exact=True).check()
    await (
        page.get_by_role("group", name="Mekanisme yang diminta", exact=True)
        .get_by_label("GSB")
        .check()
    )
    await page.get_by_role("group", name="Dampak", exact=True).get_by_label("Tinggi").check()
    await page.get_by_role("group", name="Kepentingan", exact=True).get_by_label("Sedang").check()
    if letter:
        await page.get_by_label("Surat permohonan").set_input_files(
            {"name": "surat-permohonan.pdf", "mimeType": "application/pdf", "buffer": PDF}
        )


async def pemohon_submits(pemohon: Person, *, application: str = "SIMPUS") -> str:
    """The applicant files a request with the signed letter; the ticket id."""
    await pemohon.open("/permohonan/baru")
    await fills_request_form(pemohon, application=application)
    await pemohon.page.get_by_role("button", name="Kirim permohonan").click()
    await expect(pemohon.flash()).to_contain_text("Tiket ID")
    text = await pemohon.flash().inner_text()
    found = re.search(r"SC05-\d{4}-\d{5,}", text)
    assert found, text
    return found.group(0)


async def _opens_from_inbox(someone: Person, ticket: str) -> None:
    link = someone.page.get_by_role("link", name=re.compile(ticket))

    async def listed() -> bool:
        return await link.count() > 0

    await someone.until(f"{ticket} in the inbox", listed, path="/kotak-masuk")
    await link.first.click()


async def disposes(someone: Person, ticket: str, *, officer: str | None = None) -> None:
    """Kadis, kabid or prakom opens the request from the inbox and disposes it down."""
    await _opens_from_inbox(someone, ticket)
    page = someone.page
    if officer is not None:
        await page.get_by_label("Petugas yang ditugaskan").select_option(label=officer)
    await page.get_by_label("Isi disposisi").fill("Mohon ditindaklanjuti sesuai SOP")
    papers = page.get_by_role("group", name="Kelengkapan yang ada", exact=True)
    for box in await papers.get_by_role("checkbox").all():
        await box.check()
    await page.get_by_role("button", name="Kirim disposisi").click()
    await expect(someone.flash()).to_contain_text(f"Disposisi permohonan {ticket} tercatat")


async def kadis_disposes(kadis: Person, ticket: str) -> None:
    """The Kadis disposes to the Kabid."""
    await disposes(kadis, ticket)


async def kabid_disposes(kabid: Person, ticket: str) -> None:
    """The Kabid disposes to the Prakom."""
    await disposes(kabid, ticket)


async def prakom_orders(prakom: Person, ticket: str, *, officer: str) -> None:
    """The Prakom orders a service-desk officer, picked by name."""
    await disposes(prakom, ticket, officer=officer)


async def kadis_returns(kadis: Person, ticket: str, *, reason: str) -> None:
    """The Kadis sends the request back to the applicant with a reason."""
    await _opens_from_inbox(kadis, ticket)
    await kadis.page.get_by_label("Alasan pengembalian").fill(reason)
    await kadis.page.get_by_role("button", name="Kembalikan").click()
    await expect(kadis.flash()).to_contain_text("dikembalikan kepada pemohon")


async def pemohon_resubmits(pemohon: Person, ticket: str, *, answer: str) -> None:
    """The applicant reads the reasons, answers them and sends the request back."""
    button = pemohon.page.get_by_role("link", name="Lengkapi dan ajukan ulang")

    async def returned() -> bool:
        return await button.count() > 0

    await pemohon.until(f"{ticket} returned", returned, path=f"/permohonan/{ticket}")
    await button.click()
    await pemohon.page.get_by_label("Jawaban atas alasan pengembalian").fill(answer)
    await pemohon.page.get_by_role("button", name="Ajukan ulang").click()
    await expect(pemohon.flash()).to_contain_text("telah diajukan ulang")


async def petugas_opens_work(petugas: Person, ticket: str) -> None:
    """The officer opens the work item once the order has reached them."""
    link = petugas.page.get_by_role("link", name=ticket)

    async def listed() -> bool:
        return await link.count() > 0

    await petugas.until(f"{ticket} in the work list", listed, path="/pekerjaan")
    await link.first.click()


async def _contact(page: Page, group: str, name: str, nip: str) -> None:
    box = page.get_by_role("group", name=group, exact=True)
    await box.get_by_label("Nama", exact=True).fill(name)
    await box.get_by_label("NIP", exact=True).fill(nip)
    await box.get_by_label("Jabatan").fill("Kepala Seksi Aplikasi")
    await box.get_by_label("Unit kerja").fill("Bidang Aplikasi")
    await box.get_by_label("Alamat kantor").fill("Jl. Pulau Bangka, Air Itam, Pangkalpinang")
    await box.get_by_label("Nomor telepon HP").fill("0812-7000-1234")
    await box.get_by_label("Alamat surat elektronik").fill("aplikasi@babelprov.go.id")


async def petugas_analyses(petugas: Person, ticket: str, *, feasible: bool) -> None:
    """The officer records the feasibility analysis with its two test forms."""
    await petugas_opens_work(petugas, ticket)
    page = petugas.page
    await page.get_by_label("Nama aplikasi").fill("SIMPUS")
    await page.get_by_label("IP aplikasi").fill("10.10.1.20")
    await page.get_by_label("IP database").fill("10.10.1.21")
    await page.get_by_label("IP jaringan").fill("10.10.1.0/24")
    await page.get_by_label("Deskripsi", exact=True).fill("Aplikasi puskesmas")
    await page.get_by_role("group", name="Platform", exact=True).get_by_label("Linux").check()
    await page.get_by_label("Bahasa pemrograman").fill("PHP")
    await page.get_by_label("DBMS").fill("PostgreSQL")
    await _contact(page, "Penanggung Jawab Struktural", "Andi Wijaya", "197505052000031002")
    await _contact(page, "Penanggung Jawab Teknis", "Rudi Hartono", "198812122012121001")
    for paper in (
        "Source code / database",
        "Dokumen manual instalasi",
        "Dokumen manual penggunaan aplikasi (user manual)",
        "Dokumen UAT (user acceptance test)",
        "Dokumen skenario pengujian",
    ):
        answer = "Ada" if feasible or "UAT" not in paper else "Tidak ada"
        await (
            page.get_by_role("group", name=paper, exact=True)
            .get_by_label(answer, exact=True)
            .check()
        )
    await page.get_by_label("Estimasi maksimum jumlah pengguna per hari").fill("500")
    await page.get_by_label("Jumlah jam efektif").fill("8")
    await page.get_by_label("Estimasi lama user melakukan transaksi").fill("30")
    await (
        page.get_by_role("group", name="Tingkat kesulitan", exact=True)
        .get_by_label("Sedang")
        .check()
    )
    verdict = "Layak" if feasible else "Tidak layak"
    await (
        page.get_by_role("group", name="Kesimpulan", exact=True)
        .get_by_label(verdict, exact=True)
        .check()
    )
    await page.get_by_label("Catatan analisis").fill("Server dan basis data diperiksa bersama OPD.")
    advice = "Aktifkan HTTPS" if feasible else "Perbarui sistem operasi server\nLengkapi UAT"
    await page.get_by_label("Saran dan rekomendasi").fill(advice)
    await page.get_by_role("button", name="Simpan analisis kelayakan").click()
    await expect(petugas.flash()).to_contain_text("Analisis kelayakan tercatat")


async def petugas_implements(petugas: Person, ticket: str) -> None:
    """The officer records the integration as built on the GSB."""
    page = petugas.page
    await page.get_by_role("group", name="Mekanisme", exact=True).get_by_label("GSB").check()
    await page.get_by_label("Nama layanan di GSB").fill("simpus.kunjungan")
    await page.get_by_label("Operasi").fill("cariKunjungan\ndetailKunjungan")
    await page.get_by_label("Autentikasi").select_option("oauth2")
    await page.get_by_label("Catatan implementasi").fill("Layanan diterbitkan di GSB.")
    await page.get_by_role("button", name="Simpan implementasi").click()
    await expect(petugas.flash()).to_contain_text("Implementasi integrasi tercatat")


async def petugas_archives(petugas: Person, ticket: str) -> str:
    """Once the report is written, the officer archives it; the agenda number."""
    button = petugas.page.get_by_role("button", name="Arsipkan laporan di buku agenda")

    async def written() -> bool:
        return await button.count() > 0

    await petugas.until(f"the report of {ticket}", written, path=f"/pekerjaan/{ticket}")
    await button.click()
    await expect(petugas.flash()).to_contain_text("Laporan diarsipkan di buku agenda")
    text: str = await petugas.flash().inner_text()
    return text


async def petugas_pauses(petugas: Person, ticket: str, *, reason: str, note: str) -> None:
    """The officer stops the clock while waiting on someone else, saying why."""
    await petugas_opens_work(petugas, ticket)
    await petugas.page.get_by_label("Alasan jeda").select_option(label=reason)
    await petugas.page.get_by_label("Keterangan").fill(note)
    await petugas.page.get_by_role("button", name="Jeda jam").click()
    await expect(petugas.flash()).to_contain_text("Jam SLA dijeda")


async def petugas_resumes(petugas: Person, ticket: str) -> None:
    """The officer starts the clock again."""
    await petugas.page.get_by_role("button", name="Lanjutkan jam").click()
    await expect(petugas.flash()).to_contain_text("Jam SLA berjalan kembali")


async def admin_names_a_stand_in(
    admin: Person,
    *,
    position: str,
    kind: str,
    delegate: str,
    holder: str | None,
    starts_on: date,
    ends_on: date,
    decree: str,
) -> None:
    """The admin names a Plt/Plh on the delegations screen (people picked by their labels)."""
    await admin.open("/admin/plt-plh")
    page = admin.page
    await page.get_by_label("Jabatan", exact=True).select_option(label=position)
    await page.get_by_role("group", name="Jenis penugasan").get_by_label(kind).check()
    await page.get_by_label("Pelaksana", exact=True).select_option(label=delegate)
    if holder is not None:
        await page.get_by_label(re.compile("^Pejabat definitif")).select_option(label=holder)
    await page.get_by_label("Mulai tanggal").fill(starts_on.isoformat())
    await page.get_by_label("Sampai tanggal").fill(ends_on.isoformat())
    await page.get_by_label("Nomor SK").fill(decree)
    await page.get_by_role("button", name="Tetapkan").click()
    await expect(admin.flash()).to_contain_text(f"SK {decree} tercatat")


def today_wib() -> date:
    """Today in Jakarta, the directory's day for delegations."""
    return datetime.now(ZoneInfo("Asia/Jakarta")).date()
