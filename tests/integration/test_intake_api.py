"""The intake service's HTTP API against real PostgreSQL: tickets, keys, files, returns."""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import nats
import pytest

from intake.adapters.subscribers import CONSUMERS, when_request_returned_mark_it_returned
from intake.app.handlers import Intake, sweep_unattached
from intake.bootstrap import build
from intake.domain.limits import UploadQuota, UploadQuotas, size_words
from intake.domain.state import WIB
from intake.settings import IntakeSettings
from penghubung.agency import agency_key
from penghubung.bus.consumer import Rejected
from penghubung.bus.topology import ConsumerSpec, bootstrap
from penghubung.events.base import Actor, Envelope, Event, Metadata, NewEvent, Role
from penghubung.events.catalog import AttachmentDiscarded, Disposed, RequestReturned
from penghubung.eventstore import EventStore
from penghubung.eventstore.store import ANY_VERSION
from penghubung.forms import Officer
from penghubung.refusals import Refused
from penghubung.runtime.service import ServiceContext, ServiceParts, running_service
from penghubung.sop import Step
from penghubung.testing.upstream import Upstream, upstream
from penghubung.web.auth import mint_token

pytestmark = pytest.mark.integration

CAP = 64 * 1024
"""The attachment cap of these tests (the default is 10 MiB)."""

PDF = b"%PDF-1.7\n" + b"surat permohonan " * 40
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
DESK_OFFICER = Officer(nip="199212312019032002", name="Budi Santoso")
ADMIN = Officer(nip="198001012005011001", name="Pengguna admin")
KABID = Actor(nip="197504042000031004", name="Kabid eGotik", role=Role.KABID)
TICKET = re.compile(r"^SC05-(\d{4})-(\d{5})$")
NewDatabase = Callable[[], Awaitable[str]]


def new_agency() -> str:
    """An agency of this test alone: tests share one database and never truncate it."""
    return f"Dinas Uji {uuid.uuid4().hex[:8]}"


def form(agency: str, **changes: Any) -> dict[str, Any]:
    """A valid service request form as JSON."""
    body: dict[str, Any] = {
        "applicant": {
            "name": "Rina Marlina",
            "nip": "198001012005011001",
            "position": "Kepala Bidang Pelayanan",
            "work_unit": "Bidang Pelayanan",
            "office_address": "Jl. Pulau Bangka, Air Itam, Pangkalpinang",
            "mobile_phone": "0821-8064-0997",
            "internal_phone": "123",
            "email": "rina@babelprov.go.id",
            "echelon": "III.a",
            "agency": agency,
        },
        "application": {"name": "SIMPUS", "description": "Sistem informasi puskesmas"},
        "mechanism_available": True,
        "mechanism": {"kind": "gsb"},
        "impact": "tinggi",
        "urgency": "sedang",
    }
    return {**body, **changes}


def without_consumers(ctx: ServiceContext) -> ServiceParts:
    """The service without its bus consumers: the tests hand events to the subscriber."""
    return replace(build(ctx), subscriptions=())


@dataclass
class Desk:
    """The running intake service, its HTTP client and its event log."""

    client: httpx.AsyncClient
    ctx: ServiceContext
    settings: IntakeSettings
    upstream: Upstream
    """Appends disposition's events as disposition would (intake may append only its own)."""

    @property
    def store(self) -> EventStore:
        return self.ctx.store

    def token(self, role: Role, *, agency: str | None = None, nip: str | None = None) -> str:
        name = DESK_OFFICER.name if role is Role.PETUGAS else f"Pengguna {role.value}"
        if role is Role.PETUGAS and nip is None:
            nip = DESK_OFFICER.nip
        return mint_token(self.settings, role=role, name=name, nip=nip, agency=agency)

    def applicant(self, agency: str) -> dict[str, str]:
        return auth(self.token(Role.PEMOHON, agency=agency))

    def as_role(self, role: Role, **claims: Any) -> dict[str, str]:
        return auth(self.token(role, **claims))

    async def upload(
        self,
        headers: dict[str, str],
        *,
        kind: str = "surat_permohonan",
        content: bytes = PDF,
        content_type: str = "application/pdf",
        filename: str = "surat.pdf",
    ) -> httpx.Response:
        return await self.client.post(
            "/attachments",
            files={"file": (filename, content, content_type)},
            data={"kind": kind},
            headers=headers,
        )

    async def letter(self, headers: dict[str, str], kind: str = "surat_permohonan") -> str:
        """The id of a freshly uploaded file."""
        response = await self.upload(headers, kind=kind)
        assert response.status_code == 201, response.text
        attachment_id: str = response.json()["attachment_id"]
        return attachment_id

    async def submit(
        self, headers: dict[str, str], body: dict[str, Any], *, key: str | None = None
    ) -> httpx.Response:
        if key is not None:
            headers = {**headers, "Idempotency-Key": key}
        return await self.client.post("/requests", json=body, headers=headers)

    async def confirmed(self, received_at: str, reason: str = "Cap agenda surat masuk") -> str:
        """The id of an administrator's confirmation of an old receipt time."""
        response = await self.client.post(
            "/backdate-confirmations",
            json={"received_at": received_at, "reason": reason},
            headers=self.as_role(Role.ADMIN, nip=ADMIN.nip),
        )
        assert response.status_code == 201, response.text
        confirmation_id: str = response.json()["confirmation_id"]
        return confirmation_id

    async def submitted(self, agency: str) -> dict[str, Any]:
        """A request submitted through the portal by an applicant of the agency."""
        headers = self.applicant(agency)
        body = {"form": form(agency), "attachment_ids": [await self.letter(headers)]}
        response = await self.submit(headers, body)
        assert response.status_code == 201, response.text
        view: dict[str, Any] = response.json()
        return view

    async def events(self, ticket: str) -> list[Envelope]:
        return list((await self.store.read_stream(f"intake-{ticket}")).events)

    async def deliver(self, envelope: Envelope) -> None:
        """Call the subscriber as the consumer does: in a transaction on one connection."""
        async with self.ctx.pool.acquire() as conn, conn.transaction():
            await when_request_returned_mark_it_returned(conn, envelope, store=self.store)

    async def disposition_event(self, ticket: str, event: Event, at: datetime) -> Envelope:
        """An event in the disposition service's stream, read back as stored."""
        meta = Metadata(event_id=uuid.uuid4(), occurred_at=at, actor=KABID, correlation_id=ticket)
        await self.upstream.append(
            f"disposition-{ticket}",
            expected_version=ANY_VERSION,
            events=[NewEvent(event=event, meta=meta)],
        )
        return (await self.store.read_stream(f"disposition-{ticket}")).events[-1]

    async def returned(self, ticket: str, *reasons: str) -> Envelope:
        """Disposition returns the request; intake's subscriber is told."""
        event = RequestReturned(
            ticket_id=ticket,
            step=Step.DISPOSE_PRAKOM,
            reasons=reasons or ("Surat permohonan belum ditandatangani",),
        )
        at = datetime.now(UTC) - timedelta(minutes=1)
        envelope = await self.disposition_event(ticket, event, at)
        await self.deliver(envelope)
        return envelope


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@asynccontextmanager
async def serving(
    url: str,
    nats_url: str,
    name: str,
    *,
    clock: Callable[[], datetime] | None = None,
    **more: Any,
) -> AsyncIterator[Desk]:
    """Intake on its own database, stream and subjects, without the relay or the bus consumers
    (on the test's `clock`, with `more` settings, when given)."""
    settings = IntakeSettings(
        database_url=url,
        nats_url=nats_url,
        relay_enabled=False,
        stream_name=f"INTAKE_{name}",
        subject_prefix=f"t{name}.intake",
        attachment_max_bytes=CAP,
        database_pool_size=25,
        **more,
    )

    def parts(ctx: ServiceContext) -> ServiceParts:
        return without_consumers(ctx if clock is None else replace(ctx, clock=clock))

    async with running_service("intake", settings, build=parts) as (app, ctx):
        transport = httpx.ASGITransport(app=app)
        async with (
            httpx.AsyncClient(transport=transport, base_url="http://intake") as client,
            upstream(url) as others,
        ):
            yield Desk(client, ctx, settings, others)


