"""Each person reads on the portal what the notices service told them, and chooses how."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from penghubung.testing.portal import Person, kadis_returns, pemohon_submits

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


async def test_the_applicant_reads_the_notice_of_a_return_and_chooses_whatsapp(
    people: dict[str, Person],
) -> None:
    pemohon = people["pemohon"]
    ticket = await pemohon_submits(pemohon, application="SIDAK")
    await kadis_returns(people["kadis"], ticket, reason="Lampirkan surat yang ditandatangani")
    link = pemohon.page.get_by_role("link", name=ticket)

    async def told() -> bool:
        return await link.count() > 0

    await pemohon.until(f"the notice of {ticket}", told, path="/notifikasi")
    notice = pemohon.page.get_by_role("listitem").filter(has=link)
    await expect(notice.get_by_text(" WIB").first).to_be_visible()
    await expect(notice.get_by_text("Kotak surat portal")).to_be_visible()
    await pemohon.look_at("23-notifikasi")

    form = pemohon.page.get_by_role("group", name="Kirim pemberitahuan melalui")
    await form.get_by_label("E-mail dan WhatsApp").check()
    await pemohon.page.get_by_label("Jangan kirimi saya ringkasan harian").check()
    await pemohon.page.get_by_role("button", name="Simpan pengaturan").click()
    await expect(pemohon.flash()).to_contain_text("Pengaturan pemberitahuan disimpan")
    await expect(form.get_by_label("E-mail dan WhatsApp")).to_be_checked()
    await expect(pemohon.page.get_by_label("Jangan kirimi saya ringkasan harian")).to_be_checked()
    await link.first.click()
    await expect(pemohon.page.get_by_role("heading", name=ticket).first).to_be_visible()
