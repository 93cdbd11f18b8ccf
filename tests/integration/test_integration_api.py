"""The integration service's HTTP API against real PostgreSQL, set up through its subscriber."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from integration.adapters.subscribers import (
    CONSUMERS,
    when_disposed_to_petugas_open_work_item,
    when_report_archived_close_corrections,
)
from integration.bootstrap import build
from penghubung.events.base import Actor, Envelope, Metadata, NewEvent, Role
from penghubung.events.catalog import (
    Disposed,
    FeasibilityDone,
    Integrated,
    ReportArchived,
    RequestClosed,
)
from penghubung.eventstore import EventStore
from penghubung.eventstore.store import ANY_VERSION
from penghubung.forms import Officer
from penghubung.runtime.service import ServiceContext, ServiceParts, running_service
from penghubung.settings import ServiceSettings
from penghubung.sop import DocumentKind
from penghubung.testing.upstream import Upstream, upstream
from penghubung.web.auth import mint_token

pytestmark = pytest.mark.integration

PRAKOM = Actor(nip="198503032010011003", name="Dedi Prakom", role=Role.PRAKOM)
_clock = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def new_ticket() -> str:
    return f"SC05-2026-{random.randrange(10**7, 10**8)}"


def new_officer(name: str = "Petugas") -> Officer:
    """An officer with a fresh, valid NIP: tests share one database and never truncate it."""
    birth = datetime(1970, 1, 1) + timedelta(days=random.randrange(0, 9000))
    appointed = birth.year + 22
    nip = f"{birth:%Y%m%d}{appointed}{random.randrange(1, 13):02d}1{random.randrange(1, 1000):03d}"
    return Officer(nip=nip, name=f"{name} {nip[-3:]}")


def next_time() -> datetime:
    global _clock
    _clock += timedelta(minutes=1)
    return _clock


@dataclass
class Bed:
    """The running service, its HTTP client and its event log."""

    client: httpx.AsyncClient
    ctx: ServiceContext
    settings: ServiceSettings
    upstream: Upstream
    """Appends disposition's events as disposition would (integration may append only its own)."""

    @property
    def store(self) -> EventStore:
        return self.ctx.store

    def token(self, role: Role, officer: Officer | None = None, **claims: Any) -> dict[str, str]:
        name = officer.name if officer else f"Pengguna {role.value}"
        nip = officer.nip if officer else None
        token = mint_token(self.settings, role=role, name=name, nip=nip, **claims)
        return {"Authorization": f"Bearer {token}"}

    def officer(self, officer: Officer, **claims: Any) -> dict[str, str]:
        return self.token(Role.PETUGAS, officer, **claims)

    async def dispose(
        self, ticket: str, officer: Officer | None, *, to_role: Role = Role.PETUGAS
    ) -> Envelope:
        """A disposition in the disposition service's stream, handed to our subscriber."""
        from_role = {Role.PETUGAS: Role.PRAKOM, Role.PRAKOM: Role.KABID}[to_role]
        event = Disposed(
            ticket_id=ticket,
            from_role=from_role,
            to_role=to_role,
            instruction="Mohon dianalisis kelayakannya.",
            to_officer=officer,
            documents=tuple(DocumentKind),
        )
        meta = Metadata(
            event_id=uuid.uuid4(),
            occurred_at=next_time(),
            actor=PRAKOM,
            correlation_id=ticket,
        )
        await self.upstream.append(
            f"disposition-{ticket}",
            expected_version=ANY_VERSION,
            events=[NewEvent(event=event, meta=meta)],
        )
        envelope = (await self.store.read_stream(f"disposition-{ticket}")).events[-1]
        await self.deliver(envelope)
        return envelope

    async def deliver(self, envelope: Envelope) -> None:
        """Call the subscriber as the consumer does: in a transaction on one connection."""
        async with self.ctx.pool.acquire() as conn, conn.transaction():
            await when_disposed_to_petugas_open_work_item(conn, envelope)

    async def assigned(self, officer: Officer | None = None) -> tuple[str, Officer]:
        """A fresh ticket ordered to a (fresh) officer."""
        officer = officer or new_officer()
        ticket = new_ticket()
        await self.dispose(ticket, officer)
        return ticket, officer

    async def stream(self, ticket: str) -> list[Envelope]:
        return list((await self.store.read_stream(f"integration-{ticket}")).events)


