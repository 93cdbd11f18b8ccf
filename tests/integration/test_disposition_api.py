"""The disposition service's HTTP API against real PostgreSQL, fed through its intake subscriber."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from disposition.adapters.subscribers import (
    CONSUMERS,
    subscriptions,
    when_request_resubmitted_restart_at_kadis,
    when_request_submitted_open_kadis_inbox,
)
from disposition.app.handlers import Handlers
from disposition.bootstrap import build
from disposition.settings import DispositionSettings
from penghubung.bus import wire
from penghubung.bus.consumer import Delivery, Outcome, Rejected, handle_message
from penghubung.events.base import Actor, Envelope, Event, Metadata, NewEvent, Role
from penghubung.events.catalog import (
    ClosureReason,
    Disposed,
    Integrated,
    RequestClosed,
    RequestResubmitted,
    RequestReturned,
    RequestSubmitted,
)
from penghubung.events.directory import PersonRegistered, RoleGranted, RoleRevoked
from penghubung.eventstore import EventStore, Stream
from penghubung.eventstore.store import ANY_VERSION
from penghubung.forms import (
    AuthenticationType,
    IntegrationDetails,
    Mechanism,
    MechanismChoice,
    Officer,
)
from penghubung.runtime.service import ServiceContext, ServiceParts
from penghubung.settings import ServiceSettings
from penghubung.sop import Channel, Priority
from penghubung.testing.beds import serving, without_consumers
from penghubung.testing.histories import (
    AGENCY,
    HOLDERS,
    KABID,
    KADIS,
    PETUGAS,
    PLH,
    PRAKOM,
    form,
    new_ticket,
)
from penghubung.testing.upstream import Upstream
from penghubung.web.auth import mint_token

pytestmark = pytest.mark.integration

OTHER_PETUGAS = Officer(nip="199106062016041006", name="Petugas Lain")
PAPERS = {
    Role.KADIS: ["surat_permohonan"],
    Role.KABID: ["surat_permohonan", "disposisi_kadis"],
    Role.PRAKOM: ["surat_permohonan", "disposisi_kadis", "disposisi_kabid"],
}
START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def intake_meta(ticket: str, at: datetime) -> Metadata:
    return Metadata(
        event_id=uuid.uuid4(),
        occurred_at=at,
        actor=Actor(name="Dr. Siti Aminah", role=Role.PEMOHON, agency=AGENCY),
        correlation_id=ticket,
    )


@dataclass
class Bed:
    """The running service, its HTTP client, its handlers and its event log."""

    client: httpx.AsyncClient
    ctx: ServiceContext
    settings: ServiceSettings
    upstream: Upstream
    """Appends intake's events as intake would (disposition may append only its own)."""

    @property
    def store(self) -> EventStore:
        return self.ctx.store

    @property
    def handlers(self) -> Handlers:
        return Handlers(store=self.ctx.store, clock=self.ctx.clock, new_id=self.ctx.new_id)

    async def directory(self, nip: str, *events: Event) -> None:
        """Directory facts on the person's stream, handed to disposition's directory subscriber."""
        stream_id = f"directory-person-{nip}"
        meta = Metadata(
            event_id=uuid.uuid4(),
            occurred_at=datetime.now(UTC),
            actor=Actor(name="Admin", role=Role.ADMIN),
            correlation_id=stream_id,
        )
        for event in events:
            new = NewEvent(event=event, meta=meta.model_copy(update={"event_id": uuid.uuid4()}))
            await self.upstream.append(stream_id, expected_version=ANY_VERSION, events=[new])
            await self.learn((await self.store.read_stream(stream_id)).events[-1])

    async def learn(self, envelope: Envelope) -> None:
        """One directory fact as the bus hands it to the subscriber."""
        directory = next(
            s for s in subscriptions(self.handlers) if s.spec.durable.endswith("directory")
        )
        async with self.ctx.pool.acquire() as conn, conn.transaction():
            await directory.handler(conn, envelope)

    async def register_petugas(self, officer: Officer) -> None:
        """The directory registers `officer` as a petugas."""
        await self.directory(
            officer.nip,
            PersonRegistered(
                nip=officer.nip, name=officer.name, position="Petugas", agency="diskominfo"
            ),
            RoleGranted(nip=officer.nip, role=Role.PETUGAS),
        )

    def auth(self, role: Role, who: Officer | None = None, **claims: Any) -> dict[str, str]:
        who = who or HOLDERS.get(role)
        name = who.name if who else f"Pengguna {role.value}"
        token = mint_token(
            self.settings, role=role, name=name, nip=who.nip if who else None, **claims
        )
        return {"Authorization": f"Bearer {token}"}

    async def intake(self, event: RequestSubmitted | RequestResubmitted) -> Envelope:
        """An intake event in intake's stream, read back and handed to our subscriber."""
        stream_id = f"intake-{event.ticket_id}"
        new = NewEvent(event=event, meta=intake_meta(event.ticket_id, event.received_at))
        await self.upstream.append(stream_id, expected_version=ANY_VERSION, events=[new])
        envelope = (await self.store.read_stream(stream_id)).events[-1]
        async with self.ctx.pool.acquire() as conn, conn.transaction():
            if isinstance(event, RequestSubmitted):
                await when_request_submitted_open_kadis_inbox(
                    conn, envelope, handlers=self.handlers
                )
            else:
                await when_request_resubmitted_restart_at_kadis(
                    conn, envelope, handlers=self.handlers
                )
        return envelope

    async def submit(
        self,
        *,
        priority: Priority = Priority.P2,
        received_at: datetime = START,
        agency: str = AGENCY,
    ) -> str:
        """A fresh request, submitted by intake and heard by disposition."""
        ticket = new_ticket()
        await self.intake(
            RequestSubmitted(
                ticket_id=ticket,
                form=form(agency),
                channel=Channel.PORTAL,
                received_at=received_at,
                priority=priority,
            )
        )
        return ticket

    async def resubmit(self, ticket: str, number: int = 1) -> Envelope:
        return await self.intake(
            RequestResubmitted(
                ticket_id=ticket,
                form=form(),
                channel=Channel.PORTAL,
                received_at=START + timedelta(days=number),
                priority=Priority.P1,
                resubmission=number,
                answer="Surat permohonan sudah ditandatangani.",
            )
        )

    async def dispose(
        self, ticket: str, role: Role, *, headers: dict[str, str] | None = None, **body: Any
    ) -> httpx.Response:
        """A disposition by the holder of `role`, with the papers of its step unless changed."""
        payload: dict[str, Any] = {"instruction": "Mohon ditindaklanjuti.", **body}
        payload.setdefault("documents", PAPERS.get(role, []))
        if role is Role.PRAKOM:
            payload.setdefault("to_officer", PETUGAS.model_dump())
        return await self.client.post(
            f"/requests/{ticket}/dispositions", json=payload, headers=headers or self.auth(role)
        )

    async def to(self, ticket: str, role: Role) -> None:
        """Dispose the request down the chain until `role` holds it."""
        for holder in (Role.KADIS, Role.KABID, Role.PRAKOM)[
            : (Role.KADIS, Role.KABID, Role.PRAKOM, Role.PETUGAS).index(role)
        ]:
            response = await self.dispose(ticket, holder)
            assert response.status_code == 201, response.text

    async def inbox(self, role: Role, who: Officer | None = None, **params: Any) -> Any:
        response = await self.client.get("/inbox", params=params, headers=self.auth(role, who))
        assert response.status_code == 200, response.text
        return response.json()

    async def tickets_in(self, role: Role, who: Officer | None = None) -> list[str]:
        page = await self.inbox(role, who, limit=100)
        return [item["ticket_id"] for item in page["items"]]

    async def stream(self, ticket: str) -> Stream:
        return await self.store.read_stream(f"disposition-{ticket}")

    async def events(self, ticket: str) -> list[Event]:
        return [e.event for e in (await self.stream(ticket)).events]


