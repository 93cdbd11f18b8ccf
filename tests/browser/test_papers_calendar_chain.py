"""The papers of a request, the calendar's administration and the chain's state, in a browser:
the pemohon downloads the Berita Acara, the petugas sends its signed scan back, the admin
removes a day off and reduces the service hours after seeing which clocks move, the auditor
reads the chain's state."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
import pytest
from playwright.async_api import expect

from penghubung.audit import load_private_key, sign_head
from penghubung.audit.keys import KeyFiles
from penghubung.db import create_pool
from penghubung.eventstore import EventStore
from penghubung.testing import pdfs
from penghubung.testing.portal import (
    PDF,
    Person,
    fills_request_form,
    kabid_disposes,
    kadis_disposes,
    pemohon_submits,
    petugas_analyses,
    petugas_archives,
    petugas_implements,
    prakom_orders,
)
from penghubung.testing.system import System
from portal.timefmt import day_words

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

OFFICER = "Rina Wulandari (NIP 199207082019032004)"
WIB = ZoneInfo("Asia/Jakarta")


def an_open_weekday_after(today: date) -> date:
    """A weekday of this year, after today, that is no national holiday or cuti bersama."""
    off = holidays.country_holidays("ID", years=today.year, categories=("public", "government"))
    day = today + timedelta(days=1)
    while day.weekday() >= 5 or day in off:
        day += timedelta(days=1)
    return day


async def test_the_pemohon_downloads_the_berita_acara_and_the_petugas_returns_it_signed(
    people: dict[str, Person], tmp_path: Path
) -> None:
    pemohon, petugas = people["pemohon"], people["petugas"]
    ticket = await pemohon_submits(pemohon, application="SIMRS")
    refused = pemohon.page.get_by_role("heading", name="Permintaan ditolak")

    async def too_early() -> bool:  # once reporting knows the request, the paper is not ready
        return await refused.count() > 0

    early = f"/permohonan/{ticket}/dokumen/berita-acara.pdf"
    await pemohon.until("the Berita Acara refused", too_early, path=early)
    await expect(pemohon.page.get_by_text("dokumen belum dapat diterbitkan")).to_be_visible()
    await kadis_disposes(people["kadis"], ticket)
    await kabid_disposes(people["kabid"], ticket)
    await prakom_orders(people["prakom"], ticket, officer=OFFICER)
    await petugas.open("/pekerjaan")
    await petugas_analyses(petugas, ticket, feasible=True)
    await petugas_implements(petugas, ticket)
    await petugas_archives(petugas, ticket)

    link = pemohon.page.get_by_role("link", name="Berita Acara (PDF)")

    async def offered() -> bool:
        return await link.count() > 0

    await pemohon.until("the Berita Acara offered", offered, path=f"/permohonan/{ticket}")
    await expect(pemohon.page.get_by_role("heading", name="Dokumen")).to_be_visible()
    await pemohon.look_at("40-dokumen-permohonan")
    async with pemohon.page.expect_download() as waiting:
        await link.click()
    download = await waiting.value
    saved = tmp_path / "berita-acara.pdf"
    await download.save_as(saved)
    pdf = saved.read_bytes()
    assert pdf.startswith(b"%PDF")
    assert ticket in pdfs.text(pdf)

    await petugas.open(f"/permohonan/{ticket}")
    scan = petugas.page.get_by_label("Pindaian Berita Acara yang sudah ditandatangani")
    await scan.set_input_files(
        files=[{"name": "ba.png", "mimeType": "image/png", "buffer": b"\x89PNG\r\n\x1a\n" + b"0"}]
    )
    await petugas.page.get_by_role("button", name="Kirim pindaian").click()
    await expect(petugas.flash()).to_contain_text("Pindaian tidak diterima: berkas pindaian harus")
    await petugas.look_at("41-pindaian-ditolak")
    await scan.set_input_files(
        files=[{"name": "ba-ttd.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    await petugas.page.get_by_role("button", name="Kirim pindaian").click()
    await expect(petugas.flash()).to_contain_text("Pindaian Berita Acara yang ditandatangani")
    await expect(petugas.page.get_by_text("dikembalikan").first).to_be_visible()
    await expect(scan).to_have_count(0)
    await petugas.look_at("42-berita-acara-kembali")


async def test_the_admin_removes_a_day_off_and_reduces_the_hours_after_a_preview(
    people: dict[str, Person],
) -> None:
    admin, pemohon = people["admin"], people["pemohon"]
    # The kadis's clock of a new request (3 working hours) ends later when the office closes at 10.
    running = await pemohon_submits(pemohon, application="SIPKD")
    today = datetime.now(WIB).date()
    day = an_open_weekday_after(today)
    page = admin.page
    await admin.open("/kalender")
    await page.get_by_label("Tanggal", exact=True).fill(day.isoformat())
    await page.get_by_label("Keterangan").fill("Cuti daerah Keputusan Gubernur 7/2026")
    await page.get_by_role("button", name="Pratinjau dampak").click()
    await expect(page.get_by_role("heading", name="Dampak pada jam SLA")).to_be_visible()
    await admin.look_at("43a-pratinjau-hari-libur")
    await page.get_by_role("button", name="Ya, terapkan").click()
    await expect(admin.flash()).to_contain_text("Hari libur ditambahkan")

    await page.get_by_role("link", name=f"Hapus hari libur {day_words(day)}").click()
    await expect(page.get_by_role("heading", name="Dampak pada jam SLA")).to_be_visible()
    await admin.look_at("43-hapus-hari-libur")
    await page.get_by_role("button", name="Hapus hari libur").click()
    reason = page.get_by_label("Dasar penghapusan")
    await expect(reason).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#err-reason")).to_be_visible()
    await reason.fill("Keputusan Gubernur 8/2026 mencabut cuti daerah")
    await page.get_by_role("button", name="Hapus hari libur").click()
    await expect(admin.flash()).to_contain_text("dihapus")
    versions = page.get_by_role("region", name="Versi kalender")
    await expect(versions.get_by_text("Hari libur dihapus")).to_be_visible()

    first = today + timedelta(days=1)
    await page.get_by_label("Hari pertama").fill(first.isoformat())
    await page.get_by_label("Hari terakhir").fill(today.isoformat())
    await page.get_by_label("Jam tutup", exact=True).fill("10:00")
    await page.get_by_label("Alasan").fill("Keputusan Gubernur 9/2026 jam layanan singkat")
    await page.get_by_role("button", name="Lihat dampak").click()
    last = page.get_by_label("Hari terakhir")
    await expect(last).to_have_attribute("aria-invalid", "true")
    await expect(page.get_by_text("tanggal akhir tidak boleh sebelum tanggal awal")).to_be_visible()
    await admin.look_at("44-jam-layanan-salah")

    await page.get_by_label("Hari pertama").fill(today.isoformat())
    await last.fill((today + timedelta(days=14)).isoformat())
    await page.get_by_role("button", name="Lihat dampak").click()
    impact = page.get_by_role("region", name="Dampak pada jam SLA")
    await expect(impact.get_by_text(running).first).to_be_visible()
    await admin.look_at("45-pratinjau-jam-layanan")
    await page.get_by_role("button", name="Ya, terapkan").click()
    await expect(admin.flash()).to_contain_text("Jam layanan dikurangi")
    await expect(versions.get_by_text(re.compile(r"pukul 08\.00–10\.00 WIB"))).to_be_visible()
    await admin.look_at("46-kalender-versi")


async def test_the_auditor_reads_the_chain_state_from_the_last_signed_checkpoint(
    system: System, people: dict[str, Person], audit_keys: KeyFiles
) -> None:
    async with create_pool(system.config.database_url, size=2) as pool:
        signed = await sign_head(
            EventStore(pool),
            private_key=load_private_key(audit_keys.private_key),
            checkpoint_dir=audit_keys.private_key.parent / "checkpoints",
        )
    assert signed is not None
    auditor = people["auditor"]
    await auditor.open("/")
    await auditor.page.get_by_role("link", name="Keadaan rantai").click()
    await expect(auditor.page.get_by_text("rantai utuh")).to_be_visible()
    last = auditor.page.get_by_role("region", name="Titik periksa bertanda tangan terakhir")
    await expect(last.get_by_text(signed.checkpoint.head_hash)).to_be_visible()
    await expect(last.get_by_text("tanda tangan sah; hash rantai cocok")).to_be_visible()
    await expect(last.get_by_text(" WIB")).to_be_visible()
    await auditor.look_at("47-keadaan-rantai")


async def test_a_late_letter_shows_in_the_breach_list_as_a_card_on_a_phone(
    people: dict[str, Person],
) -> None:
    petugas, kadis = people["petugas"], people["kadis"]
    week_ago = datetime.now(WIB) - timedelta(days=7)
    await petugas.open("/meja/baru")
    page = petugas.page
    await page.get_by_label("Saluran masuk").select_option("surat")
    await page.get_by_label("Waktu diterima (WIB)").fill(week_ago.strftime("%Y-%m-%dT09:30"))
    await page.get_by_label("Nama", exact=True).fill("Agus Prasetyo")
    await page.get_by_label("Perangkat Daerah").fill("Dinas Pendidikan")
    await fills_request_form(petugas, application="SIAKAD", nip="198703032011011007")
    await page.get_by_role("button", name="Catat permohonan").click()
    await expect(petugas.flash()).to_contain_text("Tiket ID")
    ticket = re.findall(r"SC05-\d{4}-\d{5}", await petugas.flash().inner_text())[0]

    breaches = kadis.page.get_by_role("region", name="Pelanggaran SLA")

    async def listed() -> bool:
        return await breaches.get_by_role("link", name=ticket).count() > 0

    await kadis.until(f"{ticket} in the breach list", listed, path="/dasbor")
    await kadis.look_at("48-dasbor-pelanggaran")