def without_consumers(ctx: ServiceContext) -> ServiceParts:
    """The service without its bus consumers: the tests hand events to the subscriber."""
    return replace(build(ctx), subscriptions=())


@pytest.fixture(scope="module")
async def bed(
    new_database: Callable[[], Awaitable[str]], nats_url: str, run_id: str
) -> AsyncIterator[Bed]:
    settings = ServiceSettings(
        database_url=await new_database(),
        nats_url=nats_url,
        relay_enabled=False,
        stream_name=f"INTEGRATION_{run_id}",
        subject_prefix=f"t{run_id}.integration",
    )
    async with running_service("integration", settings, build=without_consumers) as (app, ctx):
        transport = httpx.ASGITransport(app=app)
        async with (
            httpx.AsyncClient(transport=transport, base_url="http://integration") as client,
            upstream(settings.database_url) as others,
        ):
            yield Bed(client, ctx, settings, others)


def contact(name: str, nip: str) -> dict[str, Any]:
    return {
        "name": name,
        "nip": nip,
        "position": "Kepala Seksi",
        "work_unit": "Bidang Aplikasi",
        "office_address": "Jl. Pulau Bangka, Air Itam, Pangkalpinang",
        "mobile_phone": "0821-8064-0997",
        "email": "teknis@babelprov.go.id",
    }


def feasibility(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "difficulty": "sedang",
        "feasible": True,
        "vulnerability": {
            "application_name": "SIMPEG",
            "application_ip": "10.10.1.20",
            "database_ip": "10.10.1.21",
            "network_ip": "10.10.1.0/24",
            "description": "Sistem informasi kepegawaian",
            "platforms": ["linux"],
            "languages": ["PHP"],
            "dbms": ["PostgreSQL"],
            "structural_contact": contact("Andi Wijaya", "197505052000031002"),
            "technical_contact": contact("Rina Putri", "198812122012122001"),
            "has_source_code_or_database": True,
            "has_installation_manual": True,
            "has_user_manual": True,
            "has_uat_document": False,
        },
        "stress_test": {
            "max_users_per_day": 500,
            "effective_hours_per_day": 8,
            "transaction_seconds": 30,
            "has_test_scenario_document": True,
        },
        "notes": "Server dan basis data siap diintegrasikan.",
        "recommendations": ["Aktifkan HTTPS"],
    }
    return {**body, **changes}


def not_feasible(**changes: Any) -> dict[str, Any]:
    return feasibility(
        **{"feasible": False, "recommendations": ["Perbarui sistem operasi server"], **changes}
    )


def implementation(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "details": {
            "mechanism": {"kind": "gsb"},
            "gsb_service_name": "simpeg.pegawai",
            "operations": ["cariPegawai", "detailPegawai"],
            "authentication": "oauth2",
        },
        "notes": "Layanan diterbitkan di GSB dan diuji bersama OPD.",
    }
    return {**body, **changes}


