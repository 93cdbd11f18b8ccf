"""What the portal refuses: bad fields shown beside them, another agency's request, a form
without its CSRF token; and the headers and cookie that keep a session safe."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, Route, expect

from penghubung.testing.portal import (
    PEMOHON,
    PEMOHON_OTHER_AGENCY,
    Person,
    fills_request_form,
    pemohon_submits,
    person,
    signs_in,
)
from penghubung.testing.system import System

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


@pytest.fixture
def pemohon(people: dict[str, Person]) -> Person:
    """The Dinas Kesehatan applicant, signed in once for the session."""
    return people["pemohon"]


async def test_sign_in_page_and_role_choice(system: System, browser: Browser) -> None:
    someone = await person(browser, system.urls["portal"])
    await someone.open("/")
    await expect(someone.page.get_by_role("heading", name="Masuk")).to_be_visible()
    await someone.look_at("00-masuk")
    await someone.page.get_by_label("NIP").fill(PEMOHON)
    await someone.page.get_by_label("Kata sandi").fill("bukan-kata-sandinya-1")
    await someone.page.get_by_role("button", name="Masuk").click()
    await expect(someone.page.get_by_role("alert")).to_have_text("NIP atau kata sandi salah")
    await signs_in(someone, PEMOHON)
    await someone.open("/peran")
    await someone.look_at("00-pilih-peran")
    await someone.page.get_by_role("button", name="Lanjutkan").click()
    await someone.page.get_by_role("button", name="Keluar").click()
    await expect(someone.page.get_by_text("Anda telah keluar")).to_be_visible()
    await someone.open("/permohonan")
    await expect(someone.page.get_by_role("heading", name="Masuk")).to_be_visible()


async def test_field_errors_are_shown_next_to_their_fields(pemohon: Person) -> None:
    await pemohon.open("/permohonan/baru")
    await fills_request_form(pemohon, application="SIMPUS", nip="12345", letter=False)
    await pemohon.page.get_by_label("Alamat surat elektronik").fill("bukan-email")
    await pemohon.page.get_by_role("button", name="Kirim permohonan").click()
    page = pemohon.page
    await expect(page.get_by_role("alert")).to_contain_text("periksa isian")
    nip = page.get_by_label("NIP", exact=True)
    await expect(nip).to_have_attribute("aria-invalid", "true")
    await expect(nip).to_have_accessible_description("NIP harus 18 digit angka")
    email = page.get_by_label("Alamat surat elektronik")
    await expect(email).to_have_accessible_description("alamat surat elektronik tidak valid")
    await expect(page.get_by_label("Nama aplikasi")).to_have_value("SIMPUS")
    await pemohon.look_at("02b-formulir-dengan-kesalahan")


async def test_another_agencys_request_is_unreachable(
    system: System, browser: Browser, pemohon: Person
) -> None:
    ticket = await pemohon_submits(pemohon, application="SIMPEG")
    stranger = await signs_in(await person(browser, system.urls["portal"]), PEMOHON_OTHER_AGENCY)
    await stranger.open(f"/permohonan/{ticket}")
    await expect(stranger.page.get_by_role("heading", name="Tidak ditemukan")).to_be_visible()
    await stranger.look_at("17-tidak-ditemukan")
    await stranger.open("/permohonan")
    await expect(stranger.page.get_by_role("link", name=ticket)).to_have_count(0)
    assert (await stranger.page.goto(f"{stranger.base}/permohonan/{ticket}")).status == 404  # type: ignore[union-attr]


async def test_a_form_post_without_its_csrf_token_is_refused(pemohon: Person) -> None:
    answer = await pemohon.context.request.post(
        pemohon.base + "/permohonan/baru", multipart={"application.name": "Palsu"}
    )
    assert answer.status == 403
    assert "Formulir kedaluwarsa" in await answer.text()
    forged = await pemohon.context.request.post(
        pemohon.base + "/keluar", form={"csrf_token": "bukan-token-sesi"}
    )
    assert forged.status == 403
    await pemohon.open("/")
    await expect(pemohon.page.get_by_role("button", name="Keluar")).to_be_visible()


async def test_pages_carry_the_safety_headers_and_the_cookie_is_http_only(
    pemohon: Person,
) -> None:
    answer = await pemohon.page.goto(pemohon.base + "/permohonan")
    assert answer is not None
    headers = answer.headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "unsafe-inline" not in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["cache-control"] == "no-store"
    cookies = {c["name"]: c for c in await pemohon.context.cookies()}
    session = cookies["penghubung_sesi"]
    assert session["httpOnly"] is True
    assert session["sameSite"] == "Lax"


async def test_a_forged_session_cookie_is_a_signed_out_visitor(
    system: System, browser: Browser
) -> None:
    someone = await person(browser, system.urls["portal"])
    host = system.urls["portal"].split("//")[1].split(":")[0]
    await someone.context.add_cookies(
        [{"name": "penghubung_sesi", "value": "AAAA" * 30, "domain": host, "path": "/"}]
    )
    await someone.open("/permohonan")
    await expect(someone.page.get_by_role("heading", name="Masuk")).to_be_visible()


async def test_every_service_docs_page_works_without_internet(
    system: System, browser: Browser
) -> None:
    context = await browser.new_context()
    outside: list[str] = []

    async def only_this_machine(route: Route) -> None:
        if route.request.url.startswith("http://127.0.0.1"):
            await route.continue_()
        else:
            outside.append(route.request.url)
            await route.abort()

    await context.route("**/*", only_this_machine)
    page = await context.new_page()
    for name in ("intake", "disposition", "integration", "reporting"):
        await page.goto(f"{system.urls[name]}/docs")
        title = page.get_by_role("heading", name=re.compile("^Penghubung — .* OAS"))
        await expect(title).to_be_visible()
    assert outside == []
    await context.close()


async def test_a_disposition_without_its_papers_says_which_are_missing(
    people: dict[str, Person], pemohon: Person
) -> None:
    ticket = await pemohon_submits(pemohon, application="SIMDA")
    kadis = people["kadis"]
    link = kadis.page.get_by_role("link", name=re.compile(ticket))

    async def listed() -> bool:
        return await link.count() > 0

    await kadis.until(f"{ticket} in the inbox", listed, path="/kotak-masuk")
    await link.first.click()
    await kadis.page.get_by_label("Isi disposisi").fill("Mohon ditindaklanjuti")
    await kadis.page.get_by_role("button", name="Kirim disposisi").click()

    papers = kadis.page.get_by_role("group", name="Kelengkapan yang ada", exact=True)
    await expect(papers).to_have_accessible_description(
        "kelengkapan belum lengkap, belum ada: Surat permohonan"
    )
    await expect(kadis.page.get_by_label("Isi disposisi")).to_have_value("Mohon ditindaklanjuti")
    await kadis.look_at("04b-disposisi-tanpa-kelengkapan")