MakeBed = Callable[..., contextlib.AbstractAsyncContextManager[Bed]]


@pytest.fixture(scope="module")
def make_bed(new_database: Callable[[], Awaitable[str]], nats_url: str, run_id: str) -> MakeBed:
    """A running service on a fresh database of its own."""

    @contextlib.asynccontextmanager
    async def make(store: Callable[[asyncpg.Pool], EventStore] | None = None) -> AsyncIterator[Bed]:
        settings = DispositionSettings(
            database_url=await new_database(),
            nats_url=nats_url,
            relay_enabled=False,
            stream_name=f"DISPOSITION_{run_id}",
            subject_prefix=f"test{run_id}.disposition",
            officers_from_directory=True,
        )

        def parts(ctx: ServiceContext) -> ServiceParts:
            if store is not None:
                ctx = replace(ctx, store=store(ctx.pool))
            return build(ctx)

        async with serving("disposition", settings, without_consumers(parts)) as (c, ctx, others):
            if store is not None:
                ctx = replace(ctx, store=store(ctx.pool))
            made = Bed(client=c, ctx=ctx, settings=settings, upstream=others)
            await made.register_petugas(PETUGAS)  # the directory said so, over the bus
            yield made

    return make


@pytest.fixture(scope="module")
async def bed(make_bed: MakeBed) -> AsyncIterator[Bed]:
    """The service most tests share (random tickets, never truncated)."""
    async with make_bed() as shared:
        yield shared


def error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


# --- intake's facts open the kadis inbox ----------------------------------------------------


def test_the_service_declares_its_intake_directory_and_integration_consumers() -> None:
    assert [(spec.durable, spec.filter) for spec in CONSUMERS] == [
        ("disposition-intake", "intake.>"),
        ("disposition-directory", "directory.>"),
        ("disposition-integration", "integration.>"),
    ]