async def work_item(bed: Bed, ticket: str) -> dict[str, Any]:
    response = await bed.client.get(f"/work-items/{ticket}", headers=bed.token(Role.AUDITOR))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def refused(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["code"] == code
    assert body["message"]
    return body


# --- the work item --------------------------------------------------------------------------


async def test_the_officer_ordered_by_a_prakom_finds_the_work_item(bed: Bed) -> None:
    ticket, officer = await bed.assigned()

    response = await bed.client.get(f"/work-items/{ticket}", headers=bed.officer(officer))

    assert response.status_code == 200, response.text
    item = response.json()
    assert item["ticket_id"] == ticket
    assert item["officer"] == {"nip": officer.nip, "name": officer.name}
    assert item["status"] == "assigned"
    assert item["instruction"] == "Mohon dianalisis kelayakannya."
    assert item["assigned_by"] == {"nip": PRAKOM.nip, "name": PRAKOM.name}
    assert item["difficulty"] is None
    assert item["feasible"] is None
    assert item["analysis"] is None


async def test_dispositions_above_petugas_open_no_work_item(bed: Bed) -> None:
    ticket = new_ticket()

    await bed.dispose(ticket, None, to_role=Role.PRAKOM)

    response = await bed.client.get(f"/work-items/{ticket}", headers=bed.token(Role.AUDITOR))
    refused(response, 404, "work_item_not_found")


async def test_a_petugas_lists_only_their_own_work_items_page_by_page(bed: Bed) -> None:
    officer = new_officer()
    mine = [(await bed.assigned(officer))[0] for _ in range(3)]
    theirs, _ = await bed.assigned()
    headers = bed.officer(officer)

    first = (await bed.client.get("/work-items?limit=2", headers=headers)).json()
    second = (await bed.client.get("/work-items?limit=2&offset=2", headers=headers)).json()

    assert [i["ticket_id"] for i in first["items"]] == mine[:2]
    assert [i["ticket_id"] for i in second["items"]] == mine[2:]
    assert first["total"] == second["total"] == 3
    assert (first["limit"], second["offset"]) == (2, 2)
    assert theirs not in {i["ticket_id"] for i in first["items"] + second["items"]}


@pytest.mark.parametrize("role", [Role.PRAKOM, Role.KABID, Role.KADIS, Role.ADMIN, Role.AUDITOR])
async def test_diskominfo_staff_and_auditors_see_every_work_item(bed: Bed, role: Role) -> None:
    one, _ = await bed.assigned()
    two, _ = await bed.assigned()
    headers = bed.token(role)

    listed = (await bed.client.get("/work-items?limit=100&status=assigned", headers=headers)).json()
    total = listed["total"]
    pages = [listed["items"]]
    for offset in range(100, total, 100):
        url = f"/work-items?limit=100&offset={offset}&status=assigned"
        pages.append((await bed.client.get(url, headers=headers)).json()["items"])

    tickets = {i["ticket_id"] for page in pages for i in page}
    assert {one, two} <= tickets
    assert (await bed.client.get(f"/work-items/{one}", headers=headers)).status_code == 200


async def test_the_list_filters_by_status(bed: Bed) -> None:
    officer = new_officer()
    analysed, _ = await bed.assigned(officer)
    waiting, _ = await bed.assigned(officer)
    headers = bed.officer(officer)
    await bed.client.post(f"/requests/{analysed}/feasibility", json=feasibility(), headers=headers)

    page = (await bed.client.get("/work-items?status=analysed", headers=headers)).json()

    assert [i["ticket_id"] for i in page["items"]] == [analysed]
    assert page["items"][0]["difficulty"] == "sedang"
    assert waiting not in {i["ticket_id"] for i in page["items"]}


async def test_another_officers_work_item_is_not_found(bed: Bed) -> None:
    ticket, _ = await bed.assigned()

    response = await bed.client.get(f"/work-items/{ticket}", headers=bed.officer(new_officer()))

    refused(response, 404, "work_item_not_found")


async def test_a_reassignment_moves_the_work_item_to_the_new_officer(bed: Bed) -> None:
    ticket, first = await bed.assigned()
    earlier = (await bed.store.read_stream(f"disposition-{ticket}")).events[-1]
    second = new_officer()
    await bed.dispose(ticket, second)

    await bed.deliver(earlier)  # an older order handled again, or late, changes nothing

    item = await work_item(bed, ticket)
    assert item["officer"]["nip"] == second.nip
    assert item["reassignments"] == 1
    old = await bed.client.get(f"/work-items/{ticket}", headers=bed.officer(first))
    refused(old, 404, "work_item_not_found")
    response = await bed.client.post(
        f"/requests/{ticket}/feasibility", json=feasibility(), headers=bed.officer(first)
    )
    refused(response, 409, "not_assigned_to_you")
    response = await bed.client.post(
        f"/requests/{ticket}/feasibility", json=feasibility(), headers=bed.officer(second)
    )
    assert response.status_code == 201, response.text


# --- the feasible path ----------------------------------------------------------------------


async def test_a_feasible_analysis_then_the_integration(bed: Bed) -> None:
    ticket, officer = await bed.assigned()
    headers = {**bed.officer(officer), "Idempotency-Key": "analisis-1"}

    analysed = await bed.client.post(
        f"/requests/{ticket}/feasibility", json=feasibility(), headers=headers
    )

    assert analysed.status_code == 201, analysed.text
    item = analysed.json()
    assert (item["status"], item["difficulty"], item["feasible"]) == ("analysed", "sedang", True)
    assert item["analysis"]["vulnerability"]["application_ip"] == "10.10.1.20"
    assert item["analysis"]["recommendations"] == ["Aktifkan HTTPS"]
    assert item["analysed_at"] is not None
    (done,) = await bed.stream(ticket)
    assert isinstance(done.event, FeasibilityDone)
    assert done.event.feasible is True
    assert done.correlation_id == ticket
    assert done.causation_id == "analisis-1"
    assert (done.actor.nip, done.actor.role) == (officer.nip, Role.PETUGAS)

    integrated = await bed.client.post(
        f"/requests/{ticket}/implementation", json=implementation(), headers=bed.officer(officer)
    )

    assert integrated.status_code == 201, integrated.text
    item = integrated.json()
    assert item["status"] == "integrated"
    assert item["implementation"]["details"]["gsb_service_name"] == "simpeg.pegawai"
    assert item["integrated_at"] is not None
    events = await bed.stream(ticket)
    assert [e.type for e in events] == ["FeasibilityDone", "Integrated"]
    assert isinstance(events[1].event, Integrated)
    assert events[1].causation_id is None
    assert (await work_item(bed, ticket))["status"] == "integrated"


async def test_a_retried_command_with_its_key_gets_the_first_answer(bed: Bed) -> None:
    ticket, officer = await bed.assigned()
    url = f"/requests/{ticket}/feasibility"
    headers = {**bed.officer(officer), "Idempotency-Key": f"analisis-{ticket}"}
    first = await bed.client.post(url, json=feasibility(), headers=headers)

    again = await bed.client.post(url, json=feasibility(), headers=headers)
    other = await bed.client.post(url, json=not_feasible(), headers=headers)

    assert (first.status_code, again.status_code) == (201, 201), again.text
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    refused(other, 409, "idempotency_key_reused")
    assert [e.type for e in await bed.stream(ticket)] == ["FeasibilityDone"]


async def test_the_analysis_is_recorded_once(bed: Bed) -> None:
    ticket, officer = await bed.assigned()
    url = f"/requests/{ticket}/feasibility"
    await bed.client.post(url, json=feasibility(), headers=bed.officer(officer))

    again = await bed.client.post(url, json=not_feasible(), headers=bed.officer(officer))

    refused(again, 409, "already_analysed")
    assert [e.type for e in await bed.stream(ticket)] == ["FeasibilityDone"]
    assert (await work_item(bed, ticket))["feasible"] is True


async def test_the_integration_is_recorded_once(bed: Bed) -> None:
    ticket, officer = await bed.assigned()
    headers = bed.officer(officer)
    await bed.client.post(f"/requests/{ticket}/feasibility", json=feasibility(), headers=headers)
    url = f"/requests/{ticket}/implementation"
    await bed.client.post(url, json=implementation(), headers=headers)

    again = await bed.client.post(url, json=implementation(), headers=headers)

    refused(again, 409, "already_integrated")
    assert [e.type for e in await bed.stream(ticket)] == ["FeasibilityDone", "Integrated"]


async def test_no_integration_before_the_analysis(bed: Bed) -> None:
    ticket, officer = await bed.assigned()

    response = await bed.client.post(
        f"/requests/{ticket}/implementation", json=implementation(), headers=bed.officer(officer)
    )

    refused(response, 409, "feasibility_missing")
    assert await bed.stream(ticket) == []
    assert (await work_item(bed, ticket))["status"] == "assigned"


# --- the not-feasible path ------------------------------------------------------------------


async def test_not_feasible_closes_the_request_in_the_same_append(bed: Bed) -> None:
    ticket, officer = await bed.assigned()

    response = await bed.client.post(
        f"/requests/{ticket}/feasibility", json=not_feasible(), headers=bed.officer(officer)
    )

    assert response.status_code == 201, response.text
    item = response.json()
    assert (item["status"], item["feasible"]) == ("closed", False)
    assert item["closure_recommendation"] == "Perbarui sistem operasi server"
    assert item["closed_at"] is not None
    done, closed = await bed.stream(ticket)
    assert isinstance(done.event, FeasibilityDone)
    assert isinstance(closed.event, RequestClosed)
    assert closed.event.reason == "not_feasible"
    assert closed.event.recommendation == "Perbarui sistem operasi server"
    assert closed.global_position == done.global_position + 1
    assert closed.recorded_at == done.recorded_at  # one append, one transaction

    later = await bed.client.post(
        f"/requests/{ticket}/implementation", json=implementation(), headers=bed.officer(officer)
    )

    refused(later, 409, "not_feasible")
    assert len(await bed.stream(ticket)) == 2


async def test_not_feasible_without_a_recommendation_is_refused_and_nothing_written(
    bed: Bed,
) -> None:
    ticket, officer = await bed.assigned()

    response = await bed.client.post(
        f"/requests/{ticket}/feasibility",
        json=not_feasible(recommendations=[]),
        headers=bed.officer(officer),
    )

    body = refused(response, 422, "recommendation_required")
    assert body["field"] == "recommendations"
    assert await bed.stream(ticket) == []
    assert (await work_item(bed, ticket))["status"] == "assigned"


# --- who may act ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["feasibility", "implementation"])
async def test_an_officer_not_assigned_gets_a_conflict(bed: Bed, path: str) -> None:
    ticket, _ = await bed.assigned()
    body = feasibility() if path == "feasibility" else implementation()

    response = await bed.client.post(
        f"/requests/{ticket}/{path}", json=body, headers=bed.officer(new_officer())
    )

    refused(response, 409, "not_assigned_to_you")
    assert await bed.stream(ticket) == []


async def test_a_stand_in_acts_for_the_assigned_officer(bed: Bed) -> None:
    ticket, officer = await bed.assigned()
    stand_in = new_officer("Plh")
    headers = bed.officer(stand_in, acting_for_nip=officer.nip, acting_for_name=officer.name)

    response = await bed.client.post(
        f"/requests/{ticket}/feasibility", json=feasibility(), headers=headers
    )

    assert response.status_code == 201, response.text
    (done,) = await bed.stream(ticket)
    assert (done.actor.nip, done.actor.on_behalf_of_nip) == (stand_in.nip, officer.nip)


@pytest.mark.parametrize("path", ["feasibility", "implementation"])
async def test_a_ticket_without_a_work_item_is_not_found(bed: Bed, path: str) -> None:
    body = feasibility() if path == "feasibility" else implementation()

    response = await bed.client.post(
        f"/requests/{new_ticket()}/{path}", json=body, headers=bed.officer(new_officer())
    )

    refused(response, 404, "work_item_not_found")


@pytest.mark.parametrize("role", [Role.PRAKOM, Role.KADIS, Role.AUDITOR, Role.ADMIN, Role.PEMOHON])
async def test_only_a_petugas_records_the_analysis(bed: Bed, role: Role) -> None:
    ticket, officer = await bed.assigned()

    response = await bed.client.post(
        f"/requests/{ticket}/feasibility", json=feasibility(), headers=bed.token(role, officer)
    )

    refused(response, 403, "role_not_allowed")
    assert await bed.stream(ticket) == []


async def test_only_a_petugas_records_the_integration(bed: Bed) -> None:
    ticket, officer = await bed.assigned()
    await bed.client.post(
        f"/requests/{ticket}/feasibility", json=feasibility(), headers=bed.officer(officer)
    )

    response = await bed.client.post(
        f"/requests/{ticket}/implementation",
        json=implementation(),
        headers=bed.token(Role.AUDITOR, officer),
    )

    refused(response, 403, "role_not_allowed")


async def test_an_applicant_may_not_read_work_items(bed: Bed) -> None:
    ticket, _ = await bed.assigned()
    headers = bed.token(Role.PEMOHON, agency="Dinas Kesehatan")

    refused(await bed.client.get("/work-items", headers=headers), 403, "role_not_allowed")
    refused(await bed.client.get(f"/work-items/{ticket}", headers=headers), 403, "role_not_allowed")


async def test_a_petugas_token_without_a_nip_is_forbidden(bed: Bed) -> None:
    ticket, _ = await bed.assigned()
    headers = bed.token(Role.PETUGAS)

    refused(await bed.client.get("/work-items", headers=headers), 403, "nip_missing")
    response = await bed.client.post(
        f"/requests/{ticket}/feasibility", json=feasibility(), headers=headers
    )
    refused(response, 403, "nip_missing")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/work-items"),
        ("GET", "/work-items/SC05-2026-00001"),
        ("POST", "/requests/SC05-2026-00001/feasibility"),
        ("POST", "/requests/SC05-2026-00001/implementation"),
    ],
)
async def test_every_endpoint_needs_a_valid_token(bed: Bed, method: str, path: str) -> None:
    missing = await bed.client.request(method, path, json={})
    forged = await bed.client.request(
        method, path, json={}, headers={"Authorization": "Bearer bukan.token.sah"}
    )

    refused(missing, 401, "token_missing")
    refused(forged, 401, "token_invalid")