@pytest.fixture(scope="module")
async def desk(new_database: NewDatabase, nats_url: str, run_id: str) -> AsyncIterator[Desk]:
    async with serving(await new_database(), nats_url, run_id) as running:
        yield running


def field_of(response: httpx.Response) -> str | None:
    body: dict[str, Any] = response.json()
    return body.get("field")


# --- submission -----------------------------------------------------------------------------


async def test_an_applicant_submits_through_the_portal_and_reads_it_back(desk: Desk) -> None:
    agency = new_agency()
    headers = desk.applicant(agency)
    uploaded = await desk.upload(headers)
    assert uploaded.status_code == 201, uploaded.text
    meta = uploaded.json()
    assert meta["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert meta["size_bytes"] == len(PDF)
    before = datetime.now(UTC)

    response = await desk.submit(
        headers, {"form": form(agency), "attachment_ids": [meta["attachment_id"]]}
    )

    assert response.status_code == 201, response.text
    view = response.json()
    ticket = view["ticket_id"]
    match = TICKET.match(ticket)
    assert match is not None
    assert int(match.group(1)) == datetime.now(WIB).year
    assert response.headers["location"] == f"/requests/{ticket}"
    assert view["status"] == "submitted"
    assert view["channel"] == "portal"
    assert view["priority"] == "P2"
    assert view["agency"] == agency
    assert view["registered_by"] is None
    download = f"/attachments/{meta['attachment_id']}"
    assert view["attachments"] == [{**meta, "download": download}]
    assert (await desk.client.get(f"/requests/{ticket}", headers=headers)).json() == view
    # The link opens the file for the kadis, with no cutting of ids out of storage keys.
    opened = await desk.client.get(download, headers=desk.as_role(Role.KADIS))
    assert opened.status_code == 200
    assert opened.content == PDF

    [stored] = await desk.events(ticket)
    assert stored.type == "RequestSubmitted"
    assert stored.correlation_id == ticket
    assert stored.causation_id is None
    assert stored.actor.role is Role.PEMOHON
    assert stored.actor.agency == agency
    assert before <= stored.occurred_at <= datetime.now(UTC)
    payload = stored.event.payload()
    assert payload["attachments"][0]["sha256"] == meta["sha256"]
    assert payload["attachments"][0]["storage_key"] == meta["storage_key"]
    assert payload["priority"] == "P2"


async def test_the_desk_registers_a_letter_at_its_real_receipt_time(desk: Desk) -> None:
    agency = new_agency()
    headers = desk.as_role(Role.PETUGAS)
    received = (datetime.now(UTC) - timedelta(days=2)).replace(microsecond=0)
    body = {
        "form": form(agency),
        "channel": "surat",
        "received_at": received.isoformat(),
        "attachment_ids": [await desk.letter(headers)],
    }

    response = await desk.submit(headers, body)

    assert response.status_code == 201, response.text
    view = response.json()
    assert view["channel"] == "surat"
    assert view["registered_by"] == DESK_OFFICER.model_dump()
    assert datetime.fromisoformat(view["received_at"]) == received
    [stored] = await desk.events(view["ticket_id"])
    assert stored.occurred_at == received
    assert stored.actor.role is Role.PETUGAS
    assert stored.event.payload()["registered_by"] == DESK_OFFICER.model_dump()
    # The agency's applicant sees what the desk registered for it.
    seen = await desk.client.get(f"/requests/{view['ticket_id']}", headers=desk.applicant(agency))
    assert seen.status_code == 200


async def test_a_letter_of_new_years_eve_in_jakarta_takes_that_years_number(desk: Desk) -> None:
    # Further back than the desk may date alone: an administrator confirms the receipt time,
    # and the request still takes the number of the year it was received in.
    received_at = "2025-12-31T23:30:00+07:00"
    headers = desk.as_role(Role.PETUGAS)
    body = {
        "form": form(new_agency()),
        "channel": "email",
        "received_at": received_at,
        "attachment_ids": [await desk.letter(headers)],
        "backdate_confirmation_id": await desk.confirmed(received_at),
    }
    response = await desk.submit(headers, body)
    assert response.status_code == 201, response.text
    assert response.json()["ticket_id"] == "SC05-2025-00001"


# --- identity and access --------------------------------------------------------------------


async def test_without_a_valid_token_nothing_is_done(desk: Desk) -> None:
    body = {"form": form(new_agency()), "attachment_ids": []}
    missing = await desk.client.post("/requests", json=body)
    assert (missing.status_code, missing.json()["code"]) == (401, "token_missing")
    forged = await desk.client.get("/requests", headers=auth("not.a.token"))
    assert (forged.status_code, forged.json()["code"]) == (401, "token_invalid")
    upload = await desk.upload({})
    assert upload.status_code == 401


@pytest.mark.parametrize("role", [Role.KADIS, Role.KABID, Role.PRAKOM, Role.AUDITOR, Role.ADMIN])
async def test_only_applicants_and_the_desk_submit_and_upload(desk: Desk, role: Role) -> None:
    headers = desk.as_role(role)
    submitted = await desk.submit(headers, {"form": form(new_agency()), "attachment_ids": []})
    assert (submitted.status_code, submitted.json()["code"]) == (403, "role_not_allowed")
    uploaded = await desk.upload(headers)
    assert (uploaded.status_code, uploaded.json()["code"]) == (403, "role_not_allowed")


async def test_an_applicant_submits_only_for_their_own_agency(desk: Desk) -> None:
    headers = desk.applicant(new_agency())
    body = {"form": form(new_agency()), "attachment_ids": [await desk.letter(headers)]}
    response = await desk.submit(headers, body)
    assert response.status_code == 403
    assert response.json()["code"] == "agency_mismatch"
    assert field_of(response) == "form.applicant.agency"


async def test_an_applicant_token_without_an_agency_is_refused(desk: Desk) -> None:
    headers = desk.as_role(Role.PEMOHON)
    uploaded = await desk.upload(headers)
    assert (uploaded.status_code, uploaded.json()["code"]) == (403, "agency_missing")
    listed = await desk.client.get("/requests", headers=headers)
    assert (listed.status_code, listed.json()["code"]) == (403, "agency_missing")


async def test_another_agencys_request_answers_not_found(desk: Desk) -> None:
    agency = new_agency()
    ticket = (await desk.submitted(agency))["ticket_id"]
    other = await desk.client.get(f"/requests/{ticket}", headers=desk.applicant(new_agency()))
    assert (other.status_code, other.json()["code"]) == (404, "request_not_found")
    unknown = await desk.client.get("/requests/SC05-2020-99999", headers=desk.applicant(agency))
    assert unknown.status_code == 404
    for role in (Role.KADIS, Role.KABID, Role.PRAKOM, Role.PETUGAS, Role.ADMIN, Role.AUDITOR):
        seen = await desk.client.get(f"/requests/{ticket}", headers=desk.as_role(role))
        assert seen.status_code == 200, role


async def test_the_list_shows_an_applicant_their_agency_only_page_by_page(desk: Desk) -> None:
    mine, theirs = new_agency(), new_agency()
    tickets = [(await desk.submitted(mine))["ticket_id"] for _ in range(3)]
    other = (await desk.submitted(theirs))["ticket_id"]
    headers = desk.applicant(mine)

    first = (await desk.client.get("/requests?limit=2", headers=headers)).json()
    second = (await desk.client.get("/requests?limit=2&offset=2", headers=headers)).json()

    assert (first["total"], first["limit"], first["offset"]) == (3, 2, 0)
    assert [i["ticket_id"] for i in first["items"] + second["items"]] == tickets[::-1]
    assert {i["agency"] for i in first["items"] + second["items"]} == {mine}
    staff = await desk.client.get("/requests?limit=100", headers=desk.as_role(Role.AUDITOR))
    assert {*tickets, other} <= {i["ticket_id"] for i in staff.json()["items"]}
    bad = await desk.client.get("/requests?limit=0", headers=headers)
    assert (bad.status_code, field_of(bad)) == (422, "limit")


# --- what bad input gets --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"nip": "198013012005011001"}, "form.applicant.nip"),
        ({"echelon": "IV.a"}, "form.applicant.echelon"),
        ({"email": "bukan-surel"}, "form.applicant.email"),
    ],
)
async def test_a_wrong_form_value_is_named_with_its_reason(
    desk: Desk, change: dict[str, str], field: str
) -> None:
    agency = new_agency()
    body = form(agency)
    body["applicant"] = {**body["applicant"], **change}
    response = await desk.submit(desk.applicant(agency), {"form": body, "attachment_ids": []})
    assert response.status_code == 422
    assert field_of(response) == field
    assert response.json()["errors"][0]["message"]


