"""An applicant learns nothing of another agency's request, from any service: 404, as if unknown."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from penghubung.demo import Desk

pytestmark = pytest.mark.e2e

OWNER_AGENCY = "Dinas Kesehatan"
"""The agency of the demo applicant (`DEMO_USERS`)."""

UNKNOWN = "SC05-2020-99999"
"""A ticket that exists nowhere."""


async def test_another_agencys_ticket_is_not_found_in_every_service(system: Any) -> None:
    owner = Desk(urls=system.urls, tokens=system.tokens)
    ticket = await owner.submit(OWNER_AGENCY)
    request = await owner.call("intake", "pemohon", "GET", f"/requests/{ticket}")
    attachment = request["attachments"][0]["storage_key"].rsplit("/", 1)[-1]
    reads = [
        ("intake", f"/requests/{ticket}"),
        ("intake", f"/attachments/{attachment}"),
        ("disposition", f"/requests/{ticket}/dispositions"),
        ("reporting", f"/requests/{ticket}"),
        ("reporting", f"/requests/{ticket}/timeline"),
        ("reporting", f"/requests/{ticket}/sla"),
    ]
    for service, path in reads:  # the owner sees it everywhere, once the bus has carried it

        async def seen(service: str = service, path: str = path) -> bool:
            async with system.client(service, "pemohon") as http:
                return bool((await http.get(path)).status_code == 200)

        await owner.until(f"the owner reading {service}{path}", seen)

    stranger = system.token_for(
        "pemohon", name="Orang Lain", nip="198601012010011002", agency="Dinas Pendidikan"
    )
    headers = {"Authorization": f"Bearer {stranger}"}
    for service, path in [*reads, ("reporting", f"/requests/{ticket}/report")]:
        async with httpx.AsyncClient(base_url=system.urls[service], timeout=30) as http:
            theirs = await http.get(path, headers=headers)
            unknown = await http.get(
                path.replace(ticket, UNKNOWN).replace(attachment, "0" * 8 + attachment[8:]),
                headers=headers,
            )
        assert theirs.status_code == 404, f"{service}{path}: {theirs.text}"
        # Exactly what a ticket that does not exist gets: existence does not leak.
        assert (unknown.status_code, unknown.json()["code"]) == (404, theirs.json()["code"])

    for service in ("intake", "reporting"):
        async with httpx.AsyncClient(base_url=system.urls[service], timeout=30) as http:
            listed = (await http.get("/requests?limit=100", headers=headers)).json()
        assert ticket not in {item["ticket_id"] for item in listed["items"]}
    # Integration serves work items to Diskominfo's people only: no applicant reads them.
    async with httpx.AsyncClient(base_url=system.urls["integration"], timeout=30) as http:
        for path in (f"/work-items/{ticket}", f"/requests/{ticket}/clock"):
            refused = await http.get(path, headers=headers)
            assert (refused.status_code, refused.json()["code"]) == (403, "role_not_allowed")