# --- validation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"vulnerability": {"application_ip": "10.10.1.300"}}, "vulnerability.application_ip"),
        ({"vulnerability": {"network_ip": "10.10.1.1/24"}}, "vulnerability.network_ip"),
        # the checks a rebuild skips for the log's own rows still hold for every body
        ({"vulnerability": {"database_ip": "bukan-alamat"}}, "vulnerability.database_ip"),
        (
            {"vulnerability": {"technical_contact": {"nip": "12345"}}},
            "vulnerability.technical_contact.nip",
        ),
        ({"vulnerability": {"platforms": []}}, "vulnerability.platforms"),
        ({"stress_test": {"effective_hours_per_day": 25}}, "stress_test.effective_hours_per_day"),
        ({"difficulty": "mudah"}, "difficulty"),
        ({"notes": "  "}, "notes"),
    ],
)
async def test_a_bad_analysis_names_the_field(bed: Bed, change: dict[str, Any], field: str) -> None:
    ticket, officer = await bed.assigned()
    body = feasibility()
    for key, value in change.items():
        body[key] = _merge(body[key], value) if isinstance(value, dict) else value

    response = await bed.client.post(
        f"/requests/{ticket}/feasibility", json=body, headers=bed.officer(officer)
    )

    answer = refused(response, 422, "validation_failed")
    assert answer["field"] == field
    assert await bed.stream(ticket) == []