async def test_a_submitted_request_waits_in_the_kadis_inbox(bed: Bed) -> None:
    ticket = await bed.submit(priority=Priority.P2)
    page = await bed.inbox(Role.KADIS, limit=100)
    [item] = [i for i in page["items"] if i["ticket_id"] == ticket]
    assert item == {
        "ticket_id": ticket,
        "agency": AGENCY,
        "application_name": "SIMPUS",
        "priority": "P2",
        "received_at": "2026-03-02T08:00:00+07:00",
        "resubmission": 0,
        "holder_role": "kadis",
        "officer": None,
        "status": "disposing",
        "held_since": "2026-03-02T08:00:00+07:00",
    }
    assert page["role"] == "kadis"
    for role in (Role.KABID, Role.PRAKOM, Role.PETUGAS):
        assert ticket not in await bed.tickets_in(role)


async def test_each_intake_event_is_applied_once_through_the_consumer(bed: Bed) -> None:
    ticket = await bed.submit()
    await bed.to(ticket, Role.KABID)
    [submitted] = (await bed.store.read_stream(f"intake-{ticket}")).events
    rows = [
        r
        async for batch in bed.store.read_all_rows(
            after=submitted.global_position - 1, until=submitted.global_position
        )
        for r in batch
    ]
    data, headers = wire.encode(rows[0])
    subscription = subscriptions(bed.handlers)[0]  # the intake one
    delivery = Delivery(data=data, subject="intake.RequestSubmitted", headers=headers)
    async with bed.ctx.pool.acquire() as conn:
        first = await handle_message(conn, subscription, delivery, max_attempts=3)
        again = await handle_message(conn, subscription, delivery, max_attempts=3)
    # The subscriber's row was already there: the late duplicate does not reopen it at kadis.
    assert (first, again) == (Outcome.HANDLED, Outcome.DUPLICATE)
    assert ticket in await bed.tickets_in(Role.KABID)
    assert ticket not in await bed.tickets_in(Role.KADIS)


async def test_the_subscribers_reject_events_they_do_not_handle(bed: Bed) -> None:
    ticket = await bed.submit()
    await bed.to(ticket, Role.KABID)
    [disposed] = (await bed.stream(ticket)).events
    async with bed.ctx.pool.acquire() as conn, conn.transaction():
        with pytest.raises(Rejected):
            await when_request_submitted_open_kadis_inbox(conn, disposed, handlers=bed.handlers)
        with pytest.raises(Rejected):
            await when_request_resubmitted_restart_at_kadis(conn, disposed, handlers=bed.handlers)


async def test_the_inbox_is_ordered_by_priority_then_age_and_paged(make_bed: MakeBed) -> None:
    async with make_bed() as own:
        hour = timedelta(hours=1)
        p3_old = await own.submit(priority=Priority.P3, received_at=START)
        p1_new = await own.submit(priority=Priority.P1, received_at=START + 2 * hour)
        p4 = await own.submit(priority=Priority.P4, received_at=START - hour)
        p1_old = await own.submit(priority=Priority.P1, received_at=START + hour)
        first = await own.inbox(Role.KADIS, limit=2)
        second = await own.inbox(Role.KADIS, limit=2, offset=2)
    assert [i["ticket_id"] for i in first["items"]] == [p1_old, p1_new]
    assert [i["ticket_id"] for i in second["items"]] == [p3_old, p4]
    assert (first["total"], first["limit"], first["offset"]) == (4, 2, 0)
    assert (second["total"], second["offset"]) == (4, 2)


# --- the chain ------------------------------------------------------------------------------


async def test_a_request_goes_down_the_chain_to_the_named_petugas(bed: Bed) -> None:
    ticket = await bed.submit()

    by_kadis = await bed.dispose(ticket, Role.KADIS, instruction="Proses sesuai SOP.")
    body = error(by_kadis, 201)
    assert body["from_role"] == "kadis"
    assert body["to_role"] == "kabid"
    assert body["instruction"] == "Proses sesuai SOP."
    assert body["documents"] == ["surat_permohonan"]
    assert body["stream_version"] == 1
    assert body["actor"]["nip"] == KADIS.nip
    assert ticket not in await bed.tickets_in(Role.KADIS)
    assert ticket in await bed.tickets_in(Role.KABID)

    assert error(await bed.dispose(ticket, Role.KABID), 201)["to_role"] == "prakom"
    assert ticket in await bed.tickets_in(Role.PRAKOM)

    ordered = error(await bed.dispose(ticket, Role.PRAKOM, to_role="petugas"), 201)
    assert ordered["to_officer"] == PETUGAS.model_dump()
    assert ticket not in await bed.tickets_in(Role.PRAKOM)
    page = await bed.inbox(Role.PETUGAS, PETUGAS)
    [item] = [i for i in page["items"] if i["ticket_id"] == ticket]
    assert (item["status"], item["officer"]) == ("assigned", PETUGAS.model_dump())
    assert ticket not in await bed.tickets_in(Role.PETUGAS, OTHER_PETUGAS)

    stream = await bed.stream(ticket)
    facts = [e.event for e in stream.events]
    assert all(isinstance(f, Disposed) for f in facts)
    assert [(f.from_role, f.to_role) for f in facts if isinstance(f, Disposed)] == [
        (Role.KADIS, Role.KABID),
        (Role.KABID, Role.PRAKOM),
        (Role.PRAKOM, Role.PETUGAS),
    ]
    assert [e.actor.nip for e in stream.events] == [KADIS.nip, KABID.nip, PRAKOM.nip]
    assert {e.correlation_id for e in stream.events} == {ticket}
    assert [e.event_id for e in stream.events][-1] == uuid.UUID(ordered["event_id"])


