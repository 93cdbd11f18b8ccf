"""The admin keeps the directory on the portal: people and their roles, agencies, Plt/Plh —
each act posted to the directory's API, each refusal shown beside its field in Bahasa."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.async_api import Browser, expect

from penghubung.testing.portal import (
    Person,
    admin_names_a_stand_in,
    changes_password,
    person,
    today_wib,
)
from penghubung.testing.system import System

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

NEW_NIP = "199001012015031009"
INITIAL = "Awal-Sandi-2026"


async def test_admin_registers_a_person_who_then_chooses_their_own_password(
    system: System, browser: Browser, people: dict[str, Person]
) -> None:
    admin = people["admin"]
    await admin.open("/admin/orang")
    await admin.page.get_by_role("link", name="Daftarkan orang").click()
    page = admin.page
    await page.get_by_label("NIP", exact=True).fill(NEW_NIP)
    await page.get_by_label("Nama", exact=True).fill("Fitri Handayani")
    await page.get_by_label("Jabatan", exact=True).fill("Pranata Komputer Ahli Pertama")
    await page.get_by_label("Perangkat Daerah").select_option(
        label="Dinas Komunikasi dan Informatika"
    )
    await page.get_by_label("Alamat surat elektronik").fill("fitri@babelprov.go.id")
    await page.get_by_label("Nomor telepon HP").fill("0812-7000-5678")
    await page.get_by_role("group", name="Peran").get_by_label("Petugas Service Desk").check()
    await page.get_by_label("Kata sandi awal").fill("pendek")
    await page.get_by_role("button", name="Daftarkan").click()

    await expect(page.get_by_role("alert")).to_contain_text("periksa isian")
    password = page.get_by_label("Kata sandi awal")
    await expect(password).to_have_attribute("aria-invalid", "true")
    await expect(password).to_have_accessible_description(
        "kata sandi minimal 10 karakter, memuat huruf dan angka, dan tidak memuat NIP"
    )
    await expect(page.get_by_label("Nama", exact=True)).to_have_value("Fitri Handayani")
    await admin.look_at("20b-daftarkan-orang-dengan-kesalahan")
    await password.fill(INITIAL)
    await page.get_by_role("button", name="Daftarkan").click()
    await expect(admin.flash()).to_contain_text(f"Fitri Handayani (NIP {NEW_NIP}) terdaftar")
    await expect(page.get_by_role("heading", name="Fitri Handayani")).to_be_visible()

    await page.get_by_label("Beri peran").select_option(label="Pranata Komputer")
    await page.get_by_role("button", name="Beri peran").click()
    await expect(admin.flash()).to_contain_text("Peran Pranata Komputer diberikan")
    await admin.look_at("20c-data-orang-dan-peran")
    await page.get_by_role("button", name="Cabut peran Pranata Komputer").click()
    await expect(admin.flash()).to_contain_text("Peran Pranata Komputer dicabut")
    roles = page.get_by_role("region", name="Peran")
    await expect(roles.get_by_text("Petugas Service Desk")).to_be_visible()
    await expect(roles.get_by_role("button", name="Cabut peran Pranata Komputer")).to_have_count(0)

    fitri = await person(browser, system.urls["portal"])
    await fitri.open("/masuk")
    await fitri.page.get_by_label("NIP").fill(NEW_NIP)
    await fitri.page.get_by_label("Kata sandi").fill(INITIAL)
    await fitri.page.get_by_role("button", name="Masuk").click()
    await expect(fitri.page.get_by_role("heading", name="Ganti kata sandi")).to_be_visible()
    await fitri.open("/peran")  # no role before the initial password is changed
    await expect(fitri.page.get_by_role("heading", name="Ganti kata sandi")).to_be_visible()
    await changes_password(fitri, current=INITIAL, new=f"{NEW_NIP}x")
    new = fitri.page.get_by_label("Kata sandi baru", exact=True)
    await expect(new).to_have_accessible_description(
        "kata sandi minimal 10 karakter, memuat huruf dan angka, dan tidak memuat NIP"
    )
    await fitri.look_at("00b-ganti-kata-sandi-ditolak")
    await changes_password(fitri, current=INITIAL, new="Sandi-Fitri-2027")
    await expect(fitri.flash()).to_contain_text("Kata sandi Anda sudah diganti")
    await fitri.page.get_by_role("button", name="Lanjutkan").click()
    await expect(fitri.page.get_by_text("Fitri Handayani · Petugas Service Desk")).to_be_visible()

    # She forgets it: the admin sets a new initial password, which she must change again.
    await admin.open(f"/admin/orang/{NEW_NIP}")
    reset = page.get_by_label("Kata sandi awal baru")
    await expect(reset).to_have_attribute("autocomplete", "new-password")
    await reset.fill(NEW_NIP)
    await page.get_by_role("button", name="Atur ulang kata sandi").click()
    await expect(reset).to_have_attribute("aria-invalid", "true")
    await expect(reset).to_have_accessible_description(
        "kata sandi minimal 10 karakter, memuat huruf dan angka, dan tidak memuat NIP"
    )
    await page.get_by_label("Kata sandi awal baru").fill("Ulang-Sandi-2027")
    await page.get_by_role("button", name="Atur ulang kata sandi").click()
    await expect(admin.flash()).to_contain_text("Kata sandi awal yang baru sudah diatur")
    await admin.look_at("20d-atur-ulang-kata-sandi")
    await fitri.context.clear_cookies()
    await fitri.open("/masuk")
    await fitri.page.get_by_label("NIP").fill(NEW_NIP)
    await fitri.page.get_by_label("Kata sandi").fill("Sandi-Fitri-2027")
    await fitri.page.get_by_role("button", name="Masuk").click()
    await expect(fitri.page.get_by_role("alert")).to_be_visible()
    await fitri.page.get_by_label("Kata sandi").fill("Ulang-Sandi-2027")
    await fitri.page.get_by_role("button", name="Masuk").click()
    await expect(fitri.page.get_by_role("heading", name="Ganti kata sandi")).to_be_visible()


async def test_admin_finds_people_by_name_nip_role_and_agency(people: dict[str, Person]) -> None:
    admin = people["admin"]
    await admin.open("/admin/orang")
    page = admin.page
    await page.get_by_label("Peran", exact=True).select_option(label="Pemohon")
    await page.get_by_label("Perangkat Daerah").select_option(label="Dinas Pendidikan")
    await page.get_by_role("button", name="Cari").click()
    await expect(page.get_by_role("link", name="Agus Prasetyo")).to_be_visible()
    await expect(page.get_by_role("link", name="Siti Rahmawati")).to_have_count(0)
    await admin.look_at("20-direktori-orang")
    await admin.open("/admin/orang?q=rahma")
    await expect(page.get_by_role("link", name="Siti Rahmawati")).to_be_visible()
    await expect(page.get_by_role("link", name="Agus Prasetyo")).to_have_count(0)
    await admin.open("/admin/orang?q=1970031520")
    await expect(page.get_by_role("link", name="Ahmad Fauzi")).to_be_visible()
    await expect(page.get_by_text("1 orang")).to_be_visible()


async def test_admin_registers_an_agency_and_a_taken_code_is_said(
    people: dict[str, Person],
) -> None:
    admin = people["admin"]
    await admin.open("/admin/perangkat-daerah")
    page = admin.page
    await page.get_by_label("Kode").fill("dinsos")
    await page.get_by_label("Nama", exact=True).fill("Dinas Sosial")
    await page.get_by_role("button", name="Daftarkan").click()
    await expect(admin.flash()).to_contain_text("Perangkat Daerah Dinas Sosial terdaftar")
    await expect(page.get_by_text("Dinas Sosial", exact=True)).to_be_visible()
    await page.get_by_label("Kode").fill("dinsos")
    await page.get_by_label("Nama", exact=True).fill("Dinas Sosial Lagi")
    await page.get_by_role("button", name="Daftarkan").click()
    await expect(page.get_by_label("Kode")).to_have_accessible_description(
        "kode Perangkat Daerah ini sudah terdaftar"
    )
    await admin.look_at("21-perangkat-daerah")


async def test_admin_names_a_plh_then_ends_it_early(people: dict[str, Person]) -> None:
    admin = people["admin"]
    today = today_wib()
    await admin.open("/admin/plt-plh")
    page = admin.page
    await page.get_by_label("Jabatan", exact=True).select_option(label="Pranata Komputer")
    await page.get_by_role("group", name="Jenis penugasan").get_by_label("Plh.").check()
    await page.get_by_label("Pelaksana", exact=True).select_option(
        label="Rina Wulandari (NIP 199207082019032004)"
    )
    await page.get_by_label("Mulai tanggal").fill(today.isoformat())
    await page.get_by_label("Sampai tanggal").fill((today - timedelta(days=1)).isoformat())
    await page.get_by_label("Nomor SK").fill("800/77/DISKOMINFO/2026")
    await page.get_by_role("button", name="Tetapkan").click()
    await expect(page.get_by_label("Sampai tanggal")).to_have_accessible_description(
        "tanggal akhir tidak boleh sebelum tanggal mulai"
    )
    await admin.look_at("22b-plt-plh-dengan-kesalahan")

    await admin_names_a_stand_in(
        admin,
        position="Pranata Komputer",
        kind="Plh.",
        delegate="Rina Wulandari (NIP 199207082019032004)",
        holder=None,
        starts_on=today,
        ends_on=today + timedelta(days=2),
        decree="800/78/DISKOMINFO/2026",
    )
    running = page.get_by_role("region", name="Berlaku hari ini")
    card = running.get_by_role("listitem").filter(has_text="SK 800/78/DISKOMINFO/2026")
    await card.get_by_label("Alasan diakhiri lebih awal").fill("Prakom definitif kembali bertugas")
    await card.get_by_role("button", name="Akhiri sekarang").click()
    await expect(admin.flash()).to_contain_text("Penugasan Plt/Plh diakhiri")
    ended = page.get_by_role("region", name="Berakhir atau belum mulai")
    await expect(ended.get_by_text("Prakom definitif kembali bertugas")).to_be_visible()


async def test_only_the_admin_keeps_the_directory(people: dict[str, Person]) -> None:
    kadis = people["kadis"]
    for path in ("/admin/orang", "/admin/perangkat-daerah", "/admin/plt-plh"):
        answer = await kadis.page.goto(kadis.base + path)
        assert answer is not None
        assert answer.status == 403
        await expect(kadis.page.get_by_role("heading", name="Tidak berwenang")).to_be_visible()
    # A post by hand, with the session's own CSRF token: the role is what refuses it.
    token = await kadis.page.locator("input[name=csrf_token]").first.get_attribute("value")
    posted = await kadis.context.request.post(
        kadis.base + "/admin/perangkat-daerah",
        form={"csrf_token": token or "", "code": "palsu", "name": "Palsu"},
    )
    assert posted.status == 403
    assert "Tidak berwenang" in await posted.text()