@pytest.mark.parametrize(
    ("details", "field"),
    [
        ({"mechanism": {"kind": "api"}, "base_url": "ftp://simpeg"}, "details.base_url"),
        ({"operations": []}, "details.operations"),
        ({"authentication": "password"}, "details.authentication"),
        ({"gsb_service_name": None}, "details"),
    ],
)
async def test_a_bad_implementation_names_the_field(
    bed: Bed, details: dict[str, Any], field: str
) -> None:
    ticket, officer = await bed.assigned()
    headers = bed.officer(officer)
    await bed.client.post(f"/requests/{ticket}/feasibility", json=feasibility(), headers=headers)
    body = implementation()
    body["details"] = {**body["details"], **details}

    response = await bed.client.post(
        f"/requests/{ticket}/implementation", json=body, headers=headers
    )

    answer = refused(response, 422, "validation_failed")
    assert answer["field"] == field
    assert (await work_item(bed, ticket))["status"] == "analysed"


async def test_a_bad_ticket_id_or_query_names_the_field(bed: Bed) -> None:
    headers = bed.token(Role.AUDITOR)

    bad_ticket = await bed.client.get("/work-items/TIKET-1", headers=headers)
    bad_limit = await bed.client.get("/work-items?limit=0", headers=headers)
    bad_status = await bed.client.get("/work-items?status=selesai", headers=headers)

    assert refused(bad_ticket, 422, "validation_failed")["field"] == "ticket_id"
    assert refused(bad_limit, 422, "validation_failed")["field"] == "limit"
    assert refused(bad_status, 422, "validation_failed")["field"] == "status"