async def test_a_missing_field_is_named(desk: Desk) -> None:
    agency = new_agency()
    body = form(agency)
    del body["application"]
    response = await desk.submit(desk.applicant(agency), {"form": body})
    assert (response.status_code, field_of(response)) == (422, "form.application")
    assert response.json()["errors"][0]["message"] == "wajib diisi"


@pytest.mark.parametrize(
    ("role", "changes", "code", "field"),
    [
        (Role.PEMOHON, {"channel": "surat"}, "channel_not_allowed", "channel"),
        (
            Role.PEMOHON,
            {"received_at": "2026-01-05T10:00:00+07:00"},
            "received_at_not_allowed",
            "received_at",
        ),
        (Role.PETUGAS, {"channel": "portal"}, "channel_not_allowed", "channel"),
        (Role.PETUGAS, {"channel": "telepon"}, "received_at_required", "received_at"),
        (
            Role.PETUGAS,
            {"channel": "chat", "received_at": "2999-01-01T08:00:00+07:00"},
            "received_at_in_future",
            "received_at",
        ),
    ],
)
async def test_channel_and_receipt_time_rules(
    desk: Desk, role: Role, changes: dict[str, str], code: str, field: str
) -> None:
    agency = new_agency()
    headers = desk.applicant(agency) if role is Role.PEMOHON else desk.as_role(role)
    body = {"form": form(agency), "attachment_ids": [await desk.letter(headers)], **changes}
    response = await desk.submit(headers, body)
    assert response.status_code == 422, response.text
    assert (response.json()["code"], field_of(response)) == (code, field)


async def test_a_receipt_time_without_a_zone_is_refused(desk: Desk) -> None:
    headers = desk.as_role(Role.PETUGAS)
    body = {
        "form": form(new_agency()),
        "channel": "surat",
        "received_at": "2026-01-05T10:00:00",
        "attachment_ids": [await desk.letter(headers)],
    }
    response = await desk.submit(headers, body)
    assert (response.status_code, field_of(response)) == (422, "received_at")


async def test_a_desk_token_without_a_nip_cannot_register(desk: Desk) -> None:
    headers = desk.as_role(Role.PETUGAS)
    nameless = auth(mint_token(desk.settings, role=Role.PETUGAS, name="Tanpa NIP"))
    body = {
        "form": form(new_agency()),
        "channel": "surat",
        "received_at": (datetime.now(UTC) - timedelta(days=1)).isoformat(),
        "attachment_ids": [await desk.letter(headers)],
    }
    response = await desk.submit(nameless, body)
    assert (response.status_code, response.json()["code"]) == (403, "officer_nip_missing")