async def test_a_stand_in_named_by_the_token_is_recorded_with_whom_they_stood_for(
    bed: Bed,
) -> None:
    ticket = await bed.submit()
    headers = bed.auth(Role.KADIS, PLH, acting_for_nip=KADIS.nip, acting_for_name=KADIS.name)
    body = error(await bed.dispose(ticket, Role.KADIS, headers=headers, stand_in="plh"), 201)
    assert body["stand_in"] == "plh"
    [stored] = (await bed.stream(ticket)).events
    assert isinstance(stored.event, Disposed)
    assert stored.event.stand_in == "plh"
    assert (stored.actor.nip, stored.actor.on_behalf_of_nip) == (PLH.nip, KADIS.nip)
    assert stored.actor.on_behalf_of_name == KADIS.name


async def test_a_stand_in_the_token_does_not_carry_is_refused(bed: Bed) -> None:
    ticket = await bed.submit()
    await bed.to(ticket, Role.KABID)
    for claimed in (
        {"stand_in": "plt", "on_behalf_of": KABID.model_dump()},
        {"stand_in": "plt"},
        {"on_behalf_of": KABID.model_dump()},
    ):
        response = await bed.dispose(
            ticket, Role.KABID, headers=bed.auth(Role.KABID, PLH), **claimed
        )
        problem = error(response, 403)
        assert (problem["code"], problem["field"]) == ("stand_in_not_in_token", "on_behalf_of")
    assert [e.type for e in (await bed.stream(ticket)).events] == ["Disposed"]


async def test_a_delegation_token_is_recorded_with_both_names_and_its_kind(bed: Bed) -> None:
    ticket = await bed.submit()
    headers = bed.auth(
        Role.KADIS,
        PLH,
        acting_for_nip=KADIS.nip,
        acting_for_name=KADIS.name,
        delegation=str(uuid.uuid4()),
        stand_in="plt",
    )
    body = error(await bed.dispose(ticket, Role.KADIS, headers=headers), 201)
    assert body["stand_in"] == "plt"
    assert (body["actor"]["nip"], body["actor"]["on_behalf_of_nip"]) == (PLH.nip, KADIS.nip)
    assert body["actor"]["on_behalf_of_name"] == KADIS.name


async def test_a_repeated_idempotency_key_gives_the_first_answer(bed: Bed) -> None:
    ticket = await bed.submit()
    headers = {**bed.auth(Role.KADIS), "Idempotency-Key": f"key-{ticket}"}
    first = await bed.dispose(ticket, Role.KADIS, headers=headers)
    again = await bed.dispose(ticket, Role.KADIS, headers=headers)
    assert error(again, 201) == error(first, 201)
    assert (first.headers.get("Idempotent-Replayed"), again.headers["Idempotent-Replayed"]) == (
        None,
        "true",
    )
    [stored] = (await bed.stream(ticket)).events
    assert stored.causation_id == f"key-{ticket}"


async def test_the_same_key_with_another_command_is_refused(bed: Bed) -> None:
    ticket = await bed.submit()
    headers = {**bed.auth(Role.KADIS), "Idempotency-Key": f"key-{ticket}"}
    error(await bed.dispose(ticket, Role.KADIS, headers=headers), 201)
    other = await bed.dispose(ticket, Role.KADIS, headers=headers, instruction="Segera.")
    assert error(other, 409)["code"] == "idempotency_key_reused"
    assert len((await bed.stream(ticket)).events) == 1


async def test_a_key_belongs_to_its_caller_alone(bed: Bed) -> None:
    ticket = await bed.submit()
    key = f"key-{ticket}"
    error(
        await bed.dispose(
            ticket, Role.KADIS, headers={**bed.auth(Role.KADIS), "Idempotency-Key": key}
        ),
        201,
    )
    # The kabid sending the kadis's key gets no answer of the kadis's: their own order is decided.
    returned = await bed.client.post(
        f"/requests/{ticket}/returns",
        json={"reasons": ["Surat permohonan belum ditandatangani"]},
        headers={**bed.auth(Role.KABID), "Idempotency-Key": key},
    )
    assert error(returned, 201)["actor"]["role"] == "kabid"
    assert [e.type for e in (await bed.stream(ticket)).events] == ["Disposed", "RequestReturned"]