# --- races ----------------------------------------------------------------------------------


async def test_two_concurrent_analyses_exactly_one_wins(bed: Bed) -> None:
    ticket, officer = await bed.assigned()
    url = f"/requests/{ticket}/feasibility"

    responses = await asyncio.gather(
        bed.client.post(url, json=feasibility(), headers=bed.officer(officer)),
        bed.client.post(url, json=not_feasible(), headers=bed.officer(officer)),
    )

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201, 409], [r.text for r in responses]
    loser = next(r for r in responses if r.status_code == 409)
    assert loser.json()["code"] in {"already_analysed", "concurrent_change"}
    events = await bed.stream(ticket)
    assert sum(e.type == "FeasibilityDone" for e in events) == 1


async def test_two_concurrent_integrations_exactly_one_wins(bed: Bed) -> None:
    ticket, officer = await bed.assigned()
    headers = bed.officer(officer)
    await bed.client.post(f"/requests/{ticket}/feasibility", json=feasibility(), headers=headers)
    url = f"/requests/{ticket}/implementation"

    responses = await asyncio.gather(
        *(bed.client.post(url, json=implementation(), headers=headers) for _ in range(3))
    )

    assert sorted(r.status_code for r in responses) == [201, 409, 409]
    assert [e.type for e in await bed.stream(ticket)] == ["FeasibilityDone", "Integrated"]