async def test_a_refused_submission_leaves_nothing_half_written(desk: Desk) -> None:
    agency = new_agency()
    headers = desk.applicant(agency)
    other = await desk.letter(headers, kind="lainnya")

    refused = await desk.submit(headers, {"form": form(agency), "attachment_ids": [other]})

    assert refused.status_code == 422
    assert (refused.json()["code"], field_of(refused)) == (
        "request_letter_missing",
        "attachment_ids",
    )
    page = (await desk.client.get("/requests", headers=headers)).json()
    assert page["total"] == 0
    # The file was not bound to the refused request: it can go with the next one.
    body = {"form": form(agency), "attachment_ids": [other, await desk.letter(headers)]}
    accepted = await desk.submit(headers, body)
    assert accepted.status_code == 201, accepted.text
    assert [a["kind"] for a in accepted.json()["attachments"]] == ["lainnya", "surat_permohonan"]


async def test_attachments_must_be_the_callers_and_unused(desk: Desk) -> None:
    agency = new_agency()
    headers = desk.applicant(agency)
    letter = await desk.letter(headers)
    unknown = await desk.submit(
        headers, {"form": form(agency), "attachment_ids": [str(uuid.uuid4())]}
    )
    assert (unknown.status_code, unknown.json()["code"]) == (422, "attachment_not_found")
    assert field_of(unknown) == "attachment_ids.0"
    stranger = new_agency()
    foreign = await desk.submit(
        desk.applicant(stranger), {"form": form(stranger), "attachment_ids": [letter]}
    )
    assert (foreign.status_code, foreign.json()["code"]) == (422, "attachment_not_found")
    first = await desk.submit(headers, {"form": form(agency), "attachment_ids": [letter]})
    assert first.status_code == 201
    again = await desk.submit(headers, {"form": form(agency), "attachment_ids": [letter]})
    assert (again.status_code, again.json()["code"]) == (409, "attachment_in_use")


# --- attachments ----------------------------------------------------------------------------


async def test_an_uploaded_file_is_served_back_to_its_agency_and_staff(desk: Desk) -> None:
    agency = new_agency()
    headers = desk.applicant(agency)
    meta = (
        await desk.upload(
            headers,
            kind="lainnya",
            content=PNG,
            content_type="image/png",
            filename="C:\\scan\\denah.png",
        )
    ).json()
    assert meta["filename"] == "denah.png"
    assert meta["content_type"] == "image/png"
    path = f"/attachments/{meta['attachment_id']}"

    own = await desk.client.get(path, headers=headers)
    assert own.status_code == 200
    assert own.content == PNG
    assert own.headers["content-type"] == "image/png"
    assert own.headers["digest"] == f"sha-256={hashlib.sha256(PNG).hexdigest()}"
    assert (await desk.client.get(path, headers=desk.as_role(Role.KADIS))).content == PNG
    other = await desk.client.get(path, headers=desk.applicant(new_agency()))
    assert other.status_code == 404


async def test_an_upload_over_the_cap_is_refused(desk: Desk) -> None:
    headers = desk.applicant(new_agency())
    just_over = b"%PDF-" + b"x" * (CAP - 4)
    assert len(just_over) == CAP + 1
    response = await desk.upload(headers, content=just_over)
    assert (response.status_code, response.json()["code"]) == (413, "attachment_too_large")
    huge = b"%PDF-" + b"x" * (CAP * 4)
    early = await desk.upload(headers, content=huge)
    assert (early.status_code, early.json()["code"]) == (413, "attachment_too_large")
    at_cap = await desk.upload(headers, content=just_over[:CAP])
    assert at_cap.status_code == 201


@pytest.mark.parametrize(
    ("content", "content_type", "status", "code"),
    [
        (b"halo", "text/plain", 415, "attachment_type_not_allowed"),
        (PDF, "image/png", 415, "attachment_content_mismatch"),
        (b"", "application/pdf", 422, "attachment_empty"),
    ],
)
async def test_only_real_pdf_png_and_jpeg_files_are_kept(
    desk: Desk, content: bytes, content_type: str, status: int, code: str
) -> None:
    headers = desk.applicant(new_agency())
    response = await desk.upload(headers, content=content, content_type=content_type)
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert field_of(response) == "file"


async def test_an_upload_must_say_what_the_file_is(desk: Desk) -> None:
    headers = desk.applicant(new_agency())
    missing = await desk.client.post(
        "/attachments", files={"file": ("a.pdf", PDF, "application/pdf")}, headers=headers
    )
    assert (missing.status_code, field_of(missing)) == (422, "kind")
    wrong = await desk.upload(headers, kind="foto")
    assert (wrong.status_code, field_of(wrong)) == (422, "kind")


# --- idempotency ----------------------------------------------------------------------------


async def test_a_retried_submission_with_its_key_gets_the_same_ticket(desk: Desk) -> None:
    agency = new_agency()
    headers = desk.applicant(agency)
    body = {"form": form(agency), "attachment_ids": [await desk.letter(headers)]}
    key = f"kirim-{uuid.uuid4()}"

    first = await desk.submit(headers, body, key=key)
    retry = await desk.submit(headers, body, key=key)
    reordered = await desk.client.post(
        "/requests",
        content=json.dumps(dict(reversed(list(body.items()))), indent=2),
        headers={**headers, "Idempotency-Key": key, "Content-Type": "application/json"},
    )

    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    for again in (retry, reordered):
        assert again.status_code == 201
        assert again.json() == first.json()
        assert again.headers["idempotent-replayed"] == "true"
    ticket = first.json()["ticket_id"]
    [stored] = await desk.events(ticket)
    assert stored.causation_id == key
    page = (await desk.client.get("/requests", headers=headers)).json()
    assert [i["ticket_id"] for i in page["items"]] == [ticket]


async def test_a_key_reused_for_another_request_is_a_conflict(desk: Desk) -> None:
    agency = new_agency()
    headers = desk.applicant(agency)
    key = f"kirim-{uuid.uuid4()}"
    body = {"form": form(agency), "attachment_ids": [await desk.letter(headers)]}
    assert (await desk.submit(headers, body, key=key)).status_code == 201

    changed = {**body, "form": form(agency, urgency="tinggi")}
    response = await desk.submit(headers, changed, key=key)

    assert response.status_code == 409
    assert (response.json()["code"], field_of(response)) == (
        "idempotency_key_reused",
        "Idempotency-Key",
    )


async def test_a_key_belongs_to_its_caller(desk: Desk) -> None:
    key = f"kirim-{uuid.uuid4()}"
    tickets = []
    for agency in (new_agency(), new_agency()):
        headers = desk.applicant(agency)
        body = {"form": form(agency), "attachment_ids": [await desk.letter(headers)]}
        response = await desk.submit(headers, body, key=key)
        assert response.status_code == 201, response.text
        tickets.append(response.json()["ticket_id"])
    assert tickets[0] != tickets[1]


