"""The petugas pauses and resumes the clock of their work item (integration service, real DB).

The work item is opened as the bus would: a `Disposed` prakom→petugas appended to the
disposition stream and handed to the service's subscriber.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from integration.adapters.subscribers import when_disposed_to_petugas_open_work_item
from integration.bootstrap import build
from penghubung.events.base import Actor, Metadata, NewEvent, Role
from penghubung.events.catalog import Disposed, Integrated
from penghubung.events.sla import ClockPaused, ClockResumed, PauseReason
from penghubung.eventstore.store import ANY_VERSION
from penghubung.forms import (
    AuthenticationType,
    IntegrationDetails,
    Mechanism,
    MechanismChoice,
    Officer,
)
from penghubung.runtime.service import ServiceContext, ServiceParts, running_service
from penghubung.settings import ServiceSettings
from penghubung.sop import DocumentKind, Step
from penghubung.testing.upstream import Upstream, upstream
from penghubung.web.auth import mint_token

pytestmark = pytest.mark.integration

PRAKOM = Actor(nip="198503032010011003", name="Dedi Prakom", role=Role.PRAKOM)
NOW = datetime(2026, 7, 10, 7, 0, tzinfo=UTC)  # Friday 14:00 WIB


def new_ticket() -> str:
    return f"SC05-2026-{random.randrange(10**7, 10**8)}"


def new_officer() -> Officer:
    nip = f"19900101201501{random.randrange(1, 3)}{random.randrange(1, 1000):03d}"
    return Officer(nip=f"{nip[:14]}1{nip[-3:]}", name=f"Petugas {nip[-3:]}")


@dataclass
class Bed:
    client: httpx.AsyncClient
    ctx: ServiceContext
    settings: ServiceSettings
    upstream: Upstream

    def headers(self, role: Role, officer: Officer | None = None, **claims: Any) -> dict[str, str]:
        name = officer.name if officer else f"Pengguna {role.value}"
        token = mint_token(
            self.settings, role=role, name=name, nip=officer.nip if officer else None, **claims
        )
        return {"Authorization": f"Bearer {token}"}

    async def assigned(self) -> tuple[str, Officer]:
        """A fresh ticket whose work item a fresh petugas holds."""
        ticket, officer = new_ticket(), new_officer()
        event = Disposed(
            ticket_id=ticket,
            from_role=Role.PRAKOM,
            to_role=Role.PETUGAS,
            instruction="Mohon dianalisis kelayakannya.",
            to_officer=officer,
            documents=tuple(DocumentKind),
        )
        meta = Metadata(
            event_id=uuid.uuid4(),
            occurred_at=NOW - timedelta(days=3),
            actor=PRAKOM,
            correlation_id=ticket,
        )
        await self.upstream.append(
            f"disposition-{ticket}",
            expected_version=ANY_VERSION,
            events=[NewEvent(event=event, meta=meta)],
        )
        envelope = (await self.ctx.store.read_stream(f"disposition-{ticket}")).events[-1]
        async with self.ctx.pool.acquire() as conn, conn.transaction():
            await when_disposed_to_petugas_open_work_item(conn, envelope)
        return ticket, officer

    async def pause(self, ticket: str, officer: Officer | None, **body: Any) -> httpx.Response:
        return await self.client.post(
            f"/requests/{ticket}/clock/pause",
            json={"reason": "agency_documents", **body},
            headers=self.headers(Role.PETUGAS, officer),
        )

    async def resume(self, ticket: str, officer: Officer | None, **body: Any) -> httpx.Response:
        return await self.client.post(
            f"/requests/{ticket}/clock/resume",
            json=body,
            headers=self.headers(Role.PETUGAS, officer),
        )

    async def stream(self, ticket: str) -> list[Any]:
        return [e.event for e in (await self.ctx.store.read_stream(f"integration-{ticket}")).events]


def without_consumers(ctx: ServiceContext) -> ServiceParts:
    return replace(build(ctx), subscriptions=())


@pytest.fixture(scope="module")
async def bed(
    new_database: Callable[[], Awaitable[str]], nats_url: str, run_id: str
) -> AsyncIterator[Bed]:
    settings = ServiceSettings(
        database_url=await new_database(),
        nats_url=nats_url,
        relay_enabled=False,
        stream_name=f"SLAPAUSE_{run_id}",
        subject_prefix=f"t{run_id}.slapause",
    )
    async with running_service("integration", settings, build=without_consumers) as (app, ctx):
        ctx.clock = lambda: NOW
        transport = httpx.ASGITransport(app=app)
        async with (
            httpx.AsyncClient(transport=transport, base_url="http://integration") as client,
            upstream(settings.database_url) as others,
        ):
            yield Bed(client, ctx, settings, others)


def body(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    found: dict[str, Any] = response.json()
    return found


async def test_the_petugas_pauses_and_resumes_the_feasibility_clock(bed: Bed) -> None:
    ticket, officer = await bed.assigned()

    paused = body(await bed.pause(ticket, officer, reason="uat", note="Menunggu UAT OPD"), 201)
    assert paused == {
        "ticket_id": ticket,
        "step": "feasibility",
        "paused": True,
        "reason": "uat",
        "note": "Menunggu UAT OPD",
        "at": "2026-07-10T14:00:00+07:00",
    }
    clock = body(
        await bed.client.get(
            f"/requests/{ticket}/clock", headers=bed.headers(Role.PETUGAS, officer)
        ),
        200,
    )
    assert (clock["paused"], clock["reason"], clock["step"]) == (True, "uat", "feasibility")
    assert clock["at"] == paused["at"]  # the pause reads back with its time

    resumed = body(await bed.resume(ticket, officer, note="UAT selesai"), 201)
    reread = await bed.client.get(
        f"/requests/{ticket}/clock", headers=bed.headers(Role.PETUGAS, officer)
    )
    assert body(reread, 200)["at"] == resumed["at"]
    assert (resumed["paused"], resumed["step"], resumed["note"]) == (
        False,
        "feasibility",
        "UAT selesai",
    )
    events = await bed.stream(ticket)
    assert events == [
        ClockPaused(
            ticket_id=ticket, step=Step.FEASIBILITY, reason=PauseReason.UAT, note="Menunggu UAT OPD"
        ),
        ClockResumed(ticket_id=ticket, step=Step.FEASIBILITY, note="UAT selesai"),
    ]
    stored = (await bed.ctx.store.read_stream(f"integration-{ticket}")).events[0]
    assert (stored.actor.nip, stored.occurred_at, stored.correlation_id) == (
        officer.nip,
        NOW,
        ticket,
    )


async def test_pausing_twice_or_resuming_a_running_clock_is_a_conflict(bed: Bed) -> None:
    ticket, officer = await bed.assigned()
    assert body(await bed.resume(ticket, officer), 409)["code"] == "clock_not_paused"
    body(await bed.pause(ticket, officer), 201)
    assert body(await bed.pause(ticket, officer), 409)["code"] == "clock_already_paused"
    assert len(await bed.stream(ticket)) == 1


async def test_after_the_integration_no_clock_is_paused(bed: Bed) -> None:
    ticket, officer = await bed.assigned()
    integrated = Integrated(
        ticket_id=ticket,
        details=IntegrationDetails(
            mechanism=MechanismChoice(kind=Mechanism.GSB),
            gsb_service_name="simpus",
            operations=("cari",),
            authentication=AuthenticationType.MTLS,
        ),
        notes="Selesai",
    )
    meta = Metadata(event_id=uuid.uuid4(), occurred_at=NOW, actor=PRAKOM, correlation_id=ticket)
    await bed.ctx.store.append(
        f"integration-{ticket}",
        expected_version=ANY_VERSION,
        events=[NewEvent(event=integrated, meta=meta)],
    )
    assert body(await bed.pause(ticket, officer), 409)["code"] == "work_finished"


async def test_another_officer_conflicts_and_an_unknown_ticket_is_not_found(bed: Bed) -> None:
    ticket, _ = await bed.assigned()
    assert body(await bed.pause(ticket, new_officer()), 409)["code"] == "not_assigned_to_you"
    assert body(await bed.pause(new_ticket(), new_officer()), 404)["code"] == "work_item_not_found"
    other = await bed.client.get(
        f"/requests/{ticket}/clock", headers=bed.headers(Role.PETUGAS, new_officer())
    )
    assert body(other, 404)["code"] == "work_item_not_found"


async def test_a_stand_in_pauses_for_the_officer(bed: Bed) -> None:
    ticket, officer = await bed.assigned()
    stand_in = new_officer()
    response = await bed.client.post(
        f"/requests/{ticket}/clock/pause",
        json={"reason": "vendor"},
        headers=bed.headers(
            Role.PETUGAS, stand_in, acting_for_nip=officer.nip, acting_for_name=officer.name
        ),
    )
    body(response, 201)
    stored = (await bed.ctx.store.read_stream(f"integration-{ticket}")).events[0]
    assert (stored.actor.nip, stored.actor.on_behalf_of_nip) == (stand_in.nip, officer.nip)


@pytest.mark.parametrize("role", [Role.PRAKOM, Role.KADIS, Role.ADMIN, Role.AUDITOR, Role.PEMOHON])
async def test_only_a_petugas_pauses(bed: Bed, role: Role) -> None:
    ticket, _ = await bed.assigned()
    for action in ("pause", "resume"):
        response = await bed.client.post(
            f"/requests/{ticket}/clock/{action}", json={"reason": "uat"}, headers=bed.headers(role)
        )
        assert body(response, 403)["code"] == "role_not_allowed"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"reason": "holiday"}, "reason"),
        ({}, "reason"),
        ({"reason": "uat", "note": ""}, "note"),
        ({"reason": "uat", "extra": 1}, "extra"),
    ],
)
async def test_a_bad_pause_names_the_field(bed: Bed, payload: dict[str, Any], field: str) -> None:
    ticket, officer = await bed.assigned()
    response = await bed.client.post(
        f"/requests/{ticket}/clock/pause", json=payload, headers=bed.headers(Role.PETUGAS, officer)
    )
    assert body(response, 422)["field"] == field
    assert await bed.stream(ticket) == []


async def test_a_bad_ticket_and_a_missing_token(bed: Bed) -> None:
    response = await bed.client.post(
        "/requests/SC05-26-1/clock/pause",
        json={"reason": "uat"},
        headers=bed.headers(Role.PETUGAS, new_officer()),
    )
    assert body(response, 422)["field"] == "ticket_id"
    assert body(await bed.client.post("/requests/SC05-2026-00001/clock/pause"), 401)["code"] == (
        "token_missing"
    )
