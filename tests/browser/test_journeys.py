"""The three SOP journeys through the portal, each step done by the right person in a browser."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest
from playwright.async_api import Browser, expect

from penghubung.testing.portal import (
    KABID,
    Person,
    admin_names_a_stand_in,
    kabid_disposes,
    kadis_disposes,
    kadis_returns,
    pemohon_resubmits,
    pemohon_submits,
    person,
    petugas_analyses,
    petugas_archives,
    petugas_implements,
    petugas_pauses,
    petugas_resumes,
    prakom_orders,
    signs_in,
    today_wib,
)
from penghubung.testing.system import System

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

OFFICER = "Rina Wulandari (NIP 199207082019032004)"


async def test_integrated_request_goes_from_the_form_to_the_agenda_book(
    people: dict[str, Person],
) -> None:
    pemohon, kadis, kabid = people["pemohon"], people["kadis"], people["kabid"]
    prakom, petugas = people["prakom"], people["petugas"]
    await pemohon.look_at("01-beranda-pemohon")
    await pemohon.open("/permohonan/baru")
    await pemohon.look_at("02-formulir-permohonan")
    ticket = await pemohon_submits(pemohon, application="SIMPUS")
    await expect(pemohon.page.get_by_role("link", name="surat-permohonan.pdf")).to_be_visible()
    await pemohon.look_at("03-permohonan-tercatat")

    await kadis.open("/kotak-masuk")
    await kadis_disposes(kadis, ticket)
    await kadis.look_at("04-kotak-masuk-kadis")
    await kabid_disposes(kabid, ticket)
    await prakom.open("/kotak-masuk")
    await prakom.until(f"{ticket} at the prakom", _has_link(prakom, ticket), path="/kotak-masuk")
    await prakom.look_at("05-kotak-masuk-prakom")
    await prakom.page.get_by_role("link", name=ticket).first.click()
    await prakom.look_at("06-disposisi-prakom")
    await prakom_orders(prakom, ticket, officer=OFFICER)

    await petugas.open("/pekerjaan")
    await petugas_analyses(petugas, ticket, feasible=True)
    await petugas.look_at("07-pekerjaan-implementasi")
    await petugas_implements(petugas, ticket)
    archived = await petugas_archives(petugas, ticket)
    assert "dengan nomor" in archived
    await petugas.look_at("08-laporan-diarsipkan")
    await petugas.open("/pekerjaan")
    await petugas.look_at("09-daftar-pekerjaan")

    await pemohon.until("the archive", _shows(pemohon, "Diarsipkan"), path=f"/permohonan/{ticket}")
    timeline = pemohon.page.get_by_role("region", name="Riwayat langkah")
    await expect(timeline.get_by_text("Ahmad Fauzi")).to_be_visible()
    await expect(timeline.get_by_text("Rina Wulandari").first).to_be_visible()
    await expect(pemohon.page.get_by_text(" WIB").first).to_be_visible()
    await pemohon.look_at("10-riwayat-permohonan")
    await pemohon.open("/permohonan")
    await expect(pemohon.page.get_by_role("link", name=ticket)).to_be_visible()
    await pemohon.look_at("11-daftar-permohonan")

    auditor = people["auditor"]
    await auditor.open(f"/audit?tiket={ticket}")
    await expect(auditor.page.get_by_text("sah, tersambung").first).to_be_visible()
    await expect(auditor.page.get_by_text("hash tidak cocok")).to_have_count(0)
    await auditor.look_at("12-audit-riwayat-tiket")
    await auditor.open("/dasbor")
    await expect(auditor.page.get_by_role("img", name="Kepatuhan SLA per langkah")).to_be_visible()
    await auditor.look_at("13-dasbor-sla")
    csv = await auditor.context.request.get(auditor.base + "/dasbor/compliance.csv?bulan=2026-12")
    assert csv.status == 200
    assert csv.headers["content-type"].startswith("text/csv")


def _has_link(someone: Person, ticket: str) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return await someone.page.get_by_role("link", name=ticket).count() > 0

    return check


def _shows(someone: Person, text: str) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return await someone.page.get_by_text(text).count() > 0

    return check


async def test_returned_request_is_resubmitted_with_the_reasons_shown(
    people: dict[str, Person],
) -> None:
    pemohon, kadis = people["pemohon"], people["kadis"]
    ticket = await pemohon_submits(pemohon, application="E-Arsip")
    reason = "Surat permohonan belum ditandatangani pejabat eselon III"
    await kadis_returns(kadis, ticket, reason=reason)

    await pemohon.until("the return on the dashboard", _has_link(pemohon, ticket), path="/")
    await expect(
        pemohon.page.get_by_role("heading", name="Dikembalikan, perlu dilengkapi")
    ).to_be_visible()
    await pemohon.look_at("01b-beranda-permohonan-dikembalikan")
    await pemohon_resubmits(pemohon, ticket, answer="Surat sudah ditandatangani Kepala Dinas")
    await expect(pemohon.page.get_by_text(reason).first).to_be_visible()
    await pemohon.look_at("14-permohonan-diajukan-ulang")
    await kadis_disposes(kadis, ticket)


async def test_not_feasible_request_is_closed_and_archived(people: dict[str, Person]) -> None:
    pemohon, petugas = people["pemohon"], people["petugas"]
    ticket = await pemohon_submits(pemohon, application="SIPD-Lama")
    await kadis_disposes(people["kadis"], ticket)
    await kabid_disposes(people["kabid"], ticket)
    await prakom_orders(people["prakom"], ticket, officer=OFFICER)
    await petugas_pauses(
        petugas, ticket, reason="Menunggu dokumen dari OPD", note="Menunggu dokumen UAT dari OPD"
    )
    await expect(petugas.page.get_by_text("Jam dijeda: Menunggu dokumen dari OPD")).to_be_visible()
    await petugas.look_at("19-jam-sla-dijeda")
    await petugas_resumes(petugas, ticket)
    await petugas_analyses(petugas, ticket, feasible=False)
    await expect(petugas.page.get_by_text("Tidak layak").first).to_be_visible()
    await petugas_archives(petugas, ticket)
    await pemohon.until("the archive", _shows(pemohon, "Diarsipkan"), path=f"/permohonan/{ticket}")


async def test_desk_registers_a_letter_with_its_real_receipt_time(
    people: dict[str, Person],
) -> None:
    petugas = people["petugas"]
    await petugas.open("/meja/baru")
    await petugas.look_at("15-catat-permohonan-meja")
    page = petugas.page
    await page.get_by_label("Saluran masuk").select_option("surat")
    await page.get_by_label("Waktu diterima (WIB)").fill("2026-12-07T09:30")
    await page.get_by_label("Nama", exact=True).fill("Agus Prasetyo")
    from penghubung.testing.portal import fills_request_form

    await page.get_by_label("Perangkat Daerah").fill("Dinas Pendidikan")
    await fills_request_form(petugas, application="SIAKAD", nip="198703032011011007")
    await page.get_by_role("button", name="Catat permohonan").click()
    await expect(petugas.flash()).to_contain_text("Tiket ID")
    await expect(page.get_by_text("Senin, 7 Desember 2026 pukul 09.30 WIB").first).to_be_visible()
    await expect(page.get_by_text("Surat, diterima").first).to_be_visible()


async def test_admin_adds_a_regional_day_off(people: dict[str, Person]) -> None:
    admin = people["admin"]
    await admin.open("/kalender")
    await admin.look_at("16-kalender-kerja")
    await admin.page.get_by_label("Tanggal").fill("2026-12-28")
    await admin.page.get_by_label("Keterangan").fill("Keputusan Gubernur cuti daerah")
    await admin.page.get_by_role("button", name="Tambahkan").click()
    await expect(admin.flash()).to_contain_text("Hari libur ditambahkan")
    await expect(admin.page.get_by_text("Keputusan Gubernur cuti daerah").first).to_be_visible()


async def test_a_plt_kadis_disposes_and_both_names_are_shown(
    system: System, browser: Browser, people: dict[str, Person]
) -> None:
    pemohon, admin = people["pemohon"], people["admin"]
    today = today_wib()
    await admin_names_a_stand_in(
        admin,
        position="Kepala Dinas",
        kind="Plt. (Pelaksana Tugas)",
        delegate="Dewi Lestari (NIP 197506202001122001)",
        holder="Ahmad Fauzi (NIP 197003152000031002)",
        starts_on=today,
        ends_on=today + timedelta(days=7),
        decree="800/123/BKPSDM/2026",
    )
    running = admin.page.get_by_role("region", name="Berlaku hari ini")
    await expect(running.get_by_text("Plt. Kepala Dinas")).to_be_visible()
    await admin.look_at("22-plt-plh")
    ticket = await pemohon_submits(pemohon, application="SIMPEG")
    plt = await signs_in(
        await person(browser, system.urls["portal"]), KABID, acting_as="Plt. Kepala Dinas"
    )
    await expect(plt.page.get_by_text("Dewi Lestari · Plt. Kepala Dinas")).to_be_visible()
    await kadis_disposes(plt, ticket)

    timeline = pemohon.page.get_by_role("region", name="Riwayat langkah")

    async def both_names() -> bool:
        return await timeline.get_by_text("atas nama Ahmad Fauzi").count() > 0

    await pemohon.until("the Plt's disposition", both_names, path=f"/permohonan/{ticket}")
    await expect(timeline.get_by_text("Dewi Lestari")).to_be_visible()
    await pemohon.look_at("18-disposisi-plt-kadis")