async def test_concurrent_retries_with_one_key_make_one_request(desk: Desk) -> None:
    agency = new_agency()
    headers = desk.applicant(agency)
    body = {"form": form(agency), "attachment_ids": [await desk.letter(headers)]}
    key = f"kirim-{uuid.uuid4()}"

    responses = await asyncio.gather(*(desk.submit(headers, body, key=key) for _ in range(6)))

    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["ticket_id"] for r in responses}) == 1
    assert sum("idempotent-replayed" in r.headers for r in responses) == 5
    assert len(await desk.events(responses[0].json()["ticket_id"])) == 1


async def test_an_empty_or_overlong_key_is_refused(desk: Desk) -> None:
    agency = new_agency()
    headers = desk.applicant(agency)
    for key in ("", "k" * 201):
        response = await desk.submit(headers, {"form": form(agency)}, key=key)
        assert (response.status_code, field_of(response)) == (422, "Idempotency-Key")


# --- gap-free tickets -----------------------------------------------------------------------


async def test_concurrent_submissions_take_gap_free_numbers(
    new_database: NewDatabase, nats_url: str, run_id: str
) -> None:
    async with serving(await new_database(), nats_url, f"{run_id}gap") as fresh:
        agency = new_agency()
        headers = fresh.applicant(agency)
        letters = [await fresh.letter(headers) for _ in range(20)]
        other = await fresh.letter(headers, kind="lainnya")
        good = [{"form": form(agency), "attachment_ids": [letter]} for letter in letters]
        # Refused after their number was drawn: the rollback gives the number back.
        bad = [{"form": form(agency), "attachment_ids": [other]} for _ in range(5)]
        bodies = [b for pair in zip(good[:5], bad, strict=True) for b in pair] + good[5:]

        responses = await asyncio.gather(*(fresh.submit(headers, b) for b in bodies))

        statuses = [r.status_code for r in responses]
        assert statuses.count(201) == 20
        assert statuses.count(422) == 5
        tickets = sorted(r.json()["ticket_id"] for r in responses if r.status_code == 201)
        numbers = [int(TICKET.match(t).group(2)) for t in tickets]  # type: ignore[union-attr]
        assert numbers == list(range(1, 21))
        assert {t[:10] for t in tickets} == {f"SC05-{datetime.now(WIB).year}-"}
        for ticket in tickets:
            assert [e.type for e in await fresh.events(ticket)] == ["RequestSubmitted"]

        refused = await fresh.submit(headers, bad[0])
        assert refused.status_code == 422
        after = await fresh.submit(
            headers, {"form": form(agency), "attachment_ids": [await fresh.letter(headers)]}
        )
        assert after.json()["ticket_id"] == tickets[0][:10] + "00021"


# --- return and resubmission ----------------------------------------------------------------


def resubmission(agency: str, **changes: Any) -> dict[str, Any]:
    body = {"form": form(agency, urgency="tinggi"), "answer": "Surat sudah ditandatangani."}
    return {**body, **changes}


async def test_a_returned_request_is_resubmitted_under_its_ticket(desk: Desk) -> None:
    agency = new_agency()
    headers = desk.applicant(agency)
    ticket = (await desk.submitted(agency))["ticket_id"]
    returned = await desk.returned(ticket, "Surat belum ditandatangani", "NIP keliru")

    shown = (await desk.client.get(f"/requests/{ticket}", headers=headers)).json()
    assert shown["status"] == "returned"
    assert shown["returned"] == {
        "returned_at": shown["returned"]["returned_at"],
        "step": "dispose_prakom",
        "reasons": ["Surat belum ditandatangani", "NIP keliru"],
    }
    assert datetime.fromisoformat(shown["returned"]["returned_at"]) == returned.occurred_at
    listed = await desk.client.get("/requests?status=returned", headers=headers)
    assert [i["ticket_id"] for i in listed.json()["items"]] == [ticket]

    extra = await desk.letter(headers, kind="lainnya")
    response = await desk.client.post(
        f"/requests/{ticket}/resubmissions",
        json=resubmission(agency, attachment_ids=[extra]),
        headers=headers,
    )

    assert response.status_code == 201, response.text
    view = response.json()
    assert (view["ticket_id"], view["status"], view["resubmissions"]) == (ticket, "submitted", 1)
    assert view["priority"] == "P1"
    assert view["answer"] == "Surat sudah ditandatangani."
    assert [a["kind"] for a in view["attachments"]] == ["surat_permohonan", "lainnya"]
    _, second = await desk.events(ticket)
    assert (second.type, second.stream_version) == ("RequestResubmitted", 2)
    assert second.event.payload()["resubmission"] == 1
    assert second.correlation_id == ticket
    again = await desk.client.post(
        f"/requests/{ticket}/resubmissions", json=resubmission(agency), headers=headers
    )
    assert (again.status_code, again.json()["code"]) == (409, "not_returned")

    # Returned a second time, resubmitted a second time.
    await desk.returned(ticket, "Lampiran kurang")
    second_time = await desk.client.post(
        f"/requests/{ticket}/resubmissions", json=resubmission(agency), headers=headers
    )
    assert second_time.status_code == 201, second_time.text
    assert second_time.json()["resubmissions"] == 2


async def test_a_request_not_returned_cannot_be_resubmitted(desk: Desk) -> None:
    agency = new_agency()
    headers = desk.applicant(agency)
    ticket = (await desk.submitted(agency))["ticket_id"]
    response = await desk.client.post(
        f"/requests/{ticket}/resubmissions", json=resubmission(agency), headers=headers
    )
    assert (response.status_code, response.json()["code"]) == (409, "not_returned")
    assert len(await desk.events(ticket)) == 1


@pytest.mark.parametrize(
    ("ticket", "status", "code"),
    [
        ("SC05-2020-99999", 404, "request_not_found"),
        # Not a ticket id at all: the path parameter's shape is refused, naming it.
        ("bukan-tiket", 422, "validation_failed"),
    ],
)
async def test_an_unknown_ticket_cannot_be_resubmitted(
    desk: Desk, ticket: str, status: int, code: str
) -> None:
    agency = new_agency()
    response = await desk.client.post(
        f"/requests/{ticket}/resubmissions",
        json=resubmission(agency),
        headers=desk.applicant(agency),
    )
    assert (response.status_code, response.json()["code"]) == (status, code)
    if status == 422:
        assert response.json()["field"] == "ticket_id"


async def test_another_agency_cannot_resubmit(desk: Desk) -> None:
    ticket = (await desk.submitted(new_agency()))["ticket_id"]
    await desk.returned(ticket)
    stranger = new_agency()
    response = await desk.client.post(
        f"/requests/{ticket}/resubmissions",
        json=resubmission(stranger),
        headers=desk.applicant(stranger),
    )
    assert (response.status_code, response.json()["code"]) == (404, "request_not_found")


