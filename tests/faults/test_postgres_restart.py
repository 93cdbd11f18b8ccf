"""PostgreSQL restarted under the running services: not ready while it is away, back on their own.

A command sent while the database is down is refused with a 5xx and leaves nothing behind: the
same submission sent again afterwards with the same Idempotency-Key is taken as new (not as a
replay of something half-written), and it flows through the bus like any other.
"""

from __future__ import annotations

import asyncio
import time
import uuid

import httpx
import pytest

from penghubung.demo import PDF, request_form
from penghubung.testing.faults import AGENCY, Bench

pytestmark = pytest.mark.faults

IN_FLIGHT = 12
"""Submissions sent one after the other while PostgreSQL is being stopped."""


async def _head(bench: Bench) -> int:
    async with bench.db() as conn:
        head: int = await conn.fetchval("SELECT position FROM eventstore.head")
    return head


async def test_services_wait_out_a_postgres_restart_and_no_command_is_half_applied(
    bench: Bench,
) -> None:
    sop, applicant = bench.sop, f"pemohon:{AGENCY}"
    waiting = await sop.submit(AGENCY)  # will wait in the kadis inbox across the restart
    await sop.wait_holder(waiting, "kadis")
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
    flight = [(await _letter_body(bench), f"kirim-{uuid.uuid4()}") for _ in range(IN_FLIGHT)]
    await bench.settled()
    head_before = await _head(bench)

    sending = asyncio.create_task(_send_one_by_one(bench, flight))
    await asyncio.sleep(0.2)
    await asyncio.to_thread(bench.postgres.stop)
    first_answers = await sending
    stopped = time.monotonic()
    not_ready = await bench.system.wait_not_ready()
    noticed = time.monotonic() - stopped
    refused = await sop.request(
        "intake", applicant, "POST", "/requests", json=body, headers={"Idempotency-Key": key}
    )
    refused_disposition = await sop.request(
        "disposition",
        "kadis",
        "POST",
        f"/requests/{waiting}/dispositions",
        json={"instruction": "Mohon ditindaklanjuti", "documents": ["surat_permohonan"]},
    )
    alive_while_down = {n: p.alive() for n, p in bench.system.processes.items()}
    await asyncio.to_thread(bench.postgres.start)
    ready_in = await bench.system.wait_ready()
    head_after = await _head(bench)
    taken = await _taken(bench, [key for _, key in flight])

    again = await sop.request(
        "intake", applicant, "POST", "/requests", json=body, headers={"Idempotency-Key": key}
    )
    second_answers = await _send_one_by_one(bench, flight)
    print(
        f"\nPostgreSQL stopped: all four services said not ready {noticed:.2f} s later"
        f" ({ {n: b['checks']['postgres'] for n, (_, b) in not_ready.items()} });"
        f" commands meanwhile: submit {refused.status_code}, dispose"
        f" {refused_disposition.status_code}; after the restart ready again in {ready_in:.2f} s;"
        f" {IN_FLIGHT} submissions sent across the stop answered {first_answers}"
    )
    assert all(alive_while_down.values()), alive_while_down
    assert all(b["checks"]["postgres"].startswith("unreachable") for _, b in not_ready.values())
    for answer in (refused, refused_disposition):
        assert answer.status_code == 503, answer.text
        assert answer.json()["code"] == "service_unavailable"
        assert "retry-after" in answer.headers
    assert head_after == head_before + taken, "more was written than the submissions taken"
    assert again.status_code == 201, again.text
    assert "idempotent-replayed" not in again.headers, "the refused command had been half-applied"

    await _each_once_or_not_at_all(bench, flight, first_answers, second_answers)

    ticket = again.json()["ticket_id"]
    await sop.wait_holder(ticket, "kadis")  # the relay and the consumers are back too
    await sop.dispose(waiting, "kadis")
    await sop.wait_holder(waiting, "kabid")
    tally = await bench.settled()
    assert not bench.problems(tally), bench.problems(tally)


async def _taken(bench: Bench, keys: list[str]) -> int:
    async with bench.db() as conn:
        count: int = await conn.fetchval(
            "SELECT count(*) FROM eventstore.events WHERE causation_id = ANY($1::text[])", keys
        )
    return count


async def _letter_body(bench: Bench) -> dict[str, object]:
    letter = await bench.sop.command(
        "submit",
        "intake",
        f"pemohon:{AGENCY}",
        "/attachments",
        files={"file": ("surat.pdf", PDF, "application/pdf")},
        data={"kind": "surat_permohonan"},
    )
    return {"form": request_form(AGENCY), "attachment_ids": [letter["attachment_id"]]}


async def _send_one_by_one(
    bench: Bench, flight: list[tuple[dict[str, object], str]]
) -> list[int | None]:
    """Each submission once, in turn; its status (None: no answer at all)."""
    answers: list[int | None] = []
    for body, key in flight:
        try:
            response = await bench.sop.request(
                "intake",
                f"pemohon:{AGENCY}",
                "POST",
                "/requests",
                json=body,
                headers={"Idempotency-Key": key},
            )
        except httpx.TransportError:
            answers.append(None)
        else:
            answers.append(response.status_code)
        await asyncio.sleep(0.05)
    return answers


async def _each_once_or_not_at_all(
    bench: Bench,
    flight: list[tuple[dict[str, object], str]],
    first: list[int | None],
    second: list[int | None],
) -> None:
    """Each submission refused across the stop left nothing; each taken is there once, whole."""
    assert set(first) <= {201, 503, 500, None}, first
    assert second == [201] * len(flight), second
    async with bench.db() as conn:
        rows = await conn.fetch(
            "SELECT e.causation_id AS key, count(*) AS events,"
            " count(DISTINCT r.ticket_id) AS rows, count(DISTINCT k.key) AS keys"
            " FROM eventstore.events e"
            " LEFT JOIN intake.requests r ON r.ticket_id = e.correlation_id"
            " LEFT JOIN messaging.idempotency_keys k"
            " ON k.service = 'intake' AND k.key = e.causation_id"
            " WHERE e.type = 'RequestSubmitted' AND e.causation_id = ANY($1::text[])"
            " GROUP BY 1",
            [key for _, key in flight],
        )
    assert len(rows) == len(flight)
    assert all((r["events"], r["rows"], r["keys"]) == (1, 1, 1) for r in rows), rows