# --- returns and resubmissions --------------------------------------------------------------


async def test_a_returned_request_leaves_the_inboxes_until_resubmitted(bed: Bed) -> None:
    ticket = await bed.submit()
    await bed.to(ticket, Role.KABID)
    returned = await bed.client.post(
        f"/requests/{ticket}/returns",
        json={"reasons": ["Surat permohonan belum ditandatangani."]},
        headers=bed.auth(Role.KABID),
    )
    body = error(returned, 201)
    assert (body["step"], body["reasons"]) == (
        "dispose_prakom",
        ["Surat permohonan belum ditandatangani."],
    )
    assert isinstance((await bed.events(ticket))[-1], RequestReturned)
    for role in (Role.KADIS, Role.KABID, Role.PRAKOM):
        assert ticket not in await bed.tickets_in(role)
    refused = await bed.dispose(ticket, Role.KABID)
    assert error(refused, 409)["code"] == "request_returned"

    await bed.resubmit(ticket)
    assert ticket in await bed.tickets_in(Role.KADIS)
    assert ticket not in await bed.tickets_in(Role.KABID)
    error(await bed.dispose(ticket, Role.KADIS), 201)
    assert ticket in await bed.tickets_in(Role.KABID)
    page = await bed.inbox(Role.KABID, limit=100)
    [item] = [i for i in page["items"] if i["ticket_id"] == ticket]
    assert (item["resubmission"], item["priority"]) == (1, "P1")

    history = await bed.client.get(
        f"/requests/{ticket}/dispositions", headers=bed.auth(Role.AUDITOR)
    )
    facts = [entry["fact"]["type"] for entry in error(history, 200)["history"]]
    assert facts == ["Disposed", "RequestReturned", "Disposed"]


async def test_an_older_resubmission_arriving_late_changes_nothing(bed: Bed) -> None:
    ticket = await bed.submit()
    for number in (1, 2):
        await bed.to(ticket, Role.KABID)
        error(
            await bed.client.post(
                f"/requests/{ticket}/returns", json={"reasons": ["x"]}, headers=bed.auth(Role.KABID)
            ),
            201,
        )
        await bed.resubmit(ticket, number)
    await bed.to(ticket, Role.KABID)
    await bed.resubmit(ticket, 1)  # a stale copy of the first resubmission
    assert ticket in await bed.tickets_in(Role.KABID)


# --- who may, and the errors ----------------------------------------------------------------


async def test_without_a_valid_token_it_is_401(bed: Bed) -> None:
    ticket = await bed.submit()
    assert error(await bed.client.get("/inbox"), 401)["code"] == "token_missing"
    bad = {"Authorization": "Bearer not-a-token"}
    assert error(await bed.dispose(ticket, Role.KADIS, headers=bad), 401)["code"] == (
        "token_invalid"
    )
    returns = await bed.client.post(f"/requests/{ticket}/returns", json={"reasons": ["x"]})
    error(returns, 401)
    assert await bed.events(ticket) == []


@pytest.mark.parametrize("role", [Role.PEMOHON, Role.AUDITOR, Role.PETUGAS, Role.ADMIN])
async def test_roles_outside_the_disposers_get_403(bed: Bed, role: Role) -> None:
    ticket = await bed.submit()
    headers = bed.auth(role, agency=AGENCY)
    disposed = await bed.dispose(ticket, Role.KADIS, headers=headers)
    assert error(disposed, 403)["code"] == "role_not_allowed"
    returned = await bed.client.post(
        f"/requests/{ticket}/returns", json={"reasons": ["x"]}, headers=headers
    )
    error(returned, 403)
    assert await bed.events(ticket) == []


@pytest.mark.parametrize("role", [Role.PEMOHON, Role.AUDITOR])
async def test_only_the_chain_has_an_inbox(bed: Bed, role: Role) -> None:
    error(await bed.client.get("/inbox", headers=bed.auth(role, agency=AGENCY)), 403)


@pytest.mark.parametrize(
    ("ticket", "status"),
    # A well-formed ticket of no request is not found; a malformed one is refused, naming it.
    [("SC05-2026-99999999", 404), ("bukan-tiket", 422)],
)
async def test_an_unknown_ticket_is_404(bed: Bed, ticket: str, status: int) -> None:
    response = await bed.dispose(ticket, Role.KADIS)
    code = "request_not_found" if status == 404 else "validation_failed"
    assert error(response, status)["code"] == code
    returned = await bed.client.post(
        f"/requests/{ticket}/returns", json={"reasons": ["x"]}, headers=bed.auth(Role.KADIS)
    )
    error(returned, status)
    history = await bed.client.get(
        f"/requests/{ticket}/dispositions", headers=bed.auth(Role.AUDITOR)
    )
    error(history, status)