async def test_two_concurrent_resubmissions_one_wins(desk: Desk) -> None:
    agency = new_agency()
    headers = desk.applicant(agency)
    ticket = (await desk.submitted(agency))["ticket_id"]
    await desk.returned(ticket)

    responses = await asyncio.gather(
        *(
            desk.client.post(
                f"/requests/{ticket}/resubmissions", json=resubmission(agency), headers=headers
            )
            for _ in range(2)
        )
    )

    assert sorted(r.status_code for r in responses) == [201, 409]
    assert [e.type for e in await desk.events(ticket)] == ["RequestSubmitted", "RequestResubmitted"]


async def test_the_desk_registers_a_resubmission_that_came_by_letter(desk: Desk) -> None:
    agency = new_agency()
    ticket = (await desk.submitted(agency))["ticket_id"]
    returned = await desk.returned(ticket)
    headers = desk.as_role(Role.PETUGAS)
    path = f"/requests/{ticket}/resubmissions"

    early = (returned.occurred_at - timedelta(hours=1)).isoformat()
    refused = await desk.client.post(
        path, json=resubmission(agency, channel="surat", received_at=early), headers=headers
    )
    assert (refused.status_code, refused.json()["code"]) == (422, "received_at_before_return")
    moved = await desk.client.post(
        path,
        json=resubmission(
            agency,
            form=form(new_agency()),
            channel="surat",
            received_at=datetime.now(UTC).isoformat(),
        ),
        headers=headers,
    )
    assert (moved.status_code, moved.json()["code"]) == (422, "agency_changed")

    received = datetime.now(UTC).replace(microsecond=0)
    response = await desk.client.post(
        path,
        json=resubmission(agency, channel="surat", received_at=received.isoformat()),
        headers=headers,
    )
    assert response.status_code == 201, response.text
    stored = (await desk.events(ticket))[-1]
    assert stored.occurred_at == received
    assert stored.event.payload()["registered_by"] == DESK_OFFICER.model_dump()


# --- the subscriber -------------------------------------------------------------------------


async def test_a_return_of_an_unknown_ticket_is_dead_lettered(desk: Desk) -> None:
    ticket = "SC05-2019-00042"
    event = RequestReturned(ticket_id=ticket, step=Step.DISPOSE_KABID, reasons=("Tidak lengkap",))
    envelope = await desk.disposition_event(ticket, event, datetime.now(UTC))
    with pytest.raises(Refused) as refused:
        await desk.deliver(envelope)
    assert refused.value.code == "request_not_found"  # the consumer base dead-letters it


async def test_an_event_other_than_a_return_is_refused(desk: Desk) -> None:
    ticket = (await desk.submitted(new_agency()))["ticket_id"]
    event = Disposed(
        ticket_id=ticket,
        from_role=Role.KADIS,
        to_role=Role.KABID,
        instruction="Tindak lanjuti.",
        documents=("surat_permohonan",),
    )
    envelope = await desk.disposition_event(ticket, event, datetime.now(UTC))
    with pytest.raises(Rejected):
        await desk.deliver(envelope)


async def test_a_redelivered_return_changes_nothing_more(desk: Desk) -> None:
    agency = new_agency()
    ticket = (await desk.submitted(agency))["ticket_id"]
    envelope = await desk.returned(ticket)
    before = (await desk.client.get(f"/requests/{ticket}", headers=desk.applicant(agency))).json()
    await desk.deliver(envelope)
    after = (await desk.client.get(f"/requests/{ticket}", headers=desk.applicant(agency))).json()
    assert after == before
    async with desk.ctx.pool.acquire() as conn:
        count = await conn.fetchval(
            "SELECT count(*) FROM intake.returns WHERE ticket_id = $1", ticket
        )
    assert count == 1


def test_intake_declares_its_returns_consumer_on_dispositions() -> None:
    assert [ConsumerSpec(durable="intake-returns", filter="disposition.>")] == CONSUMERS


async def test_a_return_reaches_intake_over_the_bus(
    new_database: NewDatabase, nats_url: str, run_id: str
) -> None:
    """The whole path once: relay → JetStream → the declared durable → the subscriber."""
    settings = IntakeSettings(
        database_url=await new_database(),
        nats_url=nats_url,
        relay_poll_seconds=0.2,
        stream_name=f"INTAKE_{run_id}_BUS",
        subject_prefix=f"t{run_id}bus.events",
        retry_backoff_seconds=0.05,
    )
    await bootstrap(settings, CONSUMERS)
    try:
        async with running_service("intake", settings) as (app, ctx):
            transport = httpx.ASGITransport(app=app)
            async with (
                httpx.AsyncClient(transport=transport, base_url="http://intake") as client,
                upstream(settings.database_url) as others,
            ):
                bus = Desk(client, ctx, settings, others)
                agency = new_agency()
                ticket = (await bus.submitted(agency))["ticket_id"]
                event = RequestReturned(
                    ticket_id=ticket, step=Step.DISPOSE_KABID, reasons=("Lampiran kurang",)
                )
                await bus.disposition_event(ticket, event, datetime.now(UTC))
                path, headers = f"/requests/{ticket}", bus.applicant(agency)
                deadline = asyncio.get_running_loop().time() + 20
                while (await client.get(path, headers=headers)).json()["status"] != "returned":
                    assert asyncio.get_running_loop().time() < deadline, "return not consumed"
                    await asyncio.sleep(0.1)
    finally:
        nc = await nats.connect(nats_url)
        try:
            await nc.jetstream().delete_stream(settings.stream_name)
        finally:
            await nc.close()


# --- receipt times further back than the desk may date alone --------------------------------


def days_ago(days: int) -> str:
    """A receipt time `days` calendar days back, at this time of day."""
    return (datetime.now(WIB) - timedelta(days=days)).replace(microsecond=0).isoformat()


async def by_letter(desk: Desk, received_at: str, **more: Any) -> httpx.Response:
    """The desk registers a letter received at `received_at`."""
    headers = desk.as_role(Role.PETUGAS)
    body = {
        "form": form(new_agency()),
        "channel": "surat",
        "received_at": received_at,
        "attachment_ids": [await desk.letter(headers)],
        **more,
    }
    return await desk.submit(headers, body)


async def test_the_desk_dates_a_letter_29_days_back_alone(desk: Desk) -> None:
    response = await by_letter(desk, days_ago(29))
    assert response.status_code == 201, response.text
    [stored] = await desk.events(response.json()["ticket_id"])
    assert stored.event.payload()["backdate_confirmation"] is None


