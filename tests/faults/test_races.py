"""Races over real HTTP on the real processes: conflicting commands, one submission sent twice."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

from penghubung.demo import PDF, request_form
from penghubung.testing.faults import AGENCY, Bench

pytestmark = pytest.mark.faults


async def test_two_kadis_dispositions_at_once_one_wins_the_other_is_409(bench: Bench) -> None:
    sop = bench.sop
    ticket = await sop.submit(AGENCY)
    await sop.wait_holder(ticket, "kadis")
    body = {"instruction": "Mohon ditindaklanjuti", "documents": ["surat_permohonan"]}

    responses = await asyncio.gather(
        *(
            sop.request("disposition", "kadis", "POST", f"/requests/{ticket}/dispositions", json=b)
            for b in (body, {**body, "instruction": "Segera ditindaklanjuti"})
        )
    )

    assert sorted(r.status_code for r in responses) == [201, 409], [r.text for r in responses]
    [loser] = [r for r in responses if r.status_code == 409]
    assert loser.json()["code"] in {"concurrent_change", "out_of_order"}
    async with bench.db() as conn:
        disposed = await conn.fetchval(
            "SELECT count(*) FROM eventstore.events"
            " WHERE correlation_id = $1 AND type = 'Disposed'",
            ticket,
        )
    assert disposed == 1
    assert await sop.holder(ticket) == "kabid"


async def test_one_submission_sent_twice_with_one_key_makes_one_ticket(bench: Bench) -> None:
    sop = bench.sop
    applicant = f"pemohon:{AGENCY}"
    letter = await sop.command(
        "submit",
        "intake",
        applicant,
        "/attachments",
        files={"file": ("surat.pdf", PDF, "application/pdf")},
        data={"kind": "surat_permohonan"},
    )
    body = {"form": request_form(AGENCY), "attachment_ids": [letter["attachment_id"]]}
    key = f"kirim-{uuid.uuid4()}"

    def send() -> Any:
        return sop.request(
            "intake", applicant, "POST", "/requests", json=body, headers={"Idempotency-Key": key}
        )

    at_once = await asyncio.gather(send(), send())
    later = await send()

    responses = [*at_once, later]
    assert [r.status_code for r in responses] == [201, 201, 201], [r.text for r in responses]
    tickets = {r.json()["ticket_id"] for r in responses}
    assert len(tickets) == 1
    assert sum(r.headers.get("idempotent-replayed") == "true" for r in responses) == 2
    [ticket] = tickets
    await sop.wait_holder(ticket, "kadis")
    async with bench.db() as conn:
        submitted = await conn.fetchval(
            "SELECT count(*) FROM eventstore.events WHERE type = 'RequestSubmitted'"
            " AND causation_id = $1",
            key,
        )
        in_kadis_inbox = await conn.fetchval(
            "SELECT count(*) FROM disposition.requests"
            " WHERE ticket_id = $1 AND holder_role = 'kadis'",
            ticket,
        )
    assert (submitted, in_kadis_inbox) == (1, 1)
    tally = await bench.settled()
    assert not bench.problems(tally), tally.summary()