async def test_an_applicant_sees_only_their_own_agencys_history(bed: Bed) -> None:
    ticket = await bed.submit(agency=AGENCY)
    await bed.to(ticket, Role.KABID)
    own = bed.auth(Role.PEMOHON, agency=AGENCY)
    other = bed.auth(Role.PEMOHON, agency="Dinas Pendidikan")
    mine = error(await bed.client.get(f"/requests/{ticket}/dispositions", headers=own), 200)
    assert mine["request"]["holder_role"] == "kabid"
    assert [e["fact"]["to_role"] for e in mine["history"]] == ["kabid"]
    theirs = await bed.client.get(f"/requests/{ticket}/dispositions", headers=other)
    assert error(theirs, 404)["code"] == "request_not_found"


@pytest.mark.parametrize(
    ("holder", "actor", "body"),
    [
        (Role.KADIS, Role.KABID, {}),
        (Role.KADIS, Role.PRAKOM, {}),
        (Role.KABID, Role.KADIS, {}),
        (Role.PRAKOM, Role.KABID, {}),
        (Role.KADIS, Role.KADIS, {"to_role": "prakom"}),
    ],
)
async def test_a_step_out_of_order_is_409(
    bed: Bed, holder: Role, actor: Role, body: dict[str, Any]
) -> None:
    ticket = await bed.submit()
    await bed.to(ticket, holder)
    before = (await bed.stream(ticket)).version
    response = await bed.dispose(ticket, actor, **body)
    assert error(response, 409)["code"] == "out_of_order"
    assert (await bed.stream(ticket)).version == before
    assert ticket in await bed.tickets_in(holder)


async def test_returning_out_of_turn_or_after_the_chain_is_409(bed: Bed) -> None:
    ticket = await bed.submit()
    await bed.to(ticket, Role.KABID)
    early = await bed.client.post(
        f"/requests/{ticket}/returns", json={"reasons": ["x"]}, headers=bed.auth(Role.PRAKOM)
    )
    assert error(early, 409)["code"] == "out_of_order"
    error(await bed.dispose(ticket, Role.KABID), 201)
    error(await bed.dispose(ticket, Role.PRAKOM), 201)
    late = await bed.client.post(
        f"/requests/{ticket}/returns", json={"reasons": ["x"]}, headers=bed.auth(Role.PRAKOM)
    )
    assert error(late, 409)["code"] == "disposition_complete"


async def test_two_concurrent_dispositions_one_wins(bed: Bed) -> None:
    ticket = await bed.submit()
    responses = await asyncio.gather(
        bed.dispose(ticket, Role.KADIS, instruction="Yang pertama."),
        bed.dispose(ticket, Role.KADIS, instruction="Yang kedua."),
    )
    assert sorted(r.status_code for r in responses) == [201, 409]
    [loser] = [r for r in responses if r.status_code == 409]
    assert loser.json()["code"] in {"concurrent_change", "out_of_order"}
    assert len(await bed.events(ticket)) == 1


class RacingStore(EventStore):
    """Holds each reader of a disposition stream until two have read: both decide on one version."""

    racing = False
    barrier = asyncio.Barrier(2)

    async def read_stream(
        self, stream_id: str, *, conn: asyncpg.Connection | None = None
    ) -> Stream:
        stream = await super().read_stream(stream_id, conn=conn)
        if RacingStore.racing and stream_id.startswith("disposition-"):
            await asyncio.wait_for(RacingStore.barrier.wait(), timeout=10)
        return stream


async def test_concurrent_dispositions_on_one_version_lose_by_optimistic_concurrency(
    make_bed: MakeBed,
) -> None:
    async with make_bed(store=RacingStore) as own:
        ticket = await own.submit()
        RacingStore.racing = True
        try:
            responses = await asyncio.gather(
                own.dispose(ticket, Role.KADIS, instruction="Yang pertama."),
                own.dispose(ticket, Role.KADIS, instruction="Yang kedua."),
            )
        finally:
            RacingStore.racing = False
        statuses = sorted(r.status_code for r in responses)
        [loser] = [r for r in responses if r.status_code == 409]
        [winner] = [r for r in responses if r.status_code == 201]
        events = await own.events(ticket)
        assert ticket in await own.tickets_in(Role.KABID)
    assert statuses == [201, 409]
    assert loser.json()["code"] == "concurrent_change"
    [event] = events
    assert isinstance(event, Disposed)
    assert event.instruction == winner.json()["instruction"]