async def test_31_days_back_is_refused_naming_received_at_and_the_bound(desk: Desk) -> None:
    response = await by_letter(desk, days_ago(31))
    assert (response.status_code, field_of(response)) == (422, "received_at"), response.text
    body = response.json()
    assert body["code"] == "received_at_too_old"
    assert "30 hari" in body["message"]
    assert "konfirmasi administrator" in body["message"]


async def test_31_days_back_with_an_administrators_confirmation_is_accepted_and_recorded(
    desk: Desk,
) -> None:
    received_at = days_ago(31)
    reason = "Surat tercatat di buku agenda surat masuk sebulan lalu, baru diteruskan hari ini"
    confirmation = await desk.confirmed(received_at, reason)

    response = await by_letter(desk, received_at, backdate_confirmation_id=confirmation)

    assert response.status_code == 201, response.text
    [stored] = await desk.events(response.json()["ticket_id"])
    confirmed = stored.event.payload()["backdate_confirmation"]
    assert confirmed["confirmation_id"] == confirmation
    assert confirmed["confirmed_by"] == ADMIN.model_dump()
    assert confirmed["reason"] == reason
    assert stored.actor.role is Role.PETUGAS  # the desk registered it; the admin confirmed
    assert stored.occurred_at == datetime.fromisoformat(received_at)


async def test_only_an_administrator_confirms_an_old_receipt_time(desk: Desk) -> None:
    body = {"received_at": days_ago(40), "reason": "Saya yakin"}
    for role in (Role.PETUGAS, Role.KADIS, Role.PEMOHON):
        refused = await desk.client.post(
            "/backdate-confirmations", json=body, headers=desk.as_role(role, agency="Dinas X")
        )
        assert (refused.status_code, refused.json()["code"]) == (403, "role_not_allowed")
    nameless = await desk.client.post(
        "/backdate-confirmations", json=body, headers=desk.as_role(Role.ADMIN)
    )
    assert (nameless.status_code, nameless.json()["code"]) == (403, "admin_nip_missing")


async def test_a_confirmation_serves_one_registration_of_its_own_receipt_time(
    desk: Desk,
) -> None:
    received_at = days_ago(45)
    confirmation = await desk.confirmed(received_at)

    other_time = await by_letter(desk, days_ago(46), backdate_confirmation_id=confirmation)
    unknown = await by_letter(desk, received_at, backdate_confirmation_id=str(uuid.uuid4()))
    used = await by_letter(desk, received_at, backdate_confirmation_id=confirmation)
    again = await by_letter(desk, received_at, backdate_confirmation_id=confirmation)

    assert (other_time.status_code, other_time.json()["code"]) == (
        422,
        "backdate_confirmation_mismatch",
    )
    assert (unknown.status_code, unknown.json()["code"]) == (422, "backdate_confirmation_not_found")
    assert used.status_code == 201, used.text
    assert (again.status_code, again.json()["code"]) == (409, "backdate_confirmation_used")
    assert field_of(again) == "backdate_confirmation_id"


# --- the daily upload quota and the sweeper of unattached uploads ---------------------------

T0 = datetime(2026, 12, 7, 10, 0, tzinfo=WIB)
"""A Monday morning in Pangkalpinang: the next WIB midnight is 14 hours away."""
QUOTA_BYTES = 3 * len(PDF) + 200
"""Three request letters a day, not four."""
QUOTA_FILES = 5
DESK_QUOTA_BYTES = 2 * len(PDF) + 100