async def test_the_api_documents_its_routes(bed: Bed) -> None:
    response = await bed.client.get("/openapi.json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {
        "/work-items",
        "/work-items/{ticket_id}",
        "/requests/{ticket_id}/feasibility",
        "/requests/{ticket_id}/implementation",
    } <= set(paths)
    assert {"401", "403", "404", "409", "422"} <= set(
        paths["/requests/{ticket_id}/feasibility"]["post"]["responses"]
    )


def test_the_service_declares_its_durable_consumers() -> None:
    assert [(c.durable, c.filter) for c in CONSUMERS] == [
        ("integration-dispositions", "disposition.>"),
        ("integration-reports", "reporting.>"),
    ]


def _merge(base: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in change.items():
        merged[key] = _merge(base[key], value) if isinstance(value, dict) else value
    return merged


# --- corrections ------------------------------------------------------------------------------


def correction(body: dict[str, Any], *fields: str, reason: str) -> dict[str, Any]:
    return {**{f: body[f] for f in fields}, "reason": reason}


async def test_a_recorded_analysis_and_implementation_are_corrected_with_a_reason(
    bed: Bed,
) -> None:
    ticket, officer = await bed.assigned()
    headers = bed.officer(officer)
    early = await bed.client.post(
        f"/requests/{ticket}/feasibility/corrections",
        json=correction(
            feasibility(),
            "vulnerability",
            "stress_test",
            "notes",
            "recommendations",
            reason="Terlalu dini",
        ),
        headers=headers,
    )
    assert (early.status_code, early.json()["code"]) == (409, "feasibility_missing")
    await bed.client.post(f"/requests/{ticket}/feasibility", json=feasibility(), headers=headers)
    fixed = feasibility()
    fixed["vulnerability"]["application_ip"] = "10.10.1.21"
    corrected = await bed.client.post(
        f"/requests/{ticket}/feasibility/corrections",
        json=correction(
            fixed,
            "vulnerability",
            "stress_test",
            "notes",
            "recommendations",
            reason="Alamat IP aplikasi salah ketik",
        ),
        headers=headers,
    )
    assert corrected.status_code == 201, corrected.text
    item = corrected.json()
    assert item["analysis"]["vulnerability"]["application_ip"] == "10.10.1.21"
    assert (item["difficulty"], item["feasible"], item["status"]) == ("sedang", True, "analysed")
    # The verdict and the difficulty stand: a correction naming them is refused by name.
    for name, value in (("feasible", False), ("difficulty", "tinggi")):
        verdict = await bed.client.post(
            f"/requests/{ticket}/feasibility/corrections",
            json={
                **correction(fixed, "vulnerability", "stress_test", "notes", reason="x"),
                name: value,
            },
            headers=headers,
        )
        assert verdict.status_code == 422, verdict.text
        assert (verdict.json()["code"], verdict.json()["field"]) == (
            "verdict_not_correctable",
            name,
        )
        assert "tidak dapat dikoreksi" in verdict.json()["message"]
    no_implementation = await bed.client.post(
        f"/requests/{ticket}/implementation/corrections",
        json=correction(implementation(), "details", "notes", reason="Belum ada"),
        headers=headers,
    )
    assert (no_implementation.status_code, no_implementation.json()["code"]) == (
        409,
        "integration_missing",
    )
    await bed.client.post(
        f"/requests/{ticket}/implementation", json=implementation(), headers=headers
    )
    changed = implementation()
    changed["notes"] = "Layanan simpeg.pegawai aktif; dua operasi"
    fixed_impl = await bed.client.post(
        f"/requests/{ticket}/implementation/corrections",
        json=correction(changed, "details", "notes", reason="Catatan kurang lengkap"),
        headers=headers,
    )
    assert fixed_impl.status_code == 201, fixed_impl.text
    assert fixed_impl.json()["implementation"]["notes"] == changed["notes"]
    # The originals stay in the log, the corrections after them, each with its reason.
    events = await bed.stream(ticket)
    assert [e.type for e in events] == [
        "FeasibilityDone",
        "FeasibilityCorrected",
        "Integrated",
        "ImplementationCorrected",
    ]
    original = events[0].event
    assert isinstance(original, FeasibilityDone)
    assert original.vulnerability.application_ip == "10.10.1.20"
    assert (await work_item(bed, ticket))["analysis"]["vulnerability"]["application_ip"] == (
        "10.10.1.21"
    )
    other = await bed.client.post(
        f"/requests/{ticket}/implementation/corrections",
        json=correction(changed, "details", "notes", reason="Bukan saya"),
        headers=bed.officer(new_officer()),
    )
    assert (other.status_code, other.json()["code"]) == (409, "not_assigned_to_you")


async def test_an_archived_request_is_corrected_no_more(bed: Bed) -> None:
    ticket, officer = await bed.assigned()
    headers = bed.officer(officer)
    await bed.client.post(f"/requests/{ticket}/feasibility", json=feasibility(), headers=headers)
    archived = ReportArchived(
        ticket_id=ticket,
        agenda_year=2026,
        agenda_number=random.randint(1, 999),
        agenda_code="001/AG/2026",
        report_ref=f"reports/{ticket}.pdf",
    )
    meta = Metadata(
        event_id=uuid.uuid4(),
        occurred_at=datetime.now(UTC),
        actor=Actor(nip=officer.nip, name=officer.name, role=Role.PETUGAS),
        correlation_id=ticket,
    )
    stream_id = f"reporting-{ticket}"
    await bed.upstream.append(
        stream_id, expected_version=ANY_VERSION, events=[NewEvent(event=archived, meta=meta)]
    )
    envelope = (await bed.store.read_stream(stream_id)).events[-1]
    async with bed.ctx.pool.acquire() as conn, conn.transaction():
        await when_report_archived_close_corrections(conn, envelope)
    refused = await bed.client.post(
        f"/requests/{ticket}/feasibility/corrections",
        json=correction(
            feasibility(),
            "vulnerability",
            "stress_test",
            "notes",
            "recommendations",
            reason="Terlambat",
        ),
        headers=headers,
    )
    assert (refused.status_code, refused.json()["code"]) == (409, "request_archived")
    assert [e.type for e in await bed.stream(ticket)] == ["FeasibilityDone"]