@pytest.mark.parametrize(
    ("holder", "body", "field", "code", "named"),
    [
        (Role.KADIS, {"documents": []}, "documents", "documents_missing", "surat_permohonan"),
        (
            Role.KABID,
            {"documents": ["surat_permohonan"]},
            "documents",
            "documents_missing",
            "disposisi_kadis",
        ),
        (
            Role.PRAKOM,
            {"documents": ["surat_permohonan", "disposisi_kadis"]},
            "documents",
            "documents_missing",
            "disposisi_kabid",
        ),
        (
            Role.KADIS,
            {"documents": ["surat_permohonan", "disposisi_kabid"]},
            "documents",
            "documents_not_yet_made",
            "disposisi_kabid",
        ),
        (Role.PRAKOM, {"to_officer": None}, "to_officer", "officer_required", "petugas"),
        (
            Role.KADIS,
            {"to_officer": PETUGAS.model_dump()},
            "to_officer",
            "officer_not_expected",
            "petugas",
        ),
    ],
)
async def test_a_disposition_the_rules_refuse_is_422_naming_the_field(
    bed: Bed, holder: Role, body: dict[str, Any], field: str, code: str, named: str
) -> None:
    ticket = await bed.submit()
    await bed.to(ticket, holder)
    before = (await bed.stream(ticket)).version
    problem = error(await bed.dispose(ticket, holder, **body), 422)
    assert (problem["field"], problem["code"]) == (field, code)
    assert named in problem["message"]
    assert (await bed.stream(ticket)).version == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"instruction": "   "}, "instruction"),
        ({"documents": ["fotokopi_ktp"]}, "documents.0"),
        ({"to_role": "auditor"}, "to_role"),
        ({"on_behalf_of": {"nip": "123", "name": "X"}, "stand_in": "plh"}, "on_behalf_of.nip"),
        ({"catatan": "tidak dikenal"}, "catatan"),
    ],
)
async def test_a_malformed_disposition_is_422_naming_the_field(
    bed: Bed, body: dict[str, Any], field: str
) -> None:
    ticket = await bed.submit()
    problem = error(await bed.dispose(ticket, Role.KADIS, **body), 422)
    assert problem["field"] == field
    assert problem["message"]
    assert await bed.events(ticket) == []


@pytest.mark.parametrize("reasons", [[], ["  "], None])
async def test_a_return_without_reasons_is_422(bed: Bed, reasons: list[str] | None) -> None:
    ticket = await bed.submit()
    body = {} if reasons is None else {"reasons": reasons}
    response = await bed.client.post(
        f"/requests/{ticket}/returns", json=body, headers=bed.auth(Role.KADIS)
    )
    assert error(response, 422)["field"].startswith("reasons")
    assert await bed.events(ticket) == []


# --- what the directory says, over the bus -------------------------------------------------


async def test_work_is_ordered_only_to_an_active_petugas_of_the_directory(bed: Bed) -> None:
    ticket = await bed.submit()
    await bed.to(ticket, Role.PRAKOM)
    newcomer = Officer(
        nip=f"19900101201501{uuid.uuid4().int % 2 + 1}{uuid.uuid4().int % 899 + 100}",
        name="Petugas Baru",
    )
    refused = error(await bed.dispose(ticket, Role.PRAKOM, to_officer=newcomer.model_dump()), 422)
    assert (refused["code"], refused["field"]) == ("officer_not_petugas", "to_officer.nip")
    assert newcomer.nip in refused["message"]
    # Registered, but not (yet) a petugas: still refused.
    await bed.directory(
        newcomer.nip,
        PersonRegistered(
            nip=newcomer.nip, name=newcomer.name, position="Staf", agency="diskominfo"
        ),
    )
    again = error(await bed.dispose(ticket, Role.PRAKOM, to_officer=newcomer.model_dump()), 422)
    assert again["code"] == "officer_not_petugas"
    granted = RoleGranted(nip=newcomer.nip, role=Role.PETUGAS)
    await bed.directory(newcomer.nip, granted)
    ordered = error(await bed.dispose(ticket, Role.PRAKOM, to_officer=newcomer.model_dump()), 201)
    assert ordered["to_officer"] == newcomer.model_dump()


async def test_a_revoked_petugas_gets_no_more_work_whatever_order_the_facts_arrive_in(
    bed: Bed,
) -> None:
    officer = Officer(nip="199003032015031007", name="Petugas Pindah")
    await bed.register_petugas(officer)
    await bed.directory(officer.nip, RoleRevoked(nip=officer.nip, role=Role.PETUGAS))
    stream = await bed.store.read_stream(f"directory-person-{officer.nip}")
    granted = next(e for e in stream.events if e.type == "RoleGranted")
    await bed.learn(granted)  # the older fact again, late: it changes nothing
    ticket = await bed.submit()
    await bed.to(ticket, Role.PRAKOM)
    refused = error(await bed.dispose(ticket, Role.PRAKOM, to_officer=officer.model_dump()), 422)
    assert refused["code"] == "officer_not_petugas"