class Moment:
    """A clock the test sets."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@dataclass
class Guarded:
    """Intake with small quotas on its own database, on a clock the test sets."""

    desk: Desk
    clock: Moment

    def intake(self) -> Intake:
        """The handlers over the service's pool and log, on the test's clock."""
        return Intake(
            pool=self.desk.ctx.pool,
            store=self.desk.store,
            clock=self.clock,
            new_id=uuid.uuid4,
            attachment_max_bytes=CAP,
            quotas=UploadQuotas(UploadQuota(QUOTA_BYTES, QUOTA_FILES), UploadQuota(1, 1)),
            unattached_kept=timedelta(hours=24),
            backdate_max_days=30,
        )

    async def uploads_of(self, owner: str) -> tuple[int, int]:
        """How many uploads of an owner are kept, and their bytes."""
        row = await self.desk.ctx.pool.fetchrow(
            "SELECT count(*) AS n, coalesce(sum(size_bytes), 0) AS b FROM intake.attachments"
            " WHERE owner = $1",
            owner,
        )
        assert row is not None
        return row["n"], row["b"]


@pytest.fixture(scope="module")
async def guarded(new_database: NewDatabase, nats_url: str, run_id: str) -> AsyncIterator[Guarded]:
    clock = Moment(T0)
    async with serving(
        await new_database(),
        nats_url,
        f"{run_id}_G",
        clock=clock,
        intake_upload_quota_bytes_per_day=QUOTA_BYTES,
        intake_upload_quota_files_per_day=QUOTA_FILES,
        intake_desk_upload_quota_bytes_per_day=DESK_QUOTA_BYTES,
    ) as running:
        yield Guarded(running, clock)


def owner(agency: str) -> str:
    return f"agency:{agency_key(agency)}"


async def test_an_agency_uploads_up_to_its_daily_quota_then_waits_for_midnight_wib(
    guarded: Guarded,
) -> None:
    guarded.clock.at = T0
    agency = new_agency()
    headers = guarded.desk.applicant(agency)
    for _ in range(3):
        assert (await guarded.desk.upload(headers)).status_code == 201

    refused = await guarded.desk.upload(headers)

    assert refused.status_code == 429, refused.text
    body = refused.json()
    assert (body["code"], body["field"]) == ("upload_quota_exceeded", "file")
    assert refused.headers["retry-after"] == str(14 * 3600)
    assert size_words(QUOTA_BYTES) in body["message"]
    assert f"{QUOTA_FILES} berkas per hari" in body["message"]
    assert "pukul 00.00 WIB, Selasa, 8 Desember 2026" in body["message"]
    assert await guarded.uploads_of(owner(agency)) == (3, 3 * len(PDF))
    # Another agency has its own quota; the next WIB day the agency has its whole quota again.
    other = guarded.desk.applicant(new_agency())
    assert (await guarded.desk.upload(other)).status_code == 201
    guarded.clock.at = T0 + timedelta(hours=14)
    assert (await guarded.desk.upload(headers)).status_code == 201


async def test_the_files_of_a_day_are_counted_too(guarded: Guarded) -> None:
    guarded.clock.at = T0
    headers = guarded.desk.applicant(new_agency())
    small = {"content": PNG, "content_type": "image/png", "kind": "lainnya"}
    for _ in range(QUOTA_FILES):
        assert (await guarded.desk.upload(headers, **small)).status_code == 201
    refused = await guarded.desk.upload(headers, **small)
    assert (refused.status_code, refused.json()["code"]) == (429, "upload_quota_exceeded")


async def test_concurrent_uploads_never_overshoot_the_quota(guarded: Guarded) -> None:
    guarded.clock.at = T0
    agency = new_agency()
    headers = guarded.desk.applicant(agency)

    answers = await asyncio.gather(*(guarded.desk.upload(headers) for _ in range(10)))

    assert sorted(a.status_code for a in answers) == [201] * 3 + [429] * 7
    assert await guarded.uploads_of(owner(agency)) == (3, 3 * len(PDF))


async def test_the_desks_uploads_count_against_the_desks_own_quota(guarded: Guarded) -> None:
    guarded.clock.at = T0 + timedelta(days=3)
    petugas = guarded.desk.as_role(Role.PETUGAS)
    for _ in range(2):
        assert (await guarded.desk.upload(petugas)).status_code == 201
    refused = await guarded.desk.upload(petugas)
    assert (refused.status_code, refused.json()["code"]) == (429, "upload_quota_exceeded")
    assert "layanan meja" in refused.json()["message"]
    # An agency's applicant uploads on its own agency's quota meanwhile.
    assert (await guarded.desk.upload(guarded.desk.applicant(new_agency()))).status_code == 201


async def test_the_sweeper_removes_old_unattached_uploads_only_and_says_so(
    guarded: Guarded,
) -> None:
    guarded.clock.at = T0 + timedelta(days=10)
    uploaded_at = guarded.clock.at
    agency = new_agency()
    headers = guarded.desk.applicant(agency)
    old = await guarded.desk.letter(headers)
    attached = await guarded.desk.letter(headers)
    submitted = await guarded.desk.submit(
        headers, {"form": form(agency), "attachment_ids": [attached]}
    )
    assert submitted.status_code == 201, submitted.text
    guarded.clock.at = uploaded_at + timedelta(hours=2)
    fresh = await guarded.desk.letter(headers)
    guarded.clock.at = uploaded_at + timedelta(hours=25)

    assert await sweep_unattached(guarded.intake()) >= 1

    gone = await guarded.desk.client.get(f"/attachments/{old}", headers=headers)
    assert (gone.status_code, gone.json()["code"]) == (404, "attachment_discarded")
    assert "24 jam" in gone.json()["message"]
    for kept in (attached, fresh):
        assert (await guarded.desk.client.get(f"/attachments/{kept}", headers=headers)).content
    # Another agency's applicant learns nothing of it; staff learn that it was removed.
    stranger = guarded.desk.applicant(new_agency())
    hidden = await guarded.desk.client.get(f"/attachments/{old}", headers=stranger)
    assert (hidden.status_code, hidden.json()["code"]) == (404, "attachment_not_found")
    staff = await guarded.desk.client.get(
        f"/attachments/{old}", headers=guarded.desk.as_role(Role.KADIS)
    )
    assert staff.json()["code"] == "attachment_discarded"

    [removal] = (await guarded.desk.store.read_stream(f"intake-upload-{old}")).events
    assert isinstance(removal.event, AttachmentDiscarded)
    assert removal.event.attachment_id == uuid.UUID(old)
    assert removal.event.owner == owner(agency)
    assert removal.event.uploaded_by.agency == agency
    assert removal.event.uploaded_at == uploaded_at
    assert removal.event.attachment.size_bytes == len(PDF)
    assert removal.event.reason == "unattached"
    assert (removal.actor.role, removal.correlation_id) == (Role.SYSTEM, old)
    for kept in (attached, fresh):
        assert (await guarded.desk.store.read_stream(f"intake-upload-{kept}")).events == ()
    # A registration that still names it is told so, at the place it names it.
    late = await guarded.desk.submit(headers, {"form": form(agency), "attachment_ids": [old]})
    assert (late.status_code, late.json()["code"]) == (422, "attachment_discarded")
    assert field_of(late) == "attachment_ids.0"
    # A second round finds nothing more of these.
    await sweep_unattached(guarded.intake())
    assert len((await guarded.desk.store.read_stream(f"intake-upload-{old}")).events) == 1


async def test_the_sweeper_passes_over_an_upload_a_submission_is_binding(
    guarded: Guarded,
) -> None:
    guarded.clock.at = T0 + timedelta(days=20)
    headers = guarded.desk.applicant(new_agency())
    binding = await guarded.desk.letter(headers)
    guarded.clock.at += timedelta(hours=25)
    async with guarded.desk.ctx.pool.acquire() as conn, conn.transaction():
        # What a submission holds between locking its uploads and committing their binding.
        await conn.execute(
            "SELECT 1 FROM intake.attachments WHERE attachment_id = $1 FOR UPDATE",
            uuid.UUID(binding),
        )
        async with asyncio.timeout(10):  # it does not wait for the submission either
            await sweep_unattached(guarded.intake())
        assert await conn.fetchval(
            "SELECT count(*) FROM intake.attachments WHERE attachment_id = $1", uuid.UUID(binding)
        )
    assert (await guarded.desk.client.get(f"/attachments/{binding}", headers=headers)).content
    assert (await guarded.desk.store.read_stream(f"intake-upload-{binding}")).events == ()


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00"])
async def test_a_receipt_time_out_of_any_calendar_is_refused_naming_it(
    desk: Desk, moment: str
) -> None:
    confirm = await desk.client.post(
        "/backdate-confirmations",
        json={"received_at": moment, "reason": "Uji batas"},
        headers=desk.as_role(Role.ADMIN, nip=ADMIN.nip),
    )
    register = await by_letter(desk, moment)
    for response in (confirm, register):
        assert (response.status_code, field_of(response)) == (422, "received_at"), response.text


async def test_the_service_sweeps_unattached_uploads_by_itself(
    new_database: NewDatabase, nats_url: str, run_id: str
) -> None:
    async with serving(
        await new_database(),
        nats_url,
        f"{run_id}_S",
        intake_unattached_upload_hours=0.0002,  # 0.72 s
        intake_sweep_interval_seconds=0.2,
    ) as desk:
        headers = desk.applicant(new_agency())
        path = f"/attachments/{await desk.letter(headers)}"
        deadline = asyncio.get_running_loop().time() + 20
        while (answer := await desk.client.get(path, headers=headers)).status_code == 200:
            assert asyncio.get_running_loop().time() < deadline, "the upload was never swept"
            await asyncio.sleep(0.1)
        assert (answer.status_code, answer.json()["code"]) == (404, "attachment_discarded")
