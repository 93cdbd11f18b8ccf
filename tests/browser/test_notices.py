"""Each person reads on the portal what the notices service told them, and chooses how."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from penghubung.testing.portal import Person, pemohon_submits

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


async def test_the_kadis_reads_the_notice_of_a_new_request_and_chooses_whatsapp(
    people: dict[str, Person],
) -> None:
    kadis = people["kadis"]
    ticket = await pemohon_submits(people["pemohon"], application="SIDAK")
    link = kadis.page.get_by_role("link", name=ticket)

    async def told() -> bool:
        return await link.count() > 0

    await kadis.until(f"the notice of {ticket}", told, path="/notifikasi")
    notice = kadis.page.get_by_role("listitem").filter(has=link)
    await expect(notice.get_by_text(" WIB").first).to_be_visible()
    await expect(notice.get_by_text("Kotak surat portal")).to_be_visible()
    await kadis.look_at("23-notifikasi")

    form = kadis.page.get_by_role("group", name="Kirim pemberitahuan melalui")
    await form.get_by_label("E-mail dan WhatsApp").check()
    await kadis.page.get_by_label("Jangan kirimi saya ringkasan harian").check()
    await kadis.page.get_by_role("button", name="Simpan pengaturan").click()
    await expect(kadis.flash()).to_contain_text("Pengaturan pemberitahuan disimpan")
    await expect(form.get_by_label("E-mail dan WhatsApp")).to_be_checked()
    await expect(kadis.page.get_by_label("Jangan kirimi saya ringkasan harian")).to_be_checked()
    await link.first.click()
    await expect(kadis.page.get_by_role("heading", name=ticket).first).to_be_visible()