async def test_a_petugas_inbox_drops_what_integration_finished(bed: Bed) -> None:
    integrated, closed, still_open = [await bed.submit() for _ in range(3)]
    for ticket in (integrated, closed, still_open):
        await bed.to(ticket, Role.PETUGAS)
    assert {integrated, closed, still_open} <= set(await bed.tickets_in(Role.PETUGAS, PETUGAS))
    finished: list[Event] = [
        Integrated(
            ticket_id=integrated,
            details=IntegrationDetails(
                mechanism=MechanismChoice(kind=Mechanism.GSB),
                gsb_service_name="simpus-pasien",
                operations=("cariPasien",),
                authentication=AuthenticationType.MTLS,
            ),
            notes="Layanan aktif di GSB",
        ),
        RequestClosed(
            ticket_id=closed,
            reason=ClosureReason.NOT_FEASIBLE,
            recommendation="Perbarui server aplikasi terlebih dulu",
        ),
    ]
    integration = subscriptions(bed.handlers)[2]
    assert integration.spec.durable == "disposition-integration"
    for event in finished:
        ticket = event.ticket_id  # type: ignore[attr-defined]
        meta = Metadata(
            event_id=uuid.uuid4(),
            occurred_at=datetime.now(UTC),
            actor=Actor(nip=PETUGAS.nip, name=PETUGAS.name, role=Role.PETUGAS),
            correlation_id=ticket,
        )
        stream_id = f"integration-{ticket}"
        new = NewEvent(event=event, meta=meta)
        await bed.upstream.append(stream_id, expected_version=ANY_VERSION, events=[new])
        envelope = (await bed.store.read_stream(stream_id)).events[-1]
        async with bed.ctx.pool.acquire() as conn, conn.transaction():
            await integration.handler(conn, envelope)
    left = set(await bed.tickets_in(Role.PETUGAS, PETUGAS))
    assert still_open in left
    assert integrated not in left
    assert closed not in left


# --- reassignment ---------------------------------------------------------------------------


async def test_prakom_moves_the_work_to_another_petugas_with_a_reason(bed: Bed) -> None:
    await bed.register_petugas(OTHER_PETUGAS)
    ticket = await bed.submit()
    await bed.to(ticket, Role.PETUGAS)
    response = await bed.client.post(
        f"/requests/{ticket}/reassignments",
        json={"to_officer": OTHER_PETUGAS.model_dump(), "reason": "Petugas semula cuti"},
        headers=bed.auth(Role.PRAKOM),
    )
    moved = error(response, 201)
    assert (moved["from_officer"], moved["to_officer"]) == (
        PETUGAS.model_dump(),
        OTHER_PETUGAS.model_dump(),
    )
    assert moved["actor"]["nip"] == PRAKOM.nip
    assert ticket not in await bed.tickets_in(Role.PETUGAS, PETUGAS)
    assert ticket in await bed.tickets_in(Role.PETUGAS, OTHER_PETUGAS)
    history = (
        await bed.client.get(f"/requests/{ticket}/dispositions", headers=bed.auth(Role.KADIS))
    ).json()
    assert [h["fact"]["type"] for h in history["history"]][-1] == "WorkReassigned"
    # Back to the first, by kabid this time; never to the one who has it, nor to a non-petugas.
    same = await bed.client.post(
        f"/requests/{ticket}/reassignments",
        json={"to_officer": OTHER_PETUGAS.model_dump(), "reason": "Lagi"},
        headers=bed.auth(Role.KABID),
    )
    assert (same.status_code, same.json()["code"], same.json()["field"]) == (
        422,
        "same_officer",
        "to_officer.nip",
    )
    stranger = Officer(nip="199202022016041008", name="Bukan Petugas")
    refused = await bed.client.post(
        f"/requests/{ticket}/reassignments",
        json={"to_officer": stranger.model_dump(), "reason": "Lagi"},
        headers=bed.auth(Role.KABID),
    )
    assert (refused.status_code, refused.json()["code"]) == (422, "officer_not_petugas")
    back = await bed.client.post(
        f"/requests/{ticket}/reassignments",
        json={"to_officer": PETUGAS.model_dump(), "reason": "Petugas semula kembali"},
        headers=bed.auth(Role.KABID),
    )
    assert back.status_code == 201, back.text
    assert ticket in await bed.tickets_in(Role.PETUGAS, PETUGAS)


async def test_work_not_yet_ordered_cannot_be_reassigned(bed: Bed) -> None:
    ticket = await bed.submit()
    await bed.to(ticket, Role.PRAKOM)
    response = await bed.client.post(
        f"/requests/{ticket}/reassignments",
        json={"to_officer": PETUGAS.model_dump(), "reason": "Terlalu dini"},
        headers=bed.auth(Role.PRAKOM),
    )
    assert (response.status_code, response.json()["code"]) == (409, "not_assigned")
    kadis = await bed.client.post(
        f"/requests/{ticket}/reassignments",
        json={"to_officer": PETUGAS.model_dump(), "reason": "x"},
        headers=bed.auth(Role.KADIS),
    )
    assert (kadis.status_code, kadis.json()["code"]) == (403, "role_not_allowed")
